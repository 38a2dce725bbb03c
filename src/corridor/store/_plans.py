"""Plans in the store: save a new version (audited in the same transaction), load one."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from corridor._canonical import canonical_json
from corridor.errors import NotFoundError, PlanError
from corridor.store._audit import record
from corridor.store._plan_tables import PlanVersionRow


@dataclass(frozen=True)
class PlanRecord:
    """One stored plan version."""

    plan_id: str
    version: int
    latest_version: int
    plan: dict[str, Any]
    schedule: dict[str, Any]
    digest: str
    created_at: datetime
    created_by: str


def _record(row: PlanVersionRow, latest: int) -> PlanRecord:
    return PlanRecord(
        plan_id=row.plan_id,
        version=row.version,
        latest_version=latest,
        plan=row.plan,
        schedule=row.schedule,
        digest=row.digest,
        created_at=row.created_at,
        created_by=row.created_by,
    )


def _latest(session: Session, plan_id: str) -> int:
    v = session.scalar(
        select(func.max(PlanVersionRow.version)).where(PlanVersionRow.plan_id == plan_id)
    )
    return int(v or 0)


def save_plan(
    session: Session, plan: dict[str, Any], schedule: dict[str, Any], *, actor: str
) -> PlanRecord:
    """Store ``plan`` (the validated plan file as JSON data) with its schedule as a new version.

    The audit entry carries the plan's digest and the headline figures, so the log alone shows
    what was planned when and by whom.
    """
    plan_id = str(plan["id"])
    digest = hashlib.sha256(canonical_json(plan, what="the plan", error=PlanError)).hexdigest()
    version = _latest(session, plan_id) + 1
    schedule = {**schedule, "plan_version": version}
    row = PlanVersionRow(
        plan_id=plan_id,
        version=version,
        plan=plan,
        schedule=schedule,
        digest=digest,
        moved=int(schedule.get("moved", 0)),
        total_people=int(schedule.get("total_people", 0)),
        created_by=actor,
    )
    session.add(row)
    session.flush()
    record(
        session,
        actor=actor,
        action="plan.saved",
        payload={
            "plan_id": plan_id,
            "version": version,
            "digest": digest,
            "moved": row.moved,
            "total_people": row.total_people,
            "clearance_utc": schedule.get("clearance_utc"),
        },
    )
    return _record(row, version)


def load_plan_record(session: Session, plan_id: str, *, version: int | None = None) -> PlanRecord:
    """The latest (or the given) version of a plan; NotFoundError if there is none."""
    latest = _latest(session, plan_id)
    want = version or latest
    row = session.scalar(
        select(PlanVersionRow).where(
            PlanVersionRow.plan_id == plan_id, PlanVersionRow.version == want
        )
    )
    if row is None:
        what = f"plan {plan_id!r}" + (f" version {version}" if version else "")
        raise NotFoundError(f"{what} is not in the store", item=plan_id)
    return _record(row, latest)


def list_plans(session: Session) -> list[tuple[str, int]]:
    """(plan id, latest version) for every stored plan."""
    rows = session.execute(
        select(PlanVersionRow.plan_id, func.max(PlanVersionRow.version))
        .group_by(PlanVersionRow.plan_id)
        .order_by(PlanVersionRow.plan_id)
    )
    return [(str(a), int(b)) for a, b in rows]
