"""Monitoring writes in the store: each report, violation and rule firing is audited in the
same transaction, and each produces events for live subscribers.

Functions take the caller's transaction and never commit: ``with transaction(db) as tx:`` on
the command line (the bare driver, without SQLAlchemy: issue 14, defect 10), the server's ORM
session through :func:`corridor.store.as_sql`. Plain SQL (:mod:`corridor.store._sql`), shared
by the REST API and the CLI so that both accept and refuse exactly the same reports.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from corridor.agreements import State, Terms, canonical_bytes
from corridor.errors import InputError, NotFoundError, StateError
from corridor.monitoring._checked import checked
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
from corridor.store import Json, as_sql, as_utc, read_json, read_time, utc_now

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from corridor.network import Network
    from corridor.store import AgreementRecord, Sql

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
    route's own extent with a wide margin (about 25 km). A look-up with a ``bounds`` method
    (the CLI's) gives the network's bounds without opening it for routing."""
    sha = terms.route.network_sha256
    bounds = getattr(networks, "bounds", None)
    if bounds is not None:
        bbox: BBox | None = bounds(sha)
        if bbox is not None:
            return bbox
    elif networks is not None and (network := networks(sha)) is not None:
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


def _existing(sql: Sql, report_id: str, kind: str, digest: str, reporter: str) -> Submitted | None:
    """The report kept under ``report_id`` when it is this one (same kind, body and reporter);
    StateError when the id was used for a different report."""
    for table, name in (("checkins", "checkin"), ("incidents", "incident")):
        row = sql.execute(
            f"SELECT body_digest, reporter, body, received_at FROM {table} WHERE id = :id",
            {"id": report_id},
        ).first()
        if row is None:
            continue
        stored_digest, stored_reporter, body, received_at = row
        if name != kind or stored_digest != digest or stored_reporter != reporter:
            raise StateError(
                f"report id {report_id!r} was already used for a different {name} report",
                item=report_id,
                hint="a device must give every new report a new id",
            )
        return Submitted(kind, report_id, False, read_json(body), str(stored_reporter),
                         read_time(received_at))  # fmt: skip
    return None


def _convoy_corridor(sql: Sql, convoy_id: str) -> str | None:
    """The corridor a registered convoy belongs to (None: no such convoy)."""
    found = sql.execute(
        "SELECT corridor_id FROM monitoring_convoys WHERE id = :id", {"id": convoy_id}
    ).scalar()
    return None if found is None else str(found)


def submit_checkin(
    tx: Sql | Session,
    report: Checkin,
    *,
    reporter: str,
    now: datetime | None = None,
    networks: NetworkLookup | None = None,
) -> Submitted:
    """Store a check-in once; a second upload of the same report changes nothing."""
    from corridor.store import lock_corridor, record

    sql = as_sql(tx)
    now = now or utc_now()
    body = report_body(report)
    digest = digest_of(body)
    lock_corridor(sql, report.corridor_id)
    if (found := _existing(sql, report.id, "checkin", digest, reporter)) is not None:
        return found
    rec = monitored_agreement(sql, report.corridor_id)
    if _convoy_corridor(sql, report.convoy_id) != report.corridor_id:
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
    sql.execute(
        "INSERT INTO checkins (id, corridor_id, convoy_id, at_utc, body, body_digest, reporter,"
        " received_at) VALUES (:id, :corridor_id, :convoy_id, :at_utc, :body, :body_digest,"
        " :reporter, :received_at)",
        {"id": report.id, "corridor_id": report.corridor_id, "convoy_id": report.convoy_id,
         "at_utc": report.at_utc, "body": Json(body), "body_digest": digest,
         "reporter": reporter, "received_at": now},
    )  # fmt: skip
    out = Submitted("checkin", report.id, True, body, reporter, now)
    record(sql, actor=reporter, action="report.checkin", payload=out.to_dict())
    emit(sql, "checkin", out.to_dict(), corridor_id=report.corridor_id)
    out.effects = reassess(sql, report.corridor_id, networks=networks, new=report, rec=rec)
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


