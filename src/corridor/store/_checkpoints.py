"""Signed checkpoints of the audit log in the store: the tree head, proofs, and saved notes."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from corridor.audit import (
    Checkpoint,
    LogTree,
    parse_checkpoint,
    verify_checkpoint_signature,
)
from corridor.errors import InputError, NotFoundError, SignatureError
from corridor.store._audit import iter_audit, record
from corridor.store._audit_tables import AuditCheckpointRow
from corridor.store._tables import PartyRow

#: Where a signer's key came from when it was read from the database (which an insider
#: could change: a party that holds its own public key should pass it in instead).
STORE_KEYS = "the store's party table"


def log_tree(session: Session) -> LogTree:
    """The Merkle tree of the whole log, read in one pass (32 bytes per entry in memory)."""
    return LogTree.of(iter_audit(session))


def party_keys(session: Session) -> dict[str, tuple[str, str]]:
    """Every registered party's public key, as ``check_against_checkpoint`` takes them."""
    return {p.name: (p.public_key, STORE_KEYS) for p in session.scalars(select(PartyRow))}


def save_checkpoint(
    session: Session, checkpoint: Checkpoint, *, actor: str, tree: LogTree | None = None
) -> list[AuditCheckpointRow]:
    """Keep a party-signed checkpoint of this log, one row per signer, and audit that.

    Refused unless every signature verifies with the signer's registered key and the
    checkpoint is a head this log really had (its root at that size): a stored checkpoint
    is then evidence others can fetch, never a claim the server merely repeats.
    """
    tree = tree or log_tree(session)
    if not checkpoint.signatures:
        raise SignatureError("the checkpoint carries no signature")
    if checkpoint.origin != tree.origin:
        raise InputError(f"the checkpoint is for log {checkpoint.origin}, not {tree.origin}")
    if checkpoint.size > tree.size or checkpoint.size < 1:
        raise InputError(
            f"the checkpoint is for size {checkpoint.size}; this log has {tree.size} entries"
        )
    if tree.root(checkpoint.size) != checkpoint.root:
        raise InputError(f"the checkpoint's root is not this log's root at size {checkpoint.size}")
    rows = []
    for sig in checkpoint.signatures:
        party = session.scalar(select(PartyRow).where(PartyRow.name == sig.name))
        if party is None:
            raise NotFoundError(f"unknown signer {sig.name!r}: not a registered party")
        if not verify_checkpoint_signature(checkpoint, sig.name, party.public_key):
            raise SignatureError(f"the checkpoint signature by {sig.name!r} does not verify")
        single = Checkpoint(checkpoint.origin, checkpoint.size, checkpoint.root, (sig,))
        existing = session.scalar(
            select(AuditCheckpointRow).where(
                AuditCheckpointRow.signer == sig.name,
                AuditCheckpointRow.tree_size == checkpoint.size,
                AuditCheckpointRow.root_hash == checkpoint.root_hex,
            )
        )
        if existing is not None:
            rows.append(existing)
            continue
        row = AuditCheckpointRow(
            origin=checkpoint.origin,
            tree_size=checkpoint.size,
            root_hash=checkpoint.root_hex,
            signer=sig.name,
            note=single.text(),
            created_by=actor,
        )
        session.add(row)
        rows.append(row)
        record(
            session,
            actor=actor,
            action="audit.checkpointed",
            payload={
                "origin": checkpoint.origin,
                "tree_size": checkpoint.size,
                "root_hash": checkpoint.root_hex,
                "signer": sig.name,
            },
        )
    session.flush()
    return rows


def list_checkpoints(
    session: Session, *, signer: str | None = None, limit: int = 100
) -> list[AuditCheckpointRow]:
    """Saved checkpoints, newest (largest) first."""
    stmt = select(AuditCheckpointRow).order_by(
        AuditCheckpointRow.tree_size.desc(), AuditCheckpointRow.id.desc()
    )
    if signer is not None:
        stmt = stmt.where(AuditCheckpointRow.signer == signer)
    return list(session.scalars(stmt.limit(limit)))


def checkpoint_of(row: AuditCheckpointRow) -> Checkpoint:
    return parse_checkpoint(row.note, source=f"audit_checkpoints id {row.id}")
