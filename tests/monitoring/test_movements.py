"""Issue 11 in monitoring: a convoy that departs under a movement notification not acknowledged
by every party in time, or that moves otherwise than notified, is flagged (a violation, its
event and audit entry, and the default rule's alert to every party)."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest
from sqlalchemy import select

from corridor._records import adapter
from corridor.errors import NotFoundError
from corridor.monitoring import ConvoyPlan, add_convoys
from corridor.store import EventRow, ViolationRow, load_agreement, verify_audit
from tests.monitoring import scenario
from tests.monitoring.test_store import _counts, _replay


def _movement(c: scenario.Corridor, digest: str, mid: str, depart: str, cp1: str, cp2: str,  # noqa: PLR0917
              arrive: str) -> dict[str, Any]:  # fmt: skip
    return {
        "movement_id": mid, "corridor_id": scenario.CORRIDOR, "agreement_version": 1,
        "agreement_digest": digest, "sender": scenario.UA, "organisation": "Sumy oblast CMA",
        "contacts": [{"role": "convoy leader", "channel": "phone", "address": "+380 00 000"}],
        "vehicles": [{"type": "bus", "plate": f"BM-{n:04d}", "markings": "white flags",
                      "seats": 50} for n in range(20)],
        "departure_utc": scenario.iso(depart),
        "checkpoints": [{"checkpoint": "Lokhvytsia", "planned_utc": scenario.iso(cp1)},
                        {"checkpoint": "Lubny", "planned_utc": scenario.iso(cp2)}],
        "arrival_utc": scenario.iso(arrive),
        "passengers": {"children": 300, "adults": 500, "older_people": 100},
        "ack_deadline_utc": scenario.iso("08:00"),
    }  # fmt: skip


@pytest.fixture
def moving(store: Any, corridor_def: scenario.Corridor) -> Any:
    """bus-1 and bus-2 move under movements sent by Ukraine: bus-1's acknowledged by the
    Russian side at 07:30 (in time), bus-2's never."""
    from corridor.store import acknowledge_movement, submit_movement

    scenario.agree(store, corridor_def)
    with store.session() as s:
        digest = load_agreement(s, scenario.CORRIDOR).digest
        ua, ru = corridor_def.keys[scenario.UA], corridor_def.keys[scenario.RU]
        for mid, times in (("m-bus-1", ("08:15", "08:45", "09:30", "10:15")),
                           ("m-bus-2", ("08:45", "09:15", "10:00", "10:45"))):  # fmt: skip
            submit_movement(s, _movement(corridor_def, digest, mid, *times), key=ua,
                            actor="ua", at_utc=scenario.utc("07:00"))  # fmt: skip
        acknowledge_movement(s, "m-bus-1", key=ru, actor="ru", at_utc=scenario.utc("07:30"))
        moves = {"bus-1": "m-bus-1", "bus-2": "m-bus-2"}
        plans = [
            adapter(ConvoyPlan).validate_python({**c, "movement_id": moves.get(c["id"])})
            for c in scenario.convoys()
        ]
        add_convoys(s, plans, actor="setup")
    return store


def _violations(store: Any) -> dict[str, ViolationRow]:
    with store.session(write=False) as s:
        rows = s.scalars(select(ViolationRow)).all()
        for r in rows:
            s.expunge(r)
    return {r.key: r for r in rows if r.withdrawn_at is None}


def test_departure_unacknowledged_and_late_checkpoint_are_flagged(
    moving: Any, corridor_def: Any, lookup: Any
) -> None:
    day = scenario.day_checkins(corridor_def)
    _replay(moving, day, lookup)
    got = _violations(moving)
    # bus-2 left at 08:47: the Russian side never acknowledged m-bus-2.
    unack = got["unacknowledged:m-bus-2"]
    assert (unack.kind, unack.term, unack.convoy_id) == (
        "unacknowledged_movement", "movement.acknowledgements", "bus-2")  # fmt: skip
    assert scenario.RU in unack.summary and unack.report_ids == ["b2-dep"]
    assert "unacknowledged:m-bus-1" not in got  # acknowledged at 07:30, before the deadline
    # bus-1, held at Lokhvytsia, reached Lubny at 11:40 against 09:30 notified: 130 min late.
    late = got["deviation:m-bus-1:Lubny"]
    assert (late.term, late.minutes) == ("movement.checkpoints[1].planned_utc", 130.0)
    # Departures (08:14 vs 08:15, 08:47 vs 08:45) and bus-2's checkpoints are within 15 min.
    assert sorted(k for k in got if ":m-bus" in k) == [
        "deviation:m-bus-1:Lubny", "unacknowledged:m-bus-2"]  # fmt: skip
    with moving.session(write=False) as s:
        alerts = s.scalars(select(EventRow).where(EventRow.kind == "alert")).all()
        about = [e.party for e in alerts if e.payload["rule"] == "unacknowledged-movement-alerts"]
        assert sorted(about) == sorted([scenario.RU, scenario.UA] * 2)  # two flags, two parties
        assert verify_audit(s) is None
    counts = _counts(moving)
    _replay(moving, list(reversed(day)), lookup)  # the same reports again: nothing new
    assert _counts(moving) == counts


