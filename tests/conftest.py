"""Fixtures shared by every area's tests: where the real data lives, and the demo network."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED_DATA = (REPO / ".." / "shared" / "data").resolve()
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
