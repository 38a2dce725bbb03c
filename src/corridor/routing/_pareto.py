"""Time-versus-risk trade-offs: supported points by weight sweep, the full front by Martins.

Both objectives are additive: travel time and ``-log(1 - r)``. A weighted sum finds only the
*supported* points (the convex hull of the front); a dichotomic sweep over the weight (Aneja
and Nair 1979) finds all of them with one search each. The full non-dominated set needs a
bi-objective label-setting search (Martins 1984). Ours prunes a label when its value plus exact
lower bounds to the target (one backward Dijkstra per objective) is dominated by a label
already at the target, or breaks the risk limit, which keeps it fast on city-size networks.
Above ``MAX_LABELS`` it gives up and the caller falls back to the sweep.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from corridor.routing._engine import Router

F64 = NDArray[np.float64]
I32 = NDArray[np.int32]
MAX_LABELS = 400_000
_EPS = 1e-12


@dataclass(frozen=True)
class Tradeoff:
    """One path with its two objective values (time in seconds, summed -log survival)."""

    time_s: float
    log_risk: float
    edges: I32


def dominates(a: tuple[float, float], b: tuple[float, float]) -> bool:
    return a[0] <= b[0] + _EPS * (1 + abs(b[0])) and a[1] <= b[1] + _EPS


def non_dominated(points: list[Tradeoff]) -> list[Tradeoff]:
    """The Pareto-optimal subset, by increasing time, one path per distinct (time, risk)."""
    out: list[Tradeoff] = []
    best_risk = np.inf
    for p in sorted(points, key=lambda p: (p.time_s, p.log_risk)):
        if p.log_risk < best_risk - _EPS:
            out.append(p)
            best_risk = p.log_risk
    return out


def supported_points(solve: Callable[[float], Tradeoff], *, max_points: int = 32) -> list[Tradeoff]:
    """Dichotomic search over ``w`` (seconds per unit of -log survival) with ``solve(w)``."""
    fastest = solve(0.0)
    safest = solve(1e9)
    found = [fastest, safest]
    stack = [(fastest, safest)]
    while stack and len(found) < max_points:
        a, b = stack.pop()
        if a.log_risk - b.log_risk <= _EPS or b.time_s - a.time_s <= _EPS:
            continue
        w = (b.time_s - a.time_s) / (a.log_risk - b.log_risk)
        c = solve(w)
        line = a.time_s + w * a.log_risk
        if c.time_s + w * c.log_risk < line - 1e-9 * (1 + abs(line)):
            found.append(c)
            stack.extend([(a, c), (c, b)])
    return non_dominated(found)


def martins(
    router: Router,
    s: int,
    t: int,
    *,
    time_s: F64,
    log_risk: F64,
    closed: NDArray[np.bool_],
    max_log_risk: float = np.inf,
    max_labels: int = MAX_LABELS,
) -> list[Tradeoff] | None:
    """All non-dominated (time, risk) paths from s to t, or None if the label budget runs out."""
    net = router.network
    time_c = np.where(closed, np.inf, time_s)
    risk_c = np.where(closed, np.inf, log_risk)
    lb_t, _ = router.one_to_all(time_c, t, backward=True)
    lb_r, _ = router.one_to_all(risk_c, t, backward=True)
    if not np.isfinite(lb_t[s]):
        return []
    indptr, target = net.indptr, net.edge_target
    lab_t: list[float] = [0.0]
    lab_r: list[float] = [0.0]
    lab_node: list[int] = [s]
    lab_prev: list[int] = [-1]
    lab_edge: list[int] = [-1]
    alive: list[bool] = [True]
    at_node: dict[int, list[int]] = {s: [0]}
    at_target: list[int] = []
    heap: list[tuple[float, float, int]] = [(0.0, 0.0, 0)]

    def dominated_at_target(tt: float, rr: float) -> bool:
        return any(dominates((lab_t[j], lab_r[j]), (tt, rr)) for j in at_target)

    while heap:
        tu, ru, i = heapq.heappop(heap)
        if not alive[i]:
            continue
        u = lab_node[i]
        if u == t:
            at_target.append(i)
            continue
        if dominated_at_target(tu + lb_t[u], ru + lb_r[u]):
            continue
        for e in range(int(indptr[u]), int(indptr[u + 1])):
            if closed[e]:
                continue
            v = int(target[e])
            tv, rv = tu + float(time_s[e]), ru + float(log_risk[e])
            if rv + lb_r[v] > max_log_risk + _EPS or not np.isfinite(lb_t[v]):
                continue
            if dominated_at_target(tv + lb_t[v], rv + lb_r[v]):
                continue
            labels = at_node.setdefault(v, [])
            if any(dominates((lab_t[j], lab_r[j]), (tv, rv)) for j in labels):
                continue
            keep = []
            for j in labels:
                if dominates((tv, rv), (lab_t[j], lab_r[j])):
                    alive[j] = False
                else:
                    keep.append(j)
            new = len(lab_t)
            if new >= max_labels:
                return None
            lab_t.append(tv)
            lab_r.append(rv)
            lab_node.append(v)
            lab_prev.append(i)
            lab_edge.append(e)
            alive.append(True)
            keep.append(new)
            at_node[v] = keep
            heapq.heappush(heap, (tv, rv, new))

    out = []
    for i in at_target:
        if not alive[i]:
            continue
        edges = []
        j = i
        while lab_prev[j] >= 0:
            edges.append(lab_edge[j])
            j = lab_prev[j]
        out.append(Tradeoff(lab_t[i], lab_r[i], np.asarray(edges[::-1], dtype=np.int32)))
    return non_dominated(out)


def combine_legs(fronts: list[list[Tradeoff]], *, cap: int = 200) -> list[Tradeoff]:
    """Front of a route through via points: non-dominated sums of one path per leg."""
    combined = fronts[0]
    for front in fronts[1:]:
        sums = [
            Tradeoff(
                a.time_s + b.time_s, a.log_risk + b.log_risk, np.concatenate([a.edges, b.edges])
            )
            for a in combined
            for b in front
        ]
        combined = non_dominated(sums)[:cap]
    return combined
