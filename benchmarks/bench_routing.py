"""Routing: point-to-point queries, hazard updates and the route matrix, beside the peers.

Issue 15 parts (``BENCH_ROUTING_PARTS=hazards,change,matrix2``, the default since the
contraction hierarchy landed):
- ``hazards``: every network (the shared extracts, the perturbed grid, the region-like network
  at 100k and 1M nodes from ``_synthetic.py``) at 0, 10, 100 and 1,000 random zones of
  300-600 m (every kind, some closing): corridor (auto = contraction hierarchy; and the
  ALT/Dijkstra engine it replaced) against networkit's bidirectional Dijkstra, igraph and
  networkx (subset), on the same cost array and pairs; median and p95, costs checked;
- ``change``: 100 zones added, moved, removed on the 1M-node region; corridor (risk model
  update, cost refresh, partial re-customisation, one query) against the same new edge costs
  pushed into networkit with ``setWeight`` plus its query;
- ``matrix2``: 50 gathering points x 20 exits under 100 zones, against scipy csgraph.dijkstra
  (from the 50 points; and from the 20 exits on the reversed graph, scipy's best way):
  corridor cost only (like for like), cost + time + risk, the former unpacking way (A/B) and
  the ``route_matrix_nodes`` API, interleaved, thread CPU time (see :func:`bench_matrix2`).
- ``choice2`` (not default): the engine without a hierarchy, ALT against bidirectional
  Dijkstra as zones spread and as the risk weight grows, with what the two former choice
  rules (share of inflated edges; mean capped inflation) pick and what ``"auto"`` does now
  (times both methods per inflation bucket and keeps the faster), trials included.
``BENCH_ROUTING_NETS`` (comma list of krems, aguascalientes, grid, region100k, region1m)
restricts the networks.

Older parts (``queries,choice,update,matrix``):

Workload (seed 20260301):
- networks: the shared OSM extracts (Krems, Aguascalientes) and a synthetic >= 1M-edge grid
  (``benchmarks/_synthetic.py``, cached in benchmarks/data/ with its 16 landmarks);
- 1,000 random origin-destination node pairs per network, travel-time weights, no hazards;
  corridor (auto choice, ALT, bidirectional Dijkstra), networkx ``dijkstra_path``, igraph
  ``get_shortest_path`` (Dijkstra), OSMnx ``shortest_path`` and pgRouting ``pgr_dijkstra``
  (optional: skipped with the reason when the extension is missing). The slow peers run the
  first ``SLOW_QUERIES`` pairs of the large network; every ratio compares medians over the same
  pairs. Every peer's path cost is checked against corridor's;
- ALT vs bidirectional Dijkstra as hazard cover grows (the per-query choice), interleaved;
- a 100-hazard update plus re-route with 200 and with 2,000 hazards already held, incremental
  (RiskModel.add, cost refresh of the changed edges, one query) against a full recompute (risk
  model from scratch, all costs, one query); and the landmark rebuild an engine with
  weight-dependent preprocessing would add;
- a 20 x 50 route matrix: corridor's compiled one-to-all against scipy.sparse.csgraph.dijkstra.
Median and p95 per engine are printed in milliseconds. ``BENCH_ROUTING_PARTS`` (comma list of
queries, choice, update, matrix) runs a subset; ``BENCH_ROUTING_QUERIES`` and
``BENCH_ROUTING_SLOW_QUERIES`` change the query counts.
"""

from __future__ import annotations

import gc
import itertools
import os
import time
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from benchmarks._synthetic import synthetic_network
from corridor.network import Network, import_osm
from corridor.routing import Router, compute_landmarks, edge_costs, router_for, update_costs
from corridor.routing._cost import risk_to_logs

SEED = 20260301
QUERIES = int(os.environ.get("BENCH_ROUTING_QUERIES", "1000"))
SLOW_QUERIES = int(os.environ.get("BENCH_ROUTING_SLOW_QUERIES", "40"))
# ../shared/data beside the clone, or wherever CORRIDOR_SHARED_DATA points (as for the tests)
SHARED = (
    Path(
        os.environ.get(
            "CORRIDOR_SHARED_DATA", Path(__file__).resolve().parents[1] / ".." / "shared" / "data"
        )
    )
    / "osm"
)
PG_DSN = "host=127.0.0.1 user=postgres dbname=corridor_bench"


def _stats(ms: list[float]) -> tuple[float, float]:
    return float(np.median(ms)), float(np.percentile(ms, 95))


def _timed(
    fn: Callable[[int, int], float], pairs: NDArray[np.int64]
) -> tuple[list[float], list[float]]:
    times, costs = [], []
    for s, t in pairs.tolist():
        t0 = time.perf_counter()
        c = fn(s, t)
        times.append((time.perf_counter() - t0) * 1000)
        costs.append(c)
    return times, costs


def _peers(net: Network, cost: NDArray[np.float64]) -> dict[str, Callable[[int, int], float]]:
    import igraph as ig
    import networkx as nx
    import osmnx as ox

    src, dst = net.edge_source.tolist(), net.edge_target.tolist()
    w = cost.tolist()
    t0 = time.perf_counter()
    g = nx.DiGraph()
    g.add_nodes_from(range(net.n_nodes))
    for e in np.argsort(-cost, kind="stable").tolist():  # cheapest parallel edge wins
        g.add_edge(src[e], dst[e], weight=w[e])
    mg = nx.MultiDiGraph(crs="EPSG:4326")
    mg.add_nodes_from(
        (i, {"x": x, "y": y})
        for i, (x, y) in enumerate(zip(net.node_lon.tolist(), net.node_lat.tolist(), strict=True))
    )
    mg.add_edges_from((a, b, {"travel_time": c}) for a, b, c in zip(src, dst, w, strict=True))
    ig_graph = ig.Graph(n=net.n_nodes, edges=list(zip(src, dst, strict=True)), directed=True)
    ig_graph.es["w"] = w
    print(f"  peers' graphs built in {time.perf_counter() - t0:.1f} s", flush=True)

    def nx_query(s: int, t: int) -> float:
        path = nx.dijkstra_path(g, s, t, weight="weight")
        return float(sum(g[a][b]["weight"] for a, b in itertools.pairwise(path)))

    def ox_query(s: int, t: int) -> float:
        path = ox.routing.shortest_path(mg, s, t, weight="travel_time")
        return float(
            sum(
                min(d["travel_time"] for d in mg[a][b].values())
                for a, b in itertools.pairwise(path)
            )
        )

    def ig_query(s: int, t: int) -> float:
        epath = ig_graph.get_shortest_path(
            s, to=t, weights="w", output="epath", algorithm="dijkstra"
        )
        return float(cost[epath].sum())

    return {"networkx": nx_query, "igraph": ig_query, "osmnx": ox_query}