def _report_hazard(sql: Sql, report: Incident, *, reporter: str, coordinator: bool) -> str | None:
    """Put the incident on the hazard picture within the field bounds (hazards area): the
    hazard's id and source name the report; a closure from a field team stays provisional
    until a coordinator confirms the incident.

    The hazard is given by its values, not built: a Hazard's shapely point imported shapely
    and numpy, most of what ``corridor incident`` cost over ``checkin`` (issue 14, defect
    10); its row and audit entry are the same (``tests/monitoring/test_report_hazard.py``)."""
    from corridor.hazards import check_field_values, values_need_confirmation
    from corridor.store import add_hazard_values, hazard_values, stored_hazard_ids

    kind = HAZARD_OF[report.kind.value]
    if kind is None:
        return None
    hazard = hazard_values({
        "id": f"report-{report.id}", "kind": kind,
        "geometry": {"type": "Point", "coordinates": [report.lon, report.lat]},
        "severity": report.severity, "confidence": report.confidence,
        "observed_at": report.at_utc, "valid_from": report.at_utc, "valid_until": None,
        "source": f"field report {report.id}", "notes": report.notes, "source_links": (),
        "radius_m": None, "closes": None, "half_life_h": None,
    })  # fmt: skip
    hazard_id: str = hazard["id"]
    if stored_hazard_ids(sql, [hazard_id]):
        return None  # an operator stored a hazard under this id already: leave it alone
    provisional = False
    if not coordinator:
        check_field_values(hazard)
        provisional = values_need_confirmation(hazard)
    add_hazard_values(sql, hazard, actor=reporter, provisional=provisional)
    return hazard_id


def submit_incident(
    tx: Sql | Session,
    report: Incident,
    *,
    reporter: str,
    now: datetime | None = None,
    networks: NetworkLookup | None = None,
    coordinator: bool = False,
) -> Submitted:
    """Store an incident once (its attachment once, by hash), and its hazard for routing."""
    from corridor.store import lock_corridor, record

    sql = as_sql(tx)
    now = now or utc_now()
    body = report_body(report)
    digest = digest_of(body)
    lock_corridor(sql, report.corridor_id)
    if (found := _existing(sql, report.id, "incident", digest, reporter)) is not None:
        return found
    rec = monitored_agreement(sql, report.corridor_id)
    if (
        report.convoy_id is not None
        and _convoy_corridor(sql, report.convoy_id) != report.corridor_id
    ):
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
        kept = sql.execute("SELECT 1 FROM attachments WHERE sha256 = :sha", {"sha": sha}).first()
        if kept is None:
            data = report.attachment.data
            sql.execute(
                "INSERT INTO attachments (sha256, media_type, size, data, created_at)"
                " VALUES (:sha, :media_type, :size, :data, :at)",
                {"sha": sha, "media_type": report.attachment.media_type, "size": len(data),
                 "data": data, "at": utc_now()},
            )  # fmt: skip
    hazard_id = _report_hazard(sql, report, reporter=reporter, coordinator=coordinator)
    sql.execute(
        "INSERT INTO incidents (id, corridor_id, kind, at_utc, body, body_digest,"
        " attachment_sha256, reporter, received_at, hazard_id) VALUES (:id, :corridor_id,"
        " :kind, :at_utc, :body, :body_digest, :sha, :reporter, :received_at, :hazard_id)",
        {"id": report.id, "corridor_id": report.corridor_id, "kind": report.kind.value,
         "at_utc": report.at_utc, "body": Json(body), "body_digest": digest, "sha": sha,
         "reporter": reporter, "received_at": now, "hazard_id": hazard_id},
    )  # fmt: skip
    out = Submitted("incident", report.id, True, body, reporter, now)
    out.effects = {"hazard_id": hazard_id}
    record(sql, actor=reporter, action="report.incident", payload=out.to_dict())
    emit(sql, "incident", out.to_dict(), corridor_id=report.corridor_id)
    out.effects = {"hazard_id": hazard_id,
                   **reassess(sql, report.corridor_id, networks=networks,
                              new=report, rec=rec)}  # fmt: skip
    return out


