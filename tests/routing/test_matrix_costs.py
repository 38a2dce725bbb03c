"""Cost-only many-to-many on a customised hierarchy (``Metric.many_to_many_costs``): equal to
scipy's Dijkstra on the same costs (closed roads, unreachable pairs, a place that is both an
origin and a destination), to the unpacking matrix's costs up to rounding, the same bits after
a partial re-customisation as after a fresh one, and waiting for a background
re-customisation instead of answering from stale weights."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import dijkstra

from corridor.network import Network
from corridor.routing import Hierarchy, Metric, edge_costs
from corridor.routing import _cch as cch
from corridor.routing._cch import Floor
from tests.routing.conftest import random_hazards, to_networkx


def _scipy(network: Network, cost: np.ndarray, origins: np.ndarray, exits: np.ndarray) -> object:
    """Dijkstra from each origin on the same weighted graph (the independent oracle)."""
    graph = to_networkx(network, cost)  # the cheapest of parallel edges (csr would add them)
    src, dst = zip(*graph.edges, strict=True)
    weight = [graph[a][b]["weight"] for a, b in graph.edges]
    matrix = csr_matrix((weight, (src, dst)), shape=(network.n_nodes,) * 2)
    return dijkstra(matrix, directed=True, indices=origins)[:, exits]


def _cost(network: Network, seed: int, cut_off: int | None = None) -> np.ndarray:
    """Random risks and closures; every road into and out of ``cut_off`` closed as well."""
    risk, closed = random_hazards(network, seed, cover=0.3, close=0.02)
    if cut_off is not None:
        closed |= (network.edge_source == cut_off) | (network.edge_target == cut_off)
    return edge_costs(network, log_risk=-np.log1p(-risk), closed=closed)


@pytest.fixture(scope="module")
def hierarchy(network: Network) -> Hierarchy:
    return Hierarchy.build(network)


def test_costs_equal_scipy_dijkstra(network: Network, hierarchy: Hierarchy) -> None:
    rng = np.random.default_rng(62)
    origins = rng.integers(network.n_nodes, size=40)
    exits = rng.integers(network.n_nodes, size=15)
    origins[5] = exits[2]  # a gathering point at an exit
    cost = _cost(network, seed=61, cut_off=int(exits[7]))  # an exit no one reaches
    metric = Metric(hierarchy, cost)
    got = metric.many_to_many_costs(origins, exits)
    expected = _scipy(network, cost, origins, exits)
    assert got.shape == (40, 15)
    assert np.array_equal(np.isinf(got), np.isinf(expected))
    assert np.isinf(got[:, 7]).all()
    assert np.allclose(got, expected, rtol=1e-9)
    assert got[5, 2] == 0.0
    # again the other way round, then as first: the distances kept between calls are clean
    back = metric.many_to_many_costs(exits, origins)
    assert np.allclose(back, _scipy(network, cost, exits, origins), rtol=1e-9)
    assert np.array_equal(metric.many_to_many_costs(origins, exits), got)
    # the unpacking matrix sums edge costs along the route: the same up to rounding
    unpacked, _, _ = metric.many_to_many(origins, exits, cost, cost)
    assert np.array_equal(np.isinf(unpacked), np.isinf(got))
    assert np.allclose(unpacked, got, rtol=1e-12)


def test_empty_sides_give_an_empty_matrix(network: Network, hierarchy: Hierarchy) -> None:
    metric = Metric(hierarchy, network.edge_time_s.astype(np.float64))
    some = np.arange(3)
    none = np.zeros(0, np.int64)
    assert metric.many_to_many_costs(none, some).shape == (0, 3)
    assert metric.many_to_many_costs(some, none).shape == (3, 0)


@pytest.mark.parametrize("bad", [-1, "n"])
def test_a_node_outside_the_network_is_refused(
    network: Network, hierarchy: Hierarchy, bad: int | str
) -> None:
    """Not read past the arrays (the kernel does not check bounds itself)."""
    metric = Metric(hierarchy, network.edge_time_s.astype(np.float64))
    node = network.n_nodes if bad == "n" else int(bad)
    for sources, targets in (([0, node], [1]), ([0], [1, node])):
        with pytest.raises(ValueError, match="a node outside"):
            metric.many_to_many_costs(np.array(sources), np.array(targets))


def test_same_bits_after_a_partial_update_as_after_a_fresh_customisation(
    network: Network, hierarchy: Hierarchy
) -> None:
    """What the ensembles rely on: a route whose cost has the hazard-free bits is hazard-free."""
    base = network.edge_time_s.astype(np.float64)
    rng = np.random.default_rng(63)
    origins = rng.integers(network.n_nodes, size=10)
    exits = rng.integers(network.n_nodes, size=5)
    metric = Metric(hierarchy, base)
    before = metric.many_to_many_costs(origins, exits)
    changed = rng.choice(network.n_edges, size=200, replace=False)
    hazard = base.copy()
    hazard[changed] *= 3.0
    metric.update(changed, hazard)
    assert np.array_equal(
        metric.many_to_many_costs(origins, exits),
        Metric(hierarchy, hazard).many_to_many_costs(origins, exits),
    )
    metric.update(changed, base)  # the hazards gone again
    assert np.array_equal(metric.many_to_many_costs(origins, exits), before)


def test_waits_for_a_background_customisation(
    network: Network, hierarchy: Hierarchy, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With a floor, a large change re-customises in the background; the costs are those of
    the new weights, never of the old ones."""
    monkeypatch.setattr(cch, "BACKGROUND_EDGES", 0)
    base = network.edge_time_s.astype(np.float64)
    metric = Metric(hierarchy, base, Floor(hierarchy, network))
    metric.wait()
    rng = np.random.default_rng(64)
    origins = rng.integers(network.n_nodes, size=8)
    exits = rng.integers(network.n_nodes, size=4)
    raised = base * 2.0
    metric.update(np.arange(network.n_edges), raised)
    got = metric.many_to_many_costs(origins, exits)
    assert metric.current
    assert np.array_equal(got, Metric(hierarchy, raised).many_to_many_costs(origins, exits))
