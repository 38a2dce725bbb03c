"""Schema revisions: run the packaged Alembic migrations, and refuse a database that is behind
or ahead of this code.

Opening a store only compares the database's ``alembic_version`` row with the packaged head,
read from the migration files' ``revision``/``down_revision`` lines: importing Alembic costs
more than the rest of a database-only command's start (issue 14, defect 10), so it is imported
only to migrate (a new database, ``corridor db upgrade``).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Connection, Engine, inspect, text
from sqlalchemy.exc import DBAPIError, OperationalError

from corridor.errors import StoreError
from corridor.store._engine import Store, make_engine
from corridor.store._plain import MIGRATIONS, heads_of, revisions_in

UPGRADE_HINT = "run 'corridor db upgrade'"
VERSION_TABLE = "alembic_version"  # Alembic's default, which env.py keeps

if TYPE_CHECKING:
    from alembic.config import Config


def alembic_config(url: str | None = None) -> Config:
    """An Alembic config built in code, so migrations run from an installed package."""
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    if url is not None:
        cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def packaged_revisions() -> dict[str, str | None]:
    """revision -> down_revision of every packaged migration, read as text (no Alembic)."""
    return revisions_in(MIGRATIONS)


def head_revision() -> str:
    """The revision this code needs: the one packaged revision that no other revises."""
    heads = heads_of(packaged_revisions())
    if len(heads) != 1:  # pragma: no cover - the package ships one linear history
        raise StoreError(f"the installed package has {len(heads) or 'no'} schema heads {heads}")
    return heads[0]


def current_revision(connection: Connection) -> str | None:
    """The database's revision, or None when it has never been migrated."""
    if not inspect(connection).has_table(VERSION_TABLE):
        return None
    rows = connection.execute(text(f"SELECT version_num FROM {VERSION_TABLE}")).scalars().all()
    if len(rows) > 1:
        raise StoreError(
            f"database has {len(rows)} schema revisions {sorted(rows)}",
            hint="the database was migrated by hand; restore it from a backup",
        )
    return str(rows[0]) if rows else None


def _lock_for_migration(connection: Connection) -> None:
    # Two processes opening a fresh PostgreSQL database at once must not both create tables;
    # on SQLite the BEGIN IMMEDIATE of the transaction already serialises them.
    if connection.dialect.name == "postgresql":
        connection.execute(
            text("SELECT pg_advisory_xact_lock(hashtext('corridor.migrate.' || current_schema()))")
        )


def _unreachable(engine: Engine, exc: Exception) -> StoreError:
    url = engine.url.render_as_string(hide_password=True)
    reason = str(getattr(exc, "orig", exc)).strip().splitlines()[0]
    return StoreError(
        f"cannot open database {url}: {reason}", hint="check --db or the CORRIDOR_DB variable"
    )


def _upgrade_on(connection: Connection, revision: str) -> None:
    from alembic import command

    cfg = alembic_config()
    cfg.attributes["connection"] = connection
    command.upgrade(cfg, revision)


def upgrade_db(url: str | None = None, *, revision: str = "head") -> tuple[str | None, str]:
    """Migrate the database to ``revision``; returns (revision before, revision after)."""
    engine = make_engine(url)
    try:
        with engine.begin() as conn:
            _lock_for_migration(conn)
            before = current_revision(conn)
            _check_known(before)
            _upgrade_on(conn, revision)
            after = current_revision(conn)
    except (OperationalError, DBAPIError) as exc:
        raise _unreachable(engine, exc) from exc
    finally:
        engine.dispose()
    return before, str(after)


def _check_known(revision: str | None) -> None:
    if revision is None:
        return
    if revision not in packaged_revisions():
        raise StoreError(
            f"database schema is at revision {revision}, which this corridor does not know "
            f"(it needs {head_revision()}): the database was written by a newer corridor",
            hint="upgrade corridor, or use another --db",
        )


def check_schema(connection: Connection) -> None:
    """Raise StoreError unless the database is exactly at the head revision."""
    have, need = current_revision(connection), head_revision()
    if have == need:
        return
    if have is None:
        raise StoreError(
            f"database has no corridor schema (this corridor needs revision {need})",
            hint=UPGRADE_HINT,
        )
    ahead = have not in packaged_revisions()
    message = f"database schema is at revision {have}, this corridor needs {need}"
    hint = "it was written by a newer corridor: upgrade corridor" if ahead else UPGRADE_HINT
    raise StoreError(message, hint=hint)


def open_store(url: str | None = None, *, create: bool = True) -> Store:
    """Open the database at ``url`` (see ``resolve_db_url``) after checking its schema.

    A brand-new, empty database is created and migrated on first use when ``create`` is true;
    an existing database at another revision is never migrated silently: that raises
    StoreError naming both revisions and ``corridor db upgrade``.
    """
    engine = make_engine(url)
    try:
        with engine.begin() as conn:
            _lock_for_migration(conn)
            if create and current_revision(conn) is None and not inspect(conn).get_table_names():
                _upgrade_on(conn, "head")
            check_schema(conn)
    except (OperationalError, DBAPIError) as exc:
        engine.dispose()
        raise _unreachable(engine, exc) from exc
    except BaseException:
        engine.dispose()
        raise
    return Store(engine)


def schema_status(url: str | None = None) -> tuple[str, str | None, str]:
    """(URL with password hidden, the database's revision or None, the revision needed).

    Does not create anything: a missing SQLite file reports revision None.
    """
    engine = make_engine(url)
    shown = engine.url.render_as_string(hide_password=True)
    try:
        database = engine.url.database or ""
        if engine.dialect.name == "sqlite" and database and not Path(database).exists():
            return shown, None, head_revision()
        with engine.connect() as conn:
            return shown, current_revision(conn), head_revision()
    except (OperationalError, DBAPIError) as exc:
        raise _unreachable(engine, exc) from exc
    finally:
        engine.dispose()
