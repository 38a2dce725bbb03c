"""`/agreements/{id}/notice` (civilian notices) and `/movements` (convoy notifications).

Signatures are made client-side: the server never holds a party's key. It verifies the
sender's signature over the movement digest, and each acknowledgement over
``ack_message(movement_id, digest, party, at_utc)``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response
from pydantic import BaseModel, ConfigDict, Field

from corridor._records import adapter
from corridor._times import UtcDatetime
from corridor.api._adapters import session_of
from corridor.api._agreement_models import SIGNATURE_PATTERN
from corridor.api._auth import CurrentUser
from corridor.api._problems import ApiError, problem_responses
from corridor.api._roles import Role
from corridor.api._state import state_of
from corridor.errors import InputError
from corridor.notices import Movement, NoticeDetails

# The two are records (corridor._records): building their validators here puts the names their
# annotations give as text where pydantic, and so FastAPI, resolves them.
adapter(Movement)
adapter(NoticeDetails)

router = APIRouter(tags=["notices"], responses=problem_responses(401, 403))

AgreementId = Annotated[str, Path(max_length=64)]
MovementId = Annotated[str, Path(max_length=64)]
PartyName = Annotated[str, Path(max_length=200)]


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class MovementIn(_In):
    movement: Movement
    signature: str = Field(
        pattern=SIGNATURE_PATTERN,
        description="the sender's Ed25519 over b'corridor-movement-v1\\n' + digest, base64",
    )


class AckIn(_In):
    at_utc: UtcDatetime = Field(description="the time the party signed, whole seconds")
    signature: str = Field(
        pattern=SIGNATURE_PATTERN,
        description="Ed25519 over ack_message(movement_id, digest, party, at_utc), base64",
    )


@router.get(
    "/agreements/{agreement_id}/notice",
    name="notices.read",
    responses={**problem_responses(404, 409, 422), 200: {"content": {"text/plain": {}}}},
)
def notice(
    request: Request,
    agreement_id: AgreementId,
    *,
    lang: Annotated[str, Query(max_length=8)],
    format: Annotated[Literal["text", "sms", "html", "cap"], Query()] = "text",
    version: Annotated[int | None, Query(ge=1, le=1_000_000)] = None,
    draft: bool = False,
    plan: Annotated[str | None, Query(max_length=64, description="a stored plan's id")] = None,
    plan_version: Annotated[int | None, Query(ge=1, le=1_000_000)] = None,
) -> Response:
    """The notice for civilians in one language and format, from the stored notice details.

    An agreement not in force is refused unless ``draft=true``; warnings for the issuer come
    back in ``X-Notice-Warnings``; the SMS segment count in ``X-SMS-Segments``. With ``plan``,
    the departures and checkpoint times are the stored plan's (``POST /plans``).
    """
    from corridor.notices import notice_for
    from corridor.store import load_agreement, load_notice_details

    with session_of(state_of(request).store, write=False) as session:
        rec = load_agreement(session, agreement_id, version=version)
        previous = (
            load_agreement(session, agreement_id, version=rec.version - 1)
            if rec.version > 1
            else None
        )
        details = load_notice_details(session, agreement_id)
        schedule, plan_input = _stored_plan(session, plan, plan_version)
    out = notice_for(
        rec,
        lang=lang,
        fmt=format,
        details=details,
        previous=previous,
        draft=draft,
        plan_schedule=schedule,
        plan_input=plan_input,
    )
    headers = {"X-Notice-Warnings": str(len(out.warnings))}
    if out.sms is not None:
        headers["X-SMS-Segments"] = str(out.sms.segments.count)
        headers["X-SMS-Encoding"] = out.sms.segments.encoding
    return Response(out.content, media_type=out.media_type, headers=headers)


def _stored_plan(session: Any, plan_id: str | None, version: int | None) -> tuple[Any, Any]:
    """A stored plan's schedule and plan file; a record this release cannot read is a clear
    error naming the plan, never a 500."""
    if plan_id is None:
        if version is not None:
            raise InputError("plan_version needs plan", field="plan_version")
        return None, None
    from corridor.planning import plan_from_data, schedule_from_data
    from corridor.store import load_plan_record

    rec = load_plan_record(session, plan_id, version=version)
    try:
        return schedule_from_data(rec.schedule), plan_from_data(rec.plan)
    except ValueError as exc:  # PlanError and pydantic's ValidationError are ValueErrors
        raise InputError(
            f"stored plan {plan_id!r} version {rec.version} cannot be read",
            field="plan",
            hint=str(exc).splitlines()[0][:200],
        ) from exc


@router.put(
    "/agreements/{agreement_id}/notice-details",
    name="notices.details",
    status_code=204,
    responses=problem_responses(404, 422),
)
def put_details(
    request: Request, agreement_id: AgreementId, details: NoticeDetails, user: CurrentUser
) -> Response:
    """Replace the corridor's notice details (hotline, addresses, translations); audited."""
    from corridor.store import save_notice_details

    with session_of(state_of(request).store) as session:
        save_notice_details(session, agreement_id, details, actor=user.actor)
    return Response(status_code=204)


