"""The packed per-query entry point: the timed choice between ALT and Dijkstra, the landmark
pick and the packed layout."""

from __future__ import annotations

import networkx as nx
import numpy as np
import pytest

from corridor.network import Network
from corridor.routing import Router, compute_landmarks, edge_costs
from corridor.routing import _engine as engine
from corridor.routing import _kernels as k
from corridor.routing import _query as q
from corridor.routing._cost import closed_mask, risk_to_logs
from tests.routing.conftest import random_hazards, to_networkx


@pytest.mark.parametrize("cover", [0.0, 0.2, 0.6, 1.0])
def test_auto_is_exact_on_trial_and_after_it(network: Network, cover: float) -> None:
    """Whichever method answers, on trial (both run, the first one's answer returned) or
    after, the cost is networkx's; after the trial ``auto`` sticks to what ``choose`` says."""
    risk, closed = random_hazards(network, 5, cover=cover, close=0.0)
    cost = edge_costs(
        network,
        log_risk=risk_to_logs(risk, network.n_edges),
        closed=closed_mask(closed, network.n_edges),
        risk_weight=10.0,
    )
    graph = to_networkx(network, cost)
    router = Router(network, landmarks=compute_landmarks(network, count=8), use_hierarchy=False)
    pairs = np.random.default_rng(13).integers(network.n_nodes, size=(60, 2))
    used = []
    for s, t in pairs.tolist():
        found = router.shortest(cost, s, t)
        used.append(found.method)
        try:
            expected = nx.dijkstra_path_length(graph, s, t)
        except nx.NetworkXNoPath:
            expected = np.inf
        assert found.cost == pytest.approx(expected, rel=1e-9, abs=1e-9)
        assert float(cost[found.edges].sum()) == pytest.approx(expected, rel=1e-9, abs=1e-9)
    decided = router.choose(cost)
    assert decided in ("alt", "dijkstra")
    if cover == 0.0:  # no hazard: ALT without a trial
        assert set(used) == {"alt"}
        assert decided == "alt"
    else:  # the trial answers alternately with either method, then the winner alone
        assert any(
            used[:n] == ["alt", "dijkstra"] * (n // 2) + ["alt"] * (n % 2)
            and set(used[n:]) == {decided}
            for n in range(engine.TRIAL_PAIRS, engine.TRIAL_PAIRS_MAX + 1)
        )


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
    graph = q.pack_graph(network)
    assert graph[: q.HEAD].tolist() == [network.n_nodes, network.n_edges]
    indptr, nbr, eid, rindptr, rnbr, reid, source = q.graph_views(graph)
    assert np.array_equal(indptr, network.indptr)
    assert np.array_equal(nbr, network.edge_target)
    assert np.array_equal(eid, np.arange(network.n_edges))
    assert np.array_equal(rindptr, network.rev_indptr)
    assert np.array_equal(rnbr, network.edge_source[network.rev_edges])
    assert np.array_equal(reid, network.rev_edges)
    assert np.array_equal(source, network.edge_source)
    assert graph.shape[0] == q.HEAD + 2 * (network.n_nodes + 1) + 5 * network.n_edges


def test_the_choice_keeps_the_faster_method_per_degree_of_inflation() -> None:
    """Made-up timings: Dijkstra faster at a mean inflation of 2 and ALT at 5, the reverse of
    what the former rule by mean inflation (ALT up to 3.7) picked; one pair slowed by the
    scheduler does not flip a decision; buckets 5 % apart are decided apart."""
    choice = engine.MethodChoice()
    assert choice.pick(1.0) == "alt"  # no hazard: ALT, untimed
    assert choice.pick(engine.ALT_UNTIMED_INFLATION) == "alt"  # little inflation: the same
    assert choice.pick(engine.ALT_UNTIMED_INFLATION * 1.01) is None
    assert choice.pick(float("nan")) is None  # a NaN cost: timed like any other, no crash
    choice.record(float("nan"), alt_ns=1.0, dijkstra_ns=2.0)
    for i in range(engine.TRIAL_PAIRS):
        assert choice.pick(2.0) is None  # on trial
        assert choice.first(2.0) == ("alt" if i % 2 == 0 else "dijkstra")
        slow = 50.0 if i == 1 else 1.0  # the faster one preempted once: 50x its time
        choice.record(2.0, alt_ns=130.0, dijkstra_ns=100.0 * slow)
        choice.record(5.0, alt_ns=70.0 * slow, dijkstra_ns=100.0)
    assert choice.pick(2.0) == "dijkstra"
    assert choice.pick(2.04) == "dijkstra"  # the same bucket
    assert choice.pick(5.0) == "alt"
    assert choice.pick(2.0 * engine.INFLATION_BUCKET) is None  # the next one: its own trial
    choice.record(2.0, alt_ns=1.0, dijkstra_ns=1e6)  # a decided bucket stays decided
    assert choice.pick(2.0) == "dijkstra"


def test_a_close_call_is_timed_on_more_pairs() -> None:
    """ALT 10 % faster (under ``CLEAR_RATIO``): undecided after ``TRIAL_PAIRS``, decided for
    ALT after ``TRIAL_PAIRS_MAX``, although a third of the pairs say Dijkstra."""
    choice = engine.MethodChoice()
    for i in range(engine.TRIAL_PAIRS_MAX):
        assert choice.pick(3.0) is None
        alt = 150.0 if i % 3 == 0 else 90.0
        choice.record(3.0, alt_ns=alt, dijkstra_ns=100.0)
        if i + 1 == engine.TRIAL_PAIRS:
            assert choice.pick(3.0) is None
    assert choice.pick(3.0) == "alt"


class _Timed(Router):
    """A router whose trial timings are made up: ALT as slow as ``alt_factor`` times its
    settled nodes, Dijkstra its settled nodes (the searches themselves run for real)."""

    alt_factor = 1.0

    def _measure(self, method, cost, s, t):  # type: ignore[no-untyped-def]
        found = self._run(method, cost, s, t)
        factor = self.alt_factor if method == "alt" else 1.0
        return found, factor * (found.settled + 1)


@pytest.mark.parametrize(("alt_factor", "winner"), [(50.0, "dijkstra"), (0.02, "alt")])
def test_the_router_answers_with_the_method_timed_faster(
    network: Network, alt_factor: float, winner: str
) -> None:
    """Moderate hazards on most edges (the mean inflation 1.6: ALT under the former rule, and
    Dijkstra under the rule by the share of inflated edges) and heavy ones (mean ~6.4:
    Dijkstra under both former rules). After the trial ``auto`` answers with whichever the
    timings made faster, exactly; a picture inflated little is ALT's, untimed."""
    time_s = network.edge_time_s.astype(np.float64)
    rng = np.random.default_rng(23)
    mild = time_s.copy()
    mild[rng.random(network.n_edges) < 0.6] *= 2.0
    slight = time_s.copy()
    slight[rng.random(network.n_edges) < 0.6] *= 1.2
    heavy = time_s.copy()
    heavy[rng.random(network.n_edges) < 0.6] *= 1000.0
    router = _Timed(network, landmarks=compute_landmarks(network, count=8), use_hierarchy=False)
    router.alt_factor = alt_factor
    # the hand estimate: 40 % at 1.0 and 60 % at 2 (mild); 40 % at 1.0, 60 % at the cap
    assert router.inflation(mild) == pytest.approx(1.6, abs=0.1)
    assert router.inflation(heavy) == pytest.approx(0.4 + 0.6 * k.INFLATION_CAP, abs=0.3)
    assert router.inflation(time_s) == 1.0
    for cost in (mild, heavy):
        graph = to_networkx(network, cost)
        pairs = np.random.default_rng(29).integers(network.n_nodes, size=(30, 2)).tolist()
        for i, (s, t) in enumerate(pairs):
            found = router.shortest(cost, s, t)
            if i >= engine.TRIAL_PAIRS:
                assert found.method == winner
            try:
                expected = nx.dijkstra_path_length(graph, s, t)
            except nx.NetworkXNoPath:
                expected = np.inf
            assert found.cost == pytest.approx(expected, rel=1e-9, abs=1e-9)
        assert router.choose(cost) == winner
    assert router.inflation(slight) == pytest.approx(1.12, abs=0.03)
    for cost in (time_s, slight):
        assert router.choose(cost) == "alt"
        assert router.shortest(cost, 0, network.n_nodes - 1).method == "alt"
