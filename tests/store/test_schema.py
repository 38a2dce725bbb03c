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
    "attachments",
    "checkins",
    "events",
    "incidents",
    "monitoring_convoys",
    "monitoring_rules",
    "rule_firings",
    "violations",
    "agreement_versions",
    "alembic_version",
    "api_users",
    "audit_checkpoints",
    "audit_log",
    "corridors",
    "hazards",
    "idempotency_keys",
    "lifecycle_events",
    "movement_acks",
    "movements",
    "networks",
    "notice_details",
    "parties",
    "plan_versions",
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


def test_behind_schema_is_refused_then_upgraded_keeping_data(
    db_url: str, newer_corridor: str
) -> None:
    """An older database is never migrated silently; `db upgrade` migrates it, data intact."""
    from corridor.store import audit_entries, record

    upgrade_db(db_url, revision=newer_corridor)
    engine = make_engine(db_url)
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO corridors (id, title, created_at, created_by) "
                "VALUES ('c1', 'Krems north', CURRENT_TIMESTAMP, 't')"
            )
        )
    engine.dispose()
    with pytest.raises(StoreError) as err:
        open_store(db_url)
    assert err.value.one_line() == (
        f"database schema is at revision {newer_corridor}, this corridor needs 9001 "
        "(run 'corridor db upgrade')"
    )
    assert upgrade_db(db_url) == (newer_corridor, "9001")
    with open_store(db_url) as store, store.session() as s:
        record(s, actor="t", action="test.after_upgrade", payload={})
        assert s.execute(text("SELECT title FROM corridors")).scalar_one() == "Krems north"
        assert len(audit_entries(s)) == 1


def test_database_without_revision_is_refused(db_url: str) -> None:
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
    with pytest.raises(StoreError) as err:
        open_store(db_url)
    assert err.value.one_line() == (
        f"database schema is at revision 9999future, this corridor needs {head_revision()} "
        "(it was written by a newer corridor: upgrade corridor)"
    )
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
