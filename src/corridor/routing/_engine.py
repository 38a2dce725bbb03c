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
from corridor.routing._landmarks import Landmarks, compute_landmarks

Method = Literal["auto", "dijkstra", "alt"]
F64 = NDArray[np.float64]
I32 = NDArray[np.int32]

# Measured (benchmarks/bench_routing.py, interleaved): on the ~800-node OSM towns bidirectional
# Dijkstra is as fast or faster than ALT at any hazard cover; on the 1.4M-edge grid ALT is ~11x
# faster without hazards and ~2.3x with 23 % of edges inflated, but ~2x slower from 41 % on.
ALT_MIN_NODES = 5_000
# Above this share of edges with inflated cost (risk or closure), bounds are too loose for ALT.
ALT_MAX_INFLATED_SHARE = 0.3
ACTIVE_LANDMARKS = 6


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
        self.indptr = np.ascontiguousarray(network.indptr)
        self.nbr = np.ascontiguousarray(network.edge_target)
        self.eid = np.arange(m, dtype=np.int32)
        self.rindptr = np.ascontiguousarray(network.rev_indptr)
        self.reid = np.ascontiguousarray(network.rev_edges)
        self.rnbr = np.ascontiguousarray(network.edge_source[self.reid])
        self.source = np.ascontiguousarray(network.edge_source)
        self.dist_f = np.full(n, np.inf)
        self.dist_b = np.full(n, np.inf)
        self.pred_f = np.full(n, -1, np.int32)
        self.pred_b = np.full(n, -1, np.int32)
        self.pot = np.full(n, np.nan)
        self.touched_f = np.empty(n, np.int32)
        self.touched_b = np.empty(n, np.int32)
        self.n_touched = np.zeros(2, np.int64)
        cap = m + 2
        self.hkey_f, self.hval_f = np.empty(cap), np.empty(cap, np.int32)
        self.hkey_b, self.hval_b = np.empty(cap), np.empty(cap, np.int32)
        self._lock = threading.Lock()
        self._no_lm = np.zeros((1, 1), np.float32)
        self._no_active = np.zeros(0, np.int64)
        # a fixed sample of edges estimates the inflated share in O(1) per query
        rng = np.random.default_rng(0)
        self._sample = (
            np.sort(rng.choice(m, size=min(m, 4096), replace=False)) if m else np.zeros(1, np.int64)
        )
        self._sample_time = network.edge_time_s[self._sample] * 1.1 if m else np.zeros(1)

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
        """ALT unless the network is small or hazards inflate most edges (see module doc)."""
        if self.network.n_nodes < ALT_MIN_NODES:
            return "dijkstra"
        share = float(np.count_nonzero(cost[self._sample] > self._sample_time) / self._sample.size)
        return "alt" if share <= ALT_MAX_INFLATED_SHARE else "dijkstra"

    def _active(self, s: int, t: int) -> NDArray[np.int64]:
        """Landmarks with the tightest bound on d(s, t) (Goldberg et al.: a few suffice)."""
        lm = self.landmarks
        a = lm.dist_to[s].astype(np.float64) - lm.dist_to[t]
        b = lm.dist_from[t].astype(np.float64) - lm.dist_from[s]
        with np.errstate(invalid="ignore"):
            bound = np.nan_to_num(np.maximum(a, b), nan=-np.inf)
        order = np.argsort(-bound, kind="stable")
        return np.ascontiguousarray(order[: min(ACTIVE_LANDMARKS, order.shape[0])])

    def shortest(self, cost: F64, s: int, t: int, *, method: Method = "auto") -> PathResult:
        """Least-cost path from node ``s`` to node ``t``; cost ``inf`` and no edges if none."""
        chosen = self.choose(cost) if method == "auto" else method
        with self._lock:
            if chosen == "alt":
                lm = self.landmarks
                lm_from, lm_to, active = lm.dist_from, lm.dist_to, self._active(s, t)
            else:
                lm_from, lm_to, active = self._no_lm, self._no_lm, self._no_active
            mu, edges, settled = k.query(
                self.indptr,
                self.nbr,
                self.eid,
                self.rindptr,
                self.rnbr,
                self.reid,
                cost,
                self.source,
                s,
                t,
                self.dist_f,
                self.dist_b,
                self.pred_f,
                self.pred_b,
                self.touched_f,
                self.touched_b,
                self.pot,
                self.n_touched,
                self.hkey_f,
                self.hval_f,
                self.hkey_b,
                self.hval_b,
                lm_from,
                lm_to,
                active,
                chosen == "alt",
            )
        return PathResult(mu, edges, settled, chosen)

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
