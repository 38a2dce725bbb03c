"""Plans in the store: save a new version (audited in the same transaction), load one.

Plain SQL (:mod:`corridor.store._sql`): monitoring re-plans inside a field report's
transaction, which on the command line runs on the bare driver; the server and ``corridor
plan --save`` run the same statements in their ORM sessions.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from corridor._canonical import canonical_json
from corridor.errors import NotFoundError, PlanError
from corridor.store._audit import record
from corridor.store._plain import utc_now
from corridor.store._sql import Json, Row, Sql, as_sql, read_json, read_time

if TYPE_CHECKING:
    from sqlalchemy.orm import Session


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


_COLUMNS = "plan_id, version, plan, schedule, digest, created_at, created_by"


def _record(row: Row, latest: int) -> PlanRecord:
    plan_id, version, plan, schedule, digest, created_at, created_by = row
    return PlanRecord(
        plan_id=str(plan_id),
        version=int(version),
        latest_version=latest,
        plan=read_json(plan),
        schedule=read_json(schedule),
        digest=str(digest),
        created_at=read_time(created_at),
        created_by=str(created_by),
    )


def _latest(sql: Sql, plan_id: str) -> int:
    v = sql.execute(
        "SELECT max(version) FROM plan_versions WHERE plan_id = :plan_id", {"plan_id": plan_id}
    ).scalar()
    return int(v or 0)


def save_plan(
    tx: Sql | Session, plan: dict[str, Any], schedule: dict[str, Any], *, actor: str
) -> PlanRecord:
    """Store ``plan`` (the validated plan file as JSON data) with its schedule as a new version.

    The audit entry carries the plan's digest and the headline figures, so the log alone shows
    what was planned when and by whom.
    """
    sql = as_sql(tx)
    plan_id = str(plan["id"])
    digest = hashlib.sha256(canonical_json(plan, what="the plan", error=PlanError)).hexdigest()
    version = _latest(sql, plan_id) + 1
    schedule = {**schedule, "plan_version": version}
    moved = int(schedule.get("moved", 0))
    total_people = int(schedule.get("total_people", 0))
    row = sql.execute(
        "INSERT INTO plan_versions (plan_id, version, plan, schedule, digest, moved,"
        " total_people, created_at, created_by) VALUES (:plan_id, :version, :plan, :schedule,"
        f" :digest, :moved, :total_people, :at, :actor) RETURNING {_COLUMNS}",
        {"plan_id": plan_id, "version": version, "plan": Json(plan),
         "schedule": Json(schedule), "digest": digest, "moved": moved,
         "total_people": total_people, "at": utc_now(), "actor": actor},
    ).first()  # fmt: skip
    assert row is not None  # RETURNING gives the row just written
    record(
        sql,
        actor=actor,
        action="plan.saved",
        payload={
            "plan_id": plan_id,
            "version": version,
            "digest": digest,
            "moved": moved,
            "total_people": total_people,
            "clearance_utc": schedule.get("clearance_utc"),
        },
    )
    return _record(row, version)


def load_plan_record(tx: Sql | Session, plan_id: str, *, version: int | None = None) -> PlanRecord:
    """The latest (or the given) version of a plan; NotFoundError if there is none."""
    sql = as_sql(tx)
    latest = _latest(sql, plan_id)
    want = version or latest
    row = sql.execute(
        f"SELECT {_COLUMNS} FROM plan_versions WHERE plan_id = :plan_id AND version = :version",
        {"plan_id": plan_id, "version": want},
    ).first()
    if row is None:
        what = f"plan {plan_id!r}" + (f" version {version}" if version else "")
        raise NotFoundError(f"{what} is not in the store", item=plan_id)
    return _record(row, latest)


def list_plans(tx: Sql | Session) -> list[tuple[str, int]]:
    """(plan id, latest version) for every stored plan."""
    rows = as_sql(tx).execute(
        "SELECT plan_id, max(version) FROM plan_versions GROUP BY plan_id ORDER BY plan_id"
    )
    return [(str(a), int(b)) for a, b in rows.all()]
