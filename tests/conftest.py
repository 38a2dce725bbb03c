"""Fixtures shared by every area's tests: where the real data lives, and the demo network."""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[1]
# CORRIDOR_SHARED_DATA overrides where the shared data lives (a checkout not beside shared/).
SHARED_DATA = Path(
    os.environ.get("CORRIDOR_SHARED_DATA") or (REPO / ".." / "shared" / "data").resolve()
)
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


@contextmanager
def fresh_database(kind: str, tmp_path: Path, name: str = "corridor.db") -> Iterator[str]:
    """The URL of a new, empty database: an SQLite file ``name`` in ``tmp_path``
    (``kind == "sqlite"``), or a new PostgreSQL schema, dropped afterwards."""
    if kind == "sqlite":
        yield f"sqlite:///{tmp_path / name}"
        return
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


def raw_rows(url: str, query: str) -> list[tuple[Any, ...]]:
    """Rows as stored, read beside corridor's code: sqlite3 on the file, or psycopg 3 on the
    schema a ``fresh_database`` URL names."""
    if url.startswith("sqlite"):
        with sqlite3.connect(url.removeprefix("sqlite:///")) as conn:
            return [tuple(r) for r in conn.execute(query)]
    import psycopg

    with psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://")) as conn:
        return [tuple(r) for r in conn.execute(query)]  # type: ignore[arg-type]


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path: Path, pg_available: bool):  # type: ignore[no-untyped-def]
    """A fresh, empty database: an SQLite file, or a new PostgreSQL schema dropped afterwards."""
    if request.param != "sqlite":
        require(pg_available, f"PostgreSQL not reachable at {PG_DSN!r} (set CORRIDOR_TEST_PG)")
    with fresh_database(request.param, tmp_path) as url:
        yield url


@pytest.fixture
def store(db_url: str):  # type: ignore[no-untyped-def]
    """An open ``corridor.store.Store`` at the current schema, on each database in turn."""
    from corridor.store import open_store

    opened = open_store(db_url)
    try:
        yield opened
    finally:
        opened.close()
