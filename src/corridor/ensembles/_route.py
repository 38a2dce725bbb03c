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
as ``edge_costs``) and re-customised (``Metric.update``: the arcs above them only). Then one
many-to-many query per metric, and one point-to-point query per gathering point on the safest
metric for its safest route's roads. ``tests/ensembles/test_route.py`` checks every sample's
outcome against the plain path.
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
    """The two metrics of one network and risk weight, following the samples a worker runs.

    Invariant: both metrics (and ``log_risk``) hold the costs of the last sample routed, which
    differ from the hazard-free costs only on ``self._last`` (that sample's touched edges).
    Not re-entrant: a lock serialises samples.
    """

    def __init__(self, network: Network, risk_weight: float) -> None:
        m = network.n_edges
        self.network = network
        self.risk_weight = risk_weight
        hierarchy = router_for(network).hierarchy
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
        self.best = Metric(hierarchy, self.cost_best)
        self.safe = Metric(hierarchy, self.cost_safe)
        self._last: I64 = np.zeros(0, np.int64)
        self._lock = threading.Lock()
        self.samples = 0

    def route(
        self,
        risk: F64,
        closed: NDArray[np.bool_],
        touched: NDArray[np.integer],
        origins: I64,
        exits: I64,
    ) -> Routed:
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
            cost, time_s, log_sum = self.best.many_to_many(
                origins, exits, self.time_e, self.log_risk
            )
            safe_cost, _, _ = self.safe.many_to_many(origins, exits, self.time_e, self.log_risk)
            edges: list[NDArray[np.int32]] = []
            for g in range(origins.shape[0]):
                row = safe_cost[g]
                if not np.isfinite(row).any():
                    continue
                e = int(np.argmin(row))
                _, path, _ = self.safe.shortest(int(origins[g]), int(exits[e]))
                edges.append(np.asarray(path, dtype=np.int32))
        seg = (
            np.unique(self.network.edge_segment[np.concatenate(edges)]).astype(np.int64)
            if edges
            else np.zeros(0, np.int64)
        )
        time_out = np.where(np.isfinite(cost), time_s, np.inf)
        return Routed(time_out, -np.expm1(-log_sum), seg)


_ROUTERS: dict[tuple[int, float], SampleRouter] = {}
_ROUTERS_LOCK = threading.Lock()


def sample_router(network: Network, risk_weight: float) -> SampleRouter:
    """This process's router for ``network`` at ``risk_weight`` (one network at a time: a
    worker moves on to another network, and the old metrics are dropped)."""
    key = (id(network), float(risk_weight))
    with _ROUTERS_LOCK:
        found = _ROUTERS.get(key)
        if found is None or found.network is not network:
            if any(r.network is not network for r in _ROUTERS.values()):
                _ROUTERS.clear()
            found = SampleRouter(network, risk_weight)
            _ROUTERS[key] = found
        return found
