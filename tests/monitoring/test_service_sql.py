"""Field reports on plain SQL (``corridor.monitoring._service``): the same day of reports sent
through a command's own transaction on the bare driver (``corridor checkin|incident|confirm``)
and through the server's ORM session leave the same rows, audit entries and events, read back
through the ORM's own mapping (the oracle). The day covers violations recorded, updated and
withdrawn, an incident that becomes a hazard, a confirmation that suspends the agreement, a
destroyed bridge that proposes a re-route and asks for a re-plan, replays (no-ops) and a
reused id (refused, nothing written)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from corridor._records import adapter
from corridor.errors import StateError
from corridor.monitoring import (
    Checkin,
    ConvoyPlan,
    Incident,
    add_convoys,
    confirm_incident,
    picture_data,
    report_rows,
    submit_checkin,
    submit_incident,
)
from corridor.store import (
    AuditEntry,
    CheckinRow,
    EventRow,
    HazardRow,
    IncidentRow,
    RuleFiringRow,
    ViolationRow,
    load_agreement,
    open_store,
    transaction,
    verify_audit,
)
from corridor.store._sql import DriverSql
from tests.monitoring import scenario

FIELD = "field:team-7"
COORDINATOR = "coordinator:ops"


@contextmanager
def _tx(url: str, *, lean: bool) -> Iterator[Any]:
    """A command's transaction on the bare driver, or an ORM session as the server has."""
    if lean:
        with transaction(url) as tx:
            assert isinstance(tx, DriverSql)  # really the bare driver, not the fallback
            yield tx
    else:
        with open_store(url) as store, store.session() as s:
            yield s


def _send(url: str, item: dict[str, Any], lookup: Any, now: datetime, *, lean: bool) -> Any:
    with _tx(url, lean=lean) as tx:
        if "kind" in item:
            report = adapter(Incident).validate_python(item)
            return submit_incident(tx, report, reporter=FIELD, networks=lookup, now=now)
        report = adapter(Checkin).validate_python(item)
        return submit_checkin(tx, report, reporter=FIELD, networks=lookup, now=now)


def _day(url: str, c: scenario.Corridor, lookup: Any, now: datetime, *, lean: bool) -> list[Any]:
    """The replayed day on ``url``, received at ``now``; what each call returned."""
    with open_store(url) as store:
        scenario.agree(store, c)
        with store.session() as s:
            add_convoys(
                s, [adapter(ConvoyPlan).validate_python(x) for x in scenario.convoys()], actor="t"
            )
    day = scenario.day_checkins(c)
    out: list[Any] = []
    late = {"b1-cp1", "b2-cp1"}  # sent hours later: the hold they begin is updated
    for item in [*(x for x in day if x["id"] not in late), *(x for x in day if x["id"] in late)]:
        out.append(_send(url, item, lookup, now, lean=lean).to_dict())
    out.append(_send(url, scenario.shelling(c), lookup, now, lean=lean).to_dict())
    with _tx(url, lean=lean) as tx:
        out.append(confirm_incident(tx, "inc-shelling", actor=COORDINATOR,
                                    at_utc=scenario.utc("12:20"), networks=lookup))  # fmt: skip
    with _tx(url, lean=lean) as tx:  # a second confirmation changes nothing
        out.append(confirm_incident(tx, "inc-shelling", actor=COORDINATOR, networks=lookup))
    out.append(_send(url, scenario.bridge(), lookup, now, lean=lean).to_dict())
    for item in [*day[:3], scenario.shelling(c), scenario.bridge()]:  # re-sent: no-ops
        out.append(_send(url, item, lookup, now, lean=lean).to_dict())
    with pytest.raises(StateError, match="already used"):
        _send(url, {**day[0], "vehicles": 30}, lookup, now, lean=lean)
    with _tx(url, lean=lean) as tx:
        data = picture_data(tx, scenario.CORRIDOR)
        data["incidents"] = report_rows(tx, "incident", scenario.CORRIDOR, 0, 20)
        data["checkins"] = report_rows(tx, "checkin", None, 2, 5)
        out.append(data)
    return out


