"""Alternatives that really differ: the penalty method with an overlap and a stretch limit.

Each round raises the cost of the edges the routes found so far use (both directions of the
road, so a route cannot just drive the other carriageway) and searches again. A candidate is
kept when it shares at most ``max_overlap`` of its length with every kept route and its true
cost is at most ``max_stretch`` times the best (bounded stretch; Abraham et al. 2013).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from numpy.typing import NDArray

from corridor.network import Network
from corridor.routing._model import Route

F64 = NDArray[np.float64]
I32 = NDArray[np.int32]
PENALTY_FACTOR = 1.5  # cost multiplier per round an edge was used


def overlap_share(network: Network, a: I32, b: I32) -> float:
    """Share of route ``a``'s length on roads (segments) that route ``b`` also uses."""
    length = network.edge_length_m[a].astype(np.float64)
    total = float(length.sum())
    if total <= 0:
        return 1.0
    shared = np.isin(network.edge_segment[a], network.edge_segment[b])
    return float(length[shared].sum() / total)


def penalty_alternatives(
    network: Network,
    best: Route,
    base_cost: F64,
    solve: Callable[[F64], I32 | None],
    make: Callable[[I32], Route],
    *,
    count: int,
    max_overlap: float,
    max_stretch: float,
    max_rounds: int | None = None,
) -> list[Route]:
    """Up to ``count`` alternatives to ``best``; ``solve(cost)`` returns the edges of a route."""
    kept = [best]
    cost = base_cost.copy()
    seg_to_penalise = network.edge_segment
    rounds = max_rounds if max_rounds is not None else 4 * count + 4
    seen: set[bytes] = {best.edges.tobytes()}
    last = best.edges
    for _ in range(rounds):
        if len(kept) > count:
            break
        used = np.isin(seg_to_penalise, seg_to_penalise[last])
        finite = np.isfinite(cost)
        cost[used & finite] *= PENALTY_FACTOR
        edges = solve(cost)
        if edges is None:
            break
        last = edges
        key = edges.tobytes()
        if key in seen:
            continue
        seen.add(key)
        candidate = make(edges)
        if candidate.cost_s > max_stretch * best.cost_s + 1e-9:
            continue
        if all(overlap_share(network, edges, r.edges) <= max_overlap for r in kept):
            kept.append(candidate)
    return [
        Route(r.edges, r.time_s, r.length_m, r.log_risk, r.cost_s, kind="alternative")
        for r in kept[1:]
    ]
