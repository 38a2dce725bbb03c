"""Migrations: a fresh database is created at head; another revision is refused clearly."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy import inspect, select, text
from sqlalchemy.exc import StatementError

from corridor.errors import StoreError
from corridor.store import (
    Base,
    HazardRow,
    Store,
    head_revision,
    make_engine,
    open_store,
    upgrade_db,
)

TABLES = {
    "agreement_versions",
    "alembic_version",
    "api_users",
    "audit_log",
    "corridors",
    "hazards",
    "idempotency_keys",
    "lifecycle_events",
    "networks",
    "parties",
    "signatures",
}


def _set_revision(url: str, revision: str) -> None:
    engine = make_engine(url)
    with engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = :r"), {"r": revision})
    engine.dispose()


def test_upgrade_from_empty_creates_every_table(db_url: str) -> None:
    before, after = upgrade_db(db_url)
    assert before is None
    assert after == head_revision()
    engine = make_engine(db_url)
    with engine.connect() as conn:
        assert set(inspect(conn).get_table_names()) == TABLES
    engine.dispose()
    assert upgrade_db(db_url) == (after, after)  # idempotent


def test_migration_matches_the_orm_tables(db_url: str) -> None:
    """The hand-kept migration and the ORM declare the same tables and columns."""
    upgrade_db(db_url)
    engine = make_engine(db_url)
    with engine.connect() as conn:
        insp = inspect(conn)
        for table in Base.metadata.sorted_tables:
            have = {c["name"]: c["nullable"] for c in insp.get_columns(table.name)}
            want = {c.name: c.nullable for c in table.columns}
            assert have == want, table.name
    engine.dispose()


def test_first_use_creates_the_database(tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "deep" / "folder" / "corridor.db"
    with open_store(f"sqlite:///{path}") as store:
        assert store.dialect == "sqlite"
    assert path.is_file()


def test_behind_schema_is_refused_with_the_upgrade_hint(db_url: str) -> None:
    upgrade_db(db_url)
    _set_revision(db_url, "0000")
    _check_refused(db_url, "0000")


def _check_refused(db_url: str, revision: str) -> None:
    with pytest.raises(StoreError) as err:
        open_store(db_url)
    message = err.value.one_line()
    assert f"database schema is at revision {revision}" in message
    assert f"this corridor needs {head_revision()}" in message


def test_behind_schema_message_names_db_upgrade(db_url: str) -> None:
    # A real older database: the alembic table exists but only an earlier (known) revision.
    # With one revision shipped, "behind" means no revision yet on a non-empty database.
    upgrade_db(db_url)
    engine = make_engine(db_url)
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM alembic_version"))
    engine.dispose()
    with pytest.raises(StoreError, match="run 'corridor db upgrade'"):
        open_store(db_url)


def test_ahead_schema_is_refused(db_url: str) -> None:
    upgrade_db(db_url)
    _set_revision(db_url, "9999future")
    _check_refused(db_url, "9999future")
    with pytest.raises(StoreError, match="newer corridor"):
        upgrade_db(db_url)


def test_foreign_database_is_not_taken_over(db_url: str) -> None:
    engine = make_engine(db_url)
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE somebody_elses (x INTEGER)"))
    engine.dispose()
    with pytest.raises(StoreError, match="no corridor schema"):
        open_store(db_url)


def test_unreachable_database_is_a_store_error(tmp_path) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(StoreError, match="cannot open database"):
        open_store("postgresql+psycopg://nobody@127.0.0.1:1/none?connect_timeout=2")
    with pytest.raises(StoreError, match="not a database URL"):
        open_store("postgresql+psycopg://u@h:notaport/db")
    with pytest.raises(StoreError, match="cannot use database URL"):
        open_store("nosuchdb://x/y")


def test_times_come_back_aware_utc(store: Store) -> None:
    kyiv = timezone(timedelta(hours=2))
    at = datetime(2022, 3, 5, 11, 0, 0, 123456, tzinfo=kyiv)
    with store.session() as s:
        s.add(_hazard("h1", valid_from=at))
    with store.session(write=False) as s:
        row = s.scalars(select(HazardRow)).one()
    assert row.valid_from == at
    assert row.valid_from is not None and row.valid_from.tzinfo == UTC
    assert row.created_at.tzinfo == UTC


def test_naive_times_are_refused(store: Store) -> None:
    with pytest.raises(StatementError, match="naive datetime"), store.session() as s:
        s.add(_hazard("h1", valid_from=datetime(2022, 3, 5, 11, 0)))
        s.flush()


def test_session_rolls_back_on_error(store: Store) -> None:
    with pytest.raises(RuntimeError), store.session() as s:
        s.add(_hazard("h1"))
        s.flush()
        raise RuntimeError("boom")
    with store.session(write=False) as s:
        assert s.scalars(select(HazardRow)).all() == []


def _hazard(hazard_id: str, **kw: object) -> HazardRow:
    fields: dict[str, object] = {
        "id": hazard_id,
        "kind": "shelling",
        "geometry": '{"type":"Point","coordinates":[15.6,48.4]}',
        "severity": 0.5,
        "confidence": 0.8,
        "created_by": "test",
    }
    fields.update(kw)
    return HazardRow(**fields)
