"""The re-plan that follows a lost route: who has not moved yet, and their new timetable.

People already on the road continue (or turn back, which their teams report); the convoys
still waiting are the ones a re-plan concerns. The request is always recorded, so the planners
see at once whom it concerns; when a stored plan uses the corridor and its road network is
loaded here, planning's public ``replan`` computes the rest of the operation on the new hazard
picture (the incident's road closed, the re-routed terms when a re-route was proposed) and the
result is stored as the plan's next version, with a record of which version replaced which.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from corridor.errors import CorridorError

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from corridor.agreements import Terms
    from corridor.hazards import Hazard
    from corridor.monitoring._derive import Picture
    from corridor.network import Network
    from corridor.store import AgreementRecord, PlanRecord, Sql


def unmoved(pic: Picture) -> list[dict[str, Any]]:
    """Convoys whose people have not left (scheduled, or turned back before arriving)."""
    return [
        {"convoy_id": c.convoy_id, "label": c.label, "kind": c.kind, "people": c.people,
         "vehicles": c.vehicles, "status": c.status}
        for c in pic.convoys
        if not c.moved
    ]  # fmt: skip


def plans_using(tx: Sql | Session, corridor_id: str) -> list[PlanRecord]:
    """The latest version of every stored plan with a corridor run under this agreement."""
    from corridor.store import list_plans, load_plan_record

    out = []
    for plan_id, _ in list_plans(tx):
        rec = load_plan_record(tx, plan_id)
        if any(c.get("agreement") == corridor_id for c in rec.plan.get("corridors", [])):
            out.append(rec)
    return out


def _departed(schedule: dict[str, Any], moved: set[str]) -> list[dict[str, Any]]:
    """People on the old schedule's trips of convoys that have left (monitoring's convoy ids
    are the schedule's when the convoys were registered from it): they need no seat."""
    totals: dict[tuple[str, str, str | None], int] = {}
    for trip in schedule.get("trips", []):
        if trip.get("convoy_id") not in moved:
            continue
        for g in trip.get("passengers", []):
            key = (g["gathering_point_id"], g["people_class"], g.get("family_id"))
            totals[key] = totals.get(key, 0) + int(g["people"])
    return [
        {"gathering_point_id": gp, "people_class": cls, "people": n,
         **({"family_id": fam} if fam else {})}
        for (gp, cls, fam), n in sorted(totals.items(), key=str)
    ]  # fmt: skip


def _replan_one(
    tx: Sql | Session,
    old: PlanRecord,
    *,
    corridor_id: str,
    terms: Terms,
    version: int,
    network: Network,
    hazards: list[Hazard],
    closed_edges: list[int],
    moved: set[str],
    at: datetime,
) -> PlanRecord:
    from corridor.planning import ReplanState, plan_from_data, replan
    from corridor.store import save_plan

    data = dict(old.plan)
    data["corridors"] = [
        {**c, "agreement_version": version} if c.get("agreement") == corridor_id else c
        for c in data.get("corridors", [])
    ]
    plan = plan_from_data(data)
    agreements: dict[str, Terms] = {}
    for c in plan.corridors:
        if c.agreement == corridor_id:
            agreements[c.agreement] = terms
        elif c.agreement is not None:
            from corridor.store import load_agreement

            agreements[c.agreement] = load_agreement(
                tx, c.agreement, version=c.agreement_version
            ).terms
    state = ReplanState.model_validate(
        {"at_utc": max(at, plan.start_utc), "departed": _departed(old.schedule, moved),
         "closed_edges": closed_edges}
    )  # fmt: skip
    schedule = replan(plan, state, network=network, hazards=hazards, agreements=agreements,
                      bound=False)  # fmt: skip
    return save_plan(
        tx,
        plan.model_dump(mode="json", exclude_none=True),
        schedule.model_dump(mode="json"),
        actor="monitoring",
    )


def replan_unmoved(
    tx: Sql | Session,
    rec: AgreementRecord,
    pic: Picture,
    *,
    at: datetime,
    reason: str,
    network: Network | None = None,
    closed_edges: list[int] | None = None,
    reroute: dict[str, Any] | None = None,
    firing: str | None = None,
) -> dict[str, Any]:
    """Record the request; re-plan every stored plan using the corridor when possible.

    Terms: the re-route's proposed version when one was made (its route avoids the closed
    road), else the monitored version (whose corridor is then closed in the new plan).
    """
    from corridor.monitoring._service import SYSTEM_ACTOR, iso
    from corridor.monitoring._stored import emit
    from corridor.store import list_hazards, load_agreement, record

    waiting = unmoved(pic)
    moved = {c.convoy_id for c in pic.convoys if c.moved}
    payload: dict[str, Any] = {
        "corridor_id": rec.corridor_id,
        "at_utc": iso(at),
        "reason": reason,
        "convoys": waiting,
        "people": sum(c["people"] for c in waiting),
        "moved": sorted(moved),
    }
    emit(tx, "replan.requested", payload, corridor_id=rec.corridor_id)
    plans = plans_using(tx, rec.corridor_id)
    if not plans:
        return {**payload, "plans": [], "why": "no stored plan uses this corridor"}
    if network is None:
        return {**payload, "plans": [], "why": "the route's network file is not loaded here"}
    version = rec.version
    if reroute is not None and reroute.get("done"):
        version = int(reroute["version"])
    terms = load_agreement(tx, rec.corridor_id, version=version).terms
    hazards = list_hazards(tx, active_at=at)
    done: list[dict[str, Any]] = []
    for old in plans:
        try:
            new = _replan_one(tx, old, corridor_id=rec.corridor_id, terms=terms,
                              version=version, network=network, hazards=hazards,
                              closed_edges=closed_edges or [], moved=moved, at=at)  # fmt: skip
        except CorridorError as exc:
            done.append({"plan_id": old.plan_id, "replaces_version": old.version,
                         "done": False, "why": exc.message})  # fmt: skip
            continue
        item = {
            "plan_id": new.plan_id,
            "version": new.version,
            "replaces_version": old.version,
            "agreement_version": version,
            "done": True,
            "moved_before": int(old.schedule.get("moved", 0)),
            "moved_after": int(new.schedule.get("moved", 0)),
            "left_behind": int(new.schedule.get("total_people", 0))
            - int(new.schedule.get("moved", 0)),
        }
        record(tx, actor=SYSTEM_ACTOR, action="plan.replanned",
               payload={**item, "corridor_id": rec.corridor_id, "rule_firing": firing,
                        "reason": reason, "convoys": [c["convoy_id"] for c in waiting],
                        "people": payload["people"], "moved": payload["moved"],
                        "closed_edges": closed_edges or []})  # fmt: skip
        emit(tx, "plan.replanned", {**item, "corridor_id": rec.corridor_id},
             corridor_id=rec.corridor_id)  # fmt: skip
        done.append(item)
    return {**payload, "plans": done}
