"""The packed per-query entry point: its automatic choice, landmark pick and packed layout."""

from __future__ import annotations

import networkx as nx
import numpy as np
import pytest

from corridor.network import Network
from corridor.routing import Router, compute_landmarks, edge_costs
from corridor.routing import _kernels as k
from corridor.routing import _query as q
from corridor.routing._cost import closed_mask, risk_to_logs
from tests.routing.conftest import random_hazards, to_networkx


@pytest.mark.parametrize("cover", [0.0, 0.2, 0.6, 1.0])
def test_auto_follows_the_choice_rule_and_stays_exact(network: Network, cover: float) -> None:
    risk, closed = random_hazards(network, 5, cover=cover, close=0.0)
    cost = edge_costs(
        network,
        log_risk=risk_to_logs(risk, network.n_edges),
        closed=closed_mask(closed, network.n_edges),
        risk_weight=10.0,
    )
    graph = to_networkx(network, cost)
    router = Router(network, landmarks=compute_landmarks(network, count=8), use_hierarchy=False)
    expected_method = router.choose(cost)
    pairs = np.random.default_rng(13).integers(network.n_nodes, size=(60, 2))
    for s, t in pairs.tolist():
        found = router.shortest(cost, s, t)
        assert found.method == expected_method
        try:
            expected = nx.dijkstra_path_length(graph, s, t)
        except nx.NetworkXNoPath:
            expected = np.inf
        assert found.cost == pytest.approx(expected, rel=1e-9, abs=1e-9)
        assert float(cost[found.edges].sum()) == pytest.approx(expected, rel=1e-9, abs=1e-9)


def test_active_landmarks_are_the_tightest_bounds(network: Network) -> None:
    lm = compute_landmarks(network, count=12)
    lm_from, lm_to = lm.dist_from.copy(), lm.dist_to.copy()
    lm_from[:, 3] = np.inf  # an unreachable landmark: its bounds are NaN and must come last
    lm_to[:, 3] = np.inf
    active = np.zeros(q.ACTIVE_LANDMARKS, np.int32)
    for s, t in np.random.default_rng(17).integers(network.n_nodes, size=(50, 2)).tolist():
        with np.errstate(invalid="ignore"):
            a = lm_to[s].astype(np.float64) - lm_to[t]
            b = lm_from[t].astype(np.float64) - lm_from[s]
            bound = np.nan_to_num(np.maximum(a, b), nan=-np.inf)
        expected = np.argsort(-bound, kind="stable")[: q.ACTIVE_LANDMARKS]
        count = k._choose_active(lm_from, lm_to, s, t, active)
        assert count == q.ACTIVE_LANDMARKS
        assert active.tolist() == expected.tolist()
        assert 3 not in active.tolist()


def test_packed_graph_views_are_the_network_arrays(network: Network) -> None:
    sample = np.arange(0, network.n_edges, 7, dtype=np.int64)
    graph = q.pack_graph(network, sample)
    indptr, nbr, eid, rindptr, rnbr, reid, source = q.graph_views(graph)
    assert np.array_equal(indptr, network.indptr)
    assert np.array_equal(nbr, network.edge_target)
    assert np.array_equal(eid, np.arange(network.n_edges))
    assert np.array_equal(rindptr, network.rev_indptr)
    assert np.array_equal(rnbr, network.edge_source[network.rev_edges])
    assert np.array_equal(reid, network.rev_edges)
    assert np.array_equal(source, network.edge_source)
    assert np.array_equal(graph[graph.shape[0] - sample.shape[0] :], sample)


def test_the_choice_weighs_how_much_costs_are_inflated(network: Network) -> None:
    """Most edges a little dearer (a low risk weight, mild hazards) leave ALT's travel-time
    bounds nearly tight: ALT answers, where a rule by the share of inflated edges alone (more
    than 30 % above 1.1 x travel time) chose Dijkstra. Edges inflated far beyond a detour's
    price count only up to the cap: most edges so inflated mean Dijkstra. Both exact."""
    time_s = network.edge_time_s.astype(np.float64)
    rng = np.random.default_rng(23)
    mild = time_s.copy()
    mild[rng.random(network.n_edges) < 0.6] *= 1.2
    heavy = time_s.copy()
    heavy[rng.random(network.n_edges) < 0.6] *= 1000.0
    router = Router(network, landmarks=compute_landmarks(network, count=8), use_hierarchy=False)
    sample = router._sample
    assert np.mean(mild[sample] > 1.1 * time_s[sample]) > 0.3  # the share rule: Dijkstra
    # the hand estimate: 40 % at 1.0 and 60 % at 1.2 (mild); 40 % at 1.0, 60 % at the cap
    assert router.inflation(mild) == pytest.approx(1.12, abs=0.03)
    assert router.inflation(heavy) == pytest.approx(0.4 + 0.6 * k.INFLATION_CAP, abs=0.3)
    assert router.inflation(time_s) == 1.0
    for cost, method in ((mild, "alt"), (heavy, "dijkstra"), (time_s, "alt")):
        assert router.choose(cost) == method
        graph = to_networkx(network, cost)
        for s, t in np.random.default_rng(29).integers(network.n_nodes, size=(30, 2)).tolist():
            found = router.shortest(cost, s, t)
            assert found.method == method  # the compiled query applies the same rule
            try:
                expected = nx.dijkstra_path_length(graph, s, t)
            except nx.NetworkXNoPath:
                expected = np.inf
            assert found.cost == pytest.approx(expected, rel=1e-9, abs=1e-9)
