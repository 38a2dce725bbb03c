"""A command's transaction: on the bare driver when the database is plainly there, else
through the full store (which creates, migrates or words the error).

Apart from :mod:`corridor.store._sql` so that the SQL layer stays below the ORM store it falls
back to: ``_sql`` imports nothing of the store, this module imports both.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from corridor.store._sql import DriverSql, Sql, as_sql, driver_error


@contextmanager
def lean_transaction(db: str | None, *, write: bool = True) -> Iterator[DriverSql]:
    """One transaction on the database ``db`` names, on the bare driver, checked to be at
    the packaged head: commit on success, roll back on any exception.

    :class:`corridor.store._dbapi.HandOverError` (before anything ran) for every case the
    full store must word or handle: a missing file, a schema behind or ahead, a URL beyond
    the plain forms, an unreachable server.
    """
    from corridor.store._dbapi import open_connection

    try:
        with open_connection(db, write=write) as (connection, dialect):
            yield DriverSql(connection, dialect)
    except Exception as exc:  # the commit's own failure (the statements' are mapped already)
        if not _from_driver(exc):
            raise
        raise driver_error(exc) from exc


def _from_driver(exc: Exception) -> bool:
    return type(exc).__module__.split(".")[0] in {"sqlite3", "psycopg2"}


@contextmanager
def transaction(db: str | None, *, write: bool = True) -> Iterator[Sql]:
    """One transaction for a command: on the bare driver when the database is plainly there,
    else through the full store (which creates, migrates or words the error)."""
    from corridor.store._dbapi import HandOverError

    try:
        lean = lean_transaction(db, write=write)
        tx = lean.__enter__()
    except HandOverError:
        from corridor.store._schema import open_store

        with open_store(db) as store, store.session(write=write) as session:
            yield as_sql(session)
        return
    try:
        yield tx
    except BaseException as exc:
        if not lean.__exit__(type(exc), exc, exc.__traceback__):
            raise
    else:
        lean.__exit__(None, None, None)
