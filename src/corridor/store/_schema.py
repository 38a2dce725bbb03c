"""Schema revisions: run the packaged Alembic migrations, and refuse a database that is behind
or ahead of this code."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, inspect, text
from sqlalchemy.exc import DBAPIError, OperationalError

from corridor.errors import StoreError
from corridor.store._engine import Store, make_engine

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
UPGRADE_HINT = "run 'corridor db upgrade'"


def alembic_config(url: str | None = None) -> Config:
    """An Alembic config built in code, so migrations run from an installed package."""
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    if url is not None:
        cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def head_revision() -> str:
    """The revision this code needs."""
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    if head is None:  # pragma: no cover - the package always ships revisions
        raise StoreError("no schema migrations found in the installed package")
    return str(head)


def current_revision(connection: Connection) -> str | None:
    """The database's revision, or None when it has never been migrated."""
    return MigrationContext.configure(connection).get_current_revision()


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
    if not _known(ScriptDirectory.from_config(alembic_config()), revision):
        raise StoreError(
            f"database schema is at revision {revision}, which this corridor does not know "
            f"(it needs {head_revision()}): the database was written by a newer corridor",
            hint="upgrade corridor, or use another --db",
        )


def _known(script: ScriptDirectory, revision: str) -> bool:
    try:
        return script.get_revision(revision) is not None
    except Exception:  # alembic raises several kinds for an unknown id
        return False


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
    ahead = not _known(ScriptDirectory.from_config(alembic_config()), have)
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
