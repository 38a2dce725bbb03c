"""The route matrix's travel times and risks, carried through the hierarchy (no route
unpacked), against networkx on the real networks under hazards.

Oracle: networkx's least costs from each origin, then over the edges on some least-cost route
(``d[u] + c(u, v) == d[v]``) the least and the greatest total time and -log survival any
least-cost route to each exit has (a dynamic programme over those edges, in topological
order). Where the least-cost route is unique in time (nearly every pair) the matrix must give
exactly that time; where least-cost routes tie, a time between the two. Since every cost is
``time + W * 3600 * -log survival``, a time and a cost of one route fix its -log survival:
the matrix's sum of the two is checked against the cost, so time and risk cannot come from
two different routes. And the sums are those of the route a point query returns (same tie
rule), checked against the edges of :meth:`Metric.shortest`.
"""

from __future__ import annotations

from datetime import UTC, datetime

import networkx as nx
import numpy as np
import pytest

from corridor.hazards import RiskModel
from corridor.network import Network
from corridor.routing import edge_costs, route_matrix_nodes, router_for
from corridor.routing._cch import Metric
from corridor.routing._cost import RISK_PENALTY_S, risk_to_logs
from tests.routing.conftest import random_hazards, to_networkx
from tests.routing.test_cch import zones

AT = datetime(2026, 3, 1, tzinfo=UTC)
W = 10.0  # the default risk weight: a unit of -log survival weighs W hours
REL = 1e-9


def _bounds(
    net: Network, cost: np.ndarray, time_e: np.ndarray, log_e: np.ndarray, s: int
) -> tuple[dict[int, float], np.ndarray]:
    """networkx's least costs from s, and per node [min time, max time, min log, max log]
    over the least-cost routes from s (nan where unreachable)."""
    dist = nx.single_source_dijkstra_path_length(to_networkx(net, cost), s, weight="weight")
    tight = nx.MultiDiGraph()
    tight.add_nodes_from(dist)
    for e in range(net.n_edges):
        u, v, c = int(net.edge_source[e]), int(net.edge_target[e]), float(cost[e])
        on_route = u in dist and v in dist and np.isfinite(c) and u != v
        if on_route and abs(dist[u] + c - dist[v]) <= REL * max(1.0, dist[v]):
            tight.add_edge(u, v, t=float(time_e[e]), r=float(log_e[e]))
    out = np.full((net.n_nodes, 4), np.nan)
    out[s] = 0.0
    for v in nx.topological_sort(tight):  # positive costs: the least-cost edges form a DAG
        for u, _, data in tight.in_edges(v, data=True):
            t, r = out[u, 0] + data["t"], out[u, 2] + data["r"]
            t_hi, r_hi = out[u, 1] + data["t"], out[u, 3] + data["r"]
            if np.isnan(out[v, 0]):
                out[v] = (t, t_hi, r, r_hi)
            else:
                out[v] = (
                    min(out[v, 0], t),
                    max(out[v, 1], t_hi),
                    min(out[v, 2], r),
                    max(out[v, 3], r_hi),
                )
    return dist, out


def _check_against_networkx(  # noqa: PLR0917
    net: Network,
    cost: np.ndarray,
    log_e: np.ndarray,
    origins: np.ndarray,
    exits: np.ndarray,
    got_cost: np.ndarray,
    got_time: np.ndarray,
    got_log: np.ndarray,
) -> tuple[int, int]:
    """Asserts every pair; returns (pairs with a route, of which unique in time and risk)."""
    time_e = net.edge_time_s.astype(np.float64)
    routed = unique = 0
    for i, s in enumerate(origins.tolist()):
        dist, b = _bounds(net, cost, time_e, log_e, s)
        for j, t in enumerate(exits.tolist()):
            if t not in dist:
                assert got_cost[i, j] == np.inf and got_time[i, j] == np.inf, (s, t)
                continue
            routed += 1
            c, tm, lg = got_cost[i, j], got_time[i, j], got_log[i, j]
            assert c == pytest.approx(dist[t], rel=REL, abs=1e-9), (s, t)
            tol_t = REL * max(1.0, b[t, 1])
            tol_r = REL * max(1.0, b[t, 3])
            assert b[t, 0] - tol_t <= tm <= b[t, 1] + tol_t, (s, t, tm, b[t])
            assert b[t, 2] - tol_r <= lg <= b[t, 3] + tol_r, (s, t, lg, b[t])
            # time and -log survival of one and the same least-cost route
            assert tm + W * RISK_PENALTY_S * lg == pytest.approx(c, rel=REL, abs=1e-9), (s, t)
            unique += int(b[t, 1] - b[t, 0] <= tol_t and b[t, 3] - b[t, 2] <= tol_r)
    return routed, unique


def _pairs(net: Network, seed: int, n_o: int = 60, n_e: int = 40) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    origins = rng.integers(net.n_nodes, size=n_o)
    exits = rng.integers(net.n_nodes, size=n_e)
    origins[5] = exits[7]  # a gathering point at an exit
    return origins, exits