def _stored(url: str) -> dict[str, Any]:
    """Everything the day wrote, through the ORM's mapping, without the times of writing."""
    with open_store(url) as store, store.session(write=False) as s:
        assert verify_audit(s) is None
        v2 = load_agreement(s, scenario.CORRIDOR)
        return {
            "checkins": [(r.id, r.convoy_id, r.at_utc, r.body, r.body_digest, r.reporter,
                          r.received_at)
                         for r in s.scalars(select(CheckinRow).order_by(CheckinRow.id))],
            "incidents": [(r.id, r.kind, r.at_utc, r.body, r.body_digest, r.reporter,
                           r.received_at, r.confirmed_at, r.confirmed_by, r.hazard_id)
                          for r in s.scalars(select(IncidentRow).order_by(IncidentRow.id))],
            "violations": [(r.key, r.kind, r.term, r.party, r.convoy_id, r.start_utc, r.end_utc,
                            r.minutes, r.distance_m, r.report_ids, r.summary,
                            r.withdrawn_at is None, r.detected_at <= r.updated_at)
                           for r in s.scalars(select(ViolationRow).order_by(ViolationRow.key))],
            "firings": [(r.key, r.rule, r.subject, r.actions, r.result)
                        for r in s.scalars(select(RuleFiringRow).order_by(RuleFiringRow.key))],
            "hazards": [(r.id, r.kind, r.provisional, r.confirmed_by, r.created_by)
                        for r in s.scalars(select(HazardRow).order_by(HazardRow.id))],
            "events": [(e.kind, e.corridor_id, e.party, e.payload)
                       for e in s.scalars(select(EventRow).order_by(EventRow.id))],
            "audit": [(e.actor, e.action, json.loads(e.payload))
                      for e in s.scalars(select(AuditEntry).order_by(AuditEntry.seq))],
            "agreement": (v2.version, v2.stored_state.value,
                          load_agreement(s, scenario.CORRIDOR, version=1).stored_state.value),
        }  # fmt: skip


def _timeless(audit: list[tuple[str, str, Any]]) -> list[tuple[str, str, Any]]:
    """Audit entries with the server's own clock readings left out (a suspension or
    confirmation stamps when it was recorded, which differs between two runs)."""
    out = []
    for actor, action, payload in audit:
        kept = payload
        if isinstance(payload, dict):
            kept = {k: v for k, v in payload.items() if k not in {"recorded_at", "at"}}
        out.append((actor, action, kept))
    return out


def test_the_day_on_the_bare_driver_stores_what_the_orm_session_stores(
    db_url: str, tmp_path: Path, corridor_def: scenario.Corridor, lookup: Any
) -> None:
    now = datetime.now(UTC)
    lean = _day(db_url, corridor_def, lookup, now, lean=True)
    oracle_url = f"sqlite:///{tmp_path / 'orm.db'}"
    orm = _day(oracle_url, corridor_def, lookup, now, lean=False)
    assert lean == orm
    got, want = _stored(db_url), _stored(oracle_url)
    audit, oracle_audit = got.pop("audit"), want.pop("audit")
    assert got == want
    assert [a[:2] for a in audit] == [a[:2] for a in oracle_audit]
    assert _timeless(audit) == _timeless(oracle_audit)
    # The day did what it should, so the comparison above compares something.
    assert want["agreement"] == (2, "proposed", "suspended")
    firings = [f[0] for f in want["firings"]]
    assert firings == sorted(["confirmed-shelling-suspends@incident:inc-shelling",
                              "destroyed-bridge-reroutes@incident:inc-bridge",
                              *[f for f in firings if f.startswith("hold-alerts@")]])  # fmt: skip
    assert "violation.updated" in [e[0] for e in want["events"]]
    assert [h[0] for h in want["hazards"]] == ["report-inc-bridge", "report-inc-shelling"]
    assert [i[8] for i in want["incidents"]] == [None, COORDINATOR]  # inc-bridge, inc-shelling
    kinds = [e[0] for e in want["events"]]
    for kind in ("checkin", "incident", "violation", "incident.confirmed", "rule.fired",
                 "alert", "agreement.suspended", "agreement.reroute_proposed",
                 "replan.requested"):  # fmt: skip
        assert kind in kinds, kind
