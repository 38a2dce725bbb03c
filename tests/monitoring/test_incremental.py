"""The incremental picture equals the full re-derivation, report by report, whatever the order.

Oracle: ``derive`` over the unique reports seen so far (the re-derivation the tracker replaces,
itself checked against hand values in test_derive). Batches are random: reports of three
convoys at random times and places, with every status, incidents, duplicates and any arrival
order; every example is compared after every report, and at earlier times too.
"""

from __future__ import annotations

import random
from datetime import timedelta
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from corridor._records import adapter
from corridor.monitoring import Checkin, CheckinStatus, Incident, IncidentView, derive
from corridor.monitoring._derive import MovementView
from corridor.monitoring._incremental import Tracker
from tests.monitoring.hand import LAT, ck, day, plan, terms, utc

CONVOYS = ("bus-1", "bus-2", "car-1")
STATUSES = [s.value for s in CheckinStatus]
PLACES = (None, "CP-A", "CP-B")
KINDS = ("shelling", "fired_upon", "route_blocked", "mines", "bridge_destroyed", "detention")

report = st.tuples(
    st.sampled_from(CONVOYS),
    st.integers(0, 13 * 60),  # minutes after 07:00: before, in and after the window
    st.sampled_from(STATUSES),
    st.sampled_from(PLACES),
    st.floats(15.55, 15.65),
    st.sampled_from([0.0, 0.0, 0.0, 0.02]),  # now and then 2 km off the route
    st.one_of(st.none(), st.integers(1, 60)),
)
incident = st.tuples(st.integers(0, 13 * 60), st.sampled_from(KINDS), st.floats(15.55, 15.65),
                     st.floats(0, 0.02))  # fmt: skip


def _checkin(i: int, r: tuple[Any, ...]) -> Checkin:
    convoy, minute, status, place, lon, dlat, vehicles = r
    at = (utc("07:00") + timedelta(minutes=minute)).strftime("%H:%M")
    if place is None and status in ("at_checkpoint", "held", "released"):
        place = "CP-B"  # these statuses name their checkpoint
    return ck(f"c{i}", at, status, lon, place, convoy=convoy, lat=LAT + dlat, vehicles=vehicles)


def _incident(i: int, r: tuple[Any, ...]) -> IncidentView:
    minute, kind, lon, dlat = r
    return IncidentView(adapter(Incident).validate_python({
        "id": f"i{i}", "corridor_id": "hand-1", "kind": kind,
        "at_utc": (utc("07:00") + timedelta(minutes=minute)).isoformat(), "lat": LAT + dlat,
        "lon": lon, "severity": 0.8, "confidence": 0.7}))  # fmt: skip


def _movement(acked_a: int | None) -> dict[str, MovementView]:
    acked = None if acked_a is None else utc("07:00") + timedelta(minutes=acked_a)
    return {"bus-1": MovementView("m-1", "bus-1", "south", utc("08:10"), utc("09:20"),
                                  utc("08:00"), (("CP-A", utc("08:30")), ("CP-B", utc("09:00"))),
                                  (("north", acked),))}  # fmt: skip


def _same(a: Any, b: Any) -> None:
    assert a.as_of == b.as_of
    assert [c.to_dict() for c in a.convoys] == [c.to_dict() for c in b.convoys]
    assert [v.to_dict() for v in a.violations] == [v.to_dict() for v in b.violations]


@settings(max_examples=150, deadline=None)
@given(
    reports=st.lists(report, min_size=1, max_size=30),
    incidents=st.lists(incident, max_size=4),
    dups=st.lists(st.integers(0, 40), max_size=8),
    seed=st.integers(0, 2**32 - 1),
    acked=st.one_of(st.none(), st.integers(0, 120)),
)
def test_incremental_equals_full_rederivation(
    reports: list[Any], incidents: list[Any], dups: list[int], seed: int, acked: int | None
) -> None:
    t, plans, moves = terms(), [plan(c) for c in CONVOYS], _movement(acked)
    items: list[Any] = [_checkin(i, r) for i, r in enumerate(reports)]
    items += [_incident(i, r) for i, r in enumerate(incidents)]
    batch = items + [items[d % len(items)] for d in dups]  # a device re-sends some
    random.Random(seed).shuffle(batch)
    tracker = Tracker(t, plans, movements=moves)
    seen: dict[str, Any] = {}
    for item in batch:
        rid = item.id if isinstance(item, Checkin) else item.incident.id
        fresh = rid not in seen
        seen.setdefault(rid, item)
        added = (tracker.add_checkin(item) if isinstance(item, Checkin)
                 else tracker.add_incident(item))  # fmt: skip
        assert added == fresh
        cks = [x for x in seen.values() if isinstance(x, Checkin)]
        incs = [x for x in seen.values() if isinstance(x, IncidentView)]
        _same(tracker.picture(), derive(t, plans, cks, incs, movements=moves))
    # The picture at earlier times (a dashboard scrubbing back), then at the latest again.
    for minute in (60, 200, 400):
        at = utc("07:00") + timedelta(minutes=minute)
        _same(tracker.picture(at), derive(t, plans, cks, incs, movements=moves, as_of=at))
    _same(tracker.picture(), derive(t, plans, cks, incs, movements=moves))