def confirm_incident(
    tx: Sql | Session,
    incident_id: str,
    *,
    actor: str,
    at_utc: datetime | None = None,
    networks: NetworkLookup | None = None,
) -> dict[str, Any]:
    """A coordinator confirms an incident (rules may require it, e.g. before suspending)."""
    from corridor.store import lock_corridor, record

    sql = as_sql(tx)
    now = utc_now()
    at = (at_utc or now).astimezone(UTC)
    if at > now + MAX_CLOCK_SKEW:
        raise InputError("a confirmation cannot be dated in the future", field="at_utc")
    select_incident = (
        "SELECT corridor_id, at_utc, confirmed_at, hazard_id FROM incidents WHERE id = :id"
    )
    row = sql.execute(select_incident, {"id": incident_id}).first()
    if row is None:
        raise NotFoundError(f"no incident {incident_id!r}")
    corridor_id = str(row[0])
    lock_corridor(sql, corridor_id)
    row = sql.execute(select_incident, {"id": incident_id}).first()  # afresh, under the lock
    assert row is not None  # incidents are never deleted
    _, happened, confirmed_at, hazard_id = row
    if confirmed_at is not None:
        return {"id": incident_id, "confirmed_at": iso(as_utc(confirmed_at)), "created": False}
    if at < read_time(happened):
        raise InputError("confirmed before the incident happened", field="at_utc")
    sql.execute(
        "UPDATE incidents SET confirmed_at = :at, confirmed_by = :actor WHERE id = :id",
        {"at": at, "actor": actor, "id": incident_id},
    )
    if hazard_id is not None:
        from corridor.store import confirm_hazard, get_hazard_row

        try:
            hazard = get_hazard_row(sql, hazard_id)
        except NotFoundError:
            hazard = None
        if hazard is not None and hazard.provisional and hazard.expired_at is None:
            confirm_hazard(sql, hazard_id, actor=actor)
    payload = {"id": incident_id, "corridor_id": corridor_id, "confirmed_at": iso(at)}
    record(sql, actor=actor, action="report.incident.confirmed", payload=payload)
    emit(sql, "incident.confirmed", payload, corridor_id=corridor_id)
    return {**payload, "created": True,
            "effects": reassess(sql, corridor_id, networks=networks)}  # fmt: skip


# --- reading ----------------------------------------------------------------------------------


def checkins_of(tx: Sql | Session, corridor_id: str) -> list[Checkin]:
    rows = as_sql(tx).execute(
        "SELECT body FROM checkins WHERE corridor_id = :id", {"id": corridor_id}
    )
    return [checked(Checkin, read_json(body)) for (body,) in rows.all()]


def incidents_of(tx: Sql | Session, corridor_id: str) -> list[tuple[Incident, datetime | None]]:
    rows = as_sql(tx).execute(
        "SELECT body, confirmed_at FROM incidents WHERE corridor_id = :id", {"id": corridor_id}
    )
    out = []
    for stored, confirmed_at in rows.all():
        body = {k: v for k, v in read_json(stored).items() if not k.startswith("attachment_")}
        out.append((checked(Incident, body), as_utc(confirmed_at)))
    return out


def movement_views(tx: Sql | Session, corridor_id: str) -> dict[str, MovementView]:
    """The movement each convoy moves under (its plan names it), with every required party's
    valid acknowledgement time (issue 11: a convoy leaving unacknowledged is flagged)."""
    sql = as_sql(tx)
    out: dict[str, MovementView] = {}
    rows = sql.execute(
        "SELECT id, plan FROM monitoring_convoys WHERE corridor_id = :id", {"id": corridor_id}
    )
    for convoy_id, plan in rows.all():
        mid = read_json(plan).get("movement_id")
        if not mid:
            continue
        # The notices area (with its movement model) only for a convoy that names a movement:
        # a report's command otherwise starts without it (issue 14, defect 10).
        from corridor.notices import clearance
        from corridor.store import load_movement

        m = load_movement(sql, mid)
        verdict = clearance(m.movement, digest_hex=m.digest, parties=m.parties, acks=m.acks,
                            at_utc=m.movement.arrival_utc)  # fmt: skip
        acked = tuple(
            (a.party, _parse_z(a.acked_at_utc) if a.state in ("valid", "late") else None)
            for a in verdict.acks
        )
        mv = m.movement
        out[str(convoy_id)] = MovementView(
            movement_id=mv.movement_id, convoy_id=str(convoy_id), sender=mv.sender,
            departure_utc=mv.departure_utc, arrival_utc=mv.arrival_utc,
            ack_deadline_utc=mv.ack_deadline_utc,
            checkpoints=tuple((c.checkpoint, c.planned_utc) for c in mv.checkpoints),
            acked=acked,
        )  # fmt: skip
    return out


