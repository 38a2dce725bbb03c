"""Read-only queries on the bare DB-API driver (sqlite3, psycopg2), without SQLAlchemy.

Importing SQLAlchemy's ORM alone costs more than the 0.3 s a database-only command may take
to start (issue 14, defect 10), so ``corridor agreement list``, ``party list``, ``users list``
and ``db status`` read through here first (:mod:`corridor.cli._lean`). PostgreSQL is read
with psycopg2, not the psycopg 3 the store's engine uses: psycopg 3 imports asyncio, logging
and importlib.metadata, 0.2 s of CPU here, where psycopg2's C module takes 0.04 s. Both are
libpq underneath and take the same connection keywords.

This path only ever answers the ordinary case: a database that exists, is reachable and is
at exactly the revision this code needs. Anything else (a URL it does not parse the simple
way, a missing file, a schema too old or too new, any driver error) raises :class:`HandOverError`
before anything is printed, and the caller runs the full command, which is the one place
that words errors and creates or refuses databases. The queries are the same SQL the ORM
emits; ``tests/test_lean_cli.py`` runs each lean command against its full twin on SQLite and
PostgreSQL and requires identical output and exit codes.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, quote, quote_plus, unquote

from corridor.store._plain import (
    MIGRATIONS,
    SQLITE_PRAGMAS,
    heads_of,
    resolve_db_url,
    revisions_in,
)

SQLITE_DRIVER = "sqlite"
PG_DRIVER = "postgresql+psycopg"


class HandOverError(Exception):
    """This case is for the full command (it reports errors, creates and migrates)."""


# SQLAlchemy's own URL grammar (sqlalchemy.engine.url._parse_url), so that a URL splits into
# the same parts; tests/test_lean_cli.py checks parts and rendering against make_url.
_URL = re.compile(
    r"""
        (?P<name>[\w\+]+)://
        (?:
            (?P<username>[^:/]*)
            (?::(?P<password>[^@]*))?
        @)?
        (?:
            (?:
                \[(?P<ipv6host>[^/\?]+)\] |
                (?P<ipv4host>[^/:\?]+)
            )?
            (?::(?P<port>[^/\?]*))?
        )?
        (?:/(?P<database>[^\?]*))?
        (?:\?(?P<query>.*))?
    """,
    re.X,
)


@dataclass(frozen=True)
class DbUrl:
    """A database URL in parts, as SQLAlchemy splits it."""

    drivername: str
    username: str | None
    password: str | None
    host: str | None
    port: int | None
    database: str | None
    query: tuple[tuple[str, str], ...]

    def render(self) -> str:
        """The URL with the password hidden, character for character as SQLAlchemy's
        ``render_as_string(hide_password=True)`` (what ``db status`` prints)."""
        s = self.drivername + "://"
        if self.username is not None:
            s += quote(self.username, safe=" +")
            if self.password is not None:
                s += ":***"
            s += "@"
        if self.host is not None:
            s += f"[{self.host}]" if ":" in self.host else self.host
        if self.port is not None:
            s += f":{self.port}"
        if self.database is not None:
            s += "/" + quote(self.database, safe=" +/")
        if self.query:
            s += "?" + "&".join(f"{quote_plus(k)}={quote_plus(v)}" for k, v in sorted(self.query))
        return s


def parse_url(text: str) -> DbUrl:
    """Split a resolved URL; HandOverError for anything beyond the plain forms (repeated query keys,
    a bad port, other drivers), which the full path handles and words."""
    m = _URL.match(text)
    if m is None:
        raise HandOverError("not a URL")
    parts = m.groupdict()
    if parts["name"] not in (SQLITE_DRIVER, PG_DRIVER):
        raise HandOverError("another driver")
    query: dict[str, str] = {}
    for key, value in parse_qsl(parts["query"] or "", keep_blank_values=False):
        if key in query:
            raise HandOverError("a repeated query key")
        query[key] = value
    port = parts["port"]
    if port and not port.isdigit():
        raise HandOverError("a bad port")
    texts = {k: unquote(parts[k]) if parts[k] is not None else None for k in ("username",
             "password", "database")}  # fmt: skip
    return DbUrl(
        drivername=parts["name"],
        username=texts["username"],
        password=texts["password"],
        host=parts["ipv4host"] or parts["ipv6host"],
        port=int(port) if port else None,
        database=texts["database"],
        query=tuple(query.items()),
    )


def head_revision() -> str:
    heads = heads_of(revisions_in(MIGRATIONS))
    if len(heads) != 1:
        raise HandOverError("not one schema head")
    return heads[0]


def sqlite_file(url: DbUrl) -> str | None:
    """The SQLite file a plain ``sqlite:///PATH`` names; None for memory, URI filenames,
    query options or anything with a host."""
    if url.drivername != SQLITE_DRIVER or url.host or url.username or url.port or url.query:
        return None
    database = url.database or ""
    if not database or database == ":memory:" or database.startswith("file:"):
        return None
    return database


@contextmanager
def _sqlite(path: str, *, write: bool) -> Iterator[Any]:
    if not Path(path).is_file():
        raise HandOverError("no such file")  # the full path creates it, or says why not
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        for pragma in SQLITE_PRAGMAS:
            conn.execute(pragma)
        # As Store.session(): IMMEDIATE takes the single writer lock at BEGIN, so a
        # read-then-write transaction (the audit append) cannot interleave; DEFERRED reads.
        conn.execute("BEGIN IMMEDIATE" if write else "BEGIN")
        yield conn
    finally:
        conn.close()  # a transaction still open here is rolled back


@contextmanager
def _postgres(url: DbUrl) -> Iterator[Any]:
    import psycopg2

    # As SQLAlchemy's psycopg dialect builds them (create_connect_args): the URL's parts, then
    # its query options (options=-csearch_path=..., connect_timeout, sslmode...).
    kwargs: dict[str, Any] = {}
    for key, value in (
        ("host", url.host),
        ("port", url.port),
        ("user", url.username),
        ("password", url.password),
        ("dbname", url.database),
    ):
        if value:
            kwargs[key] = value
    kwargs.update(url.query)
    if url.host and "," in url.host:
        raise HandOverError("several hosts")
    conn = psycopg2.connect(**kwargs)
    try:
        yield conn
    finally:
        try:
            if not conn.closed:
                conn.rollback()  # after a commit this ends nothing
        finally:
            conn.close()  # also when the connection broke and the rollback failed


@contextmanager
def open_connection(db: str | None, *, write: bool = False) -> Iterator[tuple[Any, str]]:
    """(DB-API connection, ``"sqlite"`` or ``"postgresql"``) in one transaction on the
    database ``db`` names, checked to be at the head revision: committed when the block
    ends normally (nothing to commit for a read), rolled back on any exception.

    HandOverError (before the block runs, nothing printed) for every other case. An error
    raised inside the block is the caller's and passes through unchanged.
    """
    url = parse_url(resolve_db_url(db))
    need = head_revision()
    try:
        path = sqlite_file(url)
        if path is not None:
            opened, dialect = _sqlite(path, write=write), "sqlite"
        elif url.drivername == PG_DRIVER:
            opened, dialect = _postgres(url), "postgresql"
        else:
            raise HandOverError("not a plain SQLite file or PostgreSQL URL")
        conn = opened.__enter__()
    except HandOverError:
        raise
    except Exception as exc:  # every driver error is the full path's to word
        raise HandOverError(f"{type(exc).__name__}: {exc}") from exc
    try:
        try:
            cur = conn.cursor()
            try:
                cur.execute("SELECT version_num FROM alembic_version")
                found = [row[0] for row in cur.fetchall()]
            finally:
                cur.close()
        except Exception as exc:
            raise HandOverError(f"{type(exc).__name__}: {exc}") from exc
        if found != [need]:
            raise HandOverError("schema revision is not the head")
        yield conn, dialect
        if write:
            conn.commit() if dialect == "postgresql" else conn.execute("COMMIT")
    except BaseException as exc:
        if not opened.__exit__(type(exc), exc, exc.__traceback__):
            raise
    else:
        opened.__exit__(None, None, None)


@contextmanager
def read_cursor(db: str | None) -> Iterator[Any]:
    """A cursor in one read transaction on the database ``db`` names, checked to be at the
    head revision; HandOverError (nothing printed) for every other case."""
    with open_connection(db) as (conn, _dialect):
        cur = conn.cursor()
        try:
            try:
                yield cur
            except HandOverError:
                raise
            except Exception as exc:  # every driver error is the full path's to word
                raise HandOverError(f"{type(exc).__name__}: {exc}") from exc
        finally:
            cur.close()


def lean_schema_status(db: str | None) -> tuple[str, str, str]:
    """(URL with the password hidden, revision, revision needed) of a database at the head;
    HandOverError for every other case (missing, behind, ahead, unreachable)."""
    url = parse_url(resolve_db_url(db))
    with read_cursor(db):
        need = head_revision()
        return url.render(), need, need


def revision_at_head(db: str | None, revision: str = "head") -> str | None:
    """The head revision when the database ``db`` names is already there and ``revision``
    asks for it (``head`` or its id), else None: ``corridor db upgrade`` then has nothing to
    do and answers without loading Alembic or SQLAlchemy. Every other case (missing, behind,
    ahead, unreachable, another target) is None and the full upgrade decides."""
    try:
        need = head_revision()
        if revision not in ("head", need):
            return None
        with read_cursor(db):
            return need
    except HandOverError:
        return None
