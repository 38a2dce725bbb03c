"""Monitoring writes in the store: each report, violation and rule firing is audited in the
same transaction, and each produces events for live subscribers.

Functions take the caller's session (``with store.session() as s:``) and never commit. They
are shared by the REST API and the CLI so that both accept and refuse exactly the same reports.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from corridor.agreements import State, Terms, canonical_bytes
from corridor.errors import InputError, NotFoundError, StateError
from corridor.monitoring._derive import IncidentView, MovementView, Picture, derive
from corridor.monitoring._incremental import Tracker
from corridor.monitoring._model import Checkin, Incident, report_body
from corridor.monitoring._rules import (
    Action,
    Firing,
    RuleSet,
    evaluate,
)
from corridor.monitoring._stored import (
    convoy_plans,
    emit,
    monitored_agreement,
    rules_in_force,
)

if TYPE_CHECKING:
    from corridor.network import Network
    from corridor.store import AgreementRecord

#: How far ahead of the server's clock a report may be dated (phones' clocks drift).
MAX_CLOCK_SKEW = timedelta(minutes=10)
#: How long before the agreement's first window a report may be dated (teams scout the route).
MAX_BEFORE_WINDOWS = timedelta(days=1)
#: Margin around the network's extent within which a report's position is accepted.
BBOX_MARGIN_DEG = 0.05
SYSTEM_ACTOR = "monitoring"

#: A network by its file's SHA-256 (the one the agreed route was computed on), or None.
NetworkLookup = Callable[[str], "Network | None"]
BBox = tuple[float, float, float, float]  # min lon, min lat, max lon, max lat


def digest_of(data: Any) -> str:
    return hashlib.sha256(canonical_bytes(data)).hexdigest()


def iso(at: datetime | None) -> str | None:
    return None if at is None else at.astimezone(UTC).isoformat().replace("+00:00", "Z")


def area_of(terms: Terms, networks: NetworkLookup | None) -> BBox:
    """Where reports may come from: the route's road network (when loaded here), else the
    route's own extent with a wide margin (about 25 km)."""
    network = networks(terms.route.network_sha256) if networks is not None else None
    if network is not None:
        return network_bbox(network)
    lons = [p[0] for p in terms.route.geometry.coordinates]
    lats = [p[1] for p in terms.route.geometry.coordinates]
    m = 0.25
    return (min(lons) - m, min(lats) - m, max(lons) + m, max(lats) + m)


def network_bbox(network: Network) -> BBox:
    return (
        float(network.node_lon.min()),
        float(network.node_lat.min()),
        float(network.node_lon.max()),
        float(network.node_lat.max()),
    )


# --- reports ----------------------------------------------------------------------------------


@dataclass
class Submitted:
    """What a report submission did: ``created`` False means an identical earlier upload."""

    kind: str
    report_id: str
    created: bool
    body: dict[str, Any]
    reporter: str
    received_at: datetime
    effects: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.report_id,
            "type": self.kind,
            "created": self.created,
            "reported_by": self.reporter,
            "received_at": iso(self.received_at),
            "report": self.body,
            "effects": self.effects,
        }


def _check_common(terms: Terms, report: Checkin | Incident, *, now: datetime, bbox: BBox) -> None:
    if report.at_utc > now + MAX_CLOCK_SKEW:
        raise InputError(
            f"report {report.id}: at_utc {iso(report.at_utc)} is in the future "
            f"(server time {iso(now)})",
            field="at_utc",
            hint="check the device's clock; times are UTC",
        )
    first = min(w.start_utc for w in terms.windows)
    if report.at_utc < first - MAX_BEFORE_WINDOWS:
        raise InputError(
            f"report {report.id}: at_utc {iso(report.at_utc)} is before the agreement "
            f"(its first window opens {iso(first)})",
            field="at_utc",
        )
    m = BBOX_MARGIN_DEG
    if not (bbox[0] - m <= report.lon <= bbox[2] + m and bbox[1] - m <= report.lat <= bbox[3] + m):
        raise InputError(
            f"report {report.id}: position {report.lat:.5f},{report.lon:.5f} is outside the "
            "corridor's road network",
            field="lat",
            hint="lat/lon in WGS 84 degrees, in that order",
        )


