"""Networks and random hazard arrays shared by the routing tests."""

from __future__ import annotations

from pathlib import Path

import networkx as nx
import numpy as np
import pytest

from corridor.network import Network, import_osm


@pytest.fixture(scope="session", params=["krems.osm.gz", "aguascalientes.osm.pbf"])
def network(request: pytest.FixtureRequest, shared_data: Path) -> Network:
    return import_osm(shared_data / "osm" / request.param)


def to_networkx(net: Network, cost: np.ndarray) -> nx.DiGraph:
    """The same weighted graph for networkx (parallel edges keep their cheapest copy)."""
    graph = nx.DiGraph()
    graph.add_nodes_from(range(net.n_nodes))
    for e in np.argsort(-cost, kind="stable"):  # cheapest last, so it wins
        if np.isfinite(cost[e]):
            graph.add_edge(int(net.edge_source[e]), int(net.edge_target[e]), weight=float(cost[e]))
    return graph


def random_hazards(
    net: Network, seed: int, *, cover: float, close: float
) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    risk = np.where(rng.random(net.n_edges) < cover, rng.random(net.n_edges) * 0.3, 0.0)
    closed = rng.random(net.n_edges) < close
    return risk, closed