def _pgrouting(net: Network, cost: NDArray[np.float64]) -> Callable[[int, int], float] | str:
    """A pgr_dijkstra query function, or the reason it cannot run."""
    try:
        import psycopg

        conn = psycopg.connect(PG_DSN, autocommit=True)
    except Exception as exc:
        return (
            f"PostgreSQL database corridor_bench not reachable ({type(exc).__name__}); "
            "create it with: createdb -h 127.0.0.1 -U postgres corridor_bench"
        )
    try:
        conn.execute("CREATE EXTENSION IF NOT EXISTS pgrouting CASCADE")
    except Exception as exc:
        return f"pgRouting not installed ({str(exc).strip()}); run: make system-deps"
    conn.execute("DROP TABLE IF EXISTS bench_edges")
    conn.execute("CREATE TABLE bench_edges (id bigint, source bigint, target bigint, cost float8)")
    with conn.cursor() as cur, cur.copy("COPY bench_edges FROM STDIN") as copy:
        for e, (a, b, c) in enumerate(
            zip(net.edge_source.tolist(), net.edge_target.tolist(), cost.tolist(), strict=True)
        ):
            copy.write_row((e, a, b, c))
    sql = (
        "SELECT coalesce(sum(cost), 'Infinity') FROM pgr_dijkstra("
        "'SELECT id, source, target, cost FROM bench_edges', %s::bigint, %s::bigint, true)"
    )

    def query(s: int, t: int) -> float:
        if s == t:
            return 0.0  # pgr_dijkstra returns no row for an empty path
        row = conn.execute(sql, (s, t)).fetchone()
        return float(row[0]) if row else float("inf")

    return query


def bench_queries(name: str, net: Network, *, slow_limit: int) -> None:
    print(
        f"\n-- {name}: {net.n_nodes:,} nodes, {net.n_edges:,} edges; {QUERIES} queries", flush=True
    )
    rng = np.random.default_rng(SEED)
    pairs = rng.integers(net.n_nodes, size=(QUERIES, 2))
    cost = net.edge_time_s.astype(np.float64)
    router = router_for(net)
    router.shortest(cost, 0, 1)  # compile / load the numba cache outside the timing
    ours: dict[str, tuple[list[float], list[float]]] = {}
    for method in ("auto", "alt", "dijkstra"):
        ours[method] = _timed(
            lambda s, t, m=method: router.shortest(cost, s, t, method=m).cost, pairs
        )
    base_ms, base_cost = ours["auto"]
    rows = [(f"corridor ({m})", len(pairs), *_stats(ours[m][0]), None) for m in ours]
    peers: dict[str, Callable[[int, int], float] | str] = dict(_peers(net, cost))
    peers["pgrouting"] = _pgrouting(net, cost)
    for peer, fn in peers.items():
        if isinstance(fn, str):
            print(f"  {peer}: skipped: {fn}")
            continue
        slow = peer in ("networkx", "osmnx", "pgrouting")
        k = min(len(pairs), slow_limit) if slow else len(pairs)
        ms, costs = _timed(fn, pairs[:k])
        ok = np.allclose(costs, base_cost[:k], rtol=1e-6)
        if not ok:
            bad = np.flatnonzero(~np.isclose(costs, base_cost[:k], rtol=1e-6))
            print(
                f"  {peer}: {bad.size} cost mismatches, e.g. pair {pairs[bad[0]].tolist()}: "
                f"{costs[bad[0]]} vs corridor {base_cost[bad[0]]}"
            )
        ratio = np.median(ms) / np.median(base_ms[:k])
        rows.append((peer + ("" if ok else " (COSTS DIFFER)"), k, *_stats(ms), ratio))
    print(f"  {'engine':<26}{'queries':>8}{'median ms':>11}{'p95 ms':>10}{'corridor x faster':>19}")
    for label, k, med, p95, ratio in rows:
        r = f"{ratio:>19.1f}" if ratio is not None else f"{'':>19}"
        print(f"  {label:<26}{k:>8}{med:>11.3f}{p95:>10.3f}{r}")


def bench_choice(name: str, net: Network, hazard_shares: tuple[float, ...]) -> None:
    """ALT against bidirectional Dijkstra as more edges carry risk (random zones)."""
    from shapely.geometry import Point

    from corridor.hazards import Hazard, RiskModel

    rng = np.random.default_rng(SEED + 1)
    pairs = rng.integers(net.n_nodes, size=(min(QUERIES, 300), 2))
    lon, lat = np.asarray(net.node_lon), np.asarray(net.node_lat)
    router = router_for(net)
    at = datetime(2026, 3, 1, tzinfo=UTC)
    print(f"\n-- {name}: ALT vs bidirectional Dijkstra under hazards ({len(pairs)} queries)")
    print(
        f"  {'hazards':>8}{'inflated edges':>16}{'ALT ms':>9}{'Dijkstra ms':>13}{'auto picks':>12}"
    )
    for count in hazard_shares:
        n_h = int(count)
        picks = rng.integers(net.n_nodes, size=n_h)
        hz = [
            Hazard(f"h{i}", "shelling", Point(lon[p], lat[p]), 0.6, 0.7, radius_m=800.0)
            for i, p in enumerate(picks.tolist())
        ]
        model = RiskModel(net, hz, at=at)
        cost = edge_costs(net, log_risk=risk_to_logs(model.risk, net.n_edges), closed=model.closed)
        share = float(np.count_nonzero(cost > net.edge_time_s * 1.1) / net.n_edges)
        alt: list[float] = []
        dij: list[float] = []
        for s, t in pairs.tolist():  # interleaved, so load changes hit both alike
            for method, out in (("alt", alt), ("dijkstra", dij)):
                t0 = time.perf_counter()
                router.shortest(cost, s, t, method=method)  # type: ignore[arg-type]
                out.append((time.perf_counter() - t0) * 1000)
        print(
            f"  {n_h:>8}{share:>16.1%}{np.median(alt):>9.3f}{np.median(dij):>13.3f}"
            f"{router.choose(cost) or 'trial':>12}"
        )