def _existing(
    session: Session, report_id: str, kind: str, digest: str, reporter: str
) -> dict[str, Any] | None:
    from corridor.store import CheckinRow, IncidentRow

    tables: tuple[tuple[Any, str], ...] = ((CheckinRow, "checkin"), (IncidentRow, "incident"))
    for table, name in tables:
        row = session.get(table, report_id)
        if row is None:
            continue
        if name != kind or row.body_digest != digest or row.reporter != reporter:
            raise StateError(
                f"report id {report_id!r} was already used for a different {name} report",
                item=report_id,
                hint="a device must give every new report a new id",
            )
        return {"row": row}
    return None


def submit_checkin(
    session: Session,
    report: Checkin,
    *,
    reporter: str,
    now: datetime | None = None,
    networks: NetworkLookup | None = None,
) -> Submitted:
    """Store a check-in once; a second upload of the same report changes nothing."""
    from corridor.store import CheckinRow, ConvoyRow, lock_corridor, record

    now = now or datetime.now(UTC)
    body = report_body(report)
    digest = digest_of(body)
    lock_corridor(session, report.corridor_id)
    if (found := _existing(session, report.id, "checkin", digest, reporter)) is not None:
        row = found["row"]
        return Submitted("checkin", report.id, False, row.body, row.reporter, row.received_at)
    rec = monitored_agreement(session, report.corridor_id)
    convoy = session.get(ConvoyRow, report.convoy_id)
    if convoy is None or convoy.corridor_id != report.corridor_id:
        raise NotFoundError(
            f"no convoy {report.convoy_id!r} on corridor {report.corridor_id}",
            field="convoy_id",
            hint="register the schedule's convoys first (`corridor convoys add`)",
        )
    if (
        report.checkpoint is not None
        and rec.terms.checkpoints
        and all(c.name != report.checkpoint for c in rec.terms.checkpoints)
    ):
        names = ", ".join(c.name for c in rec.terms.checkpoints)
        raise InputError(
            f"report {report.id}: {report.checkpoint!r} is not an agreed checkpoint",
            field="checkpoint",
            hint=f"agreed: {names}",
        )
    _check_common(rec.terms, report, now=now, bbox=area_of(rec.terms, networks))
    session.add(
        CheckinRow(id=report.id, corridor_id=report.corridor_id, convoy_id=report.convoy_id,
                   at_utc=report.at_utc, body=body, body_digest=digest, reporter=reporter,
                   received_at=now)
    )  # fmt: skip
    out = Submitted("checkin", report.id, True, body, reporter, now)
    record(session, actor=reporter, action="report.checkin", payload=out.to_dict())
    emit(session, "checkin", out.to_dict(), corridor_id=report.corridor_id)
    out.effects = reassess(session, report.corridor_id, networks=networks, new=report, rec=rec)
    return out


#: The hazard kind a field report of each incident kind becomes for routing (None: no hazard;
#: a detention endangers people, not a road).
HAZARD_OF: dict[str, str | None] = {
    "shelling": "shelling",
    "fired_upon": "active_fighting",
    "route_blocked": "roadblock",
    "mines": "mines",
    "bridge_destroyed": "destroyed_bridge",
    "detention": None,
}


def _report_hazard(
    session: Session, report: Incident, *, reporter: str, coordinator: bool
) -> str | None:
    """Put the incident on the hazard picture within the field bounds (hazards area): the
    hazard's id and source name the report; a closure from a field team stays provisional
    until a coordinator confirms the incident."""
    import shapely

    from corridor.hazards import Hazard, HazardKind, check_field_report, needs_confirmation
    from corridor.store import add_hazard, stored_hazard_ids

    kind = HAZARD_OF[report.kind.value]
    if kind is None:
        return None
    hazard = Hazard(
        id=f"report-{report.id}",
        kind=HazardKind(kind),
        geometry=shapely.Point(report.lon, report.lat),
        severity=report.severity,
        confidence=report.confidence,
        observed_at=report.at_utc,
        valid_from=report.at_utc,
        source=f"field report {report.id}",
        notes=report.notes,
    )
    if stored_hazard_ids(session, [hazard.id]):
        return None  # an operator stored a hazard under this id already: leave it alone
    provisional = False
    if not coordinator:
        check_field_report(hazard)
        provisional = needs_confirmation(hazard)
    add_hazard(session, hazard, actor=reporter, provisional=provisional)
    return hazard.id


