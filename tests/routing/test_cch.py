"""The contraction hierarchy: exact against networkx under real hazard pictures, partial
re-customisation equal to a full one, in-place cost changes seen, many-to-many as scipy."""

from __future__ import annotations

import subprocess
import sys
import threading
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import networkx as nx
import numpy as np
import pytest
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import dijkstra
from shapely.geometry import Point

from corridor.hazards import Hazard, RiskModel
from corridor.network import Network, write_network
from corridor.routing import (
    Router,
    edge_costs,
    open_network,
    route_matrix_nodes,
    router_for,
    update_costs,
)
from corridor.routing import _cch as cch
from corridor.routing import _cch_kernels as ck
from corridor.routing import _engine as engine
from corridor.routing import _kernels as k
from corridor.routing._cch import Floor, Hierarchy, Metric
from corridor.routing._cost import risk_to_logs
from tests.routing.conftest import to_networkx

AT = datetime(2026, 3, 1, tzinfo=UTC)
KINDS = ("roadblock", "shelling", "airstrike", "mines", "checkpoint")


def zones(net: Network, count: int, seed: int, prefix: str = "z") -> list[Hazard]:
    """Random zones of 300-600 m on the network's nodes: the first five of every kind (a
    roadblock and a checkpoint close roads), the rest shelling (so that routes remain)."""
    rng = np.random.default_rng(seed)
    nodes = rng.integers(net.n_nodes, size=count).tolist()
    radii = rng.uniform(300.0, 600.0, size=count).tolist()
    return [
        Hazard(
            f"{prefix}{i}",
            KINDS[i] if i < len(KINDS) else "shelling",
            Point(float(net.node_lon[v]), float(net.node_lat[v])),
            0.7,
            0.8,
            radius_m=r,
        )
        for i, (v, r) in enumerate(zip(nodes, radii, strict=True))
    ]


def costs(net: Network, model: RiskModel) -> np.ndarray:
    return edge_costs(net, log_risk=risk_to_logs(model.risk, net.n_edges), closed=model.closed)


def assert_path(  # noqa: PLR0917
    net: Network, cost: np.ndarray, s: int, t: int, found_cost: float, edges: np.ndarray
) -> None:
    if not np.isfinite(found_cost) or s == t:
        assert edges.size == 0
        return
    src, dst = net.edge_source[edges], net.edge_target[edges]
    assert src[0] == s and dst[-1] == t
    assert np.array_equal(src[1:], dst[:-1])
    assert float(cost[edges].sum()) == pytest.approx(found_cost, rel=1e-12)


@pytest.mark.parametrize("count", [0, 10, 100, 1000])
def test_every_method_matches_networkx_at_every_hazard_density(
    network: Network, count: int
) -> None:
    model = RiskModel(network, zones(network, count, seed=count), at=AT)
    cost = costs(network, model)
    assert count == 0 or np.isinf(cost).any() or (cost > network.edge_time_s * 1.1).any()
    graph = to_networkx(network, cost)
    router = Router(network)
    pairs = np.random.default_rng(count + 1).integers(network.n_nodes, size=(200, 2))
    for s, t in pairs.tolist():
        try:
            expected = nx.dijkstra_path_length(graph, s, t)
        except nx.NetworkXNoPath:
            expected = np.inf
        for method in ("cch", "alt", "dijkstra"):
            found = router.shortest(cost, s, t, method=method)  # type: ignore[arg-type]
            assert found.cost == pytest.approx(expected, rel=1e-9, abs=1e-9), (method, s, t)
            assert_path(network, cost, s, t, found.cost, found.edges)
        assert router.shortest(cost, s, t).method == "cch"  # auto on a town


def test_geometric_order_is_exact_too(network: Network) -> None:
    hierarchy = Hierarchy.build(network, method="geometric")
    assert hierarchy.order_method == "geometric"
    assert np.array_equal(np.sort(hierarchy.rank), np.arange(network.n_nodes))
    cost = costs(network, RiskModel(network, zones(network, 100, seed=5), at=AT))
    metric = Metric(hierarchy, cost)
    graph = to_networkx(network, cost)
    for s, t in np.random.default_rng(6).integers(network.n_nodes, size=(150, 2)).tolist():
        found, edges, _ = metric.shortest(s, t)
        try:
            expected = nx.dijkstra_path_length(graph, s, t)
        except nx.NetworkXNoPath:
            expected = np.inf
        assert found == pytest.approx(expected, rel=1e-9, abs=1e-9)
        assert_path(network, cost, s, t, found, edges)


def test_partial_recustomisation_equals_a_full_one(network: Network) -> None:
    """Hazards added, moved and removed: the arcs above the changed edges are recomputed, and
    every weight and middle node equals a customisation from scratch."""
    hierarchy = Hierarchy.build(network)
    model = RiskModel(network, zones(network, 200, seed=7), at=AT)
    cost = costs(network, model)
    metric = Metric(hierarchy, cost)
    rng = np.random.default_rng(8)
    steps = [
        lambda: model.add(zones(network, 100, seed=9, prefix="new")),  # added
        lambda: model.add(zones(network, 100, seed=10, prefix="new")),  # the same ids moved
        lambda: model.remove([f"z{i}" for i in range(100)]),  # removed: costs fall
    ]
    for step in steps:
        changed = step()
        assert changed.size > 0
        update_costs(cost, network, changed, risk=model.risk, closed=model.closed)
        recomputed = metric.update(changed, cost)
        assert 0 < recomputed < hierarchy.n_arcs
        assert not metric._queued.any() and not metric._rescan.any()
        fresh = Metric(hierarchy, cost)
        assert np.array_equal(metric.w_up, fresh.w_up)
        assert np.array_equal(metric.w_dn, fresh.w_dn)
        assert np.array_equal(metric.mid_up, fresh.mid_up)
        assert np.array_equal(metric.mid_dn, fresh.mid_dn)
        graph = to_networkx(network, cost)
        for s, t in rng.integers(network.n_nodes, size=(60, 2)).tolist():
            found, edges, _ = metric.shortest(s, t)
            try:
                expected = nx.dijkstra_path_length(graph, s, t)
            except nx.NetworkXNoPath:
                expected = np.inf
            assert found == pytest.approx(expected, rel=1e-9, abs=1e-9)
            assert_path(network, cost, s, t, found, edges)


