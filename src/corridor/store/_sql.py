"""The store's SQL on the bare DB-API driver: one implementation for the CLI and the server.

Importing SQLAlchemy's ORM costs 0.27 s of CPU here before a command does anything, more than
the 0.3 s a database-only command may take to start (issue 14, defect 10). Store functions
written against :class:`Sql` run unchanged in two settings:

- a command line write or read, on its own connection (``corridor.store.transaction``:
  sqlite3, or psycopg2 for PostgreSQL: psycopg 3 imports asyncio and logging, a fifth of a
  second);
- the server and every caller holding an ORM ``Session``: :func:`as_sql` runs the same SQL on
  the session's own DB-API connection, inside its transaction, after flushing what the ORM
  has pending, so the state change and its audit entry still commit or roll back together.

SQL is written with ``:name`` placeholders (SQLite's own style); they are rewritten once per
statement for the psycopg drivers. Values are adapted here so that both paths store exactly
what the ORM's column types store: an aware UTC time as SQLAlchemy's naive ``YYYY-MM-DD
HH:MM:SS.ffffff`` text on SQLite and as ``timestamptz`` on PostgreSQL (a naive time is refused,
as :class:`corridor.store._types.UTCDateTime` refuses it), JSON through :class:`Json` as the
JSON type writes it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import lru_cache
from typing import TYPE_CHECKING, Any, Protocol

from corridor.store._plain import as_utc

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

SQLITE = "sqlite"
POSTGRESQL = "postgresql"

Row = tuple[Any, ...]


@dataclass(frozen=True)
class Json:
    """A parameter for a JSON column (the driver's own JSON adapter, or text on SQLite)."""

    value: Any


class Sql(Protocol):
    """One transaction on one database, whatever opened it."""

    @property
    def dialect(self) -> str:
        """``"sqlite"`` or ``"postgresql"``: the few statements that differ ask."""
        ...

    @property
    def info(self) -> dict[str, Any]:
        """Notes kept for the rest of the transaction (the audit chain's head)."""
        ...

    def execute(self, sql: str, params: Mapping[str, Any] | None = None) -> Result:
        """Run one statement with ``:name`` placeholders."""
        ...


@dataclass
class Result:
    """The rows a statement returned (all read at once: the store's queries are bounded),
    and how many it changed."""

    rows: list[Row]
    rowcount: int

    def all(self) -> list[Row]:
        return self.rows

    def first(self) -> Row | None:
        return self.rows[0] if self.rows else None

    def scalar(self) -> Any:
        """The first column of the first row, or None when there is no row."""
        return self.rows[0][0] if self.rows else None


# ``:name`` but not ``::type`` (a PostgreSQL cast) nor a colon inside a word (``12:30``).
_PLACEHOLDER = re.compile(r"(?<![:\w]):([A-Za-z_]\w*)")


@lru_cache(maxsize=512)
def pyformat(sql: str) -> str:
    """``:name`` placeholders as psycopg's ``%(name)s``, with literal ``%`` doubled."""
    return _PLACEHOLDER.sub(r"%(\1)s", sql.replace("%", "%%"))


def sqlite_time(value: datetime) -> str:
    """What SQLAlchemy's SQLite DateTime writes for an aware time: naive UTC, always with
    microseconds, so that text comparisons in SQL order times correctly."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"naive datetime {value.isoformat()} given: pass an aware UTC time")
    return value.astimezone(UTC).replace(tzinfo=None).strftime("%Y-%m-%d %H:%M:%S.%f")


def _sqlite_value(value: Any) -> Any:
    if isinstance(value, datetime):
        return sqlite_time(value)
    if isinstance(value, Json):
        return json.dumps(value.value)
    return value


def _sqlite_params(params: Mapping[str, Any]) -> dict[str, Any]:
    return {key: _sqlite_value(value) for key, value in params.items()}


def _pg_value(value: Any, json_adapter: Any) -> Any:
    if isinstance(value, datetime):
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError(f"naive datetime {value.isoformat()} given: pass an aware UTC time")
        return value.astimezone(UTC)
    if isinstance(value, Json):
        return json_adapter(value.value)
    return value


def _pg_params(params: Mapping[str, Any], json_adapter: Any) -> dict[str, Any]:
    return {key: _pg_value(value, json_adapter) for key, value in params.items()}


def read_time(value: Any) -> datetime:
    """A NOT NULL time column as an aware UTC datetime."""
    when = as_utc(value)
    if when is None:
        raise ValueError("a NULL time in a NOT NULL column")
    return when


def read_json(value: Any) -> Any:
    """A JSON column: text on SQLite, already parsed by the psycopg drivers."""
    return json.loads(value) if isinstance(value, str) else value


def read_bytes(value: Any) -> bytes:
    """A binary column: bytes on SQLite and psycopg 3, a memoryview from psycopg2."""
    return bytes(value)


class _Cursor(Protocol):
    rowcount: int
    description: Sequence[Any] | None

    def execute(self, sql: str, params: Any = ...) -> Any: ...

    def fetchall(self) -> list[Any]: ...


def _run(cur: _Cursor, sql: str, params: Any) -> Result:
    cur.execute(sql, params)
    rows = [tuple(r) for r in cur.fetchall()] if cur.description is not None else []
    return Result(rows, cur.rowcount)


@dataclass
class DriverSql:
    """A transaction on a connection of its own (``corridor.store._transaction``)."""

    connection: Any
    dialect: str
    info: dict[str, Any] = field(default_factory=dict)

    def execute(self, sql: str, params: Mapping[str, Any] | None = None) -> Result:
        cur = self.connection.cursor()
        try:
            if self.dialect == SQLITE:
                return _run(cur, sql, _sqlite_params(params or {}))
            return _run(cur, pyformat(sql), _pg_params(params or {}, _psycopg2_json()))
        except Exception as exc:
            raise driver_error(exc) from exc
        finally:
            cur.close()


def _psycopg2_json() -> Any:
    """psycopg2's Json adapter from the module that defines it: ``psycopg2.extras``, which
    re-exports it, imports logging, ipaddress and the range types besides, 6 ms of every
    command on PostgreSQL (issue 14, defect 10)."""
    try:
        from psycopg2._json import Json
    except ImportError:  # pragma: no cover - a psycopg2 that moved it
        from psycopg2.extras import Json
    return Json


def driver_error(exc: Exception) -> Exception:
    """A bare driver's error as the store's own, worded as the server words the same error
    (``corridor.api._problems``): the CLI prints one line for it, never a traceback."""
    from corridor.errors import CorridorError, InputError, StoreError

    if isinstance(exc, CorridorError):
        return exc
    # DB-API 2 class names, shared by sqlite3 and psycopg2 (whose SQLSTATE classes subclass them)
    kinds = {cls.__name__ for cls in type(exc).__mro__}
    if "IntegrityError" in kinds:
        return StoreError(
            f"the database refused the change: {_first_line(exc)}",
            hint="another writer may have changed the same data; read it again and retry",
        )
    nul = isinstance(exc, ValueError) and "NUL" in str(exc)  # psycopg2 refuses it client-side
    if "DataError" in kinds or nul:
        return InputError(
            "a value cannot be stored: text must not contain NUL bytes and must fit its "
            f"field's length ({_first_line(exc)})"
        )
    if "DatabaseError" in kinds or "InterfaceError" in kinds:
        return StoreError(f"database error: {_first_line(exc)}")
    return exc


def _first_line(exc: Exception) -> str:
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0]


@dataclass
class SessionSql:
    """The same SQL inside an ORM session's transaction, on its DB-API connection."""

    session: Session
    dialect: str

    @property
    def info(self) -> dict[str, Any]:
        return self.session.info

    def execute(self, sql: str, params: Mapping[str, Any] | None = None) -> Result:
        session = self.session
        if session.new or session.dirty or session.deleted:
            session.flush()  # the ORM's pending rows first: the SQL may read or refer to them
        # Asked each time, not kept: it begins the session's transaction, emits a SAVEPOINT
        # begun since (begin_nested), and follows the session into its next transaction.
        driver = session.connection().connection.driver_connection
        assert driver is not None  # a checked-out connection always has its driver's
        cur = driver.cursor()
        try:
            if self.dialect == SQLITE:
                return _run(cur, sql, _sqlite_params(params or {}))
            from psycopg.types.json import Json as PsycopgJson

            return _run(cur, pyformat(sql), _pg_params(params or {}, PsycopgJson))
        except Exception as exc:
            # As SQLAlchemy would have raised it, so the server maps it once, as before
            # (a lost race 409, a value the database refuses 422, anything else 503).
            from sqlalchemy.exc import DBAPIError

            dialect = session.get_bind().dialect
            base = dialect.loaded_dbapi.Error
            if isinstance(exc, base):
                raise DBAPIError.instance(sql, params, exc, base, dialect=dialect) from exc
            raise
        finally:
            cur.close()


_SESSION_SQL = "corridor.store.sql"


def orm_session(tx: Sql | Session) -> Session | None:
    """The ORM session ``tx`` runs in (the server's), or None for a command's own transaction
    on the bare driver: for what only a session has (its engine, its rollback events)."""
    if isinstance(tx, SessionSql):
        return tx.session
    if isinstance(tx, DriverSql):
        return None
    from sqlalchemy.orm import Session

    return tx if isinstance(tx, Session) else None


def as_sql(tx: Sql | Session) -> Sql:
    """``tx`` as :class:`Sql`: itself, or the SQL view of an ORM session (one per session)."""
    if isinstance(tx, DriverSql | SessionSql):
        return tx
    from sqlalchemy.orm import Session

    if not isinstance(tx, Session):
        return tx
    held = tx.info.get(_SESSION_SQL)
    if isinstance(held, SessionSql):
        return held
    view = SessionSql(tx, tx.get_bind().dialect.name)
    tx.info[_SESSION_SQL] = view
    return view
