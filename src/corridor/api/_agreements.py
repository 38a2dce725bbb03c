"""`/agreements`: propose terms, upload signatures made client-side, suspend, close, verify,
and export the signed bundle. The server never holds a party's private key."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import JSONResponse
from sqlalchemy.orm import Session

from corridor import _records
from corridor.agreements import Terms, terms_from_data, terms_to_data
from corridor.api._adapters import session_of
from corridor.api._agreement_models import (
    AgreementOut,
    AgreementSummary,
    IfMatch,
    SignatureIn,
    SuspensionIn,
    TransitionIn,
    view,
)
from corridor.api._auth import CurrentUser
from corridor.api._etag import check_if_match, latest_etag, lock_agreement
from corridor.api._pagination import Page, PageOf, page_params, paginate
from corridor.api._problems import problem_responses
from corridor.api._state import state_of
from corridor.store import AgreementRecord

#: The terms are records: building their adapter makes the names their annotations use
#: resolvable, which FastAPI needs to read them as a body (or a body's fields).
_records.adapter(Terms)

router = APIRouter(prefix="/agreements", tags=["agreements"], responses=problem_responses(401, 403))

AgreementId = Annotated[str, Path(max_length=64, description="The corridor id of the terms.")]
PartyName = Annotated[str, Path(max_length=200)]
_WRITE_ERRORS = problem_responses(404, 409, 422, 428)


def _reply(record: AgreementRecord, etag: str | None, status: int = 200) -> JSONResponse:
    headers = {"ETag": etag} if etag else {}
    return JSONResponse(view(record).model_dump(mode="json"), status_code=status, headers=headers)


def _write(
    request: Request,
    corridor_id: str,
    if_match: str | None,
    change: Callable[[Session], AgreementRecord],
    *,
    required: bool,
    status: int = 200,
) -> JSONResponse:
    """Every agreement write: lock the corridor, check If-Match, change, reply with the new ETag."""

    with session_of(state_of(request).store) as session:
        lock_agreement(session, corridor_id)
        check_if_match(session, corridor_id, if_match, required=required)
        record = change(session)
        etag = latest_etag(session, corridor_id)
    return _reply(record, etag, status)


@router.get("", name="agreements.list", response_model=PageOf[AgreementSummary])
def list_agreements_api(
    request: Request, page: Annotated[Page, Depends(page_params)]
) -> PageOf[AgreementSummary]:
    from corridor.store import list_agreements

    with session_of(state_of(request).store, write=False) as session:
        rows = list_agreements(session)
    items = [AgreementSummary(corridor_id=c, version=v, state=s) for c, v, s in rows]
    return paginate(request, items[page.offset : page.offset + page.limit], len(items), page)


@router.post(
    "",
    name="agreements.propose",
    status_code=201,
    response_model=AgreementOut,
    responses=_WRITE_ERRORS,
)
def propose(request: Request, terms: Terms, user: CurrentUser, if_match: IfMatch = None) -> Any:
    """Propose the first version of a corridor's terms, or a new version (needs If-Match)."""
    from corridor.store import propose_agreement

    checked = terms_from_data(terms_to_data(terms))  # the CLI's cross-field rules as well

    def change(session: Session) -> AgreementRecord:
        return propose_agreement(session, checked, actor=user.actor)

    response = _write(request, checked.corridor_id, if_match, change, required=True, status=201)
    response.headers["Location"] = f"/agreements/{checked.corridor_id}"
    return response


@router.get(
    "/{agreement_id}",
    name="agreements.read",
    response_model=AgreementOut,
    responses=problem_responses(404),
)
def read(
    request: Request,
    agreement_id: AgreementId,
    version: Annotated[int | None, Query(ge=1, le=1_000_000)] = None,
) -> Any:
    """One version (default: the latest) with every party's signature status; sends its ETag."""
    from corridor.store import load_agreement

    with session_of(state_of(request).store, write=False) as session:
        record = load_agreement(session, agreement_id, version=version)
        etag = (
            latest_etag(session, agreement_id) if record.version == record.latest_version else None
        )
    return _reply(record, etag)