def submit_incident(
    session: Session,
    report: Incident,
    *,
    reporter: str,
    now: datetime | None = None,
    networks: NetworkLookup | None = None,
    coordinator: bool = False,
) -> Submitted:
    """Store an incident once (its attachment once, by hash), and its hazard for routing."""
    from corridor.store import AttachmentRow, ConvoyRow, IncidentRow, lock_corridor, record

    now = now or datetime.now(UTC)
    body = report_body(report)
    digest = digest_of(body)
    lock_corridor(session, report.corridor_id)
    if (found := _existing(session, report.id, "incident", digest, reporter)) is not None:
        row = found["row"]
        return Submitted("incident", report.id, False, row.body, row.reporter, row.received_at)
    rec = monitored_agreement(session, report.corridor_id)
    if report.convoy_id is not None:
        convoy = session.get(ConvoyRow, report.convoy_id)
        if convoy is None or convoy.corridor_id != report.corridor_id:
            raise NotFoundError(
                f"no convoy {report.convoy_id!r} on corridor {report.corridor_id}",
                field="convoy_id",
            )
    if report.attributed_to is not None and rec.terms.party(report.attributed_to) is None:
        raise InputError(
            f"report {report.id}: {report.attributed_to!r} is not a party to the agreement",
            field="attributed_to",
            hint=", ".join(p.name for p in rec.terms.parties),
        )
    _check_common(rec.terms, report, now=now, bbox=area_of(rec.terms, networks))
    sha = None
    if report.attachment is not None:
        sha = report.attachment.sha256
        if session.get(AttachmentRow, sha) is None:
            data = report.attachment.data
            session.add(AttachmentRow(sha256=sha, media_type=report.attachment.media_type,
                                      size=len(data), data=data))  # fmt: skip
    hazard_id = _report_hazard(session, report, reporter=reporter, coordinator=coordinator)
    session.add(
        IncidentRow(id=report.id, corridor_id=report.corridor_id, kind=report.kind.value,
                    at_utc=report.at_utc, body=body, body_digest=digest, attachment_sha256=sha,
                    reporter=reporter, received_at=now, hazard_id=hazard_id)
    )  # fmt: skip
    out = Submitted("incident", report.id, True, body, reporter, now)
    out.effects = {"hazard_id": hazard_id}
    record(session, actor=reporter, action="report.incident", payload=out.to_dict())
    emit(session, "incident", out.to_dict(), corridor_id=report.corridor_id)
    out.effects = {"hazard_id": hazard_id,
                   **reassess(session, report.corridor_id, networks=networks,
                              new=report, rec=rec)}  # fmt: skip
    return out


def confirm_incident(
    session: Session,
    incident_id: str,
    *,
    actor: str,
    at_utc: datetime | None = None,
    networks: NetworkLookup | None = None,
) -> dict[str, Any]:
    """A coordinator confirms an incident (rules may require it, e.g. before suspending)."""
    from corridor.store import IncidentRow, lock_corridor, record

    now = datetime.now(UTC)
    at = (at_utc or now).astimezone(UTC)
    if at > now + MAX_CLOCK_SKEW:
        raise InputError("a confirmation cannot be dated in the future", field="at_utc")
    row = session.get(IncidentRow, incident_id)
    if row is None:
        raise NotFoundError(f"no incident {incident_id!r}")
    lock_corridor(session, row.corridor_id)
    if row.confirmed_at is not None:
        return {"id": incident_id, "confirmed_at": iso(row.confirmed_at), "created": False}
    if at < row.at_utc:
        raise InputError("confirmed before the incident happened", field="at_utc")
    row.confirmed_at, row.confirmed_by = at, actor
    if row.hazard_id is not None:
        from corridor.store import confirm_hazard, get_hazard_row

        try:
            hazard = get_hazard_row(session, row.hazard_id)
        except NotFoundError:
            hazard = None
        if hazard is not None and hazard.provisional and hazard.expired_at is None:
            confirm_hazard(session, row.hazard_id, actor=actor)
    payload = {"id": incident_id, "corridor_id": row.corridor_id, "confirmed_at": iso(at)}
    record(session, actor=actor, action="report.incident.confirmed", payload=payload)
    emit(session, "incident.confirmed", payload, corridor_id=row.corridor_id)
    return {**payload, "created": True,
            "effects": reassess(session, row.corridor_id, networks=networks)}  # fmt: skip


# --- reading ----------------------------------------------------------------------------------


def checkins_of(session: Session, corridor_id: str) -> list[Checkin]:
    from corridor.store import CheckinRow

    rows = session.scalars(select(CheckinRow).where(CheckinRow.corridor_id == corridor_id))
    return [Checkin.model_validate(r.body) for r in rows]


