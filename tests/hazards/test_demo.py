"""The bundled Krems scenario does what it says at the demo time: routes differ, bridge closed."""

from __future__ import annotations

import numpy as np
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import dijkstra

from corridor.hazards import RiskModel, load_hazards
from corridor.network import Network
from tests.hazards.conftest import DEMO_HAZARDS, DEMO_TIME

CENTRE = (48.4096, 15.6080)  # Krems, Austraße by the Ringstraße
EAST_EXIT = (48.4098, 15.6723)  # Dammstraße, towards Rohrendorf
SOUTH_EXIT = (48.3856, 15.6221)  # B37 towards St. Pölten, across the Danube


def _node(net: Network, lat: float, lon: float) -> int:
    return int(np.argmin((net.node_lat - lat) ** 2 + ((net.node_lon - lon) * 0.66) ** 2))


def _path(net: Network, cost: np.ndarray, s: int, t: int) -> list[int] | None:
    """Edge ids of the cheapest path (scipy Dijkstra over the cheapest parallel edges)."""
    ok = np.nonzero(np.isfinite(cost))[0]
    order = ok[np.lexsort((cost[ok], net.edge_target[ok], net.edge_source[ok]))]
    pairs = net.edge_source[order].astype(np.int64) * net.n_nodes + net.edge_target[order]
    first = order[np.unique(pairs, return_index=True)[1]]
    graph = csr_matrix((cost[first] + 1e-9, (net.edge_source[first], net.edge_target[first])),
                       shape=(net.n_nodes, net.n_nodes))  # fmt: skip
    dist, pred = dijkstra(graph, indices=s, return_predecessors=True)
    if not np.isfinite(dist[t]):
        return None
    by_pair = {(int(net.edge_source[e]), int(net.edge_target[e])): int(e) for e in first}
    path, v = [], t
    while v != s:
        u = int(pred[v])
        path.append(by_pair[(u, v)])
        v = u
    return path[::-1]


def test_demo_hazards_at_demo_time(krems_network: Network) -> None:
    net = krems_network
    hazards = {h.id: h for h in load_hazards(DEMO_HAZARDS)}
    assert {h.kind.value for h in hazards.values()} >= {
        "shelling", "destroyed_bridge", "mines", "no_go_zone", "checkpoint"}  # fmt: skip
    assert not hazards["demo-shell-old"].valid_at(DEMO_TIME)
    model = RiskModel(net, hazards.values(), at=DEMO_TIME)
    bridge = set(model.footprint("demo-bridge").edges.tolist())
    assert {net.edge_label(e) for e in bridge} == {"St. Pöltner Brücke (B37)"}
    assert model.closed[list(bridge)].all()
    mined = {net.edge_label(e) for e in model.footprint("demo-mines").edges.tolist()}
    assert "Langenloiser Straße (L7081)" in mined
    assert model.footprint("demo-nogo").edges.size > 0
    assert model.closed[model.footprint("demo-nogo").edges].all()
    checkpoint = model.footprint("demo-checkpoint").edges
    assert checkpoint.size > 0 and not model.closed[checkpoint].any()


def test_fastest_and_safest_routes_differ(krems_network: Network) -> None:
    net = krems_network
    model = RiskModel(net, load_hazards(DEMO_HAZARDS), at=DEMO_TIME)
    time_s = net.edge_time_s.astype(np.float64)
    penalty = -np.log1p(-model.risk)
    s, t = _node(net, *CENTRE), _node(net, *EAST_EXIT)
    routes = {}
    for name, weight in (("fastest", 0.0), ("safest", 10.0)):
        cost = time_s + weight * 3600.0 * penalty
        cost[model.closed] = np.inf
        path = _path(net, cost, s, t)
        assert path is not None
        routes[name] = path
    fast, safe = routes["fastest"], routes["safest"]
    risk = {k: -np.expm1(-penalty[v].sum()) for k, v in routes.items()}
    assert "Stockerauer Schnellstraße (S5)" in {net.edge_label(e) for e in fast}
    assert "Stockerauer Schnellstraße (S5)" not in {net.edge_label(e) for e in safe}
    assert time_s[safe].sum() > time_s[fast].sum()
    assert risk["safest"] < risk["fastest"] / 5
    shared = len(set(fast) & set(safe)) / len(set(fast) | set(safe))
    assert shared < 0.5  # visibly different roads
    # across the Danube: the only bridge is down
    cost = time_s.copy()
    cost[model.closed] = np.inf
    assert _path(net, cost, s, _node(net, *SOUTH_EXIT)) is None
    assert _path(net, time_s, s, _node(net, *SOUTH_EXIT)) is not None
