"""Monitoring fixtures: the replayed corridor agreed in a fresh store (SQLite and PostgreSQL)."""

from __future__ import annotations

from typing import Any

import pytest

from corridor._records import adapter
from tests.monitoring import scenario


@pytest.fixture(scope="session")
def corridor_def(krems_network: Any) -> scenario.Corridor:
    return scenario.build(krems_network)


@pytest.fixture
def agreed(store: Any, corridor_def: scenario.Corridor, krems_network: Any) -> Any:
    """The store with the corridor agreed by both parties and its convoys registered."""
    from corridor.monitoring import ConvoyPlan, add_convoys

    scenario.agree(store, corridor_def)
    with store.session() as s:
        add_convoys(
            s, [adapter(ConvoyPlan).validate_python(c) for c in scenario.convoys()], actor="setup"
        )
    return store


@pytest.fixture
def lookup(krems_network: Any) -> Any:
    def find(sha: str) -> Any:
        return krems_network if sha == krems_network.source_sha256 else None

    return find


@pytest.fixture(scope="session")
def network_file(tmp_path_factory: pytest.TempPathFactory) -> Any:
    from corridor.network import import_osm, write_network
    from tests.conftest import BUNDLED_OSM

    path = tmp_path_factory.mktemp("net") / "krems.corridor"
    write_network(import_osm(BUNDLED_OSM), path)
    return path
