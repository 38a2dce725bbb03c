"""`/audit`: verify the tamper-evident chain in the database, and export it as JSON Lines."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import StreamingResponse
from pydantic import BaseModel

from corridor.api._adapters import session_of
from corridor.api._problems import problem_responses
from corridor.api._state import state_of

router = APIRouter(prefix="/audit", tags=["audit"], responses=problem_responses(401, 403))


class Fault(BaseModel):
    seq: int
    kind: str
    detail: str


class AuditStatus(BaseModel):
    ok: bool
    entries: int
    head_seq: int
    head_hash: str | None
    fault: Fault | None


@router.get("/verify", name="audit.verify", response_model=AuditStatus)
def verify(
    request: Request,
    expect_seq: Annotated[int | None, Query(ge=1, description="A head you published...")] = None,
    expect_hash: Annotated[
        str | None, Query(pattern=r"^[0-9a-f]{64}$", description="...and its hash.")
    ] = None,
) -> AuditStatus:
    """Recompute every link; with a published head, also prove the log was not rewritten."""
    from sqlalchemy import func, select

    from corridor.store import AuditEntry, audit_head, verify_audit

    head = (expect_seq, expect_hash) if expect_seq and expect_hash else None
    with session_of(state_of(request).store, write=False) as session:
        fault = verify_audit(session, head=head)
        last = audit_head(session)
        count = session.scalar(select(func.count()).select_from(AuditEntry)) or 0
    return AuditStatus(
        ok=fault is None,
        entries=count,
        head_seq=0 if last is None else last.seq,
        head_hash=None if last is None else last.entry_hash,
        fault=None
        if fault is None
        else Fault(seq=fault.seq, kind=str(fault.kind), detail=fault.detail),
    )


@router.get(
    "/export",
    name="audit.export",
    response_class=StreamingResponse,
    responses={200: {"content": {"application/x-ndjson": {}}, "description": "JSON Lines"}},
)
def export(request: Request) -> StreamingResponse:
    """Every entry as one JSON line, then a head line to publish; verify offline with
    `corridor audit verify --export FILE`."""
    store = state_of(request).store

    def lines() -> Iterator[bytes]:
        from corridor.store import export_audit

        with session_of(store, write=False) as session:
            for line in export_audit(session):
                yield (line + "\n").encode()

    return StreamingResponse(
        lines(),
        media_type="application/x-ndjson",
        headers={"Content-Disposition": 'attachment; filename="audit.jsonl"'},
    )
