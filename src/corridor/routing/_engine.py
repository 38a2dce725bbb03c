"""The query engine: one reusable workspace per network, exact point-to-point searches.

``Router.shortest`` runs bidirectional Dijkstra or bidirectional ALT (A* with landmark bounds)
over the network's CSR arrays with any per-edge cost array (``inf`` = closed). Which one runs is
chosen per query (``method="auto"``): ALT settles far fewer nodes on large networks, but when
hazards inflate most edge costs its time-only bounds get loose and plain bidirectional
Dijkstra wins (measured in ``benchmarks/bench_routing.py``).
"""

from __future__ import annotations

import threading
import weakref
from dataclasses import dataclass
from typing import Literal

import numpy as np
from numpy.typing import NDArray

from corridor.network import Network
from corridor.routing import _kernels as k
from corridor.routing import _query as q
from corridor.routing._landmarks import Landmarks, compute_landmarks

Method = Literal["auto", "dijkstra", "alt"]
F64 = NDArray[np.float64]
I32 = NDArray[np.int32]

# Measured (benchmarks/bench_routing.py, interleaved): without hazards ALT is ~2.5x faster than
# bidirectional Dijkstra on the ~800-node OSM towns and ~11x on the 1.4M-edge grid; with many
# edges inflated its time-only bounds get loose and it is ~2x slower (towns from ~80 % inflated,
# the grid from ~41 %), while at 23 % on the grid it is still ~2.3x faster.
SAMPLE_EDGES = 512  # the share is estimated to about +-2 points around 30 %
# Above this share of edges with inflated cost (risk or closure), bounds are too loose for ALT.
ALT_MAX_INFLATED_SHARE = 0.3


@dataclass(frozen=True)
class PathResult:
    cost: float
    edges: I32
    settled: int
    method: str


class Router:
    """Exact shortest paths over one network with reusable work arrays (not re-entrant: locked)."""

    def __init__(self, network: Network, *, landmarks: Landmarks | None = None) -> None:
        n, m = network.n_nodes, network.n_edges
        # a weak reference: router_for caches routers in a WeakKeyDictionary keyed by the
        # network, and a strong one here would keep every network alive for ever
        self._network = weakref.ref(network)
        self._landmarks = landmarks
        # a fixed sample of edges estimates the inflated share in O(1) per query
        rng = np.random.default_rng(0)
        self._sample = np.sort(rng.choice(m, size=min(m, SAMPLE_EDGES), replace=False))
        self._sample_time = network.edge_time_s[self._sample] * 1.1
        # the static graph packed in one array, the work arrays in two, so that a query passes
        # few arrays to the compiled entry point (each array argument costs a type check)
        self._graph = q.pack_graph(network, self._sample)
        self.indptr, self.nbr, self.eid, self.rindptr, self.rnbr, self.reid, self.source = (
            q.graph_views(self._graph)
        )
        self._floats, self._ints = q.work_arrays(n, m, self._sample_time)
        self._lock = threading.Lock()
        self._no_lm = np.zeros((1, 1), np.float32)

    @property
    def network(self) -> Network:
        network = self._network()
        if network is None:
            raise ReferenceError("the router's network no longer exists")
        return network

    @property
    def landmarks(self) -> Landmarks:
        if self._landmarks is None:
            self._landmarks = compute_landmarks(self.network)
        return self._landmarks

    def choose(self, cost: F64) -> Literal["dijkstra", "alt"]:
        """ALT unless hazards inflate most edges (see module doc); ``shortest`` applies the same
        rule inside the compiled query."""
        if self._sample.size == 0:
            return "alt"
        share = float(np.count_nonzero(cost[self._sample] > self._sample_time) / self._sample.size)
        return "alt" if share <= ALT_MAX_INFLATED_SHARE else "dijkstra"

    def shortest(self, cost: F64, s: int, t: int, *, method: Method = "auto") -> PathResult:
        """Least-cost path from node ``s`` to node ``t``; cost ``inf`` and no edges if none."""
        if method == "dijkstra":
            mode, lm_from, lm_to = q.DIJKSTRA, self._no_lm, self._no_lm
        else:
            lm = self.landmarks
            mode, lm_from, lm_to = (q.ALT if method == "alt" else q.AUTO), lm.dist_from, lm.dist_to
        with self._lock:
            mu, edges, settled, chosen = k.query(
                self._graph,
                cost,
                lm_from,
                lm_to,
                self._floats,
                self._ints,
                s,
                t,
                mode,
                ALT_MAX_INFLATED_SHARE,
            )
        return PathResult(mu, edges, settled, "alt" if chosen == q.ALT else "dijkstra")

    def one_to_all(self, cost: F64, source: int, *, backward: bool = False) -> tuple[F64, I32]:
        """Distances (and predecessor edges) from ``source``, or to it when ``backward``."""
        n, m = self.network.n_nodes, self.network.n_edges
        dist = np.full(n, np.inf)
        pred = np.full(n, -1, np.int32)
        hkey, hval = np.empty(m + 2), np.empty(m + 2, np.int32)
        if backward:
            k.one_to_all(self.rindptr, self.rnbr, self.reid, cost, source, dist, pred, hkey, hval)
        else:
            k.one_to_all(self.indptr, self.nbr, self.eid, cost, source, dist, pred, hkey, hval)
        return dist, pred

    def reachable(
        self, closed: NDArray[np.bool_], source: int, *, backward: bool = False
    ) -> NDArray[np.bool_]:
        """Nodes reachable from ``source`` (or that reach it) over edges that are not closed."""
        n = self.network.n_nodes
        seen = np.zeros(n, np.bool_)
        stack = np.empty(max(n, self.network.n_edges) + 1, np.int32)
        if backward:
            k.reachable(self.rindptr, self.rnbr, self.reid, closed, source, seen, stack)
        else:
            k.reachable(self.indptr, self.nbr, self.eid, closed, source, seen, stack)
        return seen


_ROUTERS: weakref.WeakKeyDictionary[Network, Router] = weakref.WeakKeyDictionary()
_ROUTERS_LOCK = threading.Lock()


def router_for(network: Network, *, landmarks: Landmarks | None = None) -> Router:
    """The cached Router of ``network`` (landmarks computed lazily when first needed)."""
    with _ROUTERS_LOCK:
        router = _ROUTERS.get(network)
        if router is None:
            router = Router(network, landmarks=landmarks)
            _ROUTERS[network] = router
        elif landmarks is not None and router._landmarks is None:
            router._landmarks = landmarks
        return router