def incidents_of(session: Session, corridor_id: str) -> list[tuple[Incident, datetime | None]]:
    from corridor.store import IncidentRow

    rows = session.scalars(select(IncidentRow).where(IncidentRow.corridor_id == corridor_id))
    out = []
    for r in rows:
        body = {k: v for k, v in r.body.items() if not k.startswith("attachment_")}
        out.append((Incident.model_validate(body), r.confirmed_at))
    return out


def movement_views(session: Session, corridor_id: str) -> dict[str, MovementView]:
    """The movement each convoy moves under (its plan names it), with every required party's
    valid acknowledgement time (issue 11: a convoy leaving unacknowledged is flagged)."""
    from corridor.notices import clearance
    from corridor.store import ConvoyRow, load_movement

    out: dict[str, MovementView] = {}
    rows = session.scalars(select(ConvoyRow).where(ConvoyRow.corridor_id == corridor_id))
    for row in rows:
        mid = row.plan.get("movement_id")
        if not mid:
            continue
        m = load_movement(session, mid)
        verdict = clearance(m.movement, digest_hex=m.digest, parties=m.parties, acks=m.acks,
                            at_utc=m.movement.arrival_utc)  # fmt: skip
        acked = tuple(
            (a.party, _parse_z(a.acked_at_utc) if a.state in ("valid", "late") else None)
            for a in verdict.acks
        )
        mv = m.movement
        out[row.id] = MovementView(
            movement_id=mv.movement_id, convoy_id=row.id, sender=mv.sender,
            departure_utc=mv.departure_utc, arrival_utc=mv.arrival_utc,
            ack_deadline_utc=mv.ack_deadline_utc,
            checkpoints=tuple((c.checkpoint, c.planned_utc) for c in mv.checkpoints),
            acked=acked,
        )  # fmt: skip
    return out


def _parse_z(text_: str | None) -> datetime | None:
    return None if text_ is None else datetime.fromisoformat(text_.replace("Z", "+00:00"))


def picture(
    session: Session, corridor_id: str, *, as_of: datetime | None = None
) -> tuple[Picture, AgreementRecord, RuleSet]:
    """The corridor's current picture, derived afresh from its stored reports."""
    rec = monitored_agreement(session, corridor_id)
    rules = rules_in_force(session)
    views = [
        IncidentView(inc, confirmed=c is not None and (as_of is None or c <= as_of))
        for inc, c in incidents_of(session, corridor_id)
    ]
    pic = derive(rec.terms, convoy_plans(session, corridor_id), checkins_of(session, corridor_id),
                 views, settings=rules.settings, as_of=as_of,
                 movements=movement_views(session, corridor_id))  # fmt: skip
    return pic, rec, rules


#: Per server process: each corridor's incremental picture (see _incremental), with what it
#: was built from. It is used only while the store still matches (same agreement version,
#: rules, convoys, movements and acknowledgements, and every stored report in it), else rebuilt
#: from the store; a rolled-back transaction drops it.
_TRACKERS: dict[tuple[str, str, str], tuple[tuple[Any, ...], Tracker]] = {}
_MAX_TRACKERS = 32


def _basis(
    session: Session, corridor_id: str, rec: AgreementRecord, rules: RuleSet
) -> tuple[Any, ...]:
    from sqlalchemy import func

    from corridor.store import ConvoyRow, MovementAckRow, MovementRow

    convoys = session.scalar(
        select(func.count()).select_from(ConvoyRow).where(ConvoyRow.corridor_id == corridor_id)
    )
    moves = session.execute(
        select(func.count(MovementRow.id.distinct()), func.count(MovementAckRow.id))
        .select_from(MovementRow)
        .outerjoin(MovementAckRow, MovementAckRow.movement_id == MovementRow.id)
        .where(MovementRow.corridor_id == corridor_id)
    ).one()
    return (rec.version, rec.digest, rules.settings, convoys, tuple(moves))


def _n_reports(session: Session, corridor_id: str) -> int:
    from sqlalchemy import func

    from corridor.store import CheckinRow, IncidentRow

    return sum(
        session.scalar(select(func.count()).select_from(t).where(t.corridor_id == corridor_id)) or 0
        for t in (CheckinRow, IncidentRow)
    )