def bench_hazard_update(net: Network, held: int, *, mode: str = "add") -> None:
    """100 hazards change, then one re-route; incremental vs full recompute, same answer.

    ``mode="add"``: 100 new hazards appear (each needs a spatial join). ``mode="update"``: 100
    of the held hazards are re-assessed in place (severity and confidence change, as when a
    report is confirmed or downgraded), which the incremental model does without a join.
    """
    from shapely.geometry import Point

    from corridor.hazards import Hazard, RiskModel, segment_index

    rng = np.random.default_rng(SEED + 2)
    lon, lat = np.asarray(net.node_lon), np.asarray(net.node_lat)
    kinds = ["shelling", "airstrike", "mines", "checkpoint", "roadblock"]

    def hazards(prefix: str, n: int) -> list[Hazard]:
        nodes = rng.integers(net.n_nodes, size=n).tolist()
        return [
            Hazard(f"{prefix}{i}", kinds[i % len(kinds)], Point(lon[v], lat[v]), 0.7, 0.8)
            for i, v in enumerate(nodes)
        ]

    at = datetime(2026, 3, 1, tzinfo=UTC)
    if mode == "add":
        base, new = hazards("base", held), hazards("new", 100)
        after = base + new
    else:
        base = hazards("base", held)
        new = [replace(h, severity=0.9, confidence=0.95) for h in base[:100]]
        after = new + base[100:]
    segment_index(net)  # the static road index is built once per network, in both cases
    router = router_for(net)
    pairs = rng.integers(net.n_nodes, size=(20, 2)).tolist()
    inc_ms, full_ms, add_ms, route_ms = [], [], [], []
    for s, t in pairs:
        model = RiskModel(net, base, at=at)
        cost = edge_costs(net, log_risk=risk_to_logs(model.risk, net.n_edges), closed=model.closed)
        t0 = time.perf_counter()
        changed = model.add(new)
        update_costs(cost, net, changed, risk=model.risk, closed=model.closed)
        t1 = time.perf_counter()
        inc = router.shortest(cost, s, t).cost
        t2 = time.perf_counter()
        fresh = RiskModel(net, after, at=at)
        full_cost = edge_costs(
            net, log_risk=risk_to_logs(fresh.risk, net.n_edges), closed=fresh.closed
        )
        ref = router.shortest(full_cost, s, t).cost
        t3 = time.perf_counter()
        assert inc == ref or abs(inc - ref) <= 1e-6 * ref, (inc, ref)
        inc_ms.append((t2 - t0) * 1000)
        add_ms.append((t1 - t0) * 1000)
        route_ms.append((t2 - t1) * 1000)
        full_ms.append((t3 - t2) * 1000)
    print(
        f"\n-- 100 hazards {'added' if mode == 'add' else 're-assessed in place'} + re-route "
        f"on {net.n_edges:,} edges ({held} hazards held; {len(pairs)} runs, median ms)"
    )
    print(
        f"  incremental: {np.median(inc_ms):.1f} (RiskModel.add + cost refresh "
        f"{np.median(add_ms):.1f}, query {np.median(route_ms):.1f})"
    )
    print(f"  full recompute: {np.median(full_ms):.1f}")
    print(f"  incremental x faster: {np.median(full_ms) / np.median(inc_ms):.1f}")
    if held != 200 or mode != "add":
        return
    t0 = time.perf_counter()
    compute_landmarks(net)
    lm_ms = (time.perf_counter() - t0) * 1000
    print(
        f"  an engine whose preprocessing depends on the weights (CH/CCH-style) would also redo "
        f"it: + {lm_ms:.0f} ms for 16 landmarks here -> incremental "
        f"{(np.median(full_ms) + lm_ms) / np.median(inc_ms):.0f}x faster"
    )


def bench_matrix(net: Network) -> None:
    from scipy.sparse import csr_matrix
    from scipy.sparse.csgraph import dijkstra

    from corridor.routing._matrix import route_matrix_nodes

    rng = np.random.default_rng(SEED + 3)
    origins, dests = rng.integers(net.n_nodes, size=20), rng.integers(net.n_nodes, size=50)
    cost = net.edge_time_s.astype(np.float64)
    route_matrix_nodes(net, origins[:1], dests[:1])
    t0 = time.perf_counter()
    ours = route_matrix_nodes(net, origins, dests, risk_weight=0.0)
    t1 = time.perf_counter()
    g = csr_matrix((cost, (net.edge_source, net.edge_target)), shape=(net.n_nodes,) * 2)
    t2 = time.perf_counter()
    ref = dijkstra(g, directed=True, indices=origins)[:, dests]
    t3 = time.perf_counter()
    assert np.allclose(ours.cost_s, ref, rtol=1e-9)
    print(
        f"\n-- route matrix 20 x 50 on {net.n_edges:,} edges: corridor {1000 * (t1 - t0):.0f} ms "
        f"(times and risks); scipy csgraph {1000 * (t3 - t2):.0f} ms (+{1000 * (t2 - t1):.0f} ms "
        f"matrix build, times only)"
    )


