"""Routing one sample after another on a worker: two customised metrics brought up to date on
the edges that changed, instead of fresh cost arrays and O(edges) passes per sample.

The plain path (:func:`corridor.ensembles._job.route_sample`) builds, per sample, the per-edge
``-log(1 - r)`` and two cost arrays over every edge, and hands them to the router, which
compares each with the metric it holds (another pass over every edge) before re-customising.
On the million-edge networks of a region that is a dozen passes over millions of edges for
a sample whose hazards touch a few thousand; and the hierarchy's router, seeing a large change
on a large network, re-customises in the background and answers meanwhile by a slower search.

Here a worker keeps, per network and risk weight, the two cost arrays (the scenario's weight
and the safest route's) and their two :class:`corridor.routing.Metric` objects, customised
once. A sample's hazards write risk and closures on the edges in ``touched``; the edges whose
cost may differ from the previous sample are the union of its ``touched`` and the previous
one's, and only those are rewritten (with ``routing.update_costs``, the same float operations
as ``edge_costs``) and re-customised (``Metric.update``: the arcs above them only).

Then only the costs of the [G, E] routes, by meeting the upward searches in the hierarchy
(routing's :meth:`corridor.routing.Metric.many_to_many_costs`), without unpacking each route
into its roads (routing's matrix unpacks all of them to sum time and risk: ~0.3 ms a route on
a million-node region, most of a sample). A route whose cost equals its hazard-free cost
(the same bits) is the hazard-free route: it carries no risk (every risk adds to the cost
when the risk weight is positive), so its time is the one computed once for the job. Only
the other routes (those the hazards reach) are unpacked, one point-to-point query each.
Likewise a gathering point whose safest costs equal the hazard-free ones keeps its
hazard-free safest route. With a risk weight of 0 costs say nothing of risk, and every route
is unpacked. ``tests/ensembles/test_route.py``
checks every sample's outcome against the plain path.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from corridor.network import Network
from corridor.routing import (
    SAFEST_RISK_WEIGHT,
    Metric,
    edge_costs,
    router_for,
    update_costs,
)

F64 = NDArray[np.float64]
I64 = NDArray[np.int64]
#: Above one route in this many reached by the hazards, all routes are unpacked by one
#: matrix query instead of one query each (measured: the matrix unpacks a route for ~0.4 of
#: a point-to-point query on the region, and the per-query Python overhead dominates on towns)
UNPACK_ALL_SHARE = 4
#: routing's clamp of an open edge's risk (``-log(1 - r)`` stays finite)
_MAX_OPEN_RISK = 1.0 - 1e-9


@dataclass(frozen=True)
class Routed:
    """One sample's routes: [G, E] time (inf = no open route) and risk of the best route, and
    the segments of each gathering point's safest route (to its safest exit)."""

    time_s: F64
    risk: F64
    safest_segments: I64


