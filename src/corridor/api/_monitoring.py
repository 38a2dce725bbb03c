"""Monitoring over HTTP: field reports (idempotent by the report's own id), convoys, the
derived picture, violations, rules, and the live event stream.

`POST /reports/checkins` and `/reports/incidents` replace the audit-only reports of the first
wave: each report now has its table row, with the audit entry written beside it.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Header, Query, Request
from fastapi.responses import JSONResponse, Response, StreamingResponse
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from corridor._records import adapter, to_data
from corridor._times import UtcDatetime
from corridor.api._adapters import session_of
from corridor.api._auth import CurrentUser
from corridor.api._events import latest_id, stream, too_many
from corridor.api._idempotency import IdempotencyKey, run_idempotent
from corridor.api._pagination import Page, PageOf, page_params, paginate
from corridor.api._problems import ApiError, problem_responses
from corridor.api._roles import Role
from corridor.api._state import state_of
from corridor.monitoring import Checkin, ConvoyPlan, Incident

# The reports and convoy plans are records (corridor._records) whose annotations name pydantic's
# types only as text: building their adapters puts those names where FastAPI resolves them.
for _record in (Checkin, Incident, ConvoyPlan):
    adapter(_record)

router = APIRouter(tags=["monitoring"], responses=problem_responses(401, 403))

CorridorId = Annotated[str, Query(pattern=r"^[a-z0-9][a-z0-9._-]{0,63}$")]
MAX_BATCH = 500
#: Event ids are a 32-bit INTEGER column on PostgreSQL: a larger ``after`` failed in the
#: database only once the stream had started (the connection broke mid-response).
MAX_EVENT_ID = 2**31 - 1


class ReportOut(BaseModel):
    id: str
    type: Literal["incident", "checkin"]
    created: bool = Field(description="false: an identical report with this id was already kept")
    reported_by: str
    received_at: datetime
    report: dict[str, Any]
    effects: dict[str, Any] = Field(default_factory=dict)


class ReportRow(BaseModel):
    id: str
    type: Literal["incident", "checkin"]
    reported_by: str
    received_at: datetime
    report: dict[str, Any]
    confirmed_at: datetime | None = None
    hazard_id: str | None = None


class Batch(BaseModel):
    """Reports a device kept while offline; all are kept or none (one bad report refuses the
    batch, naming it)."""

    model_config = ConfigDict(extra="forbid")
    checkins: list[Checkin] = Field(default_factory=list, max_length=MAX_BATCH)
    incidents: list[Incident] = Field(default_factory=list, max_length=MAX_BATCH)


class Confirm(BaseModel):
    model_config = ConfigDict(extra="forbid")
    at_utc: UtcDatetime | None = Field(default=None, description="default: now")


class Convoys(BaseModel):
    model_config = ConfigDict(extra="forbid")
    convoys: list[ConvoyPlan] = Field(min_length=1, max_length=500)


class RulesIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    yaml: str = Field(max_length=64 * 1024)


def _lookup(request: Request) -> Any:
    nets = list(state_of(request).networks.values())

    def find(sha: str) -> Any:
        for net in nets:
            if sha in (net.source_sha256, net.file_sha256):
                return net
        return None

    return find


def _reply(out: Any) -> tuple[int, Any]:
    return (201 if out.created else 200), out.to_dict()


@router.post("/reports/checkins", name="reports.checkin", status_code=201,
             response_model=ReportOut, responses=problem_responses(404, 409, 413, 422))  # fmt: skip
async def report_checkin(
    request: Request, body: Checkin, user: CurrentUser, key: IdempotencyKey = None
) -> JSONResponse:
    """A convoy's position and status; 200 (created false) for a repeat of a kept report,
    409 for a different report under a used id."""
    from corridor.monitoring import submit_checkin

    find = _lookup(request)
    return await run_idempotent(
        request, user, key,
        lambda s: _reply(submit_checkin(s, body, reporter=user.actor, networks=find)),
    )  # fmt: skip


@router.post("/reports/incidents", name="reports.incident", status_code=201,
             response_model=ReportOut, responses=problem_responses(404, 409, 413, 422))  # fmt: skip
async def report_incident(
    request: Request, body: Incident, user: CurrentUser, key: IdempotencyKey = None
) -> JSONResponse:
    """An incident near the route, optionally with a small attachment (kept by its hash)."""
    from corridor.monitoring import submit_incident

    find = _lookup(request)
    return await run_idempotent(
        request, user, key,
        lambda s: _reply(submit_incident(s, body, reporter=user.actor, networks=find,
                                         coordinator=user.role is Role.COORDINATOR)),
    )  # fmt: skip


@router.post("/reports/batch", name="reports.batch", responses=problem_responses(404, 409, 422))
async def report_batch(
    request: Request, body: Batch, user: CurrentUser, key: IdempotencyKey = None
) -> JSONResponse:
    """Upload what a device kept offline, in one transaction; sending it twice changes nothing."""
    from corridor.monitoring import submit_checkin, submit_incident

    find = _lookup(request)

    def write(s: Session) -> tuple[int, Any]:
        done = [submit_checkin(s, c, reporter=user.actor, networks=find) for c in body.checkins]
        done += [submit_incident(s, i, reporter=user.actor, networks=find,
                                 coordinator=user.role is Role.COORDINATOR)
                 for i in body.incidents]  # fmt: skip
        return 200, {
            "created": [d.report_id for d in done if d.created],
            "unchanged": [d.report_id for d in done if not d.created],
        }

    return await run_idempotent(request, user, key, write)


@router.get("/reports", name="reports.list", response_model=PageOf[ReportRow])
def list_reports(
    request: Request,
    page: Annotated[Page, Depends(page_params)],
    type: Annotated[Literal["incident", "checkin"], Query()] = "incident",
    corridor_id: CorridorId | None = None,
) -> PageOf[ReportRow]:
    """Stored reports of one type, latest event first."""
    from corridor.monitoring import report_rows

    with session_of(state_of(request).store, write=False) as session:
        total, rows = report_rows(session, type, corridor_id, page.offset, page.limit)
    return paginate(request, [ReportRow.model_validate(r) for r in rows], total, page)


@router.post("/reports/incidents/{incident_id}/confirm", name="reports.confirm",
             responses=problem_responses(404, 422))  # fmt: skip
def confirm(request: Request, incident_id: str, body: Confirm, user: CurrentUser) -> Any:
    """A coordinator confirms an incident; rules that need confirmation may fire now."""
    from corridor.monitoring import confirm_incident

    with session_of(state_of(request).store) as session:
        return confirm_incident(session, incident_id, actor=user.actor, at_utc=body.at_utc,
                                networks=_lookup(request))  # fmt: skip


@router.get("/reports/attachments/{sha256}", name="reports.attachment",
            responses=problem_responses(404))  # fmt: skip
def attachment(request: Request, sha256: str) -> Response:
    from corridor.store import AttachmentRow

    with session_of(state_of(request).store, write=False) as session:
        row = session.get(AttachmentRow, sha256.lower())
        if row is None:
            raise ApiError(404, f"no attachment {sha256[:64]!r}")
        return Response(row.data, media_type=row.media_type,
                        headers={"X-Content-Type-Options": "nosniff",
                                 "Content-Disposition": "attachment"})  # fmt: skip


@router.post("/convoys", name="convoys.add", responses=problem_responses(404, 409, 422))
def add_convoys(request: Request, body: Convoys, user: CurrentUser) -> dict[str, Any]:
    """Register convoys and their expected timetable (from the schedule) for monitoring."""
    from corridor.monitoring import add_convoys as add

    with session_of(state_of(request).store) as session:
        added = add(session, body.convoys, actor=user.actor)
    return {"added": added, "unchanged": [c.id for c in body.convoys if c.id not in added]}


@router.get("/convoys", name="convoys.list")
def list_convoys(request: Request, corridor_id: CorridorId) -> dict[str, Any]:
    from corridor.monitoring import convoy_plans

    with session_of(state_of(request).store, write=False) as session:
        plans = convoy_plans(session, corridor_id)
    return {"items": [to_data(p) for p in plans]}


@router.get("/monitoring/{corridor_id}", name="monitoring.picture",
            responses=problem_responses(404))  # fmt: skip
def corridor_picture(
    request: Request, corridor_id: str, as_of: Annotated[UtcDatetime | None, Query()] = None
) -> dict[str, Any]:
    """Convoys against their schedule, holds, violations and the agreement's state, derived
    from the reports by event time (as of ``as_of``, default the latest report)."""
    from corridor.monitoring import picture_data

    with session_of(state_of(request).store, write=False) as session:
        return picture_data(session, corridor_id, as_of=as_of)


@router.get("/violations", name="violations.list")
def list_violations(
    request: Request, corridor_id: CorridorId | None = None, withdrawn: bool = False
) -> dict[str, Any]:
    """Recorded violations, each naming its term and the party it is attributed to."""
    from corridor.store import ViolationRow

    where: list[Any] = [] if withdrawn else [ViolationRow.withdrawn_at.is_(None)]
    if corridor_id is not None:
        where.append(ViolationRow.corridor_id == corridor_id)
    with session_of(state_of(request).store, write=False) as session:
        rows = session.scalars(
            select(ViolationRow).where(*where).order_by(ViolationRow.start_utc, ViolationRow.key)
        ).all()
        items = [
            {"key": r.key, "corridor_id": r.corridor_id, "kind": r.kind, "term": r.term,
             "party": r.party, "convoy_id": r.convoy_id, "start_utc": r.start_utc,
             "end_utc": r.end_utc, "minutes": r.minutes, "distance_m": r.distance_m,
             "report_ids": r.report_ids, "summary": r.summary,
             "withdrawn_at": r.withdrawn_at}
            for r in rows
        ]  # fmt: skip
    return {"items": items}


@router.get("/rules", name="rules.read")
def read_rules(request: Request) -> dict[str, Any]:
    from corridor.monitoring import rules_in_force

    with session_of(state_of(request).store, write=False) as session:
        data: dict[str, Any] = to_data(rules_in_force(session))
        return data


@router.put("/rules", name="rules.set", responses=problem_responses(422))
def put_rules(request: Request, body: RulesIn, user: CurrentUser) -> dict[str, Any]:
    """Replace the monitoring rules (YAML, at most 64 KiB, no anchors or aliases)."""
    from corridor.monitoring import set_rules

    with session_of(state_of(request).store) as session:
        data: dict[str, Any] = to_data(set_rules(session, body.yaml, actor=user.actor))
        return data


@router.get("/events", name="events.stream", response_class=StreamingResponse,
            responses={200: {"content": {"text/event-stream": {}}}})  # fmt: skip
async def events(  # noqa: PLR0917 - FastAPI passes parameters by name
    request: Request,
    last_event_id: Annotated[str | None, Header(alias="Last-Event-ID", max_length=20)] = None,
    after: Annotated[
        int | None, Query(ge=0, le=MAX_EVENT_ID, description="resume after this id")
    ] = None,
    corridor_id: CorridorId | None = None,
    max_events: Annotated[int | None, Query(ge=1, le=1_000_000)] = None,
    idle_s: Annotated[
        float | None,
        Query(gt=0, le=3600, description="end after this long without events (default: never)"),
    ] = None,
) -> StreamingResponse:
    """Server-sent events (violations, check-ins, incidents, alerts, agreement changes).

    Resume with the standard `Last-Event-ID` header (or `?after=`); without either the stream
    starts with the next event.
    """
    store = state_of(request).store
    if last_event_id is not None and after is None:
        if not re.fullmatch(r"[0-9]{1,10}", last_event_id) or int(last_event_id) > MAX_EVENT_ID:
            raise ApiError(
                422, f"Last-Event-ID must be an event id (a whole number up to {MAX_EVENT_ID})"
            )
        after = int(last_event_id)
    if too_many():
        raise ApiError(
            503, "too many event subscribers on this server", headers={"Retry-After": "5"}
        )
    if after is None:
        from starlette.concurrency import run_in_threadpool

        after = await run_in_threadpool(latest_id, store)
    body = stream(request, store, after=after, corridor_id=corridor_id, max_events=max_events,
                  idle_s=idle_s)  # fmt: skip
    headers = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}
    return StreamingResponse(body, media_type="text/event-stream", headers=headers)
