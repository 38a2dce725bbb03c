"""Fixtures shared by every area's tests: where the real data lives, and the demo network."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
# ../shared/data beside the clone (as in CI), or wherever CORRIDOR_SHARED_DATA points
SHARED_DATA = Path(
    os.environ.get("CORRIDOR_SHARED_DATA", REPO / ".." / "shared" / "data")
).resolve()
BUNDLED_OSM = REPO / "data" / "krems.osm.gz"
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


def require(condition: bool, reason: str) -> None:
    """Skip with a visible reason on a user's machine; fail in CI, where nothing may skip."""
    if condition:
        return
    if IN_CI:
        pytest.fail(f"required in CI: {reason}")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def shared_data() -> Path:
    require(SHARED_DATA.is_dir(), f"shared data folder not found at {SHARED_DATA}")
    return SHARED_DATA


@pytest.fixture(scope="session")
def osm_files(shared_data: Path) -> list[Path]:
    return sorted((shared_data / "osm").iterdir())


@pytest.fixture(scope="session")
def krems_network():  # type: ignore[no-untyped-def]
    """The bundled Krems network (largest strongly connected component, car profile)."""
    from corridor.network import import_osm

    return import_osm(BUNDLED_OSM)


# --- Databases (issue 5): every store test runs on SQLite and on the real PostgreSQL. ---------

PG_DSN = os.environ.get("CORRIDOR_TEST_PG", "host=127.0.0.1 port=5432 user=postgres dbname=test")


def _pg_url(schema: str) -> str:
    """A URL for the test PostgreSQL whose search_path is ``schema`` (a throwaway schema)."""
    import psycopg.conninfo

    parts = psycopg.conninfo.conninfo_to_dict(PG_DSN)
    user, host = parts.get("user", "postgres"), parts.get("host", "127.0.0.1")
    port, dbname = parts.get("port", "5432"), parts.get("dbname", "test")
    return f"postgresql+psycopg://{user}@{host}:{port}/{dbname}?options=-csearch_path%3D{schema}"


@pytest.fixture(scope="session")
def pg_available() -> bool:
    """Whether the PostgreSQL server answers (checked once per worker)."""
    import psycopg

    try:
        with psycopg.connect(PG_DSN, connect_timeout=3):
            return True
    except psycopg.Error:
        return False


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path: Path, pg_available: bool):  # type: ignore[no-untyped-def]
    """A fresh, empty database: an SQLite file, or a new PostgreSQL schema dropped afterwards."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'corridor.db'}"
        return
    require(pg_available, f"PostgreSQL not reachable at {PG_DSN!r} (set CORRIDOR_TEST_PG)")
    import uuid

    import psycopg

    schema = f"corridor_test_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(PG_DSN, autocommit=True) as conn:
        conn.execute(f"CREATE SCHEMA {schema}")
    try:
        yield _pg_url(schema)
    finally:
        with psycopg.connect(PG_DSN, autocommit=True) as conn:
            conn.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")


@pytest.fixture
def store(db_url: str):  # type: ignore[no-untyped-def]
    """An open ``corridor.store.Store`` at the current schema, on each database in turn."""
    from corridor.store import open_store

    opened = open_store(db_url)
    try:
        yield opened
    finally:
        opened.close()