def _parse_z(text_: str | None) -> datetime | None:
    return None if text_ is None else datetime.fromisoformat(text_.replace("Z", "+00:00"))


def picture(
    tx: Sql | Session, corridor_id: str, *, as_of: datetime | None = None
) -> tuple[Picture, AgreementRecord, RuleSet]:
    """The corridor's current picture, derived afresh from its stored reports."""
    sql = as_sql(tx)
    rec = monitored_agreement(sql, corridor_id)
    rules = rules_in_force(sql)
    views = [
        IncidentView(inc, confirmed=c is not None and (as_of is None or c <= as_of))
        for inc, c in incidents_of(sql, corridor_id)
    ]
    pic = derive(rec.terms, convoy_plans(sql, corridor_id), checkins_of(sql, corridor_id),
                 views, settings=rules.settings, as_of=as_of,
                 movements=movement_views(sql, corridor_id))  # fmt: skip
    return pic, rec, rules


#: Per server process: each corridor's incremental picture (see _incremental), with what it
#: was built from. It is used only while the store still matches (same agreement version,
#: rules, convoys, movements and acknowledgements, and every stored report in it), else rebuilt
#: from the store; a rolled-back transaction drops it. Kept for ORM sessions only (the server):
#: a command's own transaction reports once and exits, and has no engine to key it by.
_TRACKERS: dict[tuple[str, str, str], tuple[tuple[Any, ...], Tracker]] = {}
_MAX_TRACKERS = 32


def _basis(sql: Sql, corridor_id: str, rec: AgreementRecord, rules: RuleSet) -> tuple[Any, ...]:
    params = {"id": corridor_id}
    convoys = sql.execute(
        "SELECT count(*) FROM monitoring_convoys WHERE corridor_id = :id", params
    ).scalar()
    moves = sql.execute(
        "SELECT count(DISTINCT m.id), count(a.id) FROM movements m"
        " LEFT OUTER JOIN movement_acks a ON a.movement_id = m.id WHERE m.corridor_id = :id",
        params,
    ).first()
    assert moves is not None  # an aggregate always gives a row
    return (rec.version, rec.digest, rules.settings, int(convoys), tuple(int(n) for n in moves))


def _n_reports(sql: Sql, corridor_id: str) -> int:
    return sum(
        int(sql.execute(f"SELECT count(*) FROM {t} WHERE corridor_id = :id",
                        {"id": corridor_id}).scalar() or 0)
        for t in ("checkins", "incidents")
    )  # fmt: skip


