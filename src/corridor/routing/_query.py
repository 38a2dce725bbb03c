# ruff: noqa: PLR0917  (numba kernels take flat positional arrays; keywords do not compile)
"""One compiled entry point per point-to-point query, with few arguments.

On an ~800-node town a whole query is a few microseconds of search, so the Python-side cost of a
call matters: numba type-checks and unboxes every array argument on every call. The router
therefore packs its static graph into one int32 array and its work arrays into one float64 and
one int32 array (``pack_graph``/``work_arrays``), and ``query`` resets the previous query's
touched nodes, picks the active landmarks, searches and unpacks the path in one call.

Packed layouts (``n`` nodes, ``m`` edges, ``cap = m + 2`` heap slots):

- graph (int32): ``[n, m, k, indptr (n+1), nbr (m), eid (m), rindptr (n+1), rnbr (m), reid (m),
  source (m), sample (k)]``;
- floats (float64): ``[dist_f (n), dist_b (n), pot (n), hkey_f (cap), hkey_b (cap),
  sample_limit (k)]``;
- ints (int32): ``[n_touched_f, n_touched_b, pred_f (n), pred_b (n), touched_f (n),
  touched_b (n), hval_f (cap), hval_b (cap), active (ACTIVE_LANDMARKS)]``.
"""

from __future__ import annotations

import itertools

import numpy as np
from numba import njit
from numpy.typing import NDArray

from corridor.routing._kernels import INF, bidirectional, reset, unpack_path

HEAD = 3  # n, m and the sample size at the start of graph; touched counts at the start of ints
DIJKSTRA, ALT, AUTO = 0, 1, 2  # the ``mode`` of ``query`` (and what it returns as chosen)
ACTIVE_LANDMARKS = 6  # landmarks used per ALT query


def pack_graph(
    indptr: NDArray[np.int32],
    nbr: NDArray[np.int32],
    rindptr: NDArray[np.int32],
    rnbr: NDArray[np.int32],
    reid: NDArray[np.int32],
    source: NDArray[np.int32],
    sample: NDArray[np.int64],
) -> NDArray[np.int32]:
    """The static graph in one array (the forward edge ids are the identity), and the edge
    sample whose inflated share decides between ALT and Dijkstra."""
    n, m = indptr.shape[0] - 1, nbr.shape[0]
    eid = np.arange(m, dtype=np.int32)
    head = np.array([n, m, sample.shape[0]])
    parts = (head, indptr, nbr, eid, rindptr, rnbr, reid, source, sample)
    return np.concatenate([np.asarray(p, dtype=np.int32) for p in parts])


def graph_views(graph: NDArray[np.int32]) -> tuple[NDArray[np.int32], ...]:
    """``(indptr, nbr, eid, rindptr, rnbr, reid, source)`` as views into ``graph``."""
    n, m = int(graph[0]), int(graph[1])
    sizes = (n + 1, m, m, n + 1, m, m, m)  # the sample follows
    bounds = np.cumsum((HEAD, *sizes))
    return tuple(graph[a:b] for a, b in itertools.pairwise(bounds.tolist()))


def work_arrays(
    n: int, m: int, sample_limit: NDArray[np.floating]
) -> tuple[NDArray[np.float64], NDArray[np.int32]]:
    """Fresh work arrays: distances infinite, predecessors -1, potentials not yet computed;
    the sampled edges' cost limits (above which an edge counts as inflated) at the end."""
    cap = m + 2
    floats = np.empty(3 * n + 2 * cap + sample_limit.shape[0])
    floats[: 2 * n] = np.inf
    floats[2 * n : 3 * n] = np.nan
    floats[3 * n + 2 * cap :] = sample_limit
    ints = np.zeros(HEAD + 4 * n + 2 * cap + ACTIVE_LANDMARKS, np.int32)
    ints[HEAD : HEAD + 2 * n] = -1
    return floats, ints


