"""`/hazards`: report, read, update and expire hazards; bulk import with a per-row report."""

from __future__ import annotations

import dataclasses
import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse
from sqlalchemy.orm import Session

from corridor._times import UtcDatetime
from corridor.api._adapters import session_of
from corridor.api._auth import CurrentUser
from corridor.api._hazard_models import ExpireIn, HazardIn, HazardOut, HazardPatch, ImportReport
from corridor.api._hazard_rows import feature_of
from corridor.api._idempotency import IdempotencyKey, run_idempotent
from corridor.api._pagination import Page, PageOf, page_params, paginate
from corridor.api._problems import problem_responses
from corridor.api._roles import Role
from corridor.api._state import state_of
from corridor.errors import HazardInputError
from corridor.hazards import (
    Hazard,
    HazardKind,
    RawRecord,
    check_field_report,
    needs_confirmation,
    records_from_text,
    validate_records,
)
from corridor.store import (
    add_hazard,
    add_hazards,
    confirm_hazard,
    count_hazards,
    expire_hazard,
    get_hazard,
    get_hazard_row,
    hazard_rows,
    stored_hazard_ids,
    update_hazard,
)

router = APIRouter(prefix="/hazards", tags=["hazards"], responses=problem_responses(401, 403))


def _validated(feature: dict[str, Any]) -> Hazard:
    """The same checks a hazard file gets (schema, coordinates, interval, geometry validity)."""
    hazards, problems = validate_records([RawRecord(0, feature)])
    if problems:
        p = problems[0]
        raise HazardInputError(p.detail, problems=[f"{p.reason}: {p.detail}"], field=p.reason)
    return hazards[0]


def _create(session: Session, body: HazardIn, actor: str, role: Role) -> tuple[int, Any]:
    """Store one hazard. A field team's report is bounded by kind (it cannot cover a region)
    and one that would close roads is kept provisional until a coordinator confirms it."""
    feature = body.model_dump(mode="json", exclude_none=True)
    feature["properties"].setdefault("id", f"h-{uuid.uuid4().hex[:16]}")
    hazard = _validated(feature)
    provisional = False
    if role is not Role.COORDINATOR:
        check_field_report(hazard)
        provisional = needs_confirmation(hazard)
    row = add_hazard(session, hazard, actor=actor, provisional=provisional)
    return 201, feature_of(row)


@router.post(
    "",
    name="hazards.create",
    status_code=201,
    response_model=HazardOut,
    responses=problem_responses(409, 413, 422),
)
async def create_hazard(
    request: Request, body: HazardIn, user: CurrentUser, key: IdempotencyKey = None
) -> JSONResponse:
    """Report a hazard (field teams and coordinators); send an Idempotency-Key to retry safely.

    A field team's report may cover at most a per-kind radius (``FIELD_MAX_RADIUS_M`` in
    docs/api.md) and, if it would close roads (a roadblock, a destroyed bridge, ``closes:
    true``), is stored ``provisional``: it adds risk but closes nothing until a coordinator
    confirms it with ``POST /hazards/{id}/confirm``."""
    return await run_idempotent(
        request, user, key, lambda s: _create(s, body, user.actor, user.role)
    )


@router.get("", name="hazards.list", response_model=PageOf[HazardOut])
def list_hazards_api(
    request: Request,
    page: Annotated[Page, Depends(page_params)],
    active_at: Annotated[
        UtcDatetime | None, Query(description="Only hazards valid and unexpired then.")
    ] = None,
    kind: Annotated[HazardKind | None, Query()] = None,
    include_expired: Annotated[bool, Query(description="Also expired ones.")] = False,
) -> PageOf[HazardOut]:
    which: dict[str, Any] = {
        "active_at": active_at,
        "kind": None if kind is None else kind.value,
        "include_expired": include_expired,
    }
    with session_of(state_of(request).store, write=False) as session:
        total = count_hazards(session, **which)
        rows = hazard_rows(session, **which, limit=page.limit, offset=page.offset)
        items = [HazardOut.model_validate(feature_of(r)) for r in rows]
    return paginate(request, items, total, page)


@router.get(
    "/{hazard_id:path}",
    name="hazards.read",
    response_model=HazardOut,
    responses=problem_responses(404),
)
def read_hazard(request: Request, hazard_id: str) -> HazardOut:
    with session_of(state_of(request).store, write=False) as session:
        return HazardOut.model_validate(feature_of(get_hazard_row(session, hazard_id)))