def tracked_picture(
    session: Session,
    corridor_id: str,
    new: Checkin | Incident | None = None,
    *,
    rec: AgreementRecord | None = None,
) -> tuple[Picture, AgreementRecord, RuleSet]:
    """The corridor's current picture, from the process's incremental tracker when it matches
    the store (``new``: the report just stored), else rebuilt from every stored report.
    Equal to :func:`picture` (the property tests hold the two together)."""
    from sqlalchemy import event

    rec = rec or monitored_agreement(session, corridor_id)
    rules = rules_in_force(session)
    bind = session.get_bind()
    schema = (
        str(session.scalar(text("SELECT current_schema()")))
        if bind.dialect.name == "postgresql"
        else ""
    )  # one URL may serve several schemas (search_path)
    key = (str(bind.engine.url), schema, corridor_id)
    basis = _basis(session, corridor_id, rec, rules)
    n = _n_reports(session, corridor_id)
    cached = _TRACKERS.get(key)
    tracker = cached[1] if cached is not None and cached[0] == basis else None
    if tracker is not None and new is not None:
        # Usable only if it holds every stored report but the new one (a report it holds that
        # the store lost, e.g. rolled back, shows as a count mismatch).
        if new.id in tracker or len(tracker) != n - 1:
            tracker = None
        elif isinstance(new, Checkin):
            tracker.add_checkin(new)
        else:
            tracker.add_incident(IncidentView(new))
    if tracker is None or len(tracker) != n:
        tracker = Tracker(rec.terms, convoy_plans(session, corridor_id), settings=rules.settings,
                          movements=movement_views(session, corridor_id))  # fmt: skip
        tracker.add(checkins_of(session, corridor_id),
                    [IncidentView(i) for i, _ in incidents_of(session, corridor_id)])  # fmt: skip
    _TRACKERS.pop(key, None)
    while len(_TRACKERS) >= _MAX_TRACKERS:
        _TRACKERS.pop(next(iter(_TRACKERS)))
    _TRACKERS[key] = (basis, tracker)
    event.listen(session, "after_rollback", lambda _s: _TRACKERS.pop(key, None), once=True)
    return tracker.picture(), rec, rules


def picture_data(
    session: Session, corridor_id: str, *, as_of: datetime | None = None
) -> dict[str, Any]:
    """The picture as JSON, with the agreement's state and withdrawn violations (API, watch)."""
    from corridor.store import ViolationRow, load_agreement

    pic, rec, _ = picture(session, corridor_id, as_of=as_of)
    latest = load_agreement(session, corridor_id)
    at = pic.as_of
    stored = session.scalars(
        select(ViolationRow).where(ViolationRow.corridor_id == corridor_id)
    ).all()
    return {
        "corridor_id": corridor_id,
        "as_of": iso(at),
        "agreement": {
            "monitored_version": rec.version,
            "latest_version": latest.version,
            "state": (latest.state_at(at) if at else latest.stored_state).value,
            "stored_state": latest.stored_state.value,
        },
        "convoys": [c.to_dict() for c in pic.convoys],
        "violations": [v.to_dict() for v in pic.violations],
        "withdrawn": sorted(r.key for r in stored if r.withdrawn_at is not None),
    }


# --- re-assessment: violations and rules ------------------------------------------------------