def test_a_late_report_rederives_its_convoy_only() -> None:
    """r4 (the release at 10:01) arrives after r7: the hold shrinks from 109 to 90 minutes."""
    reports = day()
    tracker = Tracker(terms(), [plan(), plan("bus-2")])
    tracker.add([r for r in reports if r.id != "r4"])
    assert tracker.picture().convoy("bus-1").stops[0].minutes == 109
    assert tracker.rederived == 0
    tracker.add([reports[3]])
    assert tracker.rederived == 1
    assert tracker.picture().convoy("bus-1").stops[0].minutes == 90
    assert not tracker.add_checkin(reports[3])  # the same report again changes nothing


def _stored_is_full(store: Any, corridor: str) -> None:
    import pytest
    from sqlalchemy import select

    from corridor.monitoring import picture
    from corridor.store import ViolationRow

    with store.session(write=False) as s:
        full, _, _ = picture(s, corridor)
        stored = {r.key: r for r in s.scalars(select(ViolationRow)) if r.withdrawn_at is None}
    assert sorted(stored) == sorted(v.key for v in full.violations)
    for v in full.violations:
        row = stored[v.key]
        assert (row.term, row.party, row.end_utc, row.report_ids) == (
            v.term, v.party, v.end_utc, list(v.report_ids))  # fmt: skip
        assert row.minutes == (None if v.minutes is None else pytest.approx(v.minutes))


def test_the_store_keeps_what_the_full_derivation_says(
    agreed: Any, corridor_def: Any, lookup: Any
) -> None:
    """Through the store (SQLite and PostgreSQL): a shuffled day with a re-sent batch and a
    rolled-back report sent again only at the end; after each step the stored violations are
    the full derivation's over the reports the store holds."""
    import pytest

    from corridor.monitoring import Checkin, _service, submit_checkin
    from tests.monitoring import scenario
    from tests.monitoring.test_store import _replay, _send

    day = scenario.day_checkins(corridor_def)
    lost = next(r for r in day if r["id"] == "b1-rel")  # bus-1's release ends its hold
    shuffled = [r for r in day if r is not lost]
    random.Random(8).shuffle(shuffled)
    _replay(agreed, shuffled[:10], lookup)
    _stored_is_full(agreed, scenario.CORRIDOR)
    with pytest.raises(RuntimeError), agreed.session() as s:  # stored, then rolled back
        submit_checkin(s, adapter(Checkin).validate_python(lost), reporter="field:team-7",
                       networks=lookup)  # fmt: skip
        raise RuntimeError("the device's connection dropped before the commit")
    for item in shuffled[:5] + shuffled[10:]:  # not re-sent...
        _send(agreed, item, lookup)
        _stored_is_full(agreed, scenario.CORRIDOR)
    _send(agreed, scenario.shelling(corridor_def), lookup)
    _send(agreed, lost, lookup)  # ...until the very end
    _stored_is_full(agreed, scenario.CORRIDOR)
    _, tracker = list(_service._TRACKERS.values())[-1]  # the one the last report used
    assert len(tracker) == len(day) + 1


def _idle(convoy: str) -> Any:
    """A convoy due the next day: nothing about it changes during bus-1's day."""
    from corridor.monitoring._schedule import ConvoyPlan

    nxt = "2022-03-09"
    return adapter(ConvoyPlan).validate_python({
        "id": convoy, "corridor_id": "hand-1", "kind": "bus", "vehicles": 5, "people": 200,
        "depart_utc": utc("08:10", nxt).isoformat(),
        "stops": [{"place": "CP-A", "at_utc": utc("08:30", nxt).isoformat()},
                  {"place": "destination", "at_utc": utc("09:20", nxt).isoformat()}],
    })  # fmt: skip


def test_a_report_recomputes_the_same_convoys_however_many_others_wait() -> None:
    """Counted, not timed: each of bus-1's reports (in event order, then one late) recomputes
    bus-1 and nothing else, with 2 or 300 idle convoys beside it; the pictures stay equal to
    the full derivation."""
    reports = day()
    per_report: dict[int, list[int]] = {}
    for n_idle in (2, 300):
        t = terms()
        plans = [plan(), *(_idle(f"idle-{k:03d}") for k in range(n_idle))]
        tracker = Tracker(t, plans)
        tracker.picture()  # no report yet: the picture has no time
        counts = []
        order = [r for r in reports if r.id != "r4"] + [reports[3]]  # r4 comes late
        for k, r in enumerate(order):
            before = tracker.recomputed
            tracker.add_checkin(r)
            got = tracker.picture()
            counts.append(tracker.recomputed - before)
            if k % 3 == 0 or k == len(order) - 1:
                _same(got, derive(t, plans, order[: k + 1], []))
        per_report[n_idle] = counts
    # the first report gives the picture its time: every convoy is computed then, once
    assert per_report[2][0] == 3 and per_report[300][0] == 301
    assert per_report[2][1:] == per_report[300][1:]
    assert max(per_report[300][1:]) <= 1  # bus-1 only (the idle ones fall due the next day)
