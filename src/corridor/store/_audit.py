"""Appending to and reading the audit chain in the database, in the caller's transaction.

Plain SQL on :class:`corridor.store._sql.Sql`, so that a command line write appends on the
bare driver (issue 14, defect 10) and the server appends inside its ORM session, with one
implementation of the chain's rules.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import TYPE_CHECKING, Any

from corridor.audit import ChainEntry, ChainFault, next_entry, verify_chain
from corridor.errors import StoreError
from corridor.store._plain import utc_now
from corridor.store._sql import Row, Sql, as_sql, read_time

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

APPEND_ONLY = "audit_log is append-only: entries are never updated or deleted"
#: The head this transaction appended last, valid while the transaction holding the lock lasts
#: (an ORM session forgets it when its transaction ends: ``corridor.store._audit_orm``).
HEAD_KEY = "corridor.audit.head"

_COLUMNS = "seq, at_utc, actor, action, payload, payload_digest, prev_hash, entry_hash"


def _lock_head(sql: Sql) -> None:
    """Serialise appenders until the caller's transaction ends, so the chain cannot fork.

    SQLite: every write transaction began with BEGIN IMMEDIATE, which already holds the
    single writer lock. PostgreSQL: a transaction-scoped advisory lock per schema.
    """
    if sql.dialect == "postgresql":
        sql.execute("SELECT pg_advisory_xact_lock(hashtext('corridor.audit.' || current_schema()))")


def _chain_entry(row: Row) -> ChainEntry:
    seq, at, actor, action, payload, digest, prev, entry = row
    return ChainEntry(
        seq=int(seq),
        at_utc=read_time(at),
        actor=str(actor),
        action=str(action),
        payload=str(payload),
        payload_digest=str(digest),
        prev_hash=str(prev),
        entry_hash=str(entry),
    )


def audit_head(tx: Sql | Session) -> ChainEntry | None:
    """The newest entry, or None for an empty log."""
    row = as_sql(tx).execute(f"SELECT {_COLUMNS} FROM audit_log ORDER BY seq DESC LIMIT 1").first()
    return None if row is None else _chain_entry(row)


def record(
    tx: Sql | Session,
    *,
    actor: str,
    action: str,
    payload: Any,
    at_utc: datetime | None = None,
) -> ChainEntry:
    """Append one entry in ``tx``'s transaction: it commits or rolls back with the state
    change it records. ``payload`` must be JSON-able (RFC 8785: no NaN, ints within 2**53);
    ``action`` is a dotted verb such as ``hazard.added`` or ``agreement.signed``.

    The chain's head is remembered for the rest of the transaction, so bulk appends cost one
    INSERT each.
    """
    if not actor or not action:
        raise StoreError("an audit entry needs an actor and an action")
    sql = as_sql(tx)
    head: ChainEntry | None
    if HEAD_KEY in sql.info:
        head = sql.info[HEAD_KEY]
    else:
        _lock_head(sql)
        head = audit_head(sql)
    entry = next_entry(
        head, at_utc=at_utc or utc_now(), actor=actor, action=action, payload=payload
    )
    sql.execute(
        f"INSERT INTO audit_log ({_COLUMNS}) VALUES (:seq, :at_utc, :actor, :action, :payload,"
        " :payload_digest, :prev_hash, :entry_hash)",
        {
            "seq": entry.seq,
            "at_utc": entry.at_utc,
            "actor": entry.actor,
            "action": entry.action,
            "payload": entry.payload,
            "payload_digest": entry.payload_digest,
            "prev_hash": entry.prev_hash,
            "entry_hash": entry.entry_hash,
        },
    )
    sql.info[HEAD_KEY] = entry
    return entry


def iter_audit(tx: Sql | Session, *, after_seq: int = 0, batch: int = 1000) -> Iterator[ChainEntry]:
    """Entries in ``seq`` order, read in batches so a long log need not fit in memory."""
    sql = as_sql(tx)
    last = after_seq
    while True:
        rows = sql.execute(
            f"SELECT {_COLUMNS} FROM audit_log WHERE seq > :after ORDER BY seq LIMIT :batch",
            {"after": last, "batch": batch},
        ).all()
        for row in rows:
            entry = _chain_entry(row)
            last = entry.seq
            yield entry
        if len(rows) < batch:
            return


def audit_entries(
    tx: Sql | Session, *, after_seq: int = 0, limit: int | None = None
) -> list[ChainEntry]:
    """Entries after ``after_seq`` in order, at most ``limit`` (for paging)."""
    query = f"SELECT {_COLUMNS} FROM audit_log WHERE seq > :after ORDER BY seq"
    params: dict[str, Any] = {"after": after_seq}
    if limit is not None:
        query += " LIMIT :limit"
        params["limit"] = limit
    return [_chain_entry(row) for row in as_sql(tx).execute(query, params).all()]


def verify_audit(
    tx: Sql | Session, *, head: tuple[int, str] | str | None = None
) -> ChainFault | None:
    """The first fault of the stored chain (see ``corridor.audit.verify_chain``), or None."""
    return verify_chain(iter_audit(tx), head=head)


def export_audit(tx: Sql | Session, *, with_payloads: bool = True) -> Iterator[str]:
    """The log as JSON Lines ending with the head line (see ``corridor.audit.export_lines``)."""
    # Imported here: the export's reader side loads YAML, which a command that only records
    # an entry (``hazards expire``) need not pay for at start-up (issue 14, defect 10).
    from corridor.audit import export_lines

    return export_lines(iter_audit(tx), with_payloads=with_payloads)
