"""The API's narrow seam onto the store and the domain packages (one place to adapt)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

from corridor.store import Store


def open_api_store(db_url: str | None) -> Store:
    from corridor.store import open_store

    return open_store(db_url)


def close_store(store: Store) -> None:
    store.close()


@contextmanager
def session_of(store: Store, *, write: bool = True) -> Iterator[Session]:
    with store.session(write=write) as session:
        yield session


def audit_append(session: Session, *, actor: str, action: str, payload: dict[str, Any]) -> None:
    from corridor.store import record

    record(session, actor=actor, action=action, payload=payload)


def store_version(store: Store) -> int | None:
    """The audit head's sequence number, a version of the whole store.

    Every write is audited in its own transaction (users, hazards, agreements...), so caches
    keyed by this number are invalidated by any committed change, from this server or the CLI.
    Plain SQL: this runs on every request and the ORM would double its cost.
    """
    with session_of(store, write=False) as session:
        value = session.execute(text("SELECT max(seq) FROM audit_log")).scalar()
    return None if value is None else int(value)


def ping(store: Store) -> bool:
    try:
        with session_of(store, write=False) as session:
            session.execute(text("SELECT 1"))
    except Exception:
        return False
    return True
