"""Appending to and reading the audit chain in the database, in the caller's transaction."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any

from sqlalchemy import event, select, text
from sqlalchemy.orm import Mapper, ORMExecuteState, Session

from corridor.audit import ChainEntry, ChainFault, export_lines, next_entry, verify_chain
from corridor.errors import StoreError
from corridor.store._tables import AuditEntry
from corridor.store._types import utc_now

_APPEND_ONLY = "audit_log is append-only: entries are never updated or deleted"


@event.listens_for(AuditEntry, "before_update")
def _refuse_update(_mapper: Mapper[Any], _conn: Any, target: AuditEntry) -> None:
    raise StoreError(_APPEND_ONLY, item=f"audit seq {target.seq}")


@event.listens_for(AuditEntry, "before_delete")
def _refuse_delete(_mapper: Mapper[Any], _conn: Any, target: AuditEntry) -> None:
    raise StoreError(_APPEND_ONLY, item=f"audit seq {target.seq}")


@event.listens_for(Session, "do_orm_execute")
def _refuse_bulk(state: ORMExecuteState) -> None:
    # session.execute(update(AuditEntry)) / delete(AuditEntry) skip the mapper events above.
    mapper = state.bind_mapper
    if (state.is_update or state.is_delete) and mapper is not None and mapper.class_ is AuditEntry:
        raise StoreError(_APPEND_ONLY)


def _lock_head(session: Session) -> None:
    """Serialise appenders until the caller's transaction ends, so the chain cannot fork.

    SQLite: ``Store.session()`` began with BEGIN IMMEDIATE, which already holds the single
    writer lock. PostgreSQL: a transaction-scoped advisory lock per schema.
    """
    if session.get_bind().dialect.name == "postgresql":
        session.execute(
            text("SELECT pg_advisory_xact_lock(hashtext('corridor.audit.' || current_schema()))")
        )


def _chain_entry(row: AuditEntry) -> ChainEntry:
    return ChainEntry(
        seq=row.seq,
        at_utc=row.at_utc,
        actor=row.actor,
        action=row.action,
        payload=row.payload,
        payload_digest=row.payload_digest,
        prev_hash=row.prev_hash,
        entry_hash=row.entry_hash,
    )


def audit_head(session: Session) -> ChainEntry | None:
    """The newest entry, or None for an empty log."""
    row = session.scalars(select(AuditEntry).order_by(AuditEntry.seq.desc()).limit(1)).first()
    return None if row is None else _chain_entry(row)


# The head this session appended last, valid while the transaction holding the lock lasts.
_HEAD_KEY = "corridor.audit.head"


@event.listens_for(Session, "after_transaction_end")
def _forget_head(session: Session, _transaction: Any) -> None:
    # Any end, savepoints included: a rolled-back savepoint may have taken our entries along.
    session.info.pop(_HEAD_KEY, None)


def record(
    session: Session,
    *,
    actor: str,
    action: str,
    payload: Any,
    at_utc: datetime | None = None,
) -> ChainEntry:
    """Append one entry in ``session``'s transaction: it commits or rolls back with the state
    change it records. ``payload`` must be JSON-able (RFC 8785: no NaN, ints within 2**53);
    ``action`` is a dotted verb such as ``hazard.added`` or ``agreement.signed``.

    The row is written at the next flush or commit; the chain's head is remembered for the
    rest of the transaction, so bulk appends cost one INSERT each.
    """
    if not actor or not action:
        raise StoreError("an audit entry needs an actor and an action")
    head: ChainEntry | None
    if _HEAD_KEY in session.info:
        head = session.info[_HEAD_KEY]
    else:
        _lock_head(session)
        session.flush()
        head = audit_head(session)
    entry = next_entry(
        head, at_utc=at_utc or utc_now(), actor=actor, action=action, payload=payload
    )
    session.add(
        AuditEntry(
            seq=entry.seq,
            at_utc=entry.at_utc,
            actor=entry.actor,
            action=entry.action,
            payload=entry.payload,
            payload_digest=entry.payload_digest,
            prev_hash=entry.prev_hash,
            entry_hash=entry.entry_hash,
        )
    )
    session.info[_HEAD_KEY] = entry
    return entry


def iter_audit(session: Session, *, after_seq: int = 0, batch: int = 1000) -> Iterator[ChainEntry]:
    """Entries in ``seq`` order, read in batches so a long log need not fit in memory."""
    stmt = (
        select(AuditEntry)
        .where(AuditEntry.seq > after_seq)
        .order_by(AuditEntry.seq)
        .execution_options(yield_per=batch)
    )
    for row in session.scalars(stmt):
        yield _chain_entry(row)
        session.expunge(row)


def audit_entries(
    session: Session, *, after_seq: int = 0, limit: int | None = None
) -> list[ChainEntry]:
    """Entries after ``after_seq`` in order, at most ``limit`` (for paging)."""
    stmt = select(AuditEntry).where(AuditEntry.seq > after_seq).order_by(AuditEntry.seq)
    if limit is not None:
        stmt = stmt.limit(limit)
    return [_chain_entry(row) for row in session.scalars(stmt)]


def verify_audit(
    session: Session, *, head: tuple[int, str] | str | None = None
) -> ChainFault | None:
    """The first fault of the stored chain (see ``corridor.audit.verify_chain``), or None."""
    return verify_chain(iter_audit(session), head=head)


def export_audit(session: Session, *, with_payloads: bool = True) -> Iterator[str]:
    """The log as JSON Lines ending with the head line (see ``corridor.audit.export_lines``)."""
    return export_lines(iter_audit(session), with_payloads=with_payloads)