def reassess(
    session: Session,
    corridor_id: str,
    *,
    networks: NetworkLookup | None = None,
    new: Checkin | Incident | None = None,
    rec: AgreementRecord | None = None,
) -> dict[str, Any]:
    """Bring the stored violations and rule firings in line with the reports.

    Violations come from the corridor's picture over every stored report (kept incrementally,
    equal to a full re-derivation), so the stored set depends only on which reports exist, not
    on the order they came in; rules fire at most once per (rule, subject), so a replayed batch
    fires nothing new. ``new``: the report just stored; ``rec``: the monitored agreement, if
    the caller has it.
    """
    from corridor.store import ViolationRow, record

    session.flush()
    pic, rec, rules = tracked_picture(session, corridor_id, new, rec=rec)
    now = datetime.now(UTC)
    stored = {
        r.key: r
        for r in session.scalars(
            select(ViolationRow).where(ViolationRow.corridor_id == corridor_id)
        )
    }
    effects: dict[str, Any] = {"violations": [], "withdrawn": [], "firings": []}
    derived = {v.key: v for v in pic.violations}
    for key, v in derived.items():
        data = v.to_dict()
        row = stored.get(key)
        if row is None:
            session.add(
                ViolationRow(key=key, corridor_id=corridor_id, kind=v.kind, term=v.term,
                             party=v.party, convoy_id=v.convoy_id, start_utc=v.start_utc,
                             end_utc=v.end_utc, minutes=v.minutes, distance_m=v.distance_m,
                             report_ids=list(v.report_ids), summary=v.summary, detected_at=now,
                             updated_at=now)
            )  # fmt: skip
            record(session, actor=SYSTEM_ACTOR, action="violation.recorded", payload=data)
            emit(session, "violation", data, corridor_id=corridor_id, party=v.party)
            effects["violations"].append(key)
            continue
        changed = (row.end_utc, row.minutes, row.summary, row.withdrawn_at) != (
            v.end_utc,
            None if v.minutes is None else v.minutes,
            v.summary,
            None,
        )
        if changed:
            row.end_utc, row.minutes, row.summary = v.end_utc, v.minutes, v.summary
            row.withdrawn_at, row.updated_at = None, now
            record(session, actor=SYSTEM_ACTOR, action="violation.updated", payload=data)
            emit(session, "violation.updated", data, corridor_id=corridor_id, party=v.party)
    for key, row in stored.items():
        if key not in derived and row.withdrawn_at is None:
            row.withdrawn_at = row.updated_at = now
            payload = {"key": key, "reason": "later reports show no breach"}
            record(session, actor=SYSTEM_ACTOR, action="violation.withdrawn", payload=payload)
            emit(session, "violation.withdrawn", payload, corridor_id=corridor_id)
            effects["withdrawn"].append(key)
    stored_incidents = incidents_of(session, corridor_id)
    confirmed_at = {inc.id: c for inc, c in stored_incidents}
    incidents = [(inc, c is not None) for inc, c in stored_incidents]
    for firing in evaluate(rules, rec.terms, incidents, pic.violations):
        if _fire(session, firing, rec, pic, confirmed_at=confirmed_at, networks=networks):
            effects["firings"].append(firing.key)
    return effects


def _fire(
    session: Session,
    firing: Firing,
    rec: AgreementRecord,
    pic: Picture,
    *,
    confirmed_at: dict[str, datetime | None],
    networks: NetworkLookup | None,
) -> bool:
    from corridor.store import RuleFiringRow, record

    if session.get(RuleFiringRow, firing.key) is not None:
        return False
    cid = rec.corridor_id
    at = firing.at_utc
    if firing.incident is not None and confirmed_at.get(firing.incident.id) is not None:
        at = max(at, confirmed_at[firing.incident.id])  # takes effect once confirmed
    result: dict[str, Any] = {}
    for action in firing.actions:
        if action is Action.SUSPEND:
            result["suspend"] = _suspend(session, rec, firing, at)
        elif action is Action.ALERT:
            result["alert"] = _alert(session, rec, firing, at)
        elif action is Action.REROUTE:
            result["reroute"] = _reroute(session, rec, firing, at, networks)
        elif action is Action.REPLAN:
            result["replan"] = _replan(session, rec, pic, firing, at, networks=networks,
                                       reroute=result.get("reroute"))  # fmt: skip
    session.add(RuleFiringRow(key=firing.key, corridor_id=cid, rule=firing.rule,
                              subject=firing.subject, actions=[a.value for a in firing.actions],
                              result=result))  # fmt: skip
    payload = {"key": firing.key, "rule": firing.rule, "subject": firing.subject,
               "corridor_id": cid, "at_utc": iso(at), "result": result}  # fmt: skip
    record(session, actor=SYSTEM_ACTOR, action="rule.fired", payload=payload)
    emit(session, "rule.fired", payload, corridor_id=cid)
    return True


def _reason(firing: Firing) -> str:
    what = (
        firing.violation.summary
        if firing.violation is not None
        else f"{firing.incident.kind.value} reported as {firing.incident.id}"
        if firing.incident is not None
        else firing.subject
    )
    return f"rule {firing.rule}: {what}"


def _suspend(
    session: Session, rec: AgreementRecord, firing: Firing, at: datetime
) -> dict[str, Any]:
    from corridor.store import load_agreement, suspend_agreement

    latest = load_agreement(session, rec.corridor_id)
    state = latest.state_at(at)
    if state not in (State.AGREED, State.OPEN):
        return {"done": False, "why": f"agreement is {state.value}"}
    after = suspend_agreement(session, rec.corridor_id, reason=_reason(firing),
                              actor=SYSTEM_ACTOR, at_utc=at)  # fmt: skip
    payload = {"corridor_id": rec.corridor_id, "version": after.version, "state": "suspended",
               "at_utc": iso(at), "reason": _reason(firing)}  # fmt: skip
    emit(session, "agreement.suspended", payload, corridor_id=rec.corridor_id)
    return {"done": True, "version": after.version, "at_utc": iso(at)}