def main() -> None:
    parts = os.environ.get("BENCH_ROUTING_PARTS", "hazards,change,matrix2").split(",")
    if set(parts) & {"hazards", "change", "matrix2", "choice2"}:
        main15()
    if not set(parts) & {"queries", "choice", "update", "matrix"}:
        return
    nets: list[tuple[str, Network]] = [
        ("krems", import_osm(SHARED / "krems.osm.gz")),
        ("aguascalientes", import_osm(SHARED / "aguascalientes.osm.pbf")),
    ]
    t0 = time.perf_counter()
    synthetic, lm_s = synthetic_network()
    print(
        f"synthetic network loaded in {time.perf_counter() - t0:.1f} s "
        f"(16 landmarks took {lm_s:.1f} s when built)"
    )
    nets.append(("synthetic", synthetic))
    if "queries" in parts:
        for name, net in nets:
            bench_queries(name, net, slow_limit=QUERIES if net.n_edges < 100_000 else SLOW_QUERIES)
    if "choice" in parts:
        bench_choice("krems", nets[0][1], (0, 10, 40, 150))
        bench_choice("synthetic", synthetic, (0, 100, 500, 1000, 2000, 5000))
    if "update" in parts:
        for mode in ("add", "update"):
            for held in (200, 2000):
                bench_hazard_update(synthetic, held, mode=mode)
    if "matrix" in parts:
        bench_matrix(synthetic)


if __name__ == "__main__":
    main()


# ---- issue 15: under hazards, beside networkit ------------------------------------------------
ZONE_COUNTS = (0, 10, 100, 1000)
CHANGE_RUNS = int(os.environ.get("BENCH_ROUTING_CHANGE_RUNS", "10"))
NETS = os.environ.get("BENCH_ROUTING_NETS", "krems,aguascalientes,grid,region100k,region1m")


def _zones(
    net: Network, count: int, seed: int, prefix: str = "z", kinds: tuple[str, ...] = ("shelling",)
) -> list[Any]:
    """Random zones of 300-600 m centred on nodes (shelling, as in the issue's figures)."""
    from shapely.geometry import Point

    from corridor.hazards import Hazard

    rng = np.random.default_rng(seed)
    nodes = rng.integers(net.n_nodes, size=count).tolist()
    radii = rng.uniform(300.0, 600.0, size=count).tolist()
    lon, lat = np.asarray(net.node_lon), np.asarray(net.node_lat)
    return [
        Hazard(f"{prefix}{i}", kinds[i % len(kinds)], Point(lon[v], lat[v]), 0.7, 0.8, radius_m=r)
        for i, (v, r) in enumerate(zip(nodes, radii, strict=True))
    ]


def _cost_of(net: Network, model: Any) -> NDArray[np.float64]:
    return edge_costs(net, log_risk=risk_to_logs(model.risk, net.n_edges), closed=model.closed)


