"""`/reports`: field teams' incident reports and check-ins, kept in the tamper-evident audit log.

A report is a statement by a team at a time, not a mutable object, so the audit chain is its
natural home: it cannot be edited later, and `GET /audit/export` carries it to observers.
"""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from corridor.api._adapters import audit_append, session_of
from corridor.api._auth import CurrentUser
from corridor.api._idempotency import IdempotencyKey, run_idempotent
from corridor.api._pagination import Page, PageOf, page_params, paginate
from corridor.api._problems import problem_responses
from corridor.api._state import state_of
from corridor.api._times import UtcDatetime

router = APIRouter(prefix="/reports", tags=["reports"], responses=problem_responses(401, 403))

ACTIONS = {"incident": "report.incident", "checkin": "report.checkin"}


class _Report(BaseModel):
    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)

    lat: float = Field(ge=-90, le=90)
    lon: float = Field(ge=-180, le=180)
    at_utc: UtcDatetime | None = Field(
        default=None, description="When it happened (default: when the server received it)."
    )
    corridor_id: str | None = Field(default=None, max_length=100)
    notes: str = Field(default="", max_length=4000)


class IncidentIn(_Report):
    kind: str = Field(
        min_length=1, max_length=64, description="e.g. shelling, blocked-road, casualty"
    )
    severity: float = Field(default=0.5, ge=0, le=1)


class CheckinIn(_Report):
    status: Literal["ok", "delayed", "blocked", "need-help"]
    people: int | None = Field(default=None, ge=0, le=1_000_000, description="People in the group.")


class ReportOut(BaseModel):
    id: str
    type: Literal["incident", "checkin"]
    reported_by: str
    received_at: datetime
    report: dict[str, Any]


def _record(
    session: Session, kind: Literal["incident", "checkin"], report: _Report, actor: str
) -> tuple[int, Any]:
    now = datetime.now(UTC)
    data = report.model_dump(mode="json")
    if data["at_utc"] is None:
        data["at_utc"] = now.isoformat()
    out = ReportOut(
        id=str(uuid.uuid4()), type=kind, reported_by=actor, received_at=now, report=data
    ).model_dump(mode="json")
    audit_append(session, actor=actor, action=ACTIONS[kind], payload=out)
    return 201, out


@router.post(
    "/incidents",
    name="reports.incident",
    status_code=201,
    response_model=ReportOut,
    responses=problem_responses(413, 422),
)
async def report_incident(
    request: Request, body: IncidentIn, user: CurrentUser, key: IdempotencyKey = None
) -> JSONResponse:
    return await run_idempotent(
        request, user, key, lambda s: _record(s, "incident", body, user.actor)
    )


@router.post(
    "/checkins",
    name="reports.checkin",
    status_code=201,
    response_model=ReportOut,
    responses=problem_responses(413, 422),
)
async def report_checkin(
    request: Request, body: CheckinIn, user: CurrentUser, key: IdempotencyKey = None
) -> JSONResponse:
    return await run_idempotent(
        request, user, key, lambda s: _record(s, "checkin", body, user.actor)
    )


@router.get("", name="reports.list", response_model=PageOf[ReportOut])
def list_reports(
    request: Request,
    page: Annotated[Page, Depends(page_params)],
    type: Annotated[Literal["incident", "checkin"] | None, Query()] = None,
) -> PageOf[ReportOut]:
    from corridor.store import AuditEntry

    actions = [ACTIONS[type]] if type else list(ACTIONS.values())
    where = AuditEntry.action.in_(actions)
    with session_of(state_of(request).store, write=False) as session:
        total = session.scalar(select(func.count()).select_from(AuditEntry).where(where)) or 0
        rows = session.scalars(
            select(AuditEntry.payload)
            .where(where)
            .order_by(AuditEntry.seq.desc())
            .offset(page.offset)
            .limit(page.limit)
        ).all()
    items = [ReportOut.model_validate(json.loads(p)) for p in rows]
    return paginate(request, items, total, page)
