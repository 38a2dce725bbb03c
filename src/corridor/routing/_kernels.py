# ruff: noqa: PLR0917  (numba kernels take flat positional arrays; keywords do not compile)
"""Compiled shortest-path kernels over CSR arrays (numba, cached on disk).

Every kernel takes its work arrays from the caller so that repeated queries allocate nothing
of size O(n): distances start at infinity and only the nodes a query touched are reset.
Adjacency is passed as ``(indptr, nbr, eid)``: for the forward graph ``nbr`` is the edge target
and ``eid`` the identity; for the backward graph ``nbr`` is the edge source and ``eid`` the
edge id, so one kernel serves both directions and ``cost`` is always indexed by edge id.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

INF = np.inf
HEAD = 2  # n and m at the start of graph; the two touched counts at the start of ints
DIJKSTRA, ALT = 0, 1  # the ``mode`` of ``query``
# An edge counts at most this many times its travel time in the inflation estimate: a route
# goes round an edge that costs much more, so the excess no longer loosens ALT's bounds.
INFLATION_CAP = 10.0


@njit(cache=True, inline="always")
def _push(hkey, hval, size, key, val):  # type: ignore[no-untyped-def]
    i = size
    hkey[i] = key
    hval[i] = val
    while i > 0:
        parent = (i - 1) >> 1
        if hkey[parent] <= key:
            break
        hkey[i] = hkey[parent]
        hval[i] = hval[parent]
        i = parent
    hkey[i] = key
    hval[i] = val
    return size + 1


@njit(cache=True, inline="always")
def _pop(hkey, hval, size):  # type: ignore[no-untyped-def]
    """Remove the minimum (at index 0); return the new size."""
    size -= 1
    key = hkey[size]
    val = hval[size]
    i = 0
    while True:
        child = 2 * i + 1
        if child >= size:
            break
        if child + 1 < size and hkey[child + 1] < hkey[child]:
            child += 1
        if hkey[child] >= key:
            break
        hkey[i] = hkey[child]
        hval[i] = hval[child]
        i = child
    if size > 0:
        hkey[i] = key
        hval[i] = val
    return size


@njit(cache=True)
def reset(dist, pred, pot, touched, n_touched):  # type: ignore[no-untyped-def]
    for i in range(n_touched):
        v = touched[i]
        dist[v] = INF
        pred[v] = -1
        pot[v] = np.nan


@njit(cache=True, inline="always")
def _bound_to(lm_from, lm_to, v, t, active):  # type: ignore[no-untyped-def]
    """ALT lower bound on d(v, t) from the active landmarks (triangle inequality)."""
    best = 0.0
    for k in range(active.shape[0]):
        a = active[k]
        x = np.float64(lm_to[v, a]) - np.float64(lm_to[t, a])
        best = max(best, x)
        y = np.float64(lm_from[t, a]) - np.float64(lm_from[v, a])
        best = max(best, y)
    return best


@njit(cache=True, inline="always")
def _potential(lm_from, lm_to, v, s, t, active):  # type: ignore[no-untyped-def]
    """Average potential (pi_t(v) - pi_s(v)) / 2: consistent for both search directions.

    A lower bound on d(s, v) is the bound "to v from s", i.e. ``_bound_to`` with (s, v)."""
    to_t = _bound_to(lm_from, lm_to, v, t, active)
    from_s = _bound_to(lm_from, lm_to, s, v, active)
    if to_t == INF:
        return INF
    if from_s == INF:
        return -INF
    return 0.5 * (to_t - from_s)


@njit(cache=True, inline="always")
def _cached_potential(pot, lm_from, lm_to, v, s, t, active):  # type: ignore[no-untyped-def]
    p = pot[v]
    if np.isnan(p):
        p = _potential(lm_from, lm_to, v, s, t, active)
        pot[v] = p
    return p


@njit(cache=True, inline="always")
def _settle(hkey, hval, size, dist, pot, lm_from, lm_to, s, t, active, use_alt, sign):  # type: ignore[no-untyped-def]
    """Pop the top of one direction's heap: (node, its distance, new heap size, whether the
    entry is current). ``sign`` is +1 forward and -1 backward (the potential's direction)."""
    key = hkey[0]
    u = hval[0]
    size = _pop(hkey, hval, size)
    du = dist[u]
    pu = 0.0
    if use_alt:
        pu = sign * _cached_potential(pot, lm_from, lm_to, u, s, t, active)
    return u, du, size, key <= du + pu


@njit(cache=True, inline="always")
def _relax(  # type: ignore[no-untyped-def]
    indptr,
    nbr,
    eid,
    cost,
    u,
    du,
    dist,
    pred,
    touched,
    n_touched,
    hkey,
    hval,
    size,
    other,
    mu,
    meet,
    pot,
    lm_from,
    lm_to,
    s,
    t,
    active,
    use_alt,
    sign,
):
    """Relax the arcs of ``u`` in one direction (``other``: the opposite direction's
    distances, for the best meeting). Returns (touched count, heap size, mu, meeting node)."""
    for j in range(indptr[u], indptr[u + 1]):
        c = cost[eid[j]]
        if c == INF:
            continue
        v = nbr[j]
        nd = du + c
        if nd < dist[v]:
            if dist[v] == INF:
                touched[n_touched] = v
                n_touched += 1
            dist[v] = nd
            pred[v] = eid[j]
            pv = 0.0
            if use_alt:
                pv = sign * _cached_potential(pot, lm_from, lm_to, v, s, t, active)
                if pv == INF:  # no route through v (its bound is infinite)
                    continue
            size = _push(hkey, hval, size, nd + pv, v)
            if other[v] < INF and nd + other[v] < mu:
                mu = nd + other[v]
                meet = v
    return n_touched, size, mu, meet


@njit(cache=True)
def bidirectional(  # type: ignore[no-untyped-def]
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
    active,
    use_alt,
):
    """Bidirectional Dijkstra, or bidirectional A* with ALT potentials when ``use_alt``.

    Returns (cost, meeting node, touched forward, touched backward, settled); cost is inf and
    the meeting node -1 when t is unreachable. Stops when the two heap tops add up to at least
    the best path found (keys include the potentials, whose constant terms cancel). One
    ``_settle`` and one ``_relax`` serve both directions.
    """
    n_tf = 0
    n_tb = 0
    settled = 0
    dist_f[s] = 0.0
    touched_f[n_tf] = s
    n_tf += 1
    dist_b[t] = 0.0
    touched_b[n_tb] = t
    n_tb += 1
    if s == t:
        return 0.0, s, n_tf, n_tb, 0
    ps = 0.0
    pt = 0.0
    if use_alt:
        ps = _cached_potential(pot, lm_from, lm_to, s, s, t, active)
        pt = _cached_potential(pot, lm_from, lm_to, t, s, t, active)
        if ps == INF:
            return INF, -1, n_tf, n_tb, 0
    size_f = _push(hkey_f, hval_f, 0, ps, s)
    size_b = _push(hkey_b, hval_b, 0, -pt, t)
    mu = INF
    meet = -1
    while size_f > 0 and size_b > 0:
        if hkey_f[0] + hkey_b[0] >= mu:
            break
        if hkey_f[0] <= hkey_b[0]:
            u, du, size_f, current = _settle(
                hkey_f, hval_f, size_f, dist_f, pot, lm_from, lm_to, s, t, active, use_alt, 1.0
            )
            if not current:
                continue  # stale entry
            settled += 1
            n_tf, size_f, mu, meet = _relax(
                indptr, nbr, eid, cost, u, du, dist_f, pred_f, touched_f, n_tf,
                hkey_f, hval_f, size_f, dist_b, mu, meet, pot, lm_from, lm_to, s, t, active,
                use_alt, 1.0,
            )  # fmt: skip
        else:
            u, du, size_b, current = _settle(
                hkey_b, hval_b, size_b, dist_b, pot, lm_from, lm_to, s, t, active, use_alt, -1.0
            )
            if not current:
                continue
            settled += 1
            n_tb, size_b, mu, meet = _relax(
                rindptr, rnbr, reid, cost, u, du, dist_b, pred_b, touched_b, n_tb,
                hkey_b, hval_b, size_b, dist_f, mu, meet, pot, lm_from, lm_to, s, t, active,
                use_alt, -1.0,
            )  # fmt: skip
    return mu, meet, n_tf, n_tb, settled


@njit(cache=True)
def unpack_path(pred_f, pred_b, edge_source, edge_target, s, t, meet):  # type: ignore[no-untyped-def]
    """Edge ids from s to t through ``meet``, from both predecessor trees."""
    n = 0
    v = meet
    while v != s:
        n += 1
        v = edge_source[pred_f[v]]
    v = meet
    while v != t:
        n += 1
        v = edge_target[pred_b[v]]
    out = np.empty(n, dtype=np.int32)
    i = 0
    v = meet
    while v != s:
        e = pred_f[v]
        out[i] = e
        i += 1
        v = edge_source[e]
    out[:i] = out[:i][::-1]
    v = meet
    while v != t:
        e = pred_b[v]
        out[i] = e
        i += 1
        v = edge_target[e]
    return out


@njit(cache=True)
def one_to_all(indptr, nbr, eid, cost, source, dist, pred, hkey, hval):  # type: ignore[no-untyped-def]
    """Plain Dijkstra from ``source`` over the whole graph into ``dist``/``pred`` (pre-filled)."""
    dist[source] = 0.0
    size = _push(hkey, hval, 0, 0.0, source)
    while size > 0:
        key = hkey[0]
        u = hval[0]
        size = _pop(hkey, hval, size)
        if key > dist[u]:
            continue
        for j in range(indptr[u], indptr[u + 1]):
            c = cost[eid[j]]
            if c == INF:
                continue
            v = nbr[j]
            nd = key + c
            if nd < dist[v]:
                dist[v] = nd
                pred[v] = eid[j]
                size = _push(hkey, hval, size, nd, v)


@njit(cache=True)
def path_sums(pred, edge_source, a, b, source, targets, out_a, out_b):  # type: ignore[no-untyped-def]
    """Sum per-edge values ``a`` and ``b`` along the tree paths from ``source`` to each target."""
    for i in range(targets.shape[0]):
        v = targets[i]
        sa = 0.0
        sb = 0.0
        if v != source and pred[v] < 0:
            out_a[i] = INF
            out_b[i] = INF
            continue
        while v != source:
            e = pred[v]
            sa += a[e]
            sb += b[e]
            v = edge_source[e]
        out_a[i] = sa
        out_b[i] = sb


@njit(cache=True)
def reachable(indptr, nbr, eid, closed, source, seen, stack):  # type: ignore[no-untyped-def]
    """Mark in ``seen`` every node reachable from ``source`` over edges that are not closed."""
    top = 0
    stack[top] = source
    top += 1
    seen[source] = True
    while top > 0:
        top -= 1
        u = stack[top]
        for j in range(indptr[u], indptr[u + 1]):
            if closed[eid[j]]:
                continue
            v = nbr[j]
            if not seen[v]:
                seen[v] = True
                stack[top] = v
                top += 1


@njit(cache=True, parallel=True)
def many_to_many(  # type: ignore[no-untyped-def]
    indptr, nbr, eid, cost, edge_source, sources, targets, a, b, out_cost, out_a, out_b
):
    """One full Dijkstra per source, sources spread over the cores; sums of ``a`` and ``b``
    along each tree path (travel time and -log survival). Work arrays are per source."""
    n = indptr.shape[0] - 1
    m = cost.shape[0]
    for i in prange(sources.shape[0]):
        dist = np.full(n, INF)
        pred = np.full(n, -1, dtype=np.int32)
        hkey = np.empty(m + 2)
        hval = np.empty(m + 2, dtype=np.int32)
        one_to_all(indptr, nbr, eid, cost, sources[i], dist, pred, hkey, hval)
        for j in range(targets.shape[0]):
            out_cost[i, j] = dist[targets[j]]
        path_sums(pred, edge_source, a, b, sources[i], targets, out_a[i], out_b[i])


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
def inflation(cost, sample, time_s):  # type: ignore[no-untyped-def]
    """How much hazards inflate costs over travel time: the mean over the sampled edges of
    cost / time, each capped at ``INFLATION_CAP`` (a closed edge counts the cap; an edge
    without travel time 1, or the cap if it costs anything). 1.0 without hazards."""
    if sample.shape[0] == 0:
        return 1.0
    total = 0.0
    for i in range(sample.shape[0]):
        c = cost[sample[i]]
        t = time_s[i]
        r = c / t if t > 0.0 else (1.0 if c <= 0.0 else INFLATION_CAP)
        total += min(r, INFLATION_CAP)
    return total / sample.shape[0]


@njit(cache=True)
def query(graph, cost, lm_from, lm_to, floats, ints, s, t, mode):  # type: ignore[no-untyped-def]
    """Reset the previous query's work, search, unpack: one call per query, over the packed
    arrays of ``_query`` (layouts there), with ALT or bidirectional Dijkstra (``mode``; the
    router decides which, ``_engine.MethodChoice``).

    Returns (cost, edge ids, settled); cost inf and no edges when t is unreachable.
    """
    n = graph[0]
    m = graph[1]
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
    dist_f = floats[0:n]
    dist_b = floats[n : 2 * n]
    pot = floats[2 * n : 3 * n]
    hkey_f = floats[3 * n : 3 * n + cap]
    hkey_b = floats[3 * n + cap : 3 * n + 2 * cap]
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
    if meet < 0:
        return INF, np.zeros(0, dtype=np.int32), settled
    return mu, unpack_path(pred_f, pred_b, source, nbr, s, t, meet), settled