class _Networkit:
    """networkit's graph of the network: one edge per (source, target), the cheapest."""

    def __init__(self, net: Network, cost: NDArray[np.float64]) -> None:
        import networkit as nk

        self.nk = nk
        src = np.asarray(net.edge_source, np.int64)
        dst = np.asarray(net.edge_target, np.int64)
        key = src * net.n_nodes + dst
        self.pair_keys, self.pair_of_edge = np.unique(key, return_inverse=True)
        self.src = (self.pair_keys // net.n_nodes).astype(np.uint64)
        self.dst = (self.pair_keys % net.n_nodes).astype(np.uint64)
        w = self.pair_weights(cost)
        self.graph = nk.Graph(net.n_nodes, weighted=True, directed=True)
        self.graph.addEdges((w, (self.src, self.dst)))

    def pair_weights(self, cost: NDArray[np.float64]) -> NDArray[np.float64]:
        w = np.full(self.pair_keys.shape[0], np.inf)
        np.minimum.at(w, self.pair_of_edge, cost)
        return w

    def query(self, s: int, t: int) -> float:
        # storePred=True: its path, as ours (and storePred=False crashes networkit 11.3)
        b = self.nk.distance.BidirectionalDijkstra(self.graph, s, t, True)
        b.run()
        d = float(b.getDistance())
        return np.inf if d > 1e300 else d


def _region(nodes: int) -> Network:
    net, _ = synthetic_network(region_nodes=nodes)
    return net


def _networks() -> list[tuple[str, Callable[[], Network]]]:
    all_nets: dict[str, Callable[[], Network]] = {
        "krems": lambda: import_osm(SHARED / "krems.osm.gz"),
        "aguascalientes": lambda: import_osm(SHARED / "aguascalientes.osm.pbf"),
        "grid": lambda: synthetic_network()[0],
        "region100k": lambda: _region(100_000),
        "region1m": lambda: _region(1_000_000),
    }
    return [(name, all_nets[name]) for name in NETS.split(",") if name]


def _interleaved(
    engines: dict[str, tuple[Callable[[int, int], float], int]], pairs: NDArray[np.int64]
) -> dict[str, tuple[list[float], list[float], list[float]]]:
    """Each engine on the first ``count`` pairs, pair by pair in turn, so that load changes on
    the shared machine hit every engine alike. Per engine: wall ms, costs, and CPU ms of the
    thread (which excludes the time the scheduler gave other processes: on a loaded machine a
    0.2 ms query that is preempted takes 10-30 ms of wall time, and that is what a wall-clock
    p95 of short queries measures)."""
    out: dict[str, tuple[list[float], list[float], list[float]]] = {
        name: ([], [], []) for name in engines
    }
    for i, (s, t) in enumerate(pairs.tolist()):
        for name, (fn, count) in engines.items():
            if i < count:
                c0 = time.thread_time()
                t0 = time.perf_counter()
                c = fn(s, t)
                t1 = time.perf_counter()
                c1 = time.thread_time()
                out[name][0].append((t1 - t0) * 1000)
                out[name][1].append(c)
                out[name][2].append((c1 - c0) * 1000)
    return out


def _peer_graphs(net: Network, cost: NDArray[np.float64]) -> dict[str, Callable[[int, int], float]]:
    """igraph and networkx on the same costs (closed edges left out), for a subset of pairs."""
    import igraph as ig
    import networkx as nx

    finite = np.isfinite(cost)
    keep = np.flatnonzero(finite)
    ig_graph = ig.Graph(
        n=net.n_nodes,
        edges=list(
            zip(net.edge_source[keep].tolist(), net.edge_target[keep].tolist(), strict=True)
        ),
        directed=True,
    )
    ig_graph.es["w"] = cost[keep].tolist()
    g = nx.DiGraph()
    g.add_nodes_from(range(net.n_nodes))
    if net.n_nodes <= 200_000:  # minutes and gigabytes to build on the large networks
        for e in np.argsort(-cost, kind="stable").tolist():
            if finite[e]:
                g.add_edge(int(net.edge_source[e]), int(net.edge_target[e]), weight=float(cost[e]))

    def ig_query(s: int, t: int) -> float:
        if s == t:
            return 0.0
        epath = ig_graph.get_shortest_path(
            s, to=t, weights="w", output="epath", algorithm="dijkstra"
        )
        return float(cost[keep[epath]].sum()) if epath else np.inf

    def nx_query(s: int, t: int) -> float:
        try:
            return float(nx.dijkstra_path_length(g, s, t))
        except nx.NetworkXNoPath:
            return np.inf

    if net.n_nodes > 200_000:
        return {"igraph": ig_query}
    return {"igraph": ig_query, "networkx": nx_query}


def bench_hazards(name: str, net: Network) -> None:
    from corridor.hazards import RiskModel

    big = net.n_nodes > 200_000
    n_q = 200 if big else QUERIES
    n_peer = 30 if big else min(QUERIES, 300)
    n_slow = 5 if big else 40
    router = router_for(net)
    t0 = time.perf_counter()
    hierarchy = router.prepare()
    prep_s = time.perf_counter() - t0
    print(
        f"\n-- {name}: {net.n_nodes:,} nodes, {net.n_edges:,} edges; hierarchy "
        f"({hierarchy.order_method} order) {hierarchy.n_arcs:,} arcs in {prep_s:.1f} s; "
        f"{n_q} queries, networkit and the old engine {n_peer}, igraph/networkx {n_slow}",
        flush=True,
    )
    print(
        f"  {'zones':>5} {'inflated':>8} {'custom ms':>9} | {'corridor':>8} {'p95':>6} | "
        f"{'checked':>7} | {'alt/dij':>7} {'p95':>6} | {'networkit':>9} {'p95':>6} | "
        f"{'igraph':>6} {'networkx':>8} | {'x nk med':>8} {'x nk p95':>8} {'x checked':>9}"
    )
    rng = np.random.default_rng(SEED + 10)
    nk_graph: _Networkit | None = None
    at = datetime(2026, 3, 1, tzinfo=UTC)
    for count in ZONE_COUNTS:
        model = RiskModel(net, _zones(net, count, seed=SEED + count), at=at)
        cost = _cost_of(net, model)
        inflated = float(np.count_nonzero(cost > net.edge_time_s * 1.1) / net.n_edges)
        pairs = rng.integers(net.n_nodes, size=(n_q, 2))
        t0 = time.perf_counter()
        metric = router.metric(cost)
        metric.wait()  # (with a floor the customisation runs in the background)
        custom_ms = (time.perf_counter() - t0) * 1000
        router.shortest(cost, 0, 1)  # the checked entry point's own metric, customised once
        router.wait()  # (in the background on the large networks: the steady state is timed)
        old = Router(net, landmarks=router.landmarks, use_hierarchy=False)
        old.shortest(cost, 0, 1)
        if nk_graph is None:
            nk_graph = _Networkit(net, cost)
        else:
            w = nk_graph.pair_weights(cost)
            for a, b, x in zip(
                nk_graph.src.tolist(), nk_graph.dst.tolist(), w.tolist(), strict=True
            ):
                nk_graph.graph.setWeight(a, b, x)
        slow = _peer_graphs(net, cost)
        gc.collect()
        engines: dict[str, tuple[Callable[[int, int], float], int]] = {
            "corridor": (lambda s, t, m=metric: m.shortest(s, t)[0], n_q),
            "checked": (lambda s, t, c=cost: router.shortest(c, s, t).cost, n_peer),
            "old": (lambda s, t, o=old, c=cost: o.shortest(c, s, t).cost, n_peer),
            "networkit": (nk_graph.query, n_peer),
            "igraph": (slow["igraph"], n_slow),
        }
        if "networkx" in slow:
            engines["networkx"] = (slow["networkx"], n_slow)
        res = _interleaved(engines, pairs)
        ref = np.asarray(res["corridor"][1])
        for peer in [p for p in engines if p != "corridor"]:
            got = np.asarray(res[peer][1])
            same = np.isclose(got, ref[: got.size], rtol=1e-9) | (got == ref[: got.size])
            if not same.all():
                bad = int(np.flatnonzero(~same)[0])
                print(f"  !! {peer} differs at {pairs[bad].tolist()}: {got[bad]} vs {ref[bad]}")
        med, p95 = _stats(res["corridor"][0])
        cpu_p95 = float(np.percentile(res["corridor"][2], 95))
        nk_cpu_p95 = float(np.percentile(res["networkit"][2], 95))
        c_med, c_p95 = _stats(res["checked"][0])
        o_med, o_p95 = _stats(res["old"][0])
        nk_med, nk_p95 = _stats(res["networkit"][0])
        print(
            f"  {count:>5} {inflated:>8.1%} {custom_ms:>9.1f} | {med:>8.3f} {p95:>6.3f} | "
            f"{c_med:>7.3f} | {o_med:>7.3f} {o_p95:>6.3f} | {nk_med:>9.3f} {nk_p95:>6.3f} | "
            f"{np.median(res['igraph'][0]):>6.2f} "
            f"{np.median(res['networkx'][0]) if 'networkx' in res else np.nan:>8.2f} | "
            f"{nk_med / med:>8.1f} {nk_p95 / p95:>8.1f} {nk_med / c_med:>9.1f} | "
            f"CPU p95 {cpu_p95:.3f} vs {nk_cpu_p95:.3f} ({nk_cpu_p95 / cpu_p95:.1f}x) | "
            f"checked p95 {c_p95:.3f} (x nk p95 {nk_p95 / c_p95:.1f})",
            flush=True,
        )


def bench_change(net: Network, held: int = 200) -> None:
    """100 zones added, moved or removed, then one query: corridor vs networkit setWeight."""
    from corridor.hazards import RiskModel, segment_index

    at = datetime(2026, 3, 1, tzinfo=UTC)
    segment_index(net)
    router = router_for(net)
    router.prepare()
    if router.floor is not None:  # compile / load the lagging searches outside the timing
        router.floor.load_kernels()
    rng = np.random.default_rng(SEED + 20)
    print(
        f"\n-- hazard change + next query on {net.n_nodes:,} nodes ({held} zones held; "
        f"median ms over {CHANGE_RUNS} runs each)"
    )
    print(
        f"  {'change':<8}{'edges':>7}{'arcs':>8} | {'risk model':>10}{'costs':>7}{'update':>8}"
        f"{'query':>7}{'total':>7}{'settled':>8}{'catch-up':>9} | {'networkit setWeight':>19}"
        f"{'query':>8}{'total':>8} | {'x (update+query)':>16}{'x total':>8}"
    )
    rows: dict[str, list[list[float]]] = {"added": [], "moved": [], "removed": []}
    nk_rows: dict[str, list[list[float]]] = {"added": [], "moved": [], "removed": []}
    sizes: dict[str, list[tuple[int, int]]] = {"added": [], "moved": [], "removed": []}
    risk_cpu: dict[str, list[float]] = {"added": [], "moved": [], "removed": []}
    # thread CPU ms of (update + query) and of networkit's (setWeight + query): on the shared
    # machine the wall clock of a few ms mostly measures the scheduler, and our query also
    # shares the cores with our own background re-customisation, which networkit does not
    cpu: dict[str, list[tuple[float, float]]] = {"added": [], "moved": [], "removed": []}
    # which search answered each next query: "unchanged" (the older picture's route, none of
    # its edges changed), "floor" (the A* while the hierarchy catches up) or "cch"
    answered: dict[str, list[str]] = {"added": [], "moved": [], "removed": []}
    for run in range(CHANGE_RUNS):
        model = RiskModel(net, _zones(net, held, seed=SEED + 30 + run, prefix="h"), at=at)
        cost = _cost_of(net, model)
        metric = router.metric(cost)
        metric.wait()
        # a change that changes nothing: the first call of the update's kernels in the process
        # loads them from numba's cache (hundreds of ms), which is not the change's own cost
        metric.update(np.zeros(1, np.int64), cost)
        nkg = _Networkit(net, cost)
        # the new records are parsed before the clock starts: a change arrives as hazards
        added = _zones(net, 100, seed=SEED + 40 + run, prefix="n")
        moved = _zones(net, 100, seed=SEED + 50 + run, prefix="n")
        removed = [f"n{i}" for i in range(100)]
        steps = {
            "added": lambda m=model, z=added: m.add(z),
            "moved": lambda m=model, z=moved: m.add(z),
            "removed": lambda m=model, z=removed: m.remove(z),
        }
        for label, step in steps.items():
            s, t = rng.integers(net.n_nodes, size=2).tolist()
            t0, c0 = time.perf_counter(), time.thread_time()
            changed = step()
            t1, c1 = time.perf_counter(), time.thread_time()
            risk_cpu[label].append((c1 - c0) * 1000)
            update_costs(cost, net, changed, risk=model.risk, closed=model.closed)
            t2, c2 = time.perf_counter(), time.thread_time()
            arcs = metric.update(changed, cost)
            t3 = time.perf_counter()
            ours, _, settled = metric.shortest(s, t)
            t4, c4 = time.perf_counter(), time.thread_time()
            answered[label].append(metric.answered_by)
            metric.wait()  # the background re-customisation, if any, before networkit runs
            catch_up = (time.perf_counter() - t2) * 1000
            pairs = np.unique(nkg.pair_of_edge[changed])
            w = nkg.pair_weights(cost)[pairs].tolist()  # prepared outside its timing
            us, vs = nkg.src[pairs].tolist(), nkg.dst[pairs].tolist()
            t5, c5 = time.perf_counter(), time.thread_time()
            for a, b, x in zip(us, vs, w, strict=True):
                nkg.graph.setWeight(a, b, x)
            t6 = time.perf_counter()
            theirs = nkg.query(s, t)
            t7, c7 = time.perf_counter(), time.thread_time()
            cpu[label].append(((c4 - c2) * 1000, (c7 - c5) * 1000))
            assert ours == theirs or abs(ours - theirs) <= 1e-9 * theirs, (ours, theirs)
            ms = [(b - a) * 1000 for a, b in itertools.pairwise((t0, t1, t2, t3, t4))]
            rows[label].append([*ms, (t4 - t0) * 1000, settled, catch_up])
            nk_rows[label].append([(t6 - t5) * 1000, (t7 - t6) * 1000, (t7 - t5) * 1000])
            sizes[label].append((int(changed.size), arcs))
    for label, row in rows.items():
        r = np.median(np.array(row), axis=0)
        k = np.median(np.array(nk_rows[label]), axis=0)
        e, a = np.median(np.array(sizes[label]), axis=0)
        print(
            f"  {label:<8}{e:>7.0f}{a:>8.0f} | {r[0]:>10.1f}{r[1]:>7.1f}{r[2]:>8.2f}{r[3]:>7.2f}"
            f"{r[4]:>7.1f}{r[5]:>8.0f}{r[6]:>9.0f} | {k[0]:>19.1f}{k[1]:>8.1f}{k[2]:>8.1f} | "
            f"{k[2] / (r[2] + r[3]):>16.0f}{k[2] / r[4]:>8.1f}",
            flush=True,
        )
    rm_cpu = ", ".join(f"{k} {np.median(v):.1f}" for k, v in risk_cpu.items())
    print(f"  risk model update, thread CPU ms (median; wall above includes waits): {rm_cpu}")
    for label, pairs_ms in cpu.items():
        ours_cpu = np.array([a for a, _ in pairs_ms])
        nk_cpu = np.array([b for _, b in pairs_ms])
        print(
            f"  {label}: thread CPU ms, corridor update + query median {np.median(ours_cpu):.2f} "
            f"(p95 {np.percentile(ours_cpu, 95):.2f}), networkit setWeight + query median "
            f"{np.median(nk_cpu):.1f}; ratio of medians "
            f"{np.median(nk_cpu) / np.median(ours_cpu):.0f}x, median of per-change ratios "
            f"{np.median(nk_cpu / ours_cpu):.0f}x; per change (ours, answered by): "
            + ", ".join(
                f"{a:.2f} {w}"
                for a, w in sorted(zip(ours_cpu.tolist(), answered[label], strict=True))
            )
        )
    p95 = np.percentile(np.array([x[2] + x[3] for v in rows.values() for x in v]), 95)
    print(f"  corridor update + query p95 over all changes: {p95:.2f} ms")


def bench_matrix2(name: str, net: Network) -> None:
    """50 gathering points x 20 exits under 100 zones, interleaved rounds (CPU time of the
    thread; scipy is single-threaded, as are these corridor calls):
    - corridor cost only (``Metric.many_to_many_costs``): like for like with scipy, which returns
      costs only;
    - corridor cost + time + risk (``Metric.many_to_many``): time and -log survival carried
      through the hierarchy, no route unpacked;
    - the same, every route unpacked into its edges (the way before, same-run A/B);
    - ``route_matrix_nodes``, the API: also builds the cost array from the risk array and
      checks it against the held metric (O(edges) each);
    - scipy ``csgraph.dijkstra`` from the 50 points, and from the 20 exits on the reversed
      graph; the faster of the two is the peer.
    All corridor rows read a metric customised beforehand for this hazard picture (as the
    router holds one); the customisation a new picture costs is printed apart."""
    from scipy.sparse import csr_matrix
    from scipy.sparse.csgraph import dijkstra

    from corridor.hazards import RiskModel
    from corridor.routing._cch import Metric
    from corridor.routing._matrix import route_matrix_nodes

    model = RiskModel(net, _zones(net, 100, seed=SEED + 60), at=datetime(2026, 3, 1, tzinfo=UTC))
    log_risk = risk_to_logs(model.risk, net.n_edges)
    cost = _cost_of(net, model)
    time_e = net.edge_time_s.astype(np.float64)
    rng = np.random.default_rng(SEED + 3)
    points, exits = rng.integers(net.n_nodes, size=50), rng.integers(net.n_nodes, size=20)
    router = router_for(net)
    hierarchy = router.hierarchy
    metric = Metric(hierarchy, cost)  # customised now, in this thread (compiled code loaded)
    c0 = time.thread_time()
    metric = Metric(hierarchy, cost)
    customise_ms = (time.thread_time() - c0) * 1000
    router.many_to_many(cost, points[:1], exits[:1], time_e, log_risk)  # the router's, too
    nkg = _Networkit(net, cost)  # one entry per (source, target): a csr matrix adds duplicates
    w = nkg.pair_weights(cost)
    finite = np.isfinite(w)
    g = csr_matrix(
        (w[finite], (nkg.src[finite].astype(np.int64), nkg.dst[finite].astype(np.int64))),
        shape=(net.n_nodes,) * 2,
    )
    gt = g.T.tocsr()
    engines: dict[str, Callable[[], Any]] = {
        "corridor cost only": lambda: metric.many_to_many_costs(points, exits),
        "corridor cost+time+risk": lambda: metric.many_to_many(points, exits, time_e, log_risk),
        "corridor, routes unpacked (before)": lambda: metric.many_to_many(
            points, exits, time_e, log_risk, unpack=True
        ),
        "route_matrix_nodes (API)": lambda: route_matrix_nodes(
            net, points, exits, risk=model.risk, closed=model.closed
        ),
        "scipy from the 50 points": lambda: dijkstra(g, directed=True, indices=points)[:, exits],
        "scipy from the 20 exits, reversed": lambda: (
            dijkstra(gt, directed=True, indices=exits)[:, points].T
        ),
    }
    for fn in list(engines.values())[:4]:
        fn()  # compiled code loaded
    big = net.n_nodes > 500_000
    rounds = int(os.environ.get("BENCH_ROUTING_MATRIX_ROUNDS", "1" if big else "3" if
                                net.n_nodes > 50_000 else "15"))  # fmt: skip
    cpu: dict[str, list[float]] = {k: [] for k in engines}
    wall: dict[str, list[float]] = {k: [] for k in engines}
    out: dict[str, Any] = {}
    load0 = os.getloadavg()
    for _ in range(rounds):
        for key, fn in engines.items():
            c0, t0 = time.thread_time(), time.perf_counter()
            out[key] = fn()
            wall[key].append((time.perf_counter() - t0) * 1000)
            cpu[key].append((time.thread_time() - c0) * 1000)
    load1 = os.getloadavg()
    ref = out["scipy from the 50 points"]
    only = out["corridor cost only"]
    full = out["corridor cost+time+risk"]
    old = out["corridor, routes unpacked (before)"]
    api = out["route_matrix_nodes (API)"]
    assert np.allclose(only, ref, rtol=1e-9) and np.allclose(out[list(engines)[5]], ref, rtol=1e-9)
    assert np.array_equal(only, full[0]) and np.array_equal(api.cost_s, full[0])
    ok = np.isfinite(ref)
    assert np.allclose(full[1][ok], old[1][ok], rtol=1e-12)  # the same routes' times
    assert np.allclose(full[2][ok], old[2][ok], rtol=1e-12, atol=1e-15)
    med = {k: float(np.median(v)) for k, v in cpu.items()}
    peer = min(med["scipy from the 50 points"], med["scipy from the 20 exits, reversed"])
    print(
        f"\n-- matrix2 {name}: 50 points x 20 exits, 100 zones, {net.n_nodes:,} nodes, "
        f"{hierarchy.n_arcs:,} arcs, {int(ok.sum())} of {ok.size} pairs routed; {rounds} "
        f"interleaved round(s), median thread CPU ms (wall); load {load0[0]:.1f} -> "
        f"{load1[0]:.1f}; customising the hierarchy for this hazard picture: "
        f"{customise_ms:.1f} ms CPU"
    )
    for key in engines:
        print(
            f"  {key:<38} {med[key]:>11.2f} ({float(np.median(wall[key])):>10.2f})  "
            f"scipy's best / this: {peer / med[key]:>8.2f}x",
            flush=True,
        )


def main15() -> None:
    parts = os.environ.get("BENCH_ROUTING_PARTS", "hazards,change,matrix2").split(",")
    for name, load in _networks():
        t0 = time.perf_counter()
        net = load()
        print(f"\n{name} loaded in {time.perf_counter() - t0:.1f} s", flush=True)
        if "hazards" in parts:
            bench_hazards(name, net)
        if "change" in parts and net.n_nodes > 500_000:
            bench_change(net)
        if "matrix2" in parts:
            bench_matrix2(name, net)
        if "choice2" in parts:
            bench_choice2(name, net)
        del net
        gc.collect()


def _inflation_stats(cost: NDArray[np.float64], time_s: NDArray[np.float64]) -> tuple[float, float]:
    """(share of edges costing more than 1.1 x their travel time, capped mean inflation: the
    mean of min(cost / time, INFLATION_CAP)) over all edges, as the per-query rules estimate
    them from a sample."""
    from corridor.routing._engine import INFLATION_CAP

    ratio = np.minimum(cost / np.maximum(time_s, 1e-9), INFLATION_CAP)
    return float(np.mean(cost > 1.1 * time_s)), float(np.mean(ratio))


def bench_choice2(name: str, net: Network) -> None:
    """ALT vs bidirectional Dijkstra as hazard zones spread *and* as their risk weighs more
    (risk weight W from 0.01 to 10 hours): what the two former rules pick (share: ALT unless
    > 30 % of sampled edges are inflated, cost > 1.1 x time; magnitude: ALT unless the capped
    mean inflation passes ``ALT_MAX_INFLATION``) and what ``"auto"`` does now (times both on
    the first ``TRIAL_PAIRS`` pairs of each inflation bucket, then keeps the faster), run
    interleaved with the two methods on the same pairs: its median, its total with the trial
    runs included, and the method it settled on. One router per method and network (the auto
    one as in use: what a bucket learned in one row holds for a later row in the same
    bucket)."""
    from corridor.hazards import RiskModel
    from corridor.routing._engine import ALT_MAX_INFLATED_SHARE, ALT_MAX_INFLATION

    big = net.n_nodes > 50_000
    n_q = 60 if big else 300
    lm = router_for(net).landmarks
    # one router per method: a query first clears what the previous one touched, and after a
    # Dijkstra search on the region that is most of the graph, which ALT should not pay for
    routers = {m: Router(net, landmarks=lm, use_hierarchy=False) for m in ("alt", "dijkstra")}
    router = routers["auto"] = Router(net, landmarks=lm, use_hierarchy=False)
    at = datetime(2026, 3, 1, tzinfo=UTC)
    rng = np.random.default_rng(SEED + 70)
    counts = (30, 150, 600) if big else (3, 10, 40)
    print(f"\n-- {name}: ALT vs Dijkstra by hazard share and weight ({n_q} pairs, median ms)")
    print(
        f"  {'zones':>5} {'W':>5} {'inflated':>8} {'mean infl.':>10} | {'ALT':>8} {'Dijkstra':>8}"
        f" | {'share':>8} {'ms':>7} | {'magnitude':>9} {'ms':>7} | {'timed':>8} {'ms':>7}"
        f" {'total/best':>10} | {'best':>7}"
    )
    totals = dict.fromkeys(("share", "magnitude", "timed", "best"), 0.0)
    sums = dict.fromkeys(("timed", "best"), 0.0)
    for count in counts:
        model = RiskModel(net, _zones(net, count, seed=SEED + 70 + count), at=at)
        log_risk = risk_to_logs(model.risk, net.n_edges)
        for w in (0.01, 0.1, 1.0, 10.0):
            cost = edge_costs(net, log_risk=log_risk, closed=model.closed, risk_weight=w)
            share, infl = _inflation_stats(cost, net.edge_time_s.astype(np.float64))
            pairs = rng.integers(net.n_nodes, size=(n_q, 2))
            times: dict[str, list[float]] = {"alt": [], "dijkstra": [], "auto": []}
            for s, t in pairs.tolist():  # interleaved
                for method, out in times.items():
                    r = routers[method]
                    t0 = time.perf_counter()
                    r.shortest(cost, s, t, method=method)  # type: ignore[arg-type]
                    out.append((time.perf_counter() - t0) * 1000)
            med = {m: float(np.median(v)) for m, v in times.items()}
            old = "alt" if share <= ALT_MAX_INFLATED_SHARE else "dijkstra"
            mag = "alt" if infl <= ALT_MAX_INFLATION else "dijkstra"
            settled = router.choose(cost) or "trial"
            best = min(med["alt"], med["dijkstra"])
            best_sum = min(sum(times["alt"]), sum(times["dijkstra"]))
            totals["share"] += med[old]
            totals["magnitude"] += med[mag]
            totals["timed"] += med["auto"]
            totals["best"] += best
            sums["timed"] += sum(times["auto"])
            sums["best"] += best_sum
            print(
                f"  {count:>5} {w:>5} {share:>8.1%} {infl:>10.2f} | {med['alt']:>8.3f} "
                f"{med['dijkstra']:>8.3f} | {old:>8} {med[old]:>7.3f} | {mag:>9} "
                f"{med[mag]:>7.3f} | {settled:>8} {med['auto']:>7.3f} "
                f"{sum(times['auto']) / best_sum:>10.2f} | {best:>7.3f}",
                flush=True,
            )
    print(
        f"  sum of medians: share rule {totals['share']:.2f} ms, magnitude rule "
        f"{totals['magnitude']:.2f} ms, timed {totals['timed']:.2f} ms, always the faster "
        f"{totals['best']:.2f} ms; all queries, trials included: timed "
        f"{sums['timed']:.1f} ms against {sums['best']:.1f} ms for the faster method of each "
        f"row ({sums['timed'] / sums['best']:.2f}x)"
    )
