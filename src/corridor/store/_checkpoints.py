"""Signed checkpoints of the audit log in the store: the tree head, proofs, and saved notes.

Plain SQL (:mod:`corridor.store._sql`): ``corridor audit checkpoint`` and ``audit verify``
run it on the bare driver, without SQLAlchemy; the server runs it in its ORM session.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from corridor.audit import (
    Checkpoint,
    LogTree,
    parse_checkpoint,
    verify_checkpoint_signature,
)
from corridor.errors import InputError, NotFoundError, SignatureError
from corridor.store._audit import iter_audit, record
from corridor.store._plain import utc_now
from corridor.store._sql import Row, Sql, as_sql, read_time

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

#: Where a signer's key came from when it was read from the database (which an insider
#: could change: a party that holds its own public key should pass it in instead).
STORE_KEYS = "the store's party table"


@dataclass(frozen=True)
class SavedCheckpoint:
    """One party's signed checkpoint kept in the store (the note holds only its signature)."""

    id: int
    origin: str
    tree_size: int
    root_hash: str
    signer: str
    note: str
    created_at: datetime
    created_by: str


_COLUMNS = "id, origin, tree_size, root_hash, signer, note, created_at, created_by"


def _saved(row: Row) -> SavedCheckpoint:
    cid, origin, size, root, signer, note, created_at, created_by = row
    return SavedCheckpoint(int(cid), str(origin), int(size), str(root), str(signer), str(note),
                           read_time(created_at), str(created_by))  # fmt: skip


def log_tree(tx: Sql | Session) -> LogTree:
    """The Merkle tree of the whole log, read in one pass (32 bytes per entry in memory)."""
    return LogTree.of(iter_audit(tx))


def party_keys(tx: Sql | Session) -> dict[str, tuple[str, str]]:
    """Every registered party's public key, as ``check_against_checkpoint`` takes them."""
    rows = as_sql(tx).execute("SELECT name, public_key FROM parties").all()
    return {str(name): (str(key), STORE_KEYS) for name, key in rows}


def save_checkpoint(
    tx: Sql | Session, checkpoint: Checkpoint, *, actor: str, tree: LogTree | None = None
) -> list[SavedCheckpoint]:
    """Keep a party-signed checkpoint of this log, one row per signer, and audit that.

    Refused unless every signature verifies with the signer's registered key and the
    checkpoint is a head this log really had (its root at that size): a stored checkpoint
    is then evidence others can fetch, never a claim the server merely repeats.
    """
    sql = as_sql(tx)
    tree = tree or log_tree(sql)
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
        public_key = sql.execute(
            "SELECT public_key FROM parties WHERE name = :name", {"name": sig.name}
        ).scalar()
        if public_key is None:
            raise NotFoundError(f"unknown signer {sig.name!r}: not a registered party")
        if not verify_checkpoint_signature(checkpoint, sig.name, public_key):
            raise SignatureError(f"the checkpoint signature by {sig.name!r} does not verify")
        single = Checkpoint(checkpoint.origin, checkpoint.size, checkpoint.root, (sig,))
        key = {"signer": sig.name, "size": checkpoint.size, "root": checkpoint.root_hex}
        existing = sql.execute(
            f"SELECT {_COLUMNS} FROM audit_checkpoints WHERE signer = :signer"
            " AND tree_size = :size AND root_hash = :root",
            key,
        ).first()
        if existing is not None:
            rows.append(_saved(existing))
            continue
        row = sql.execute(
            "INSERT INTO audit_checkpoints (origin, tree_size, root_hash, signer, note,"
            " created_at, created_by) VALUES (:origin, :size, :root, :signer, :note, :at, :by)"
            f" RETURNING {_COLUMNS}",
            {**key, "origin": checkpoint.origin, "note": single.text(), "at": utc_now(),
             "by": actor},
        ).first()  # fmt: skip
        assert row is not None  # RETURNING gives the row just written
        rows.append(_saved(row))
        record(
            sql,
            actor=actor,
            action="audit.checkpointed",
            payload={
                "origin": checkpoint.origin,
                "tree_size": checkpoint.size,
                "root_hash": checkpoint.root_hex,
                "signer": sig.name,
            },
        )
    return rows


def list_checkpoints(
    tx: Sql | Session, *, signer: str | None = None, limit: int = 100
) -> list[SavedCheckpoint]:
    """Saved checkpoints, newest (largest) first."""
    where = " WHERE signer = :signer" if signer is not None else ""
    rows = as_sql(tx).execute(
        f"SELECT {_COLUMNS} FROM audit_checkpoints{where}"
        " ORDER BY tree_size DESC, id DESC LIMIT :limit",
        {"signer": signer, "limit": limit} if signer is not None else {"limit": limit},
    )
    return [_saved(r) for r in rows.all()]


def checkpoint_of(row: SavedCheckpoint) -> Checkpoint:
    return parse_checkpoint(row.note, source=f"audit_checkpoints id {row.id}")
