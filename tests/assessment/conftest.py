"""The shared 2022 incident record and its gazetteer for the assessment tests."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest


@pytest.fixture(scope="session")
def record_path(shared_data: Path) -> Path:
    return shared_data / "incidents" / "bellingcat-civharm-2022-05-24.json"


@pytest.fixture
def records(record_path: Path) -> list[dict[str, Any]]:
    """A fresh copy of the raw records, to damage."""
    return json.loads(record_path.read_text(encoding="utf-8"))  # type: ignore[no-any-return]


@pytest.fixture(scope="session")
def gazetteer(shared_data: Path) -> Any:
    from corridor.hazards import load_gazetteer

    return load_gazetteer()


@pytest.fixture(scope="session")
def incidents_2022(record_path: Path, gazetteer: Any) -> Any:
    from corridor.hazards import import_hazards

    return import_hazards(record_path, gazetteer=gazetteer)