def _alert(session: Session, rec: AgreementRecord, firing: Firing, at: datetime) -> dict[str, Any]:
    parties = [p.name for p in rec.terms.parties]
    for party in parties:
        emit(session, "alert", {"corridor_id": rec.corridor_id, "to": party, "at_utc": iso(at),
                                "rule": firing.rule, "message": _reason(firing)},
             corridor_id=rec.corridor_id, party=party)  # fmt: skip
    return {"to": parties}


def _reroute(
    session: Session,
    rec: AgreementRecord,
    firing: Firing,
    at: datetime,
    networks: NetworkLookup | None,
) -> dict[str, Any]:
    from corridor.monitoring._reroute import propose_reroute

    if firing.incident is None:
        return {"done": False, "why": "a re-route needs an incident's location"}
    network = networks(rec.terms.route.network_sha256) if networks else None
    if network is None:
        return {"done": False, "why": "the route's network file is not loaded here"}
    return propose_reroute(session, rec, firing.incident, network, at=at, actor=SYSTEM_ACTOR,
                           reason=_reason(firing))  # fmt: skip


def _replan(
    session: Session,
    rec: AgreementRecord,
    pic: Picture,
    firing: Firing,
    at: datetime,
    *,
    networks: NetworkLookup | None,
    reroute: dict[str, Any] | None,
) -> dict[str, Any]:
    """Re-plan the people not yet moved, with the incident's road closed (when the rule's
    subject is an incident and the route's network is loaded here)."""
    from corridor.monitoring._replan import replan_unmoved

    network = networks(rec.terms.route.network_sha256) if networks else None
    closed: list[int] = []
    if network is not None and firing.incident is not None:
        import numpy as np

        from corridor.hazards import RiskModel
        from corridor.monitoring._reroute import _hazard

        model = RiskModel(network, [_hazard(firing.incident)], at=at)
        closed = [int(e) for e in np.flatnonzero(model.closed)]
    return replan_unmoved(session, rec, pic, at=at, reason=_reason(firing), network=network,
                          closed_edges=closed, reroute=reroute, firing=firing.key)  # fmt: skip


def report_rows(
    session: Session, kind: str, corridor_id: str | None, offset: int, limit: int
) -> tuple[int, list[dict[str, Any]]]:
    """Stored reports, newest event first, for listing."""
    from sqlalchemy import func

    from corridor.store import CheckinRow, IncidentRow

    table: Any = CheckinRow if kind == "checkin" else IncidentRow
    where = [] if corridor_id is None else [table.corridor_id == corridor_id]
    total = session.scalar(select(func.count()).select_from(table).where(*where)) or 0
    rows = session.scalars(
        select(table)
        .where(*where)
        .order_by(table.at_utc.desc(), table.id)
        .offset(offset)
        .limit(limit)
    ).all()
    out = []
    for r in rows:
        item = {"id": r.id, "type": kind, "reported_by": r.reporter,
                "received_at": iso(r.received_at), "report": r.body}  # fmt: skip
        if kind == "incident":
            item["confirmed_at"] = iso(r.confirmed_at)
            item["hazard_id"] = r.hazard_id
        out.append(item)
    return total, out


def events_after(
    session: Session, after: int, limit: int, *, corridor_id: str | None = None
) -> list[dict[str, Any]]:
    """Events with id > ``after`` in id order (of one corridor, if given)."""
    from corridor.store import EventRow

    where = [EventRow.id > after]
    if corridor_id is not None:
        where.append(EventRow.corridor_id == corridor_id)
    rows = session.scalars(select(EventRow).where(*where).order_by(EventRow.id).limit(limit))
    return [
        {"id": r.id, "at_utc": iso(r.at_utc), "kind": r.kind, "corridor_id": r.corridor_id,
         "party": r.party, "payload": r.payload}
        for r in rows
    ]  # fmt: skip


def as_json(data: Any) -> str:
    return json.dumps(data, separators=(",", ":"), ensure_ascii=False)


__all__: list[str] = []
