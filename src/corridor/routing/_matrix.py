"""Many-to-many travel times and risks (gathering points to exits) in one call.

With the router's contraction hierarchy (``_cch``): each destination's downward elimination-
tree chain is searched once and kept, each origin's upward chain once, and every pair meets
over the two chains. No route is unpacked: travel time and -log survival are carried per arc
(along the lower triangle that gave its cost) and through the searches, so a pair costs a
scan of one chain, not a point query; the sums are those of the route a point query returns.
Without a hierarchy: a full Dijkstra per origin (origins spread over the cores) and sums along
each tree path. Measured against ``scipy.sparse.csgraph.dijkstra(indices=...)`` (from the
origins, and from the destinations on the reversed graph) in ``benchmarks/bench_routing.py``
(``BENCH_ROUTING_PARTS=matrix2``); both also return the per-path risk, which scipy cannot.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from corridor.errors import SnapError
from corridor.network import Network, snap_many
from corridor.routing import _kernels as k
from corridor.routing._cost import (
    DEFAULT_RISK_WEIGHT,
    closed_mask,
    edge_costs,
    risk_to_logs,
)
from corridor.routing._engine import router_for

F64 = NDArray[np.float64]
LatLon = tuple[float, float]


@dataclass(frozen=True)
class RouteMatrix:
    """``[i, j]`` is from origin i to destination j along the least-cost route; inf = no route."""

    origin_nodes: NDArray[np.int64]
    destination_nodes: NDArray[np.int64]
    cost_s: F64
    time_s: F64
    risk: F64


def _nodes(
    network: Network, points: Sequence[LatLon], role: str, max_m: float
) -> NDArray[np.int64]:
    arr = np.asarray(points, dtype=np.float64).reshape(-1, 2)
    snaps = snap_many(network, arr[:, 0], arr[:, 1], max_distance_m=max_m)
    if not snaps.ok.all():
        bad = int(np.flatnonzero(~snaps.ok)[0])
        raise SnapError(
            f"{role} {bad} is {snaps.distance_m[bad]:,.0f} m from the nearest road "
            f"(limit {max_m:,.0f} m)",
            item=f"{role} {bad}",
        )
    return snaps.node.astype(np.int64)


def route_matrix(
    network: Network,
    origins: Sequence[LatLon],
    destinations: Sequence[LatLon],
    *,
    risk: NDArray[np.floating] | None = None,
    closed: NDArray[np.bool_] | None = None,
    risk_weight: float = DEFAULT_RISK_WEIGHT,
    snap_max_m: float = 2000.0,
) -> RouteMatrix:
    """Times and risks from every origin to every destination (both (lat, lon) sequences)."""
    return route_matrix_nodes(
        network,
        _nodes(network, origins, "origin", snap_max_m),
        _nodes(network, destinations, "destination", snap_max_m),
        risk=risk,
        closed=closed,
        risk_weight=risk_weight,
    )


def route_matrix_nodes(
    network: Network,
    origins: NDArray[np.integer],
    destinations: NDArray[np.integer],
    *,
    risk: NDArray[np.floating] | None = None,
    closed: NDArray[np.bool_] | None = None,
    risk_weight: float = DEFAULT_RISK_WEIGHT,
) -> RouteMatrix:
    """As :func:`route_matrix`, for graph nodes."""
    m = network.n_edges
    log_risk = risk_to_logs(risk, m)
    cost = edge_costs(
        network, log_risk=log_risk, closed=closed_mask(closed, m), risk_weight=risk_weight
    )
    router = router_for(network)
    src = np.asarray(origins, dtype=np.int64)
    dst = np.ascontiguousarray(destinations, dtype=np.int64)
    time_e = network.edge_time_s.astype(np.float64)
    if router.uses_hierarchy():
        out_cost, out_time, out_log = router.many_to_many(cost, src, dst, time_e, log_risk)
        return RouteMatrix(src, dst, out_cost, out_time, -np.expm1(-out_log))
    shape = (src.shape[0], dst.shape[0])
    out_cost, out_time, out_log = np.empty(shape), np.empty(shape), np.empty(shape)
    k.many_to_many(
        router.indptr,
        router.nbr,
        router.eid,
        cost,
        router.source,
        src,
        dst,
        time_e,
        log_risk,
        out_cost,
        out_time,
        out_log,
    )
    return RouteMatrix(src, dst, out_cost, out_time, -np.expm1(-out_log))