def test_a_cost_array_changed_in_place_is_seen(network: Network) -> None:
    cost = network.edge_time_s.astype(np.float64)
    router = Router(network)
    rng = np.random.default_rng(11)
    for s, t in rng.integers(network.n_nodes, size=(40, 2)).tolist():
        first = router.shortest(cost, s, t)
        if first.edges.size == 0:
            continue
        cost[first.edges[first.edges.size // 2]] = np.inf  # close a road on the route
        again = router.shortest(cost, s, t)
        ref = router.shortest(cost, s, t, method="dijkstra")
        assert again.cost == pytest.approx(ref.cost, rel=1e-9)
        assert again.cost >= first.cost
        cost[:] = network.edge_time_s  # and reopened
        assert router.shortest(cost, s, t).cost == pytest.approx(first.cost, rel=1e-12)


def test_many_to_many_matches_scipy_and_the_tree_sums(network: Network) -> None:
    model = RiskModel(network, zones(network, 100, seed=12), at=AT)
    rng = np.random.default_rng(13)
    origins, exits = rng.integers(network.n_nodes, size=50), rng.integers(network.n_nodes, size=20)
    origins[3] = exits[4]  # a gathering point at an exit
    got = route_matrix_nodes(network, origins, exits, risk=model.risk, closed=model.closed)
    log_risk = risk_to_logs(model.risk, network.n_edges)
    cost = edge_costs(network, log_risk=log_risk, closed=model.closed)
    expected_graph = to_networkx(network, cost)  # the cheapest of parallel edges (a csr
    src, dst = zip(*expected_graph.edges, strict=True)  # matrix would add them up)
    weight = [expected_graph[a][b]["weight"] for a, b in expected_graph.edges]
    graph = csr_matrix((weight, (src, dst)), shape=(network.n_nodes,) * 2)
    expected = dijkstra(graph, directed=True, indices=origins)[:, exits]
    assert np.allclose(got.cost_s, expected, rtol=1e-9)
    assert got.cost_s[3, 4] == 0.0
    # time and risk along each route: as the tree kernel's sums (ties aside, same routes)
    router = Router(network, use_hierarchy=False)
    shape = (origins.size, exits.size)
    ref_cost, ref_time, ref_log = np.empty(shape), np.empty(shape), np.empty(shape)
    k.many_to_many(
        router.indptr, router.nbr, router.eid, cost, router.source,
        origins.astype(np.int64), exits.astype(np.int64),
        network.edge_time_s.astype(np.float64), log_risk, ref_cost, ref_time, ref_log,
    )  # fmt: skip
    assert np.allclose(got.time_s, ref_time, rtol=1e-6)
    assert np.allclose(got.risk, -np.expm1(-ref_log), rtol=1e-6, atol=1e-12)


def test_the_order_stored_in_a_network_file_is_used(network: Network, tmp_path: Path) -> None:
    """The import writes the METIS order into the network file; opening it contracts the same
    hierarchy without METIS, and a damaged order is ignored (built afresh), never trusted."""
    built = Hierarchy.build(network)
    path = tmp_path / "net.corridor"
    write_network(network, path, extra=built.as_extras())
    opened = open_network(path)
    router = router_for(opened)
    assert router._hierarchy is not None and router._hierarchy.order_method == "stored"
    assert np.array_equal(router._hierarchy.up_head, built.up_head)
    cost = opened.edge_time_s.astype(np.float64)
    for s, t in np.random.default_rng(14).integers(opened.n_nodes, size=(30, 2)).tolist():
        assert router.shortest(cost, s, t).cost == pytest.approx(
            router.shortest(cost, s, t, method="dijkstra").cost, rel=1e-9
        )
    damaged = built.rank.copy()
    damaged[0] = damaged[1]  # not a permutation
    assert Hierarchy.from_extras(network, {"routing_cch_rank": damaged}) is None
    assert Hierarchy.from_extras(network, {"routing_cch_rank": damaged[:-1]}) is None
    assert Hierarchy.from_extras(network, {}) is None


def test_an_update_over_budget_customises_from_scratch(network: Network) -> None:
    """A change that would reach too high falls back to a full customisation, same result."""
    hierarchy = Hierarchy.build(network)
    cost = network.edge_time_s.astype(np.float64)
    metric = Metric(hierarchy, cost)
    metric._budget = 0  # every partial update is over budget
    changed = np.arange(0, network.n_edges, 3)
    cost[changed] *= 4.0
    assert metric.update(changed, cost) == -1
    fresh = Metric(hierarchy, cost)
    assert np.array_equal(metric.w_up, fresh.w_up)
    assert np.array_equal(metric.w_dn, fresh.w_dn)
    assert np.array_equal(metric.mid_up, fresh.mid_up)
    assert not metric._queued.any()
    s, t = 0, network.n_nodes - 1
    assert metric.shortest(s, t)[0] == pytest.approx(fresh.shortest(s, t)[0], rel=1e-12)


def test_a_metric_handed_over_is_never_recustomised_by_other_queries(network: Network) -> None:
    router = Router(network)
    cost = network.edge_time_s.astype(np.float64)
    mine = router.metric(cost)
    pairs = np.random.default_rng(15).integers(network.n_nodes, size=(20, 2)).tolist()
    before = [mine.shortest(s, t)[0] for s, t in pairs]
    for scale in range(6):  # more cost arrays than the router holds
        router.shortest(cost * (2.0 + scale), 0, network.n_nodes - 1)
    assert [mine.shortest(s, t)[0] for s, t in pairs] == before


def test_the_floor_search_is_exact_under_hazards(network: Network) -> None:
    """A* guided by the hierarchy's travel-time distances (the answer while a metric
    re-customises): the same costs as networkx, at every hazard density, closures included."""
    hierarchy = Hierarchy.build(network)
    floor = Floor(hierarchy, network)
    for count in (0, 100, 1000):
        cost = costs(network, RiskModel(network, zones(network, count, seed=40 + count), at=AT))
        assert floor.admits(cost)
        graph = to_networkx(network, cost)
        rng = np.random.default_rng(41 + count)
        for s, t in rng.integers(network.n_nodes, size=(120, 2)).tolist():
            found, edges, _ = floor.search(cost, s, t)
            try:
                expected = nx.dijkstra_path_length(graph, s, t)
            except nx.NetworkXNoPath:
                expected = np.inf
            assert found == pytest.approx(expected, rel=1e-9, abs=1e-9), (count, s, t)
            assert_path(network, cost, s, t, found, edges)
    below = network.edge_time_s.astype(np.float64)
    below[0] *= 0.5
    assert not floor.admits(below)


def test_a_floor_search_given_a_route_stops_on_it_only_where_the_rest_is_least(
    network: Network,
) -> None:
    """Given any route from s to t (while lagging: the older picture's least route, which a
    change cut), the search stops on it where a node's potential reaches what the route's
    rest costs now. The answer stays the least one (networkx), whichever route is given and
    from either end: with an older picture's exact potentials (costs only raised since) it
    stops early and takes fewer nodes than the same search without the route; with the
    floor's potentials and routes of an unrelated picture it must not stop where the rest
    is not least (fails if the stop ignores the potential or rounds the wrong way)."""
    hierarchy = Hierarchy.build(network)
    floor = Floor(hierarchy, network)
    model = RiskModel(network, zones(network, 40, seed=160), at=AT)
    old = costs(network, model)
    older = Metric(hierarchy, old)  # (no floor: customised at once)
    model.add(zones(network, 2, seed=161, prefix="n"))  # (a town: two cut some routes)
    cost = costs(network, model)
    assert (cost >= old).all() and (cost > old).any()
    other = Metric(
        hierarchy, costs(network, RiskModel(network, zones(network, 80, seed=162), at=AT))
    )
    exact = (older.w_up, older.w_dn, floor._clean, older.w_up, older.w_dn, 0)
    # routes least under costs off by up to 2x: some a little dearer than the least one
    # now, while every potential is exact (a stop that allowed any slack would take them)
    current = Metric(hierarchy, cost)
    near = Metric(hierarchy, cost * (1.0 + np.random.default_rng(164).random(cost.size)))
    now_exact = (current.w_up, current.w_dn, floor._clean, current.w_up, current.w_dn, 0)
    graph = to_networkx(network, cost)
    stopped = {"older": 0, "other": 0, "near": 0}
    dearer = 0  # near routes dearer than the least
    pairs = np.random.default_rng(163).integers(network.n_nodes, size=(80, 2)).tolist()
    cases = (
        ("older", older, exact),
        ("other", other, None),
        ("near", near, now_exact),
    )
    for s, t in pairs:
        try:
            expected = nx.dijkstra_path_length(graph, s, t)
        except nx.NetworkXNoPath:
            expected = np.inf
        for name, metric, lower in cases:
            route = metric.shortest(s, t)[1]
            dearer += name == "near" and cost[route].sum() > expected * (1 + 1e-9)
            for backward in (False, True):
                found, edges, settled = floor.search(
                    cost, s, t, lower, backward=backward, route=route
                )
                assert found == pytest.approx(expected, rel=1e-12, abs=1e-9), (name, s, t)
                assert_path(network, cost, s, t, found, edges)
                whole = floor.search(cost, s, t, lower, backward=backward)
                assert whole[0] == pytest.approx(found, rel=1e-9, abs=1e-9)
                assert settled <= whole[2]
                stopped[name] += settled < whole[2]
    assert np.all(floor._on_route == -1)
    assert stopped["older"] >= 40 and stopped["near"] >= 40 and dearer >= 5, (stopped, dearer)


def test_a_floor_search_does_not_stop_on_a_route_a_hair_dearer_than_the_least(
    network: Network,
) -> None:
    """The stop on the given route allows only rounding (a relative 1e-12): a route whose rest
    is dearer than the least way by a relative 1e-10 is not taken. Each pair's least route
    has one edge raised so that, from its second node on (ahead) or up to its last but one
    (from t), another way is least by that hair; with exact potentials the search must
    follow that way (fails if the stop allows any slack beyond rounding, or rounds the
    wrong way: the routes off by up to 2x in the test above are dearer than the least by
    far more, and a slack of 1e-6 passes it)."""
    hierarchy = Hierarchy.build(network)
    floor = Floor(hierarchy, network)
    cost = costs(network, RiskModel(network, zones(network, 40, seed=170), at=AT))
    base = Metric(hierarchy, cost)
    pairs = np.random.default_rng(171).integers(network.n_nodes, size=(60, 2)).tolist()
    hair = 1e-10
    hits = [0, 0]  # pairs whose least answer goes through the node a stop would take
    for s, t in pairs:
        found, route, _ = base.shortest(s, t)
        if not np.isfinite(found) or route.size < 2:
            continue
        for backward in (False, True):
            # ahead: from node 1 the rest (edges 1..) ends with the raised last edge; from t:
            # the rest up to the last but one node (edges ..n-2) starts with the raised first
            e = int(route[0] if backward else route[-1])
            node = int(
                network.edge_source[route[-1]] if backward else network.edge_target[route[0]]
            )
            part = route[:-1] if backward else route[1:]
            without = cost.copy()
            without[e] = np.inf
            a, b = (s, node) if backward else (node, t)
            other = Metric(hierarchy, without).shortest(a, b)[0]
            if not np.isfinite(other):
                continue
            raised = cost.copy()
            raised[e] += other - float(cost[part].sum()) + hair * other
            assert float(raised[part].sum()) > other * (1 + hair / 2)
            now = Metric(hierarchy, raised)
            exact = (now.w_up, now.w_dn, floor._clean, now.w_up, now.w_dn, 0)
            expected = now.shortest(s, t)[0]
            ends = float(raised[route[-1]] if backward else raised[route[0]])
            hits[backward] += ends + other == pytest.approx(expected, rel=1e-13)
            got, edges, _ = floor.search(raised, s, t, exact, backward=backward, route=route)
            assert got == pytest.approx(expected, rel=1e-12, abs=1e-12), (s, t, backward)
            assert_path(network, raised, s, t, got, edges)
    assert np.all(floor._on_route == -1)
    assert min(hits) >= 5, hits


def test_a_floor_search_that_fills_its_heap_grows_it_and_answers_exactly(
    network: Network,
) -> None:
    """The search does not grow its heap in its loop: when the heap is full it stops with
    nothing found (nodes settled -1) and leaves its work arrays clean (the marks of the
    route it was given included), and ``Floor.search`` retries with one twice as large. From
    a heap of two entries, every answer (both ways, unreachable pairs included, given the
    travel-time route the hazards may cut) is still networkx's."""
    hierarchy = Hierarchy.build(network)
    floor = Floor(hierarchy, network)
    cost = costs(network, RiskModel(network, zones(network, 100, seed=150), at=AT))
    graph = to_networkx(network, cost)
    h, f = hierarchy, floor.metric
    pairs = np.random.default_rng(151).integers(network.n_nodes, size=(40, 2)).tolist()
    s, t = next((s, t) for s, t in pairs if s != t and np.isfinite(floor.search(cost, s, t)[0]))
    got = ck.potential_astar(
        h.rank, h.parent, h.up_ptr, h.up_head, f.w_up, f.w_dn, f.w_up, f.w_dn, f.w_up, f.w_dn,
        floor._clean, 0, floor._indptr, floor._target, floor._edge_id, floor._source, cost,
        s, t, False, floor._dist, floor._pred, floor._touched, floor._pot, floor._dist_b,
        floor._pred_b, floor._chain, floor._done, np.empty(1), np.empty(1, np.int32),
        f.shortest(s, t)[1], floor._on_route,
    )  # fmt: skip
    assert got[0] == np.inf and got[1].size == 0 and got[2] == -1
    assert (floor._on_route == -1).all()
    assert np.isinf(floor._dist).all() and (floor._pred == -1).all()
    assert np.isnan(floor._pot).all() and np.isinf(floor._dist_b).all()
    unreachable = 0
    for backward in (False, True):
        floor._hkey, floor._hval = np.empty(2), np.empty(2, np.int32)
        for s, t in pairs:
            route = f.shortest(s, t)[1]
            found, edges, settled = floor.search(cost, s, t, backward=backward, route=route)
            try:
                expected = nx.dijkstra_path_length(graph, s, t)
            except nx.NetworkXNoPath:
                expected = np.inf
                unreachable += 1
            assert found == pytest.approx(expected, rel=1e-9, abs=1e-9), (s, t, backward)
            assert_path(network, cost, s, t, found, edges)
            assert settled >= 0 and (floor._on_route == -1).all()
        assert floor._hkey.shape[0] > 2 and floor._hkey.shape == floor._hval.shape
    assert unreachable > 0


def test_a_floor_search_over_long_chains_at_every_level_is_exact(network: Network) -> None:
    """Chains of more than ``TOUCH_CHAIN`` unknown potentials have their arcs read ahead of
    their evaluation, by each node's level: with nodes at all three levels (three different
    sets of admissible weights), both ways, the answers are networkx's, and the work arrays
    are left clean."""
    hierarchy = Hierarchy.build(network)
    floor = Floor(hierarchy, network)
    h, f = hierarchy, floor.metric
    depth = np.zeros(h.rank.shape[0], np.int64)  # (parents rank above their children)
    for v in range(h.rank.shape[0] - 1, -1, -1):
        if h.parent[v] >= 0:
            depth[v] = depth[h.parent[v]] + 1
    assert depth.max() > 3 * ck.TOUCH_CHAIN  # the first chain to the root is read ahead
    cost = costs(network, RiskModel(network, zones(network, 100, seed=160), at=AT))
    graph = to_networkx(network, cost)
    rng = np.random.default_rng(161)
    dirty = np.zeros(h.rank.shape[0], np.uint8)
    for v, level in zip(rng.integers(h.rank.shape[0], size=40), [1, 2] * 20, strict=True):
        ck.mark_pending(h.parent, np.array([v], np.int32), np.array([level], np.uint8), dirty)
    assert set(np.unique(dirty).tolist()) == {0, 1, 2}
    lower = (f.w_up * 0.9, f.w_dn * 0.9, dirty, f.w_up * 0.5, f.w_dn * 0.5, 0)
    for s, t in rng.integers(network.n_nodes, size=(60, 2)).tolist():
        try:
            expected = nx.dijkstra_path_length(graph, s, t)
        except nx.NetworkXNoPath:
            expected = np.inf
        for backward in (False, True):
            found, edges, _ = floor.search(cost, s, t, lower, backward=backward)
            assert found == pytest.approx(expected, rel=1e-9, abs=1e-9), (s, t, backward)
            assert_path(network, cost, s, t, found, edges)
    assert np.isnan(floor._pot).all() and np.isinf(floor._dist_b).all()


def _blocked_worker(metric: Metric) -> threading.Event:
    """Hold the metric's background customisation until the returned event is set, so that
    queries are seen to run while its weights lag the costs."""
    go = threading.Event()
    real = metric._customise_into

    def held(floats: np.ndarray, ints: np.ndarray) -> None:
        go.wait(timeout=60)
        real(floats, ints)

    metric._customise_into = held  # type: ignore[method-assign]
    return go


def test_random_hazard_changes_answered_exactly_during_and_after_recustomisation(
    network: Network, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Random sequences of zones added, moved and removed: every change above the in-place
    limit re-customises in the background; queries meanwhile (the floor search) and after
    (the hierarchy) equal plain Dijkstra on the same costs, and the weights a full
    customisation's."""
    monkeypatch.setattr(cch, "BACKGROUND_EDGES", 0)
    hierarchy = Hierarchy.build(network)
    floor = Floor(hierarchy, network)
    model = RiskModel(network, zones(network, 50, seed=50), at=AT)
    cost = costs(network, model)
    metric = Metric(hierarchy, cost, floor)
    plain = Router(network, use_hierarchy=False)
    rng = np.random.default_rng(51)
    live = [f"z{i}" for i in range(50)]
    metric.wait()
    used_levels: set[int] = set()
    for step in range(12):
        action = rng.choice(["add", "move", "remove"]) if live else "add"
        if action == "remove":
            gone = rng.choice(live, size=min(len(live), int(rng.integers(1, 20))), replace=False)
            live = [z for z in live if z not in set(gone)]
            changed = model.remove(list(gone))
        else:
            fresh = zones(network, int(rng.integers(1, 30)), seed=100 + step, prefix=f"s{step}-")
            if action == "move":  # zones already held, at new places
                fresh = [replace(z, id=live[i % len(live)]) for i, z in enumerate(fresh)]
            changed = model.add(fresh)
            live = sorted(set(live) | {z.id for z in fresh})
        if changed.size == 0:
            continue
        update_costs(cost, network, changed, risk=model.risk, closed=model.closed)
        go = _blocked_worker(metric)
        assert metric.update(changed, cost) == -1
        assert not metric.current
        # potentials from the weights before the change (the prior's or the floor's above
        # lowered costs)
        lower = metric._lower_weights()
        assert lower is not None
        used_levels.update(np.unique(np.maximum(lower[2], lower[5])).tolist())
        pairs = rng.integers(network.n_nodes, size=(25, 2)).tolist()
        during = [metric.shortest(s, t) for s, t in pairs]
        assert not metric.current  # all answered while the hierarchy lagged
        go.set()
        metric.wait()
        assert metric.current
        ref = Metric(hierarchy, cost)
        assert np.array_equal(metric.w_up, ref.w_up) and np.array_equal(metric.w_dn, ref.w_dn)
        for (s, t), (got, edges, _) in zip(pairs, during, strict=True):
            expected = plain.shortest(cost, s, t, method="dijkstra").cost
            assert got == pytest.approx(expected, rel=1e-9, abs=1e-9), (step, action, s, t)
            assert_path(network, cost, s, t, got, edges)
            after = metric.shortest(s, t)[0]
            assert after == pytest.approx(expected, rel=1e-9, abs=1e-9)
    # every kind of arc: held, the prior's (costs lowered, not below the prior picture's),
    # the floor's (below it: a zone the prior held was removed)
    assert used_levels == {0, 1, 2}


def test_the_prior_picture_answers_for_removed_zones_it_did_not_hold(
    network: Network, monkeypatch: pytest.MonkeyPatch
) -> None:
    """After an addition is customised, the weights it replaced are kept as the prior picture
    (their costs are nowhere above the new ones). Removing the added zones lowers costs
    only to that picture's (potentials from its arcs, level 1); removing a zone it held goes
    below it (the floor's arcs above, level 2). Both during the catch-up, and the next
    addition's, are exact; the prior is dropped once a change takes a cost below it."""
    monkeypatch.setattr(cch, "BACKGROUND_EDGES", 0)
    hierarchy = Hierarchy.build(network)
    floor = Floor(hierarchy, network)
    model = RiskModel(network, zones(network, 40, seed=120), at=AT)
    cost = costs(network, model)
    metric = Metric(hierarchy, cost, floor)
    metric.wait()
    assert metric._prior is None  # the first customisation replaced nothing
    picture = cost.copy()
    plain = Router(network, use_hierarchy=False)
    rng = np.random.default_rng(121)
    spared = [0, 0]  # floor answers that stopped on the older route early, of all of them

    def check(changed: np.ndarray, levels: set[int], may: frozenset[int] = frozenset()) -> None:
        before = cost.copy()
        update_costs(cost, network, changed, risk=model.risk, closed=model.closed)
        go = _blocked_worker(metric)
        metric.update(changed, cost)
        lower = metric._lower_weights()
        assert lower is not None
        found = set(np.unique(np.maximum(lower[2], lower[5])).tolist())
        assert levels <= found <= levels | may
        # the prior's arcs everywhere (no level-1 marks written) only when they equal the
        # held ones below every node that marks would leave at 0: the same potentials
        marked = lower[2].copy()
        if lower[5]:
            lowered = changed[cost[changed] < before[changed]]
            ck.mark_dirty(hierarchy.parent, hierarchy.edge_low, lowered, marked, 1)
        pairs = rng.integers(network.n_nodes, size=(40, 2)).tolist()
        for s, t in pairs:
            got, edges, settled = metric.shortest(s, t)
            assert metric.answered_by in {"floor", "unchanged"}
            expected = plain.shortest(cost, s, t, method="dijkstra").cost
            assert got == pytest.approx(expected, rel=1e-9, abs=1e-9), (levels, s, t)
            assert_path(network, cost, s, t, got, edges)
            guide = (*lower[:2], marked, *lower[3:5], 0)
            if metric.answered_by == "floor":
                # the same search from the side it chose, stopping on the same older route
                with metric._lock:
                    kept = metric._unchanged_locked(s, t)
                assert len(kept) == 2
                backward, route = kept[0], kept[1].copy()
                again = floor.search(cost, s, t, guide, backward=backward, route=route)
                assert again[::2] == (pytest.approx(got, rel=1e-12, abs=1e-12), settled)
                # without the route: the same cost, and never fewer nodes taken (the same
                # search, which stops later or not at all)
                whole = floor.search(cost, s, t, guide, backward=backward)
                assert whole[0] == pytest.approx(got, rel=1e-12, abs=1e-12)
                assert whole[2] >= settled
                spared[0] += whole[2] > settled
                spared[1] += 1
            else:  # an older route kept: the search finds the same cost
                with_marks = floor.search(cost, s, t, guide)
                assert with_marks[0] == pytest.approx(got, rel=1e-12, abs=1e-12)
        go.set()
        metric.wait()

    check(model.add(zones(network, 30, seed=122, prefix="a")), {0})
    assert metric._prior is not None
    assert np.array_equal(metric._prior[2], picture)
    fresh = Metric(hierarchy, picture)
    assert np.array_equal(metric._prior[0], fresh.w_up)
    # the added zones gone: back to the prior's costs, not below; the prior's arcs on
    # every node (held and prior agree wherever no cost went down)
    check(model.remove([f"a{i}" for i in range(30)]), {1})
    assert metric._prior is not None
    # a small change taken in place that goes below the prior drops it too
    monkeypatch.setattr(cch, "BACKGROUND_EDGES", network.n_edges)
    changed = model.add([replace(zones(network, 1, seed=123, prefix="a")[0], id="z25")])
    update_costs(cost, network, changed, risk=model.risk, closed=model.closed)
    assert metric.update(changed, cost) >= 0 and metric.current
    assert metric._prior is None
    monkeypatch.setattr(cch, "BACKGROUND_EDGES", 0)
    check(model.add(zones(network, 10, seed=124, prefix="b")), {0})
    assert metric._prior is not None
    # one more zone, taken in place (the prior stays, and counts the costs above it)
    monkeypatch.setattr(cch, "BACKGROUND_EDGES", network.n_edges)
    changed = model.add(zones(network, 6, seed=125, prefix="c")[5:])  # (shelling: no closure)
    update_costs(cost, network, changed, risk=model.risk, closed=model.closed)
    assert metric.update(changed, cost) >= 0 and metric._prior is not None
    monkeypatch.setattr(cch, "BACKGROUND_EDGES", 0)
    # half of the ten gone: the held weights still see the rest and that one where no cost
    # went down (too many edges left above the prior's for its arcs everywhere)
    check(model.remove([f"b{i}" for i in range(5)]), {0, 1})
    assert metric._prior is not None
    # zones the prior held gone: below its costs, the floor's arcs above them (the prior's
    # where a new zone overlaps one removed, or everywhere else if that lowers every cost
    # above the prior's: the checks on the marks' potentials say the same)
    check(model.remove([f"z{i}" for i in range(10, 25)]), {2}, frozenset({0, 1}))
    assert metric._prior is None  # no longer below every held cost
    # the floor answered often, and some of those answers stopped on the older route early
    assert spared[1] >= 20 and spared[0] >= 5, spared


def test_a_move_takes_the_prior_arcs_everywhere_and_stays_exact(
    network: Network, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Zones added (the weights they replaced kept as the prior picture), then moved: the
    costs they raised go back to the prior's, except where a zone at its new place covers
    them. With that overlap a small share of the raised edges, the prior's arcs are taken on
    every node and no level-1 mark is written (``ck.LEFT_RAISED``); the answers while the
    hierarchy lags, searched or kept, equal Dijkstra's, and a search costs the same as one
    guided by the marks."""
    monkeypatch.setattr(cch, "BACKGROUND_EDGES", 0)
    hierarchy = Hierarchy.build(network)
    floor = Floor(hierarchy, network)
    model = RiskModel(network, zones(network, 20, seed=140), at=AT)
    cost = costs(network, model)
    metric = Metric(hierarchy, cost, floor)
    metric.wait()
    # small zones, shelling only (costs rise), the last the smallest
    added = [
        replace(z, radius_m=60.0 if i == 11 else 150.0)
        for i, z in enumerate(zones(network, 17, seed=141, prefix="a")[5:])
    ]
    changed = model.add(added)
    update_costs(cost, network, changed, risk=model.risk, closed=model.closed)
    metric.update(changed, cost)
    metric.wait()
    assert metric._prior is not None
    prior_cost = metric._prior[2]
    held = cost.copy()
    # every zone to a new place but the last, which stays where it was (its costs stay up)
    # (new places at least 400 m from every old one: the only overlap is the zone left)
    lon, lat = np.asarray(network.node_lon), np.asarray(network.node_lat)
    old_x = np.array([[a.geometry.x, a.geometry.y] for a in added])
    far = np.ones(network.n_nodes, bool)
    for x, y in old_x:
        far &= np.hypot((lon - x) * 111_320 * np.cos(np.radians(y)), (lat - y) * 110_540) > 400
    at = np.random.default_rng(142).choice(np.flatnonzero(far), size=len(added) - 1)
    moved = [
        replace(a, geometry=Point(float(lon[v]), float(lat[v])))
        for v, a in zip(at.tolist(), added[:-1], strict=True)
    ]
    changed = model.add([*moved, replace(added[-1])])
    update_costs(cost, network, changed, risk=model.risk, closed=model.closed)
    raised = int((held > prior_cost).sum())
    left = int((cost > prior_cost)[held > prior_cost].sum())
    assert 0 < left * ck.LEFT_RAISED <= raised, (left, raised)  # the case under test
    assert (cost >= prior_cost).all()  # a move: nothing below the prior picture
    go = _blocked_worker(metric)
    metric.update(changed, cost)
    assert not metric.current
    assert metric._everywhere and not metric._pending and metric._n_dirty == 0
    lower = metric._lower_weights()
    assert lower is not None and lower[5] == 1 and metric._n_dirty == 0
    # the marks the prior's arcs everywhere stand for (the nodes above lowered costs)
    marked = np.zeros_like(lower[2])
    lowered = changed[cost[changed] < held[changed]]
    ck.mark_dirty(hierarchy.parent, hierarchy.edge_low, lowered, marked, 1)
    guide = (*lower[:2], marked, *lower[3:5], 0)
    plain = Router(network, use_hierarchy=False)
    rng = np.random.default_rng(143)
    how = set()
    for s, t in rng.integers(network.n_nodes, size=(60, 2)).tolist():
        got, edges, _ = metric.shortest(s, t)
        how.add(metric.answered_by)
        expected = plain.shortest(cost, s, t, method="dijkstra").cost
        assert got == pytest.approx(expected, rel=1e-9, abs=1e-9), (s, t)
        assert_path(network, cost, s, t, got, edges)
        for backward in (False, True):
            everywhere = floor.search(cost, s, t, lower, backward=backward)[0]
            assert everywhere == pytest.approx(expected, rel=1e-9, abs=1e-9)
        assert floor.search(cost, s, t, guide)[0] == pytest.approx(expected, rel=1e-9, abs=1e-9)
    assert how == {"floor", "unchanged"}
    assert not metric.current
    go.set()
    metric.wait()
    assert metric._prior is not None  # (nothing went below it)


@pytest.mark.parametrize("bad", [-1.0, np.nan])
def test_a_change_with_a_bad_cost_is_refused_whole(network: Network, bad: float) -> None:
    """A negative or NaN cost anywhere in a change: ValueError, and none of the change's
    costs is taken (the held costs and the answers stay as before), also when it comes last
    in a list with edges listed twice (everything written before it is restored)."""
    hierarchy = Hierarchy.build(network)
    model = RiskModel(network, zones(network, 10, seed=150), at=AT)
    cost = costs(network, model)
    metric = Metric(hierarchy, cost, Floor(hierarchy, network))
    metric.wait()
    held = metric.cost.copy()
    new = cost.copy()
    every7 = np.arange(0, network.n_edges, 7)
    new[every7] += 100.0
    # the bad cost half-way, then last (edge 3) after edges listed twice
    for edges, at in ((every7, every7[len(every7) // 2]), (np.r_[every7, every7[:20], 3], 3)):
        changed = new.copy()
        changed[at] = bad
        with pytest.raises(ValueError, match="non-negative"):
            metric.update(edges, changed)
        assert np.array_equal(metric.cost, held)
        assert metric.current


def test_partial_updates_after_random_changes_equal_dijkstra(network: Network) -> None:
    """In-place partial re-customisation (no floor) after random add/move/remove sequences:
    the hierarchy's answer equals plain Dijkstra on the same costs."""
    hierarchy = Hierarchy.build(network)
    model = RiskModel(network, zones(network, 80, seed=60), at=AT)
    cost = costs(network, model)
    metric = Metric(hierarchy, cost)
    plain = Router(network, use_hierarchy=False)
    rng = np.random.default_rng(61)
    for step in range(15):
        kind = step % 3
        if kind == 0:
            changed = model.add(
                zones(network, int(rng.integers(1, 15)), seed=200 + step, prefix="a")
            )
        elif kind == 1:  # the same ids somewhere else
            changed = model.add(
                zones(network, int(rng.integers(1, 15)), seed=300 + step, prefix="a")
            )
        else:
            changed = model.remove([f"z{i}" for i in rng.choice(80, size=5, replace=False)])
        update_costs(cost, network, changed, risk=model.risk, closed=model.closed)
        metric.update(changed, cost)
        assert metric.current
        for s, t in rng.integers(network.n_nodes, size=(30, 2)).tolist():
            expected = plain.shortest(cost, s, t, method="dijkstra").cost
            found, edges, _ = metric.shortest(s, t)
            assert found == pytest.approx(expected, rel=1e-9, abs=1e-9), (step, s, t)
            assert_path(network, cost, s, t, found, edges)


def test_a_cost_below_the_floor_is_never_answered_by_it(
    network: Network, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Costs below travel time (not hazard costs) make the floor's bounds invalid: the metric
    answers with its hierarchy once customised (waiting for it), exactly."""
    monkeypatch.setattr(cch, "BACKGROUND_EDGES", 0)
    hierarchy = Hierarchy.build(network)
    cost = network.edge_time_s.astype(np.float64)
    metric = Metric(hierarchy, cost, Floor(hierarchy, network))
    changed = np.arange(0, network.n_edges, 2)
    cost[changed] *= 0.25
    metric.update(changed, cost)
    assert not metric._floor_ok
    plain = Router(network, use_hierarchy=False)
    for s, t in np.random.default_rng(70).integers(network.n_nodes, size=(40, 2)).tolist():
        expected = plain.shortest(cost, s, t, method="dijkstra").cost
        assert metric.shortest(s, t)[0] == pytest.approx(expected, rel=1e-9, abs=1e-9)


def test_the_router_answers_through_the_floor_while_it_catches_up(
    network: Network, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Hazard changes written into the caller's cost array in place (the default entry point
    finds them): during the background customisation, including a second change that arrives
    while it runs, ``Router.shortest`` is exact; afterwards the weights are a fresh
    customisation's."""
    monkeypatch.setattr(cch, "BACKGROUND_EDGES", 0)
    monkeypatch.setattr(engine, "FLOOR_MIN_TRIANGLES", -1)
    router = Router(network)
    plain = Router(network, use_hierarchy=False)
    model = RiskModel(network, zones(network, 40, seed=80), at=AT)
    cost = costs(network, model)
    router.shortest(cost, 0, 1)
    router.wait()
    metric = router._metrics[-1][1]
    assert metric._floor is router.floor is not None
    go = _blocked_worker(metric)
    rng = np.random.default_rng(81)
    for step in range(2):  # the second arrives while the first is still being customised
        changed = model.add(zones(network, 20, seed=82 + step, prefix=f"r{step}-"))
        update_costs(cost, network, changed, risk=model.risk, closed=model.closed)
        for s, t in rng.integers(network.n_nodes, size=(30, 2)).tolist():
            got = router.shortest(cost, s, t)
            assert got.method in {"floor", "unchanged"}
            expected = plain.shortest(cost, s, t, method="dijkstra").cost
            assert got.cost == pytest.approx(expected, rel=1e-9, abs=1e-9), (step, s, t)
            assert_path(network, cost, s, t, got.cost, got.edges)
        assert not metric.current
    go.set()
    router.wait()
    assert metric.current
    assert router.shortest(cost, 0, 1).method == "cch"
    fresh = Metric(router.hierarchy, cost)
    assert np.array_equal(metric.w_up, fresh.w_up) and np.array_equal(metric.w_dn, fresh.w_dn)


def test_a_failed_background_customisation_is_reported_and_retried(
    network: Network, monkeypatch: pytest.MonkeyPatch
) -> None:
    """If the background customisation fails (say, out of memory), waiting for it raises,
    queries stay exact through the floor, and the next change customises again."""
    monkeypatch.setattr(cch, "BACKGROUND_EDGES", 0)
    hierarchy = Hierarchy.build(network)
    cost = network.edge_time_s.astype(np.float64)
    metric = Metric(hierarchy, cost, Floor(hierarchy, network))
    metric.wait()
    real = metric._customise_into
    failures = [MemoryError("no room for the weights")]

    def failing(floats: np.ndarray, ints: np.ndarray) -> None:
        if failures:
            raise failures.pop()
        real(floats, ints)

    metric._customise_into = failing  # type: ignore[method-assign]
    changed = np.arange(0, network.n_edges, 5)
    cost[changed] *= 3.0
    metric.update(changed, cost)
    with pytest.raises(RuntimeError, match="no room for the weights"):
        metric.wait()
    plain = Router(network, use_hierarchy=False)
    pairs = np.random.default_rng(90).integers(network.n_nodes, size=(20, 2)).tolist()
    for s, t in pairs:
        expected = plain.shortest(cost, s, t, method="dijkstra").cost
        assert metric.shortest(s, t)[0] == pytest.approx(expected, rel=1e-9, abs=1e-9)
        assert metric.answered_by in {"floor", "unchanged"}
    cost[changed[:10]] *= 2.0
    metric.update(changed[:10], cost)
    metric.wait()
    assert metric.current
    fresh = Metric(hierarchy, cost)
    assert np.array_equal(metric.w_up, fresh.w_up) and np.array_equal(metric.w_dn, fresh.w_dn)
    for s, t in pairs:
        expected = plain.shortest(cost, s, t, method="dijkstra").cost
        assert metric.shortest(s, t)[0] == pytest.approx(expected, rel=1e-9, abs=1e-9)
        assert metric.answered_by == "cch"


def test_cost_arrays_the_entry_point_must_convert_are_seen_as_they_change(
    network: Network,
) -> None:
    """float32 and strided cost arrays are copied to contiguous float64 on every query (only an
    array already in that form is recognised by identity), so in-place changes are seen."""
    time_s = network.edge_time_s.astype(np.float64)
    router = Router(network)
    plain = Router(network, use_hierarchy=False)
    single = time_s.astype(np.float32)
    wide = np.repeat(time_s, 2)  # every other entry: a strided view
    strided = wide[::2]
    rng = np.random.default_rng(16)
    for s, t in rng.integers(network.n_nodes, size=(30, 2)).tolist():
        for cost in (single, strided):
            first = router.shortest(cost, s, t)
            assert first.method == "cch"
            if first.edges.size == 0:
                continue
            cost[first.edges[0]] *= 50.0  # the first road of the route gets dangerous
            again = router.shortest(cost, s, t)
            ref = plain.shortest(np.asarray(cost, np.float64), s, t, method="dijkstra")
            assert again.cost == pytest.approx(ref.cost, rel=1e-9)
            assert_path(network, np.asarray(cost, np.float64), s, t, again.cost, again.edges)
            cost[:] = time_s
    with pytest.raises(AttributeError):
        first.cost = 0.0  # type: ignore[misc]  # a result is immutable


@pytest.mark.parametrize("size", [0, 1, 3, 8])
def test_paths_longer_than_the_query_buffer_grow_it(
    network: Network, size: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The compiled query writes the path (and its unpacking stack) into a buffer the metric
    holds; a path that does not fit doubles it and is searched again, exact either way, for
    the metric's own query and the router's checked one alike."""
    monkeypatch.setattr(cch, "PATH_BUFFER", size)
    model = RiskModel(network, zones(network, 30, seed=17), at=AT)
    cost = costs(network, model)
    graph = to_networkx(network, cost)
    router = Router(network)
    metric = Metric(router.hierarchy, cost)
    rng = np.random.default_rng(18)
    longest = 0
    for s, t in rng.integers(network.n_nodes, size=(40, 2)).tolist():
        try:
            expected = nx.dijkstra_path_length(graph, s, t)
        except nx.NetworkXNoPath:
            expected = np.inf
        for found, edges, _ in (metric.shortest(s, t), router.shortest(cost, s, t)[:3]):
            assert found == pytest.approx(expected, rel=1e-9, abs=1e-9)
            assert_path(network, cost, s, t, found, edges)
            longest = max(longest, edges.size)
    assert longest > 8  # the buffer had to grow
    assert metric._path.size >= longest
    assert router._metrics[-1][1]._path.size >= longest


def test_a_held_result_is_not_changed_by_later_queries(network: Network) -> None:
    """Every query writes its path into the same buffer; a result's edges are its own copy."""
    cost = network.edge_time_s.astype(np.float64)
    router = Router(network)
    metric = router.metric(cost)
    pairs = np.random.default_rng(19).integers(network.n_nodes, size=(30, 2)).tolist()
    held = [(router.shortest(cost, s, t), metric.shortest(s, t)) for s, t in pairs]
    kept = [(a.edges.copy(), b[1].copy()) for a, b in held]
    for (a, b), (a_edges, b_edges), (s, t) in zip(held, kept, pairs, strict=True):
        router.shortest(cost, t, s)
        metric.shortest(t, s)
        assert np.array_equal(a.edges, a_edges) and np.array_equal(b[1], b_edges)
        assert_path(network, cost, s, t, a.cost, a.edges)


def test_a_cost_array_cannot_change_length_while_the_router_knows_it(network: Network) -> None:
    """The router recognises the array of the previous query by identity and then checks its
    values only; that is sound because its length cannot change in place meanwhile (numpy
    refuses to resize an array that has weak references, and the router holds one)."""
    cost = network.edge_time_s.astype(np.float64)
    router = Router(network)
    assert router.shortest(cost, 0, 1).method == "cch"
    with pytest.raises(ValueError, match="resize"):
        cost.resize(network.n_edges + 4, refcheck=False)
    with pytest.raises(ValueError, match="shape"):
        router.shortest(np.append(cost, 1.0), 0, 1)


def test_threads_querying_one_router_with_their_own_costs_get_exact_answers(
    network: Network,
) -> None:
    """The array of the last query goes to its metric without the router's lock (see
    ``Router.shortest``); threads that alternate over one router with different cost arrays,
    one of them changed in place as they go, still get each answer for their own costs."""
    router = Router(network)
    plain = Router(network, use_hierarchy=False)
    pictures = [
        costs(network, RiskModel(network, zones(network, 40, seed=s), at=AT)) for s in (3, 4)
    ]
    pairs = np.random.default_rng(20).integers(network.n_nodes, size=(150, 2)).tolist()
    errors: list[str] = []

    def work(cost: np.ndarray, change: bool) -> None:
        local = Router(network, use_hierarchy=False)  # the reference, per thread
        for i, (s, t) in enumerate(pairs):
            if change and i % 10 == 0:
                cost[i] = cost[i] * 2.0 + 1.0  # written in place, never announced
            got = router.shortest(cost, s, t)
            expected = local.shortest(cost, s, t, method="dijkstra").cost
            if got.cost != pytest.approx(expected, rel=1e-9, abs=1e-9):
                errors.append(f"{s}->{t}: {got.cost} != {expected}")

    threads = [threading.Thread(target=work, args=(c, i == 0)) for i, c in enumerate(pictures)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors, errors[:5]
    for cost in pictures:  # and afterwards, each as it now is
        for s, t in pairs[:20]:
            expected = plain.shortest(cost, s, t, method="dijkstra").cost
            assert router.shortest(cost, s, t).cost == pytest.approx(expected, rel=1e-9, abs=1e-9)


def test_a_metric_handed_out_is_not_queried_by_the_router(
    network: Network, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``Router.metric`` hands its metric over; the router's later queries for the same array
    go to a metric of its own, not to the one its new owner may be changing."""
    calls: list[Metric] = []
    real = Metric.checked

    def counted(self: Metric, c: np.ndarray, s: int, t: int) -> object:
        calls.append(self)
        return real(self, c, s, t)

    monkeypatch.setattr(Metric, "checked", counted)
    cost = network.edge_time_s.astype(np.float64)
    router = Router(network)
    router.shortest(cost, 0, 1)
    owned = router.metric(cost)
    assert calls == [owned]  # the metric that answered is the one handed out
    expected = router.shortest(cost, 0, 1, method="dijkstra").cost
    assert router.shortest(cost, 0, 1).cost == pytest.approx(expected, rel=1e-12)
    assert len(calls) == 2 and calls[1] is not owned


def test_a_poor_order_with_many_arcs_per_node_is_exact_too(network: Network) -> None:
    """A random contraction order fills the chordal graph in: nodes get dozens of upward arcs,
    among which the unpacking finds a triangle's second arc after its first; paths still
    exact."""
    rank = np.random.default_rng(21).permutation(network.n_nodes).astype(np.int64)
    hierarchy = Hierarchy._contract(network, rank, "random")
    assert np.diff(hierarchy.up_ptr).max() > 16
    cost = costs(network, RiskModel(network, zones(network, 50, seed=22), at=AT))
    metric = Metric(hierarchy, cost)
    graph = to_networkx(network, cost)
    for s, t in np.random.default_rng(23).integers(network.n_nodes, size=(100, 2)).tolist():
        found, edges, _ = metric.shortest(s, t)
        try:
            expected = nx.dijkstra_path_length(graph, s, t)
        except nx.NetworkXNoPath:
            expected = np.inf
        assert found == pytest.approx(expected, rel=1e-9, abs=1e-9)
        assert_path(network, cost, s, t, found, edges)


@pytest.mark.parametrize("size", [cch.PATH_BUFFER, 2])
def test_a_route_no_change_touched_is_kept_and_exact(
    network: Network, size: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """While the hierarchy lags a change, a route that was least before the change and none of
    whose edges changed answers ("unchanged"): after zones are added (costs only rose since the
    held weights), after zones are moved (costs rose only above the prior picture's) and never
    once a cost went below both. Every answer equals plain Dijkstra on the new costs, and every
    kept route's edges cost what they did in the older picture. The older route is unpacked
    into the metric's path buffer: from two entries, it is doubled until the route fits."""
    monkeypatch.setattr(cch, "BACKGROUND_EDGES", 0)
    monkeypatch.setattr(cch, "PATH_BUFFER", size)
    hierarchy = Hierarchy.build(network)
    floor = Floor(hierarchy, network)
    model = RiskModel(network, zones(network, 30, seed=130), at=AT)
    cost = costs(network, model)
    metric = Metric(hierarchy, cost, floor)
    metric.wait()
    plain = Router(network, use_hierarchy=False)
    rng = np.random.default_rng(131)

    def answers(changed: np.ndarray, older: np.ndarray) -> dict[str, int]:
        update_costs(cost, network, changed, risk=model.risk, closed=model.closed)
        go = _blocked_worker(metric)
        assert metric.update(changed, cost) == -1
        seen = {"floor": 0, "unchanged": 0}
        for s, t in rng.integers(network.n_nodes, size=(60, 2)).tolist():
            got, edges, _ = metric.shortest(s, t)
            seen[metric.answered_by] += 1
            expected = plain.shortest(cost, s, t, method="dijkstra").cost
            assert got == pytest.approx(expected, rel=1e-9, abs=1e-9), (s, t)
            assert_path(network, cost, s, t, got, edges)
            if metric.answered_by == "unchanged":
                assert np.array_equal(cost[edges], older[edges])
        assert not metric.current  # all answered while the hierarchy lagged
        go.set()
        metric.wait()
        return seen

    before = cost.copy()
    seen = answers(model.add(zones(network, 25, seed=132, prefix="a")), before)
    assert seen["unchanged"] > 0 and seen["floor"] > 0, seen
    assert metric._path.size >= (8 if size == 2 else size)  # (grown by the older routes)
    # moved: the held weights saw the zones now gone (marks above them); the prior picture
    # (before the addition) is below every new cost
    assert metric._prior is not None
    seen = answers(
        model.add(zones(network, 25, seed=133, prefix="a")), np.asarray(metric._prior[2])
    )
    assert seen["unchanged"] > 0 and seen["floor"] > 0, seen
    # zones the prior held removed as well as new ones added: below both pictures somewhere,
    # so no older route is known to hold
    changed = np.union1d(
        model.remove([f"z{i}" for i in range(10)]),
        model.add(zones(network, 5, seed=134, prefix="b")),
    )
    seen = answers(changed, before)
    assert seen["unchanged"] == 0 and seen["floor"] == 60, seen


_LOADED_ONCE = """
import sys
import numpy as np
from datetime import UTC, datetime
from corridor.hazards import RiskModel
from corridor.network import import_osm
from corridor.routing import _cch as cch, _cch_kernels as ck, update_costs
from tests.routing.test_cch import costs, zones
cch.BACKGROUND_EDGES = 0
net = import_osm(sys.argv[1])
h = cch.Hierarchy.build(net)
floor = cch.Floor(h, net)
kernels = [ck.potential_astar, ck.unchanged_route, ck.mark_pending, ck.mark_dirty, ck.take_change]
assert all(not k.signatures for k in kernels), [k.signatures for k in kernels]
floor.load_kernels()
assert all(len(k.signatures) == 1 for k in kernels), [k.signatures for k in kernels]
model = RiskModel(net, zones(net, 30, seed=160), at=datetime(2026, 3, 1, tzinfo=UTC))
cost = costs(net, model)
metric = cch.Metric(h, cost, floor)
metric.wait()
for change in (lambda: model.add(zones(net, 10, seed=161, prefix="a")),
               lambda: model.remove([f"z{i}" for i in range(10)])):
    changed = change()
    update_costs(cost, net, changed, risk=model.risk, closed=model.closed)
    metric.update(changed, cost)
    with metric._lock:  # a search while the weights lag, with the marks written
        metric._lower_weights()
    for s, t in np.random.default_rng(162).integers(net.n_nodes, size=(20, 2)).tolist():
        metric.shortest(s, t)
    metric.wait()
assert all(len(k.signatures) == 1 for k in kernels), [k.signatures for k in kernels]
"""


def test_the_lagging_path_is_loaded_before_the_first_change(shared_data: Path) -> None:
    """``Floor.load_kernels`` loads every kernel that a change and the answers while the
    hierarchy lags call, for the types they are called with (in a fresh process, where
    numba loads each from its cache on first call, or compiles it: the first marks' walk
    after start-up cost its change's query 2.4 ms, or 100-250 ms): none is loaded again by a
    real change."""
    krems = shared_data / "osm" / "krems.osm.gz"
    root = Path(__file__).resolve().parents[2]
    done = subprocess.run(
        [sys.executable, "-c", _LOADED_ONCE, str(krems)],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]


def test_the_backward_floor_search_equals_the_forward_one(
    network: Network, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The floor search run from t over the reversed network (potentials from s) finds the
    least cost of networkx, with the floor's potentials and with a lagging metric's, closures
    and unreachable pairs included; its route runs from s to t."""
    monkeypatch.setattr(cch, "BACKGROUND_EDGES", 0)
    hierarchy = Hierarchy.build(network)
    floor = Floor(hierarchy, network)
    floor.load_kernels()  # (leaves the floor's work arrays as it found them)
    a, m = hierarchy.n_arcs, network.n_edges
    assert np.isinf(floor.metric._floats[2 * a + m :]).all()
    assert (floor.metric._ints[2 * a :] == -1).all()
    assert np.isinf(floor._dist).all() and np.isnan(floor._pot).all()
    model = RiskModel(network, zones(network, 60, seed=140), at=AT)
    cost = costs(network, model)
    metric = Metric(hierarchy, cost, floor)
    metric.wait()
    changed = np.union1d(
        model.remove([f"z{i}" for i in range(0, 60, 3)]),
        model.add(zones(network, 30, seed=141, prefix="a")),
    )
    update_costs(cost, network, changed, risk=model.risk, closed=model.closed)
    go = _blocked_worker(metric)
    metric.update(changed, cost)
    lower = metric._lower_weights()
    assert lower is not None and lower[2].any()  # marks above lowered costs
    graph = to_networkx(network, cost)
    rng = np.random.default_rng(142)
    pairs = rng.integers(network.n_nodes, size=(80, 2)).tolist()
    pairs += [(s, s) for s, _ in pairs[:3]]
    unreachable = 0
    for s, t in pairs:
        try:
            expected = nx.dijkstra_path_length(graph, s, t)
        except nx.NetworkXNoPath:
            expected = np.inf
            unreachable += 1
        for guide in (None, lower):
            found, edges, _ = floor.search(cost, s, t, guide, backward=True)
            assert found == pytest.approx(expected, rel=1e-9, abs=1e-9), (s, t)
            assert_path(network, cost, s, t, found, edges)
            assert found == pytest.approx(floor.search(cost, s, t, guide)[0], rel=1e-12)
    go.set()
    metric.wait()
    assert unreachable > 0  # (the roadblocks close some nodes off)


def _arc_edge(h: Hierarchy, cost: np.ndarray, a: int, down: bool) -> int:
    """The first cheapest original edge behind arc ``a`` that way (-1: none), read from the
    arc's edge list: the note the customisation must have written (``-2 - e``)."""
    best, best_cost = -1, np.inf
    for e in h.arc_edges[h.arc_eptr[a] : h.arc_eptr[a + 1]]:
        if bool(h.edge_down[e]) == down and (best < 0 or cost[e] < best_cost):
            best, best_cost = int(e), cost[e]
    return best


def assert_middles(metric: Metric) -> None:
    """Each arc's note of how its weight was reached, in both directions: an original arc's
    first cheapest edge that way (as ``-2 - e``, -1 when none runs that way), a shortcut's arc
    (x, lo) from its middle node x, with (x, hi) among x's arcs and the two summing to the
    weight."""
    h = metric.hierarchy
    cost = metric.cost
    for down, w, mid in ((False, metric.w_up, metric.mid_up), (True, metric.w_dn, metric.mid_dn)):
        for a in range(h.n_arcs):
            k = int(mid[a])
            lo, hi = int(h.tail[a]), int(h.up_head[a])
            if k < 0:
                edge = _arc_edge(h, cost, a, down)
                assert -2 - k == edge, (a, down)
                assert w[a] == (cost[edge] if edge >= 0 else np.inf)
                continue
            x = int(h.tail[k])
            assert int(h.up_head[k]) == lo and x < lo, (a, down)
            k_hi = int(ck.find_arc(h.up_ptr, h.up_head, x, hi))
            assert k_hi > k
            # up: lo -> x (k downwards), x -> hi (k_hi upwards); down: hi -> x -> lo
            if down:
                assert w[a] == metric.w_dn[k_hi] + metric.w_up[k], (a, down)
            else:
                assert w[a] == metric.w_dn[k] + metric.w_up[k_hi], (a, down)


def test_every_arc_notes_its_lower_triangle_arc_or_its_edge(network: Network) -> None:
    """The customisation notes, per arc and direction, the arc (x, lo) of the lower triangle
    that gave the weight (the unpacking then needs no arc search) or the original edge (no
    edge list read): after a full customisation, a partial one (zones added, moved, removed)
    and one in the background, with closed roads (infinite costs) among them."""
    hierarchy = Hierarchy.build(network)
    model = RiskModel(network, zones(network, 200, seed=31), at=AT)
    cost = costs(network, model)
    assert np.isinf(cost).any()
    metric = Metric(hierarchy, cost)
    assert_middles(metric)
    assert (metric.mid_up >= 0).any() and (metric.mid_up <= -2).any()
    for step in (
        lambda: model.add(zones(network, 5, seed=32, prefix="n")),
        lambda: model.add(zones(network, 5, seed=33, prefix="n")),  # the same ids moved
        lambda: model.remove([f"z{i}" for i in range(5)]),
    ):
        changed = step()
        update_costs(cost, network, changed, risk=model.risk, closed=model.closed)
        assert metric.update(changed, cost) > 0
        assert_middles(metric)
    floor = Floor(hierarchy, network)
    lagging = Metric(hierarchy, cost, floor)
    lagging.wait()
    assert_middles(lagging)


def test_a_wrong_note_raises_instead_of_reading_another_nodes_arcs(network: Network) -> None:
    """Unpacking finds a shortcut's arc (x, hi) by scanning on from its noted arc (x, lo):
    numba checks no bounds, so a note pointing at the last arc of a node whose arcs lack hi
    would scan into the next node's arcs and unpack a route that is not there (or read past
    the array). The scan stops at the end of x's arcs and raises."""
    hierarchy = Hierarchy.build(network)
    metric = Metric(hierarchy, costs(network, RiskModel(network, [], at=AT)))
    h = metric.hierarchy
    shortcut = next(a for a in range(h.n_arcs) if metric.mid_up[a] >= 0)
    hi = int(h.up_head[shortcut])
    # the last arc of a node, with a lower head than hi, followed by another node's arcs
    wrong = next(
        k
        for x in range(h.rank.shape[0] - 1)
        if h.up_ptr[x + 1] > h.up_ptr[x] and h.up_ptr[x + 2] > h.up_ptr[x + 1]
        for k in [int(h.up_ptr[x + 1]) - 1]
        if int(h.up_head[k]) < hi
    )
    mid_up = metric.mid_up.copy()
    mid_up[shortcut] = wrong
    arcs = np.array([shortcut], np.int64)
    downs = np.zeros(1, np.bool_)
    out = np.empty(16, np.int32)
    with pytest.raises(RuntimeError, match="lacks an arc"):
        ck.unpack_arcs(arcs, downs, h.up_head, h.tail, mid_up, metric.mid_dn, out)
    ck.unpack_arcs(arcs, downs, h.up_head, h.tail, metric.mid_up, metric.mid_dn, out)