def tracked_picture(
    tx: Sql | Session,
    corridor_id: str,
    new: Checkin | Incident | None = None,
    *,
    rec: AgreementRecord | None = None,
) -> tuple[Picture, AgreementRecord, RuleSet]:
    """The corridor's current picture, from the process's incremental tracker when it matches
    the store (``new``: the report just stored), else rebuilt from every stored report.
    Equal to :func:`picture` (the property tests hold the two together)."""
    from corridor.store import orm_session

    sql = as_sql(tx)
    rec = rec or monitored_agreement(sql, corridor_id)
    rules = rules_in_force(sql)
    session = orm_session(sql)
    if session is None:  # a command's own transaction: nothing to keep between reports
        return _fresh_tracker(sql, corridor_id, rec, rules).picture(), rec, rules
    from sqlalchemy import event

    bind = session.get_bind()
    schema = (
        str(sql.execute("SELECT current_schema()").scalar()) if sql.dialect == "postgresql" else ""
    )  # one URL may serve several schemas (search_path)
    key = (str(bind.engine.url), schema, corridor_id)
    basis = _basis(sql, corridor_id, rec, rules)
    n = _n_reports(sql, corridor_id)
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
        tracker = _fresh_tracker(sql, corridor_id, rec, rules)
    _TRACKERS.pop(key, None)
    while len(_TRACKERS) >= _MAX_TRACKERS:
        _TRACKERS.pop(next(iter(_TRACKERS)))
    _TRACKERS[key] = (basis, tracker)
    event.listen(session, "after_rollback", lambda _s: _TRACKERS.pop(key, None), once=True)
    return tracker.picture(), rec, rules


def _fresh_tracker(sql: Sql, corridor_id: str, rec: AgreementRecord, rules: RuleSet) -> Tracker:
    """A tracker built from every stored report of the corridor."""
    tracker = Tracker(rec.terms, convoy_plans(sql, corridor_id), settings=rules.settings,
                      movements=movement_views(sql, corridor_id))  # fmt: skip
    tracker.add(checkins_of(sql, corridor_id),
                [IncidentView(i) for i, _ in incidents_of(sql, corridor_id)])  # fmt: skip
    return tracker


def picture_data(
    tx: Sql | Session, corridor_id: str, *, as_of: datetime | None = None
) -> dict[str, Any]:
    """The picture as JSON, with the agreement's state and withdrawn violations (API, watch)."""
    from corridor.store import load_agreement

    sql = as_sql(tx)
    pic, rec, _ = picture(sql, corridor_id, as_of=as_of)
    # The version run is most often the latest, read in this same transaction: not read and
    # checked (digest, signatures) a second time (``watch --once``, issue 14, defect 10).
    latest = load_agreement(sql, corridor_id) if rec.superseded else rec
    at = pic.as_of
    withdrawn = sql.execute(
        "SELECT key FROM violations WHERE corridor_id = :id AND withdrawn_at IS NOT NULL",
        {"id": corridor_id},
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
        "withdrawn": sorted(str(key) for (key,) in withdrawn),
    }


# --- re-assessment: violations and rules ------------------------------------------------------