@router.patch(
    "/{hazard_id:path}",
    name="hazards.update",
    response_model=HazardOut,
    responses=problem_responses(404, 409, 422),
)
def update_hazard_api(
    request: Request, hazard_id: str, body: HazardPatch, user: CurrentUser
) -> HazardOut:
    changes: dict[str, Any] = {name: getattr(body, name) for name in body.model_fields_set}
    for name in ("notes", "source"):
        if name in changes and changes[name] is None:
            changes[name] = ""
    for name in ("severity", "confidence"):  # these have no "unset": null cannot clear them
        if name in changes and changes[name] is None:
            raise HazardInputError(
                f"{name} cannot be null", field=name, hint="send a number from 0 to 1"
            )
    with session_of(state_of(request).store) as session:
        updated = dataclasses.replace(get_hazard(session, hazard_id), **changes)
        row = update_hazard(session, updated, actor=user.actor)
        return HazardOut.model_validate(feature_of(row))


@router.post(
    "/{hazard_id:path}/expire",
    name="hazards.expire",
    response_model=HazardOut,
    responses=problem_responses(404, 409),
)
def expire_hazard_api(
    request: Request, hazard_id: str, user: CurrentUser, body: ExpireIn | None = None
) -> HazardOut:
    """Take a hazard out of the picture from now on; the record stays (and is audited)."""

    reason = None if body is None else body.reason
    with session_of(state_of(request).store) as session:
        row = expire_hazard(session, hazard_id, actor=user.actor, reason=reason)
        return HazardOut.model_validate(feature_of(row))


@router.post(
    "/{hazard_id:path}/confirm",
    name="hazards.confirm",
    response_model=HazardOut,
    responses=problem_responses(404, 409),
)
def confirm_hazard_api(request: Request, hazard_id: str, user: CurrentUser) -> HazardOut:
    """A coordinator confirms a field team's provisional closure: from now on it closes roads."""
    with session_of(state_of(request).store) as session:
        row = confirm_hazard(session, hazard_id, actor=user.actor)
        return HazardOut.model_validate(feature_of(row))


_IMPORT_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "application/geo+json": {"schema": {"type": "object"}},
            "application/json": {"schema": {"type": "object"}},
            "text/csv": {"schema": {"type": "string"}},
        },
    }
}


@router.post(
    "/import",
    name="hazards.import",
    response_model=ImportReport,
    openapi_extra=_IMPORT_BODY,
    responses=problem_responses(413, 415, 422),
)
async def import_hazards_api(request: Request, user: CurrentUser) -> ImportReport:
    """Import a GeoJSON FeatureCollection, a Bellingcat export or a CSV (as for the CLI).

    Usable records are stored; every skipped record is listed with its index, line and reason.
    Records whose id is already stored are skipped as ``exists``.
    """
    from corridor.api._heavy import run_heavy

    ctype = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if ctype not in ("application/json", "application/geo+json", "text/csv"):
        from corridor.api._problems import ApiError

        raise ApiError(415, "send application/geo+json, application/json or text/csv")
    body = await request.body()
    return await run_heavy(request, _import, request, body, ctype == "text/csv", user.actor)


def _import(request: Request, body: bytes, csv: bool, actor: str) -> ImportReport:
    try:
        text = body.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise HazardInputError("the upload is not UTF-8 text") from None
    # Parsed in memory under a neutral name: an error never shows a server path.
    name = "upload.csv" if csv else "upload.json"
    fmt, records = records_from_text(text, name=name, format="csv" if csv else "auto")
    hazards, problems = validate_records(records)
    skipped = [p.as_dict() for p in problems]
    bad = {p.index for p in problems}
    # validate_records keeps record order, so the usable records pair up with the hazards.
    index = dict(zip((h.id for h in hazards), (r.index for r in records if r.index not in bad),
                     strict=True))  # fmt: skip
    with session_of(state_of(request).store) as session:
        ids = [h.id for h in hazards]
        taken = stored_hazard_ids(session, ids)
        fresh = [h for h in hazards if h.id not in taken]
        add_hazards(session, fresh, actor=actor)
    skipped += [
        {"index": index[h], "line": None, "id": h, "reason": "exists",
         "detail": f"hazard {h!r} is already stored"}
        for h in taken
    ]  # fmt: skip
    skipped.sort(key=lambda p: p["index"])
    return ImportReport.model_validate(
        {
            "format": fmt,
            "records": len(records),
            "imported": len(fresh),
            "imported_ids": [h.id for h in fresh],
            "skipped": skipped,
        }
    )
