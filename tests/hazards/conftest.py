"""Fixtures for the hazard tests: the Bellingcat file, the demo scenario, a metric projection."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from pyproj import Transformer

REPO = Path(__file__).resolve().parents[2]
DEMO_HAZARDS = REPO / "data" / "demo" / "krems-hazards.geojson"
DEMO_TIME = datetime(2022, 3, 8, 10, 0, tzinfo=UTC)


@pytest.fixture(scope="session")
def bellingcat_path(shared_data: Path) -> Path:
    return shared_data / "incidents" / "bellingcat-civharm-2022-05-24.json"


@pytest.fixture(scope="session")
def utm33() -> Transformer:
    """UTM zone 33N: an independent metric CRS for checking Krems geometry by other means."""
    return Transformer.from_crs("EPSG:4326", "EPSG:32633", always_xy=True)