@njit(cache=True)
def _choose_active(lm_from, lm_to, s, t, active):  # type: ignore[no-untyped-def]
    """The landmarks with the tightest bound on d(s, t), best first (Goldberg et al.: a few
    suffice); ties go to the lower index, NaN bounds (unreachable landmarks) count as -inf.
    Returns how many were written to ``active``."""
    count = lm_from.shape[1]
    bound = np.empty(count)
    for a in range(count):
        x = np.float64(lm_to[s, a]) - np.float64(lm_to[t, a])
        y = np.float64(lm_from[t, a]) - np.float64(lm_from[s, a])
        b = max(x, y)
        bound[a] = -INF if np.isnan(b) else b
    k = min(count, active.shape[0])
    for i in range(k):
        best = -1
        for a in range(count):
            if not np.isnan(bound[a]) and (best < 0 or bound[a] > bound[best]):
                best = a
        active[i] = best
        bound[best] = np.nan  # taken
    return k


@njit(cache=True, inline="always")
def _inflated_share(cost, sample, limit):  # type: ignore[no-untyped-def]
    if sample.shape[0] == 0:
        return 0.0
    count = 0
    for i in range(sample.shape[0]):
        if cost[sample[i]] > limit[i]:
            count += 1
    return count / sample.shape[0]


@njit(cache=True)
def query(graph, cost, lm_from, lm_to, floats, ints, s, t, mode, max_inflated):  # type: ignore[no-untyped-def]
    """Reset the previous query's work, search, unpack. ``mode`` AUTO picks ALT unless more than
    ``max_inflated`` of the sampled edges cost more than their limit (then Dijkstra).

    Returns (cost, edge ids, settled, ALT or DIJKSTRA); cost inf and no edges when t is
    unreachable.
    """
    n = graph[0]
    m = graph[1]
    k_sample = graph[2]
    cap = m + 2
    o = HEAD
    indptr = graph[o : o + n + 1]
    o += n + 1
    nbr = graph[o : o + m]
    o += m
    eid = graph[o : o + m]
    o += m
    rindptr = graph[o : o + n + 1]
    o += n + 1
    rnbr = graph[o : o + m]
    o += m
    reid = graph[o : o + m]
    o += m
    source = graph[o : o + m]
    o += m
    sample = graph[o : o + k_sample]
    dist_f = floats[0:n]
    dist_b = floats[n : 2 * n]
    pot = floats[2 * n : 3 * n]
    hkey_f = floats[3 * n : 3 * n + cap]
    hkey_b = floats[3 * n + cap : 3 * n + 2 * cap]
    limit = floats[3 * n + 2 * cap :]
    o = HEAD
    pred_f = ints[o : o + n]
    pred_b = ints[o + n : o + 2 * n]
    touched_f = ints[o + 2 * n : o + 3 * n]
    touched_b = ints[o + 3 * n : o + 4 * n]
    hval_f = ints[o + 4 * n : o + 4 * n + cap]
    hval_b = ints[o + 4 * n + cap : o + 4 * n + 2 * cap]
    active = ints[o + 4 * n + 2 * cap :]
    reset(dist_f, pred_f, pot, touched_f, ints[0])
    reset(dist_b, pred_b, pot, touched_b, ints[1])
    use_alt = mode == ALT
    if mode == AUTO:
        use_alt = _inflated_share(cost, sample, limit) <= max_inflated
    k = 0
    if use_alt:
        k = _choose_active(lm_from, lm_to, s, t, active)
    mu, meet, n_tf, n_tb, settled = bidirectional(
        indptr,
        nbr,
        eid,
        rindptr,
        rnbr,
        reid,
        cost,
        s,
        t,
        dist_f,
        dist_b,
        pred_f,
        pred_b,
        touched_f,
        touched_b,
        pot,
        hkey_f,
        hval_f,
        hkey_b,
        hval_b,
        lm_from,
        lm_to,
        active[:k],
        use_alt,
    )
    ints[0] = n_tf
    ints[1] = n_tb
    chosen = ALT if use_alt else DIJKSTRA
    if meet < 0:
        return INF, np.zeros(0, dtype=np.int32), settled, chosen
    return mu, unpack_path(pred_f, pred_b, source, nbr, s, t, meet), settled, chosen