@pytest.mark.parametrize("picture", ["zones", "random"])
def test_matrix_time_and_risk_are_a_least_cost_routes(network: Network, picture: str) -> None:
    """2,400 pairs per network and hazard picture: 100 risk zones of every kind (closures
    included), or risk on half the edges and 3 % of them closed."""
    if picture == "zones":
        model = RiskModel(network, zones(network, 100, seed=31), at=AT)
        risk, closed = model.risk, model.closed
    else:
        risk, closed = random_hazards(network, 32, cover=0.5, close=0.03)
    origins, exits = _pairs(network, 33)
    got = route_matrix_nodes(network, origins, exits, risk=risk, closed=closed, risk_weight=W)
    log_e = risk_to_logs(risk, network.n_edges)
    cost = edge_costs(network, log_risk=log_e, closed=closed, risk_weight=W)
    # the summed -log survival itself (a risk near 1 does not give it back precisely)
    time_e = network.edge_time_s.astype(np.float64)
    same_cost, same_time, got_log = router_for(network).many_to_many(
        cost, origins, exits, time_e, log_e
    )
    np.testing.assert_array_equal(same_cost, got.cost_s)
    np.testing.assert_array_equal(same_time, got.time_s)
    np.testing.assert_array_equal(-np.expm1(-got_log), got.risk)
    routed, unique = _check_against_networkx(
        network, cost, log_e, origins, exits, got.cost_s, got.time_s, got_log
    )
    assert got.cost_s[5, 7] == 0.0 and got.time_s[5, 7] == 0.0 and got.risk[5, 7] == 0.0
    # the test has teeth: most pairs are routed and have one least-cost time and risk
    assert routed > 0.5 * origins.size * exits.size
    assert unique > 0.9 * routed
    assert np.count_nonzero(got.risk > 0) > 0.2 * routed


def test_matrix_sums_are_the_point_querys_route(network: Network) -> None:
    """The same route as :meth:`Metric.shortest` (whose edges are summed here one by one) and
    as the former matrix, which unpacked every route: only the order of the additions
    differs. The cost-only matrix (:meth:`Metric.many_to_many_costs`) gives the same costs,
    bit for bit."""
    risk, closed = random_hazards(network, 41, cover=0.5, close=0.03)
    log_e = risk_to_logs(risk, network.n_edges)
    cost = edge_costs(network, log_risk=log_e, closed=closed, risk_weight=W)
    time_e = network.edge_time_s.astype(np.float64)
    metric = Metric(router_for(network).hierarchy, cost)
    origins, exits = _pairs(network, 42, 40, 25)
    got_cost, got_time, got_log = metric.many_to_many(origins, exits, time_e, log_e)
    np.testing.assert_array_equal(metric.many_to_many_costs(origins, exits), got_cost)
    old = metric.many_to_many(origins, exits, time_e, log_e, unpack=True)
    for got, ref in zip((got_cost, got_time, got_log), old, strict=True):
        np.testing.assert_array_equal(np.isfinite(got), np.isfinite(ref))
        np.testing.assert_allclose(got, ref, rtol=1e-12, atol=1e-12)
    for i, s in enumerate(origins.tolist()):
        for j, t in enumerate(exits.tolist()):
            found, edges, _ = metric.shortest(s, t)
            assert got_cost[i, j] == pytest.approx(found, rel=1e-12)
            if np.isfinite(found) and s != t:
                assert got_time[i, j] == pytest.approx(time_e[edges].sum(), rel=1e-12)
                assert got_log[i, j] == pytest.approx(log_e[edges].sum(), rel=1e-12, abs=1e-15)


def test_matrix_after_a_partial_re_customisation(network: Network) -> None:
    """The carry is read from the middle nodes, whichever way they were reached: after a
    hazard change taken in place (:meth:`Metric.update`) the matrix is still exact."""
    held = zones(network, 40, seed=51)
    model = RiskModel(network, held, at=AT)
    log_e = risk_to_logs(model.risk, network.n_edges)
    cost = edge_costs(network, log_risk=log_e, closed=model.closed, risk_weight=W)
    metric = Metric(router_for(network).hierarchy, cost)
    origins, exits = _pairs(network, 52, 30, 20)
    time_e = network.edge_time_s.astype(np.float64)
    metric.many_to_many(origins, exits, time_e, log_e)
    moved = RiskModel(network, held[3:] + zones(network, 2, seed=53, prefix="m"), at=AT)
    log2 = risk_to_logs(moved.risk, network.n_edges)
    cost2 = edge_costs(network, log_risk=log2, closed=moved.closed, risk_weight=W)
    changed = np.flatnonzero(cost2 != cost)
    assert changed.size > 0
    assert metric.update(changed, cost2) != -1  # taken in place, not customised afresh
    got_cost, got_time, got_log = metric.many_to_many(origins, exits, time_e, log2)
    routed, unique = _check_against_networkx(
        network, cost2, log2, origins, exits, got_cost, got_time, got_log
    )
    assert unique > 0.9 * routed > 0