@router.put(
    "/{agreement_id}/signatures/{party}",
    name="agreements.sign",
    response_model=AgreementOut,
    responses=_WRITE_ERRORS,
)
def sign(
    request: Request,
    *,
    agreement_id: AgreementId,
    party: PartyName,
    body: SignatureIn,
    user: CurrentUser,
    if_match: IfMatch = None,
) -> Any:
    """Upload ``party``'s signature over the latest version's digest; the server verifies it."""
    from corridor.store import sign_agreement

    def change(session: Session) -> AgreementRecord:
        return sign_agreement(
            session,
            agreement_id,
            actor=user.actor,
            signature=body.signature,
            party=party,
            version=body.version,
        )

    return _write(request, agreement_id, if_match, change, required=False)


@router.post(
    "/{agreement_id}/suspensions/{party}",
    name="agreements.suspend",
    response_model=AgreementOut,
    responses=_WRITE_ERRORS,
)
def suspend(
    request: Request,
    *,
    agreement_id: AgreementId,
    party: PartyName,
    body: SuspensionIn,
    user: CurrentUser,
    if_match: IfMatch = None,
) -> Any:
    """``party`` suspends the agreement, signed with its own key over reason and time."""
    from corridor.store import suspend_agreement

    def change(session: Session) -> AgreementRecord:
        return suspend_agreement(
            session,
            agreement_id,
            reason=body.reason,
            actor=user.actor,
            party=party,
            signature=body.signature,
            at_utc=body.at_utc,
        )

    return _write(request, agreement_id, if_match, change, required=False)


@router.post(
    "/{agreement_id}/transitions/{action}",
    name="agreements.transition",
    response_model=AgreementOut,
    responses=_WRITE_ERRORS,
)
def transition(
    request: Request,
    *,
    agreement_id: AgreementId,
    action: Literal["close", "suspend"],
    body: TransitionIn,
    user: CurrentUser,
    if_match: IfMatch = None,
) -> Any:
    """Coordinator transitions: close for good, or suspend on an incident (unsigned)."""
    from corridor.store import close_agreement, suspend_agreement

    def change(session: Session) -> AgreementRecord:
        if action == "close":
            return close_agreement(session, agreement_id, actor=user.actor, reason=body.reason)
        return suspend_agreement(session, agreement_id, reason=body.reason, actor=user.actor)

    return _write(request, agreement_id, if_match, change, required=True)


@router.get(
    "/{agreement_id}/verify",
    name="agreements.verify",
    responses=problem_responses(404),
)
def verify(request: Request, agreement_id: AgreementId) -> dict[str, Any]:
    """Re-check the stored terms against their digest and every signature against its key."""
    from corridor.agreements import verify_bundle
    from corridor.store import export_agreement_bundle

    with session_of(state_of(request).store, write=False) as session:
        bundle = export_agreement_bundle(session, agreement_id)
    report = verify_bundle(bundle)  # state *and* now, exactly as GET /agreements/{id} judges
    return {
        "corridor_id": report.corridor_id,
        "version": report.version,
        "digest": report.digest,
        "signatures_valid": report.signatures_valid,
        "in_force": report.in_force,
        "state": report.state,
        "state_now": report.state_at,
        "why_not_in_force": report.why_not(),
        "suspended_by": report.suspended_by,
        "problems": report.problems,
        "statuses": [
            {"party": s.party, "status": s.status, "signed_at_utc": s.signed_at_utc}
            for s in report.statuses
        ],
    }


@router.get(
    "/{agreement_id}/bundle",
    name="agreements.bundle",
    responses=problem_responses(404),
)
def bundle(
    request: Request,
    agreement_id: AgreementId,
    version: Annotated[int | None, Query(ge=1, le=1_000_000)] = None,
) -> JSONResponse:
    """The offline-verifiable bundle (terms, digest, keys, signatures, audit head)."""
    from corridor.store import export_agreement_bundle

    with session_of(state_of(request).store, write=False) as session:
        data = export_agreement_bundle(session, agreement_id, version=version)
    filename = f"{agreement_id}-v{data.get('version')}.bundle.json"
    return JSONResponse(data, headers={"Content-Disposition": f'attachment; filename="{filename}"'})