def reassess(
    tx: Sql | Session,
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
    from corridor.store import record

    sql = as_sql(tx)
    pic, rec, rules = tracked_picture(sql, corridor_id, new, rec=rec)
    now = utc_now()
    stored = {
        str(key): _StoredViolation(as_utc(end), None if minutes is None else float(minutes),
                                   str(summary), as_utc(withdrawn))
        for key, end, minutes, summary, withdrawn in sql.execute(
            "SELECT key, end_utc, minutes, summary, withdrawn_at FROM violations"
            " WHERE corridor_id = :id", {"id": corridor_id}
        ).all()
    }  # fmt: skip
    effects: dict[str, Any] = {"violations": [], "withdrawn": [], "firings": []}
    derived = {v.key: v for v in pic.violations}
    for key, v in derived.items():
        data = v.to_dict()
        row = stored.get(key)
        if row is None:
            sql.execute(
                "INSERT INTO violations (key, corridor_id, kind, term, party, convoy_id,"
                " start_utc, end_utc, minutes, distance_m, report_ids, summary, detected_at,"
                " updated_at) VALUES (:key, :corridor_id, :kind, :term, :party, :convoy_id,"
                " :start_utc, :end_utc, :minutes, :distance_m, :report_ids, :summary, :now,"
                " :now)",
                {"key": key, "corridor_id": corridor_id, "kind": v.kind, "term": v.term,
                 "party": v.party, "convoy_id": v.convoy_id, "start_utc": v.start_utc,
                 "end_utc": v.end_utc, "minutes": v.minutes, "distance_m": v.distance_m,
                 "report_ids": Json(list(v.report_ids)), "summary": v.summary, "now": now},
            )  # fmt: skip
            record(sql, actor=SYSTEM_ACTOR, action="violation.recorded", payload=data)
            emit(sql, "violation", data, corridor_id=corridor_id, party=v.party)
            effects["violations"].append(key)
            continue
        if row != _StoredViolation(v.end_utc, v.minutes, v.summary, None):
            sql.execute(
                "UPDATE violations SET end_utc = :end_utc, minutes = :minutes,"
                " summary = :summary, withdrawn_at = NULL, updated_at = :now WHERE key = :key",
                {"end_utc": v.end_utc, "minutes": v.minutes, "summary": v.summary, "now": now,
                 "key": key},
            )  # fmt: skip
            record(sql, actor=SYSTEM_ACTOR, action="violation.updated", payload=data)
            emit(sql, "violation.updated", data, corridor_id=corridor_id, party=v.party)
    for key, row in stored.items():
        if key not in derived and row.withdrawn_at is None:
            sql.execute(
                "UPDATE violations SET withdrawn_at = :now, updated_at = :now WHERE key = :key",
                {"now": now, "key": key},
            )
            payload = {"key": key, "reason": "later reports show no breach"}
            record(sql, actor=SYSTEM_ACTOR, action="violation.withdrawn", payload=payload)
            emit(sql, "violation.withdrawn", payload, corridor_id=corridor_id)
            effects["withdrawn"].append(key)
    stored_incidents = incidents_of(sql, corridor_id)
    confirmed_at = {inc.id: c for inc, c in stored_incidents}
    incidents = [(inc, c is not None) for inc, c in stored_incidents]
    for firing in evaluate(rules, rec.terms, incidents, pic.violations):
        if _fire(sql, firing, rec, pic, confirmed_at=confirmed_at, networks=networks):
            effects["firings"].append(firing.key)
    return effects


@dataclass(frozen=True)
class _StoredViolation:
    """What re-assessment compares of a stored violation with the derived one."""

    end_utc: datetime | None
    minutes: float | None
    summary: str
    withdrawn_at: datetime | None


def _fire(
    sql: Sql,
    firing: Firing,
    rec: AgreementRecord,
    pic: Picture,
    *,
    confirmed_at: dict[str, datetime | None],
    networks: NetworkLookup | None,
) -> bool:
    from corridor.store import record

    fired = sql.execute("SELECT 1 FROM rule_firings WHERE key = :key", {"key": firing.key})
    if fired.first() is not None:
        return False
    cid = rec.corridor_id
    at = firing.at_utc
    if firing.incident is not None and confirmed_at.get(firing.incident.id) is not None:
        at = max(at, confirmed_at[firing.incident.id])  # takes effect once confirmed
    result: dict[str, Any] = {}
    for action in firing.actions:
        if action is Action.SUSPEND:
            result["suspend"] = _suspend(sql, rec, firing, at)
        elif action is Action.ALERT:
            result["alert"] = _alert(sql, rec, firing, at)
        elif action is Action.REROUTE:
            result["reroute"] = _reroute(sql, rec, firing, at, networks)
        elif action is Action.REPLAN:
            result["replan"] = _replan(sql, rec, pic, firing, at, networks=networks,
                                       reroute=result.get("reroute"))  # fmt: skip
    sql.execute(
        "INSERT INTO rule_firings (key, corridor_id, rule, subject, actions, result, fired_at)"
        " VALUES (:key, :corridor_id, :rule, :subject, :actions, :result, :at)",
        {"key": firing.key, "corridor_id": cid, "rule": firing.rule, "subject": firing.subject,
         "actions": Json([a.value for a in firing.actions]), "result": Json(result),
         "at": utc_now()},
    )  # fmt: skip
    payload = {"key": firing.key, "rule": firing.rule, "subject": firing.subject,
               "corridor_id": cid, "at_utc": iso(at), "result": result}  # fmt: skip
    record(sql, actor=SYSTEM_ACTOR, action="rule.fired", payload=payload)
    emit(sql, "rule.fired", payload, corridor_id=cid)
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


def _suspend(sql: Sql, rec: AgreementRecord, firing: Firing, at: datetime) -> dict[str, Any]:
    from corridor.store import load_agreement, suspend_agreement

    latest = load_agreement(sql, rec.corridor_id)
    state = latest.state_at(at)
    if state not in (State.AGREED, State.OPEN):
        return {"done": False, "why": f"agreement is {state.value}"}
    after = suspend_agreement(sql, rec.corridor_id, reason=_reason(firing),
                              actor=SYSTEM_ACTOR, at_utc=at)  # fmt: skip
    payload = {"corridor_id": rec.corridor_id, "version": after.version, "state": "suspended",
               "at_utc": iso(at), "reason": _reason(firing)}  # fmt: skip
    emit(sql, "agreement.suspended", payload, corridor_id=rec.corridor_id)
    return {"done": True, "version": after.version, "at_utc": iso(at)}


def _alert(sql: Sql, rec: AgreementRecord, firing: Firing, at: datetime) -> dict[str, Any]:
    parties = [p.name for p in rec.terms.parties]
    for party in parties:
        emit(sql, "alert", {"corridor_id": rec.corridor_id, "to": party, "at_utc": iso(at),
                                "rule": firing.rule, "message": _reason(firing)},
             corridor_id=rec.corridor_id, party=party)  # fmt: skip
    return {"to": parties}


def _reroute(
    sql: Sql,
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
    return propose_reroute(sql, rec, firing.incident, network, at=at, actor=SYSTEM_ACTOR,
                           reason=_reason(firing))  # fmt: skip


def _replan(
    sql: Sql,
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
    return replan_unmoved(sql, rec, pic, at=at, reason=_reason(firing), network=network,
                          closed_edges=closed, reroute=reroute, firing=firing.key)  # fmt: skip


def report_rows(
    tx: Sql | Session, kind: str, corridor_id: str | None, offset: int, limit: int
) -> tuple[int, list[dict[str, Any]]]:
    """Stored reports, newest event first, for listing."""
    sql = as_sql(tx)
    incident = kind == "incident"
    table = "incidents" if incident else "checkins"
    where = "" if corridor_id is None else " WHERE corridor_id = :corridor_id"
    params: dict[str, Any] = {"corridor_id": corridor_id} if corridor_id is not None else {}
    total = sql.execute(f"SELECT count(*) FROM {table}{where}", params).scalar() or 0
    extra = ", confirmed_at, hazard_id" if incident else ""
    rows = sql.execute(
        f"SELECT id, reporter, received_at, body{extra} FROM {table}{where}"
        " ORDER BY at_utc DESC, id LIMIT :limit OFFSET :offset",
        {**params, "limit": limit, "offset": offset},
    ).all()
    out = []
    for r in rows:
        item = {"id": r[0], "type": kind, "reported_by": r[1],
                "received_at": iso(read_time(r[2])), "report": read_json(r[3])}  # fmt: skip
        if incident:
            item["confirmed_at"] = iso(as_utc(r[4]))
            item["hazard_id"] = r[5]
        out.append(item)
    return int(total), out


def events_after(
    tx: Sql | Session, after: int, limit: int, *, corridor_id: str | None = None
) -> list[dict[str, Any]]:
    """Events with id > ``after`` in id order (of one corridor, if given)."""
    where = "id > :after"
    params: dict[str, Any] = {"after": after, "limit": limit}
    if corridor_id is not None:
        where += " AND corridor_id = :corridor_id"
        params["corridor_id"] = corridor_id
    rows = as_sql(tx).execute(
        "SELECT id, at_utc, kind, corridor_id, party, payload FROM events"
        f" WHERE {where} ORDER BY id LIMIT :limit",
        params,
    )
    return [
        {"id": r[0], "at_utc": iso(read_time(r[1])), "kind": r[2], "corridor_id": r[3],
         "party": r[4], "payload": read_json(r[5])}
        for r in rows.all()
    ]  # fmt: skip


def as_json(data: Any) -> str:
    return json.dumps(data, separators=(",", ":"), ensure_ascii=False)


__all__: list[str] = []