def test_departing_before_the_acknowledgement_arrives_is_flagged(
    store: Any, corridor_def: Any, lookup: Any
) -> None:
    """An acknowledgement dated after the departure does not clear it (event time decides)."""
    from corridor.store import acknowledge_movement, submit_movement

    scenario.agree(store, corridor_def)
    with store.session() as s:
        digest = load_agreement(s, scenario.CORRIDOR).digest
        submit_movement(s, _movement(corridor_def, digest, "m-bus-2", "08:45", "09:15", "10:00",
                                     "10:45"), key=corridor_def.keys[scenario.UA], actor="ua",
                        at_utc=scenario.utc("07:00"))  # fmt: skip
        acknowledge_movement(s, "m-bus-2", key=corridor_def.keys[scenario.RU], actor="ru",
                             at_utc=scenario.utc("08:50"))  # fmt: skip
        plan = next(c for c in scenario.convoys() if c["id"] == "bus-2")
        add_convoys(s, [adapter(ConvoyPlan).validate_python({**plan, "movement_id": "m-bus-2"})],
                    actor="setup")  # fmt: skip
    _replay(store, [c for c in scenario.day_checkins(corridor_def) if c["convoy_id"] == "bus-2"],
            lookup)  # fmt: skip
    got = _violations(store)
    assert "unacknowledged:m-bus-2" in got and scenario.RU in got["unacknowledged:m-bus-2"].summary


def test_a_convoy_naming_an_unknown_movement_is_refused(agreed: Any) -> None:
    plan = {**scenario.convoys()[0], "id": "bus-9", "movement_id": "m-nowhere"}
    with pytest.raises(NotFoundError, match="no movement 'm-nowhere'"), agreed.session() as s:
        add_convoys(s, [adapter(ConvoyPlan).validate_python(plan)], actor="setup")


def test_off_the_notified_route_and_early_departure_by_hand() -> None:
    """Hand corridor (route along 48.40 N): a check-in 0.02 deg north is 2 224 m off the route
    (0.02 x 111 195 m), beyond the 1 000 m setting; leaving at 07:50 is 20 min before the
    notified 08:10, beyond the 15 min margin. Arriving off the route is not a deviation."""
    from corridor.monitoring import derive
    from corridor.monitoring._derive import MovementView
    from tests.monitoring.hand import LAT, LON1, ck, plan, terms, utc

    move = MovementView("m-1", "bus-1", "south", utc("08:10"), utc("09:20"), utc("08:00"),
                        (("CP-A", utc("08:30")), ("CP-B", utc("09:00"))),
                        (("north", utc("07:00")),))  # fmt: skip
    reports = [ck("r1", "07:50", "departed", 15.55),
               ck("r2", "08:05", "en_route", 15.57, lat=LAT + 0.02),
               ck("r3", "09:25", "arrived", LON1, lat=LAT + 0.02)]  # fmt: skip
    got = {v.key: v for v in derive(terms(), [plan()], reports, [],
                                    movements={"bus-1": move}).violations}  # fmt: skip
    off = got["deviation:m-1:route"]
    assert (off.party, off.report_ids, round(off.distance_m or 0)) == ("south", ("r2",), 2224)
    early = got["deviation:m-1:departure"]
    assert (early.minutes, early.party, early.term) == (-20.0, None, "movement.departure_utc")
    assert "unacknowledged:m-1" not in got  # north acknowledged at 07:00, before 07:50
    late_ack = dataclasses.replace(move, acked=(("north", utc("07:55")),))
    got = {v.key for v in derive(terms(), [plan()], reports, [],
                                 movements={"bus-1": late_ack}).violations}  # fmt: skip
    assert "unacknowledged:m-1" in got  # acknowledged at 07:55, after leaving at 07:50