class SampleRouter:
    """The two metrics of one network, risk weight and set of places, following the samples
    a worker runs.

    Invariant: both metrics (and ``log_risk``) hold the costs of the last sample routed, which
    differ from the hazard-free costs only on ``self._last`` (that sample's touched edges).
    Not re-entrant: a lock serialises samples.
    """

    def __init__(self, network: Network, risk_weight: float, origins: I64, exits: I64) -> None:
        m = network.n_edges
        self.network = network
        self.risk_weight = risk_weight
        self.origins = np.asarray(origins, dtype=np.int64).copy()
        self.exits = np.asarray(exits, dtype=np.int64).copy()
        self.hierarchy = router_for(network).hierarchy
        no_risk = np.zeros(m)
        open_ = np.zeros(m, dtype=np.bool_)
        self.time_e: F64 = network.edge_time_s.astype(np.float64)
        self.log_risk: F64 = np.zeros(m)
        self.cost_best = edge_costs(
            network, log_risk=no_risk, closed=open_, risk_weight=risk_weight
        )
        self.cost_safe = edge_costs(
            network, log_risk=no_risk, closed=open_, risk_weight=SAFEST_RISK_WEIGHT
        )
        # no travel-time floor: every change is re-customised now, in this thread (a worker
        # runs one sample at a time; a background customisation would only add a wait)
        self.best = Metric(self.hierarchy, self.cost_best)
        self.safe = Metric(self.hierarchy, self.cost_safe)
        self._last: I64 = np.zeros(0, np.int64)
        self._lock = threading.Lock()
        # the hazard-free answers, once
        self._base_best = self._meet(self.best)
        self._base_safe = self._meet(self.safe)
        _, self._base_time, _ = self.best.many_to_many(
            self.origins, self.exits, self.time_e, self.log_risk
        )
        self._base_paths = [self._safest_path(g, self._base_safe[g]) for g in range(len(origins))]
        self.samples = 0
        #: routes unpacked one by one because the hazards reached them (the rest reused)
        self.unpacked = 0

    def _meet(self, metric: Metric) -> F64:
        return metric.many_to_many_costs(self.origins, self.exits)

    def _safest_path(self, g: int, row: F64) -> NDArray[np.int32] | None:
        """The safest route's edges from gathering point ``g`` to its safest exit."""
        if not np.isfinite(row).any():
            return None
        e = int(np.argmin(row))
        _, path, _ = self.safe.shortest(int(self.origins[g]), int(self.exits[e]))
        return np.asarray(path, dtype=np.int32)

    def route(self, risk: F64, closed: NDArray[np.bool_], touched: NDArray[np.integer]) -> Routed:
        """Route every origin to every exit under this sample's ``risk``/``closed``, which
        are zero/False outside ``touched``."""
        with self._lock:
            now = np.unique(np.asarray(touched, dtype=np.int64))
            changed = np.union1d(self._last, now)
            if changed.size:
                r = np.minimum(risk[changed], _MAX_OPEN_RISK)
                self.log_risk[changed] = -np.log1p(-r)
                net = self.network
                update_costs(
                    self.cost_best, net, changed, risk=risk, closed=closed,
                    risk_weight=self.risk_weight,
                )  # fmt: skip
                update_costs(
                    self.cost_safe, net, changed, risk=risk, closed=closed,
                    risk_weight=SAFEST_RISK_WEIGHT,
                )  # fmt: skip
                self.best.update(changed, self.cost_best)
                self.safe.update(changed, self.cost_safe)
            self._last = now
            self.samples += 1
            cost = self._meet(self.best)
            reachable = np.isfinite(cost)
            time_s = np.where(reachable, self._base_time, np.inf)
            log_sum = np.zeros_like(cost)
            # hazard-free routes (same cost, same bits) keep the hazard-free time, risk 0
            redo = reachable & (cost != self._base_best if self.risk_weight > 0 else True)
            n_redo = int(redo.sum())
            self.unpacked += n_redo
            if n_redo > max(4, redo.size // UNPACK_ALL_SHARE):
                # most routes changed (a town under many hazards): one matrix unpacking all
                # of them costs less than a query each
                _, time_all, log_all = self.best.many_to_many(
                    self.origins, self.exits, self.time_e, self.log_risk
                )
                time_s = np.where(reachable, time_all, np.inf)
                log_sum = np.where(reachable, log_all, 0.0)
                redo[:] = False
            for i, j in zip(*np.nonzero(redo), strict=True):
                _, path, _ = self.best.shortest(int(self.origins[i]), int(self.exits[j]))
                # sequential sums along the route, as routing's matrix adds them
                time_s[i, j] = np.cumsum(self.time_e[path])[-1] if path.size else 0.0
                log_sum[i, j] = np.cumsum(self.log_risk[path])[-1] if path.size else 0.0
            safe_cost = self._meet(self.safe)
            edges: list[NDArray[np.int32]] = []
            for g in range(self.origins.shape[0]):
                row = safe_cost[g]
                base = self._base_paths[g]
                path_g = (
                    base
                    if base is not None and np.array_equal(row, self._base_safe[g])
                    else self._safest_path(g, row)
                )
                if path_g is not None:
                    edges.append(path_g)
        seg = (
            np.unique(self.network.edge_segment[np.concatenate(edges)]).astype(np.int64)
            if edges
            else np.zeros(0, np.int64)
        )
        return Routed(time_s, -np.expm1(-log_sum), seg)


_ROUTERS: dict[tuple[int, float, bytes, bytes], SampleRouter] = {}
_ROUTERS_LOCK = threading.Lock()


def sample_router(network: Network, risk_weight: float, origins: I64, exits: I64) -> SampleRouter:
    """This process's router for ``network`` at ``risk_weight`` between these places (one
    at a time: a worker that moves on to another job drops the old metrics)."""
    o = np.asarray(origins, dtype=np.int64)
    x = np.asarray(exits, dtype=np.int64)
    key = (id(network), float(risk_weight), o.tobytes(), x.tobytes())
    with _ROUTERS_LOCK:
        found = _ROUTERS.get(key)
        if found is None or found.network is not network:
            _ROUTERS.clear()
            found = SampleRouter(network, risk_weight, o, x)
            _ROUTERS[key] = found
        return found
