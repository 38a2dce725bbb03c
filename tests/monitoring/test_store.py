"""Reports in the store on SQLite and PostgreSQL: kept once, refused whole, re-derived by
event time, rules acting on the agreement (suspension, re-route proposal, re-plan)."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from corridor._records import adapter
from corridor.errors import InputError, NotFoundError, StateError
from corridor.monitoring import (
    Checkin,
    Incident,
    confirm_incident,
    picture_data,
    submit_checkin,
    submit_incident,
)
from corridor.store import (
    AuditEntry,
    CheckinRow,
    EventRow,
    IncidentRow,
    RuleFiringRow,
    ViolationRow,
    load_agreement,
    verify_audit,
)
from tests.monitoring import scenario


def _send(store: Any, item: dict[str, Any], lookup: Any, who: str = "field:team-7") -> Any:
    with store.session() as s:
        if "kind" in item:
            return submit_incident(
                s, adapter(Incident).validate_python(item), reporter=who, networks=lookup
            )
        return submit_checkin(
            s, adapter(Checkin).validate_python(item), reporter=who, networks=lookup
        )


def _counts(store: Any) -> tuple[int, ...]:
    with store.session(write=False) as s:
        return tuple(
            s.scalar(select(func.count()).select_from(t)) or 0
            for t in (CheckinRow, IncidentRow, ViolationRow, EventRow, AuditEntry)
        )


def _state(store: Any) -> dict[str, Any]:
    with store.session(write=False) as s:
        data = picture_data(s, scenario.CORRIDOR)
        data["stored"] = sorted(
            (r.key, r.term, r.party, r.minutes, r.withdrawn_at is None)
            for r in s.scalars(select(ViolationRow))
        )
    return data


def test_a_report_is_kept_once_and_a_reused_id_is_a_conflict(
    agreed: Any, corridor_def: Any, lookup: Any
) -> None:
    first = scenario.day_checkins(corridor_def)[0]
    assert _send(agreed, first, lookup).created
    before = _counts(agreed)
    again = _send(agreed, first, lookup)
    assert not again.created and _counts(agreed) == before
    with pytest.raises(StateError, match="already used"):
        _send(agreed, {**first, "notes": "other"}, lookup)
    with pytest.raises(StateError, match="already used"):  # same body, another team
        _send(agreed, first, lookup, who="field:team-9")
    with pytest.raises(StateError, match="already used"):  # an incident under a check-in's id
        _send(agreed, {**scenario.shelling(corridor_def), "id": first["id"]}, lookup)
    assert _counts(agreed) == before


def _bad_inputs(c: Any) -> list[tuple[dict[str, Any], type[Exception], str]]:
    ok = scenario.day_checkins(c)[0]
    far_future = (datetime.now(UTC) + timedelta(days=2)).isoformat()
    return [
        ({**ok, "id": "x1", "convoy_id": "bus-99"}, NotFoundError, "no convoy 'bus-99'"),
        ({**ok, "id": "x2", "corridor_id": "kyiv-irpin"}, NotFoundError, "no agreement"),
        ({**ok, "id": "x3", "at_utc": far_future}, InputError, "in the future"),
        ({**ok, "id": "x4", "at_utc": "2022-03-01T08:00:00Z"}, InputError, "before the agreement"),
        ({**ok, "id": "x5", "lat": 50.9, "lon": 34.8}, InputError, "outside the corridor"),
        ({**ok, "id": "x6", "status": "held", "checkpoint": "Nowhere"}, InputError,
         "not an agreed checkpoint"),
        ({**scenario.shelling(c), "id": "x7", "attributed_to": "Mars"}, InputError,
         "not a party"),
    ]  # fmt: skip


def test_bad_reports_are_refused_and_nothing_is_written(
    agreed: Any, corridor_def: Any, lookup: Any
) -> None:
    before = _counts(agreed)
    for item, error, message in _bad_inputs(corridor_def):
        with pytest.raises(error, match=message):
            _send(agreed, item, lookup)
    assert _counts(agreed) == before


def _replay(store: Any, items: list[dict[str, Any]], lookup: Any) -> None:
    for item in items:
        _send(store, item, lookup)


def test_out_of_order_late_and_twice_give_the_state_of_the_ordered_day(
    agreed: Any, corridor_def: Any, lookup: Any, tmp_path: Any
) -> None:
    """The same reports in a shuffled order, with a batch replayed twice, end in the state
    the in-order day gives (computed independently on a second database)."""
    from corridor.store import open_store

    day = scenario.day_checkins(corridor_def)
    shuffled = day[:]
    random.Random(8032022).shuffle(shuffled)
    _replay(agreed, shuffled, lookup)
    once = _state(agreed)
    counts = _counts(agreed)
    _replay(agreed, shuffled[:7], lookup)  # a device re-sends its batch
    assert _state(agreed) == once and _counts(agreed) == counts

    with open_store(f"sqlite:///{tmp_path / 'ordered.db'}") as ordered:
        scenario.agree(ordered, corridor_def)
        from corridor.monitoring import ConvoyPlan, add_convoys

        with ordered.session() as s:
            add_convoys(
                s, [adapter(ConvoyPlan).validate_python(c) for c in scenario.convoys()], actor="t"
            )
        _replay(ordered, day, lookup)
        in_order = _state(ordered)
    for key in ("convoys", "violations"):
        assert once[key] == in_order[key]
    assert [v[:4] for v in once["stored"] if v[4]] == [v[:4] for v in in_order["stored"] if v[4]]
    # bus-1 stood at Lokhvytsia 08:44-11:00: 136 min against 20 + 15 agreed.
    hold = next(v for v in once["violations"] if v["kind"] == "hold")
    assert (hold["convoy_id"], hold["term"], hold["party"], hold["minutes"]) == (
        "bus-1", "checkpoints[0].inspection_minutes", scenario.RU, 136.0)  # fmt: skip


def _agreement_shown(store: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    """The picture's agreement block, and the same worked out from the latest version read
    afresh (what ``picture_data`` did before it reused the monitored version when latest)."""
    with store.session(write=False) as s:
        data = picture_data(s, scenario.CORRIDOR)
        latest = load_agreement(s, scenario.CORRIDOR)
    at = datetime.fromisoformat(data["as_of"].replace("Z", "+00:00"))
    want = {"monitored_version": data["agreement"]["monitored_version"],
            "latest_version": latest.version, "state": latest.state_at(at).value,
            "stored_state": latest.stored_state.value}  # fmt: skip
    return data["agreement"], want


def test_confirmed_shelling_suspends_and_destroyed_bridge_proposes_a_reroute(
    agreed: Any, corridor_def: Any, lookup: Any
) -> None:
    _replay(agreed, scenario.day_checkins(corridor_def), lookup)
    out = _send(agreed, scenario.shelling(corridor_def), lookup)
    assert out.effects["violations"] == ["incident:inc-shelling"]
    assert out.effects["firings"] == []  # not confirmed yet
    with agreed.session() as s:
        done = confirm_incident(s, "inc-shelling", actor="coordinator:ops",
                                at_utc=scenario.utc("12:20"), networks=lookup)  # fmt: skip
    assert done["effects"]["firings"] == ["confirmed-shelling-suspends@incident:inc-shelling"]
    with agreed.session(write=False) as s:
        rec = load_agreement(s, scenario.CORRIDOR)
        assert rec.stored_state.value == "suspended" and rec.version == 1
        [susp] = rec.suspensions
        assert "confirmed-shelling-suspends" in str(susp)
        alerts = s.scalars(select(EventRow.party).where(EventRow.kind == "alert")).all()
        assert sorted(p for p in alerts if p) == sorted(
            [scenario.RU, scenario.RU, scenario.UA, scenario.UA]
        )  # hold + shelling
    shown, want = _agreement_shown(agreed)  # the version run is the latest
    assert shown == want and shown["latest_version"] == shown["monitored_version"] == 1
    bridge = _send(agreed, scenario.bridge(), lookup)
    assert bridge.effects["firings"] == ["destroyed-bridge-reroutes@incident:inc-bridge"]
    with agreed.session(write=False) as s:
        v1 = load_agreement(s, scenario.CORRIDOR, version=1)
        v2 = load_agreement(s, scenario.CORRIDOR)
        assert (v2.version, v2.stored_state.value) == (2, "proposed") and v2.signatures == []
        assert v2.terms.route.edge_ids != v1.terms.route.edge_ids
        result = s.get(RuleFiringRow, "destroyed-bridge-reroutes@incident:inc-bridge").result
        # The bridge edges are gone from the new route; bus-3 (900 people) waits for a re-plan.
        assert set(result["reroute"]["edges_dropped"]) <= set(v1.terms.route.edge_ids)
        assert not set(result["reroute"]["edges_dropped"]) & set(v2.terms.route.edge_ids)
        assert [c["convoy_id"] for c in result["replan"]["convoys"]] == ["bus-3"]
        assert result["replan"]["people"] == 900
        assert verify_audit(s) is None
    shown, want = _agreement_shown(agreed)  # v1 is run while v2 waits for signatures
    assert shown == want and (shown["monitored_version"], shown["latest_version"]) == (1, 2)
    assert shown["stored_state"] == "proposed"
    # Replaying every report again fires nothing and changes nothing.
    counts = _counts(agreed)
    _replay(agreed, [*scenario.day_checkins(corridor_def), scenario.shelling(corridor_def),
                     scenario.bridge()], lookup)  # fmt: skip
    assert _counts(agreed) == counts


def test_an_incident_becomes_a_hazard_that_names_its_report(
    agreed: Any, corridor_def: Any, lookup: Any
) -> None:
    from corridor.store import HazardRow

    rules = "version: 1\nrules: []\n"  # nothing but the hazard picture this time
    with agreed.session() as s:
        from corridor.monitoring import set_rules

        set_rules(s, rules, actor="coordinator:ops")
    shell = _send(agreed, scenario.shelling(corridor_def), lookup)
    bridge = _send(agreed, scenario.bridge(), lookup)
    detained = _send(agreed, {**scenario.bridge("inc-det"), "kind": "detention"}, lookup)
    assert shell.effects["hazard_id"] == "report-inc-shelling"
    assert bridge.effects["hazard_id"] == "report-inc-bridge"
    assert detained.effects["hazard_id"] is None  # people, not a road
    with agreed.session(write=False) as s:
        row = s.get(HazardRow, "report-inc-bridge")
        assert row.kind == "destroyed_bridge" and row.source == "field report inc-bridge"
        assert row.provisional  # a field team's closure waits for a coordinator
        assert not s.get(HazardRow, "report-inc-shelling").provisional  # adds risk, closes nothing
        assert s.get(IncidentRow, "inc-bridge").hazard_id == "report-inc-bridge"
    with agreed.session() as s:
        confirm_incident(s, "inc-bridge", actor="coordinator:ops", networks=lookup)
    with agreed.session(write=False) as s:
        assert not s.get(HazardRow, "report-inc-bridge").provisional
        assert verify_audit(s) is None
