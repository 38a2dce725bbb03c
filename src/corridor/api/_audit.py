"""`/audit`: verify the log, prove inclusion and consistency (RFC 9162), keep signed checkpoints.

A party that distrusts the server keeps its own signed checkpoint and asks for a
consistency proof from that size to today's: it verifies the proof itself, so it trusts
neither this server nor its database (see docs/security.md).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, Field

from corridor.api._adapters import session_of
from corridor.api._auth import CurrentUser
from corridor.api._problems import ApiError, problem_responses
from corridor.api._state import state_of

router = APIRouter(prefix="/audit", tags=["audit"], responses=problem_responses(401, 403))

HEX64 = r"^[0-9a-f]{64}$"
MAX_SEQ = 2**53  # JSON-safe; any larger number is simply not in the log


class Fault(BaseModel):
    seq: int
    kind: str
    detail: str


class StateIssue(BaseModel):
    table: str
    key: str
    detail: str


class AuditStatus(BaseModel):
    ok: bool
    entries: int
    head_seq: int
    head_hash: str | None
    fault: Fault | None
    state: list[StateIssue] = Field(
        default_factory=list,
        description="Rows of the agreement, signature, suspension and party tables that the "
        "replayed log does not account for (empty when consistent).",
    )


@router.get("/verify", name="audit.verify", response_model=AuditStatus)
def verify(
    request: Request,
    expect_seq: Annotated[
        int | None, Query(ge=1, le=MAX_SEQ, description="The seq of a head you published.")
    ] = None,
    expect_hash: Annotated[
        str | None,
        Query(
            pattern=HEX64,
            description="A head hash you published: the log must still contain it (at "
            "`expect_seq` when given).",
        ),
    ] = None,
) -> AuditStatus:
    """Recompute every link and replay the log against the state tables; with a published
    head, also prove the log still contains it (a cut or rewritten tail fails)."""
    from sqlalchemy import func, select

    from corridor.store import AuditEntry, audit_head, replay_problems, verify_audit

    if expect_seq is not None and expect_hash is None:
        raise ApiError(422, "expect_seq needs expect_hash: a seq alone proves nothing")
    head: tuple[int, str] | str | None = expect_hash
    if expect_hash is not None and expect_seq is not None:
        head = (expect_seq, expect_hash)
    with session_of(state_of(request).store, write=False) as session:
        fault = verify_audit(session, head=head)
        last = audit_head(session)
        count = session.scalar(select(func.count()).select_from(AuditEntry)) or 0
        problems = replay_problems(session)
    return AuditStatus(
        ok=fault is None and not problems,
        entries=count,
        head_seq=0 if last is None else last.seq,
        head_hash=None if last is None else last.entry_hash,
        fault=None
        if fault is None
        else Fault(seq=fault.seq, kind=str(fault.kind), detail=fault.detail),
        state=[StateIssue(table=p.table, key=p.key, detail=p.detail) for p in problems],
    )


@router.get(
    "/export",
    name="audit.export",
    response_class=StreamingResponse,
    responses={200: {"content": {"application/x-ndjson": {}}, "description": "JSON Lines"}},
)
def export(request: Request) -> StreamingResponse:
    """Every entry as one JSON line, then a head line to publish; verify offline with
    `corridor audit verify --file FILE`."""
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


class TreeHead(BaseModel):
    origin: str | None = Field(description="The log's name in checkpoints (None while empty).")
    tree_size: int
    root_hash: str = Field(description="RFC 9162 root hash, hex.")
    chain_head: str | None = Field(description="The newest entry's chain hash.")
    checkpoint: str | None = Field(
        description="The unsigned checkpoint body a party signs (`corridor audit checkpoint`)."
    )


@router.get("/tree", name="audit.tree", response_model=TreeHead)
def tree_head(request: Request) -> TreeHead:
    """The current Merkle tree head: the size and root a party signs in a checkpoint."""
    from corridor.store import log_tree

    with session_of(state_of(request).store, write=False) as session:
        tree = log_tree(session)
    body = tree.checkpoint().body().decode() if tree.size else None
    return TreeHead(
        origin=tree.origin,
        tree_size=tree.size,
        root_hash=tree.root().hex(),
        chain_head=tree.head_hash,
        checkpoint=body,
    )


class InclusionProof(BaseModel):
    seq: int
    leaf_index: int = Field(description="seq - 1: RFC 9162 counts leaves from 0.")
    tree_size: int
    leaf_hash: str
    root_hash: str
    path: list[str] = Field(description="Sibling hashes from the leaf up, hex.")


@router.get("/proof/inclusion", name="audit.inclusion", response_model=InclusionProof)
def inclusion(
    request: Request,
    seq: Annotated[int, Query(ge=1, le=MAX_SEQ, description="The entry to prove.")],
    tree_size: Annotated[
        int | None, Query(ge=1, le=MAX_SEQ, description="The tree to prove it in (default now).")
    ] = None,
) -> InclusionProof:
    """An RFC 9162 inclusion proof: entry ``seq`` is in the tree of ``tree_size`` entries."""
    from corridor.store import log_tree

    with session_of(state_of(request).store, write=False) as session:
        tree = log_tree(session)
    size = tree.size if tree_size is None else tree_size
    path = tree.inclusion(seq, size)
    return InclusionProof(
        seq=seq,
        leaf_index=seq - 1,
        tree_size=size,
        leaf_hash=tree.leaves[seq - 1].hex(),
        root_hash=tree.root(size).hex(),
        path=[p.hex() for p in path],
    )


class ConsistencyProof(BaseModel):
    first: int
    second: int
    first_root: str
    second_root: str
    proof: list[str] = Field(description="RFC 9162 consistency proof, hex.")


@router.get("/proof/consistency", name="audit.consistency", response_model=ConsistencyProof)
def consistency(
    request: Request,
    first: Annotated[int, Query(ge=0, le=MAX_SEQ, description="The size a party saw.")],
    second: Annotated[
        int | None, Query(ge=0, le=MAX_SEQ, description="A later size (default now).")
    ] = None,
) -> ConsistencyProof:
    """An RFC 9162 consistency proof: the tree of ``first`` entries is a prefix of the tree
    of ``second``. Check it against the root in your own checkpoint, not ``first_root``."""
    from corridor.store import log_tree

    with session_of(state_of(request).store, write=False) as session:
        tree = log_tree(session)
    size = tree.size if second is None else second
    proof = tree.consistency(first, size)
    return ConsistencyProof(
        first=first,
        second=size,
        first_root=tree.root(first).hex(),
        second_root=tree.root(size).hex(),
        proof=[p.hex() for p in proof],
    )


class StoredCheckpoint(BaseModel):
    signer: str
    tree_size: int
    root_hash: str
    origin: str
    note: str = Field(description="The signed note, as `corridor audit verify --checkpoint` reads.")


class CheckpointBody(BaseModel):
    note: str = Field(max_length=16_384, description="A signed checkpoint note.")


@router.get("/checkpoints", name="audit.checkpoints", response_model=list[StoredCheckpoint])
def checkpoints(
    request: Request,
    signer: Annotated[str | None, Query(max_length=200)] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> list[StoredCheckpoint]:
    """Checkpoints the parties signed and left here, largest first (each party keeps its own
    copy too: a copy here could be deleted by an insider)."""
    from corridor.store import list_checkpoints

    with session_of(state_of(request).store, write=False) as session:
        rows = list_checkpoints(session, signer=signer, limit=limit)
        return [
            StoredCheckpoint(
                signer=r.signer,
                tree_size=r.tree_size,
                root_hash=r.root_hash,
                origin=r.origin,
                note=r.note,
            )
            for r in rows
        ]


@router.post(
    "/checkpoints",
    name="audit.checkpoint_add",
    response_model=list[StoredCheckpoint],
    status_code=201,
    responses=problem_responses(404, 422),
)
def add_checkpoint(
    request: Request, body: CheckpointBody, user: CurrentUser
) -> list[StoredCheckpoint]:
    """Leave a signed checkpoint here: every signature must verify with the signer's
    registered key, and the root must be this log's root at that size. A liaison may only
    leave their own party's signatures."""
    from corridor.audit import parse_checkpoint
    from corridor.store import save_checkpoint

    checkpoint = parse_checkpoint(body.note)
    if user.role.value == "liaison" and any(s != user.party for s in checkpoint.signers()):
        raise ApiError(403, f"a liaison of {user.party!r} may only leave their own signature")
    with session_of(state_of(request).store) as session:
        rows = save_checkpoint(session, checkpoint, actor=user.actor)
        return [
            StoredCheckpoint(
                signer=r.signer,
                tree_size=r.tree_size,
                root_hash=r.root_hash,
                origin=r.origin,
                note=r.note,
            )
            for r in rows
        ]
