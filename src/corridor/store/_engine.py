"""Where the database is, how to connect to it, and the transaction scope everyone uses."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, make_url
from sqlalchemy.exc import ArgumentError, NoSuchModuleError
from sqlalchemy.orm import Session, sessionmaker

from corridor.errors import StoreError
from corridor.store._plain import SQLITE_PRAGMAS, resolve_db_url

# Execution option read by the SQLite "begin" hook: IMMEDIATE takes the single-writer lock
# at BEGIN, so a read-then-write transaction (the audit append) can never interleave.
_BEGIN_OPTION = "corridor_sqlite_begin"


def _sqlite_on_connect(dbapi_connection: Any, _record: Any) -> None:
    # Take transaction control away from the sqlite3 module; the "begin" hook emits BEGIN.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    try:
        for pragma in SQLITE_PRAGMAS:
            cursor.execute(pragma)
    finally:
        cursor.close()


def _sqlite_on_begin(conn: Any) -> None:
    mode = conn.get_execution_options().get(_BEGIN_OPTION, "IMMEDIATE")
    conn.exec_driver_sql("BEGIN IMMEDIATE" if mode == "IMMEDIATE" else "BEGIN")


def make_engine(url: str | None = None, *, echo: bool = False) -> Engine:
    """An engine for ``url`` (resolved as in :func:`resolve_db_url`); SQLite files and their
    folder are created on first use, with WAL, foreign keys and a busy timeout."""
    resolved = resolve_db_url(url)
    try:
        parsed = make_url(resolved)
    except (ArgumentError, ValueError) as exc:
        raise StoreError(
            f"not a database URL: {resolved!r}",
            hint="e.g. sqlite:///corridor.db or postgresql+psycopg://user@host/db",
        ) from exc
    backend = parsed.get_backend_name()
    kwargs: dict[str, Any] = {"echo": echo}
    if backend == "sqlite":
        database = parsed.database or ""
        if database and database != ":memory:" and not database.startswith("file:"):
            Path(database).expanduser().parent.mkdir(parents=True, exist_ok=True)
    elif backend == "postgresql":
        kwargs["pool_pre_ping"] = True
    try:
        engine = create_engine(parsed, **kwargs)
    except (ArgumentError, NoSuchModuleError, ImportError) as exc:
        raise StoreError(f"cannot use database URL {parsed.render_as_string()!r}: {exc}") from exc
    if backend == "sqlite":
        event.listen(engine, "connect", _sqlite_on_connect)
        event.listen(engine, "begin", _sqlite_on_begin)
    return engine


def _configure_tables() -> None:
    """Import every table module and configure the mappers now, in the thread opening the store.

    ``corridor.store`` loads its modules on first use (PEP 562). In a threaded server, a request
    that configured the mappers while another thread was half-way through importing a table
    module (``MovementRow`` defined, ``MovementAckRow`` not yet) failed the configuration for
    the life of the process: every later write answered 503 (found by the crash-safety test).
    """
    from sqlalchemy.orm import configure_mappers

    from corridor.store import (  # noqa: F401
        _audit_orm,
        _audit_tables,
        _monitoring_tables,
        _movement_tables,
        _plan_tables,
        _tables,
    )

    configure_mappers()


class Store:
    """A database with the corridor schema: engine plus the two kinds of transaction scope.

    Use :func:`corridor.store.open_store` to get one whose schema has been checked.
    """

    def __init__(self, engine: Engine) -> None:
        _configure_tables()
        self.engine = engine
        self._writer = sessionmaker(engine, expire_on_commit=False)
        reader = engine.execution_options(**{_BEGIN_OPTION: "DEFERRED"})
        self._reader = sessionmaker(reader, expire_on_commit=False)

    @property
    def url(self) -> str:
        """The URL with any password hidden, fit for messages."""
        return self.engine.url.render_as_string(hide_password=True)

    @property
    def dialect(self) -> str:
        """``"sqlite"`` or ``"postgresql"``."""
        return self.engine.dialect.name

    @contextmanager
    def session(self, *, write: bool = True) -> Iterator[Session]:
        """One transaction: commit on success, roll back on any exception.

        ``write=False`` is for read-only work; on SQLite it does not take the writer lock,
        so readers never wait for a writer (WAL). Audit appends need ``write=True``.
        """
        maker = self._writer if write else self._reader
        with maker.begin() as session:
            yield session

    def close(self) -> None:
        self.engine.dispose()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