def _movement_json(rec: Any, at: datetime) -> dict[str, Any]:
    verdict = rec.clearance(at)
    return {
        **rec.signed_document(),
        "status": verdict.status,
        "reasons": verdict.reasons,
        "acks": [
            {"party": a.party, "state": a.state, "at_utc": a.acked_at_utc} for a in verdict.acks
        ],
    }


@router.post(
    "/movements",
    name="movements.submit",
    status_code=201,
    responses=problem_responses(404, 409, 422),
)
def submit(request: Request, body: MovementIn, user: CurrentUser) -> JSONResponse:
    """Submit a movement signed by its sender (a liaison only for their own party)."""
    from corridor.store import submit_movement, utc_now

    if user.role is Role.LIAISON and user.party != body.movement.sender:
        raise ApiError(
            403, f"a liaison of {user.party!r} may not send for {body.movement.sender!r}"
        )
    with session_of(state_of(request).store) as session:
        rec = submit_movement(session, body.movement, signature=body.signature, actor=user.actor)
        data = _movement_json(rec, utc_now())
    return JSONResponse(
        data, status_code=201, headers={"Location": f"/movements/{rec.movement.movement_id}"}
    )


@router.get("/movements/{movement_id}", name="movements.read", responses=problem_responses(404))
def read(request: Request, movement_id: MovementId) -> JSONResponse:
    """The signed movement, every acknowledgement, and whether it is cleared now."""
    from corridor.store import load_movement, utc_now

    with session_of(state_of(request).store, write=False) as session:
        rec = load_movement(session, movement_id)
    return JSONResponse(_movement_json(rec, utc_now()))


@router.get(
    "/movements/{movement_id}/html",
    name="movements.html",
    response_class=HTMLResponse,
    responses=problem_responses(404),
)
def read_html(request: Request, movement_id: MovementId) -> HTMLResponse:
    """The printable notification with its status now."""
    from corridor.notices import render_movement_html
    from corridor.store import load_movement, utc_now

    with session_of(state_of(request).store, write=False) as session:
        rec = load_movement(session, movement_id)
    return HTMLResponse(render_movement_html(rec, at_utc=utc_now()))


@router.put(
    "/movements/{movement_id}/acks/{party}",
    name="movements.ack",
    responses=problem_responses(404, 409, 422),
)
def ack(
    request: Request, movement_id: MovementId, party: PartyName, body: AckIn, user: CurrentUser
) -> JSONResponse:
    """``party`` acknowledges, signed over the movement digest and ``at_utc``."""
    from corridor.store import acknowledge_movement, utc_now

    with session_of(state_of(request).store) as session:
        rec = acknowledge_movement(
            session,
            movement_id,
            party=party,
            signature=body.signature,
            at_utc=body.at_utc,
            actor=user.actor,
        )
        data = _movement_json(rec, utc_now())
    return JSONResponse(data)
