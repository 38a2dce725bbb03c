"""The compiled searches find exactly the costs networkx finds on the same weighted graph."""

from __future__ import annotations

import networkx as nx
import numpy as np
import pytest

from corridor.network import Network
from corridor.routing import Router, compute_landmarks, edge_costs, update_costs
from corridor.routing._cost import closed_mask, risk_to_logs
from tests.routing.conftest import random_hazards, to_networkx


def _check_path(net: Network, cost: np.ndarray, edges: np.ndarray, s: int, t: int) -> float:
    if s == t:
        assert edges.shape[0] == 0
        return 0.0
    assert net.edge_source[edges[0]] == s and net.edge_target[edges[-1]] == t
    assert np.array_equal(net.edge_target[edges[:-1]], net.edge_source[edges[1:]])
    return float(cost[edges].sum())


@pytest.mark.parametrize(
    ("cover", "close", "weight"),
    [(0.0, 0.0, 0.0), (0.3, 0.0, 10.0), (0.8, 0.15, 3.0), (1.0, 0.3, 50.0)],
)
def test_costs_equal_networkx(network: Network, cover: float, close: float, weight: float) -> None:
    risk, closed = random_hazards(network, 7, cover=cover, close=close)
    cost = edge_costs(
        network,
        log_risk=risk_to_logs(risk, network.n_edges),
        closed=closed_mask(closed, network.n_edges),
        risk_weight=weight,
    )
    graph = to_networkx(network, cost)
    router = Router(network, landmarks=compute_landmarks(network, count=8))
    rng = np.random.default_rng(11)
    pairs = rng.integers(network.n_nodes, size=(150, 2))
    unreachable = 0
    for s, t in pairs.tolist():
        try:
            expected = nx.dijkstra_path_length(graph, s, t)
        except nx.NetworkXNoPath:
            expected = np.inf
            unreachable += 1
        for method in ("dijkstra", "alt"):
            found = router.shortest(cost, s, t, method=method)  # type: ignore[arg-type]
            if not np.isfinite(expected):
                assert found.cost == np.inf and found.edges.shape[0] == 0
                continue
            assert found.cost == pytest.approx(expected, rel=1e-9, abs=1e-9)
            assert _check_path(network, cost, found.edges, s, t) == pytest.approx(
                expected, rel=1e-9
            )
            assert not closed[found.edges].any()
    if close >= 0.15:
        assert unreachable > 0  # the closures really cut the graph, so that branch ran


def test_one_to_all_matches_networkx(network: Network) -> None:
    cost = network.edge_time_s.astype(np.float64)
    graph = to_networkx(network, cost)
    router = Router(network)
    for source in (0, network.n_nodes // 2):
        dist, _ = router.one_to_all(cost, source)
        expected = nx.single_source_dijkstra_path_length(graph, source)
        got = {v: d for v, d in enumerate(dist.tolist()) if np.isfinite(d)}
        assert got.keys() == expected.keys()
        assert np.allclose([got[v] for v in expected], list(expected.values()), rtol=1e-12)
        back, _ = router.one_to_all(cost, source, backward=True)
        expected_back = nx.single_source_dijkstra_path_length(graph.reverse(), source)
        assert np.allclose([back[v] for v in expected_back], list(expected_back.values()))


def test_landmark_bounds_are_admissible(network: Network) -> None:
    lm = compute_landmarks(network, count=4)
    cost = network.edge_time_s.astype(np.float64)
    router = Router(network)
    assert len(set(lm.nodes.tolist())) == 4
    for i, node in enumerate(lm.nodes.tolist()):
        dist, _ = router.one_to_all(cost, node)
        assert np.allclose(lm.dist_from[:, i], dist, rtol=1e-6)


def test_update_costs_matches_a_full_rebuild(network: Network) -> None:
    risk, closed = random_hazards(network, 1, cover=0.3, close=0.05)
    m = network.n_edges
    cost = edge_costs(network, log_risk=risk_to_logs(risk, m), closed=closed, risk_weight=5.0)
    risk2, closed2 = risk.copy(), closed.copy()
    changed = np.random.default_rng(2).choice(m, size=m // 10, replace=False)
    risk2[changed] = np.random.default_rng(3).random(changed.shape[0]) * 0.5
    closed2[changed[:20]] = True
    update_costs(cost, network, changed, risk=risk2, closed=closed2, risk_weight=5.0)
    full = edge_costs(network, log_risk=risk_to_logs(risk2, m), closed=closed2, risk_weight=5.0)
    assert np.array_equal(np.isinf(cost), np.isinf(full))
    assert np.allclose(cost[np.isfinite(full)], full[np.isfinite(full)], rtol=1e-12)


def test_landmarks_round_trip_through_the_network_file(network: Network, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from corridor.network import write_network
    from corridor.routing import open_network, router_for

    lm = compute_landmarks(network, count=5)
    path = tmp_path / "n.net"
    write_network(network, path, extra=lm.as_extras())
    loaded = open_network(path)
    stored = router_for(loaded).landmarks
    assert np.array_equal(stored.dist_from, lm.dist_from)
    assert np.array_equal(stored.dist_to, lm.dist_to)
    assert np.array_equal(np.sort(stored.nodes), np.sort(lm.nodes))


def test_cached_router_does_not_keep_its_network_alive(shared_data) -> None:  # type: ignore[no-untyped-def]
    import gc
    import weakref

    from corridor.network import import_osm
    from corridor.routing import router_for

    net = import_osm(shared_data / "osm" / "aguascalientes.osm.pbf")
    router_for(net).shortest(net.edge_time_s.astype(np.float64), 0, 1)
    ref = weakref.ref(net)
    del net
    gc.collect()
    assert ref() is None
