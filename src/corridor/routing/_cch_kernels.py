# ruff: noqa: PLR0917  (numba kernels take flat positional arrays; keywords do not compile)
"""Compiled kernels of the customizable contraction hierarchy (numba, cached on disk).

Nodes are numbered by rank (the contraction order) throughout; ``up_ptr``/``up_head`` hold the
upward arcs of the chordal supergraph (each arc stored once, at its lower end, heads sorted),
so an arc id is a position in ``up_head``. Every arc carries two weights: ``w_up[a]`` for
travelling from its lower end to its upper end and ``w_dn[a]`` for the other way, and for each
how it was reached, in ``mid_up[a]``/``mid_dn[a]``: a lower triangle through a middle node
x gave it (the value is the id of arc (x, lo), lo the arc's lower end: x is its tail, and
the other arc of the triangle, (x, hi), follows it among x's arcs), or an original edge e did
(the value is ``-2 - e``, the first cheapest edge in that direction; ``-1``: none runs that
way). Unpacking a route then reads no arc search and no edge list (see ``_unpack_into``).
Dibbelt, Strasser and Wagner, "Customizable Contraction Hierarchies" (2016).
"""

from __future__ import annotations

import numpy as np
from numba import njit

from corridor.routing._kernels import _pop as k_pop
from corridor.routing._kernels import _push as k_push

INF = np.inf
# ``take_change``: the prior picture's arcs on every node (no level-1 marks written) when at
# most this share (one in so many) of the edges above the prior's costs stays above them
LEFT_RAISED = 16
# ``potential_astar``: a chain of more unknown potentials than this has its arcs' cache lines
# read in one pass before it is evaluated (a shorter one gains nothing measurable)
TOUCH_CHAIN = 4


@njit(cache=True)
def chordal_up(n, ptr, adj):  # type: ignore[no-untyped-def]
    """Upward arcs of the chordal supergraph (the elimination game) and the elimination tree.

    ``ptr``/``adj``: the undirected graph in rank numbering. A node's upward neighbours in the
    filled graph are its own upward neighbours and those of its elimination-tree children
    (without itself); its parent is the lowest of them.
    """
    mark = np.full(n, -1, np.int64)
    first_child = np.full(n, -1, np.int64)
    next_sib = np.full(n, -1, np.int64)
    parent = np.full(n, -1, np.int32)
    up_ptr = np.zeros(n + 1, np.int64)
    cap = max(16, 2 * adj.shape[0] + n)
    out = np.empty(cap, np.int32)
    size = 0
    buf = np.empty(n, np.int32)
    for v in range(n):
        k = 0
        for j in range(ptr[v], ptr[v + 1]):
            w = adj[j]
            if w > v and mark[w] != v:
                mark[w] = v
                buf[k] = w
                k += 1
        c = first_child[v]
        while c != -1:
            for j in range(up_ptr[c], up_ptr[c + 1]):
                w = out[j]
                if w != v and mark[w] != v:
                    mark[w] = v
                    buf[k] = w
                    k += 1
            c = next_sib[c]
        if size + k > cap:
            cap = max(2 * cap, size + k)
            grown = np.empty(cap, np.int32)
            grown[:size] = out[:size]
            out = grown
        out[size : size + k] = np.sort(buf[:k])
        if k > 0:
            p = out[size]
            parent[v] = p
            next_sib[v] = first_child[p]
            first_child[p] = v
        size += k
        up_ptr[v + 1] = size
    return up_ptr, out[:size].copy(), parent


@njit(cache=True, inline="always")
def find_arc(up_ptr, up_head, lo, hi):  # type: ignore[no-untyped-def]
    """The id of arc (lo, hi), lo < hi, by binary search; -1 if absent."""
    a = up_ptr[lo]
    b = up_ptr[lo + 1]
    while a < b:
        mid = (a + b) >> 1
        if up_head[mid] < hi:
            a = mid + 1
        else:
            b = mid
    if a < up_ptr[lo + 1] and up_head[a] == hi:
        return a
    return -1


@njit(cache=True)
def edge_arcs(up_ptr, up_head, src, dst):  # type: ignore[no-untyped-def]
    """For each original edge (rank numbering): its arc and direction (0 up, 1 down); -1 for a
    loop, which never lies on a shortest path."""
    m = src.shape[0]
    arc = np.empty(m, np.int64)
    down = np.zeros(m, np.bool_)
    for e in range(m):
        u = src[e]
        v = dst[e]
        if u == v:
            arc[e] = -1
        elif u < v:
            arc[e] = find_arc(up_ptr, up_head, u, v)
        else:
            arc[e] = find_arc(up_ptr, up_head, v, u)
            down[e] = True
    return arc, down


@njit(cache=True, inline="always")
def _input_weight(a, arc_eptr, arc_edges, edge_down, cost, w_up, w_dn, mid_up, mid_dn):  # type: ignore[no-untyped-def]
    """Arc a's weights from its original edges, each direction's first cheapest edge noted
    (as ``-2 - e``; ``-1`` when no edge runs that way)."""
    bu = INF
    bd = INF
    eu = -1
    ed = -1
    for j in range(arc_eptr[a], arc_eptr[a + 1]):
        e = arc_edges[j]
        c = cost[e]
        if edge_down[e]:
            if ed < 0 or c < bd:
                bd = c
                ed = e
        elif eu < 0 or c < bu:
            bu = c
            eu = e
    w_up[a] = bu
    w_dn[a] = bd
    mid_up[a] = -2 - eu
    mid_dn[a] = -2 - ed


@njit(cache=True, nogil=True)
def customise(  # type: ignore[no-untyped-def]
    up_ptr, up_head, arc_eptr, arc_edges, edge_down, cost, w_up, w_dn, mid_up, mid_dn
):
    """Basic customisation: input weights, then every lower triangle bottom-up.

    Arc (v, w) takes min over lower triangles x (x < v < w) of v->x->w; processing x in rank
    order finishes an arc's weight before any triangle above it reads it.
    """
    n = up_ptr.shape[0] - 1
    for a in range(up_head.shape[0]):
        _input_weight(a, arc_eptr, arc_edges, edge_down, cost, w_up, w_dn, mid_up, mid_dn)
    for x in range(n):
        lo = up_ptr[x]
        hi = up_ptr[x + 1]
        for i in range(lo, hi):
            v = up_head[i]
            dvx = w_dn[i]  # v -> x
            dxv = w_up[i]  # x -> v
            if dvx == INF and dxv == INF:
                continue
            p = up_ptr[v]
            for j in range(i + 1, hi):
                w = up_head[j]
                while up_head[p] != w:  # up(x) above v is a subset of up(v): chordality
                    p += 1
                c = dvx + w_up[j]
                if c < w_up[p]:
                    w_up[p] = c
                    mid_up[p] = i  # arc (x, v): x's arcs come in rank order of x
                c = w_dn[j] + dxv
                if c < w_dn[p]:
                    w_dn[p] = c
                    mid_dn[p] = i


@njit(cache=True)
def _recompute(  # type: ignore[no-untyped-def]
    a,
    v,
    w,
    dn_ptr,
    dn_tail,
    dn_arc,
    arc_eptr,
    arc_edges,
    edge_down,
    cost,
    w_up,
    w_dn,
    mid_up,
    mid_dn,
):
    """Arc a = (v, w) from scratch, in the order ``customise`` uses (input, then x ascending,
    strict improvement), so its weight and middle node equal a full customisation's."""
    _input_weight(a, arc_eptr, arc_edges, edge_down, cost, w_up, w_dn, mid_up, mid_dn)
    i = dn_ptr[v]
    ie = dn_ptr[v + 1]
    j = dn_ptr[w]
    je = dn_ptr[w + 1]
    while i < ie and j < je:
        x = dn_tail[i]
        y = dn_tail[j]
        if x < y:
            i += 1
        elif y < x:
            j += 1
        else:
            av = dn_arc[i]  # (x, v)
            aw = dn_arc[j]  # (x, w)
            c = w_dn[av] + w_up[aw]
            if c < w_up[a]:
                w_up[a] = c
                mid_up[a] = av
            c = w_dn[aw] + w_up[av]
            if c < w_dn[a]:
                w_dn[a] = c
                mid_dn[a] = av
            i += 1
            j += 1


@njit(cache=True, inline="always")
def _enqueue(b, queued, old_up, old_dn, w_up, w_dn, hkey, hval, size, tail):  # type: ignore[no-untyped-def]
    """Queue arc b once (by its lower end), remembering its weights from before this update."""
    if queued[b]:
        return hkey, hval, size
    queued[b] = True
    old_up[b] = w_up[b]
    old_dn[b] = w_dn[b]
    if size == hkey.shape[0]:
        hkey = np.concatenate((hkey, np.empty(size, hkey.dtype)))
        hval = np.concatenate((hval, np.empty(size, hval.dtype)))
    size = k_push(hkey, hval, size, tail[b], b)
    return hkey, hval, size


@njit(cache=True, inline="always")
def _triangle_changed(b, down, old_t, new_t, k, w_up, w_dn, mid_up, mid_dn, rescan):  # type: ignore[no-untyped-def]
    """Arc b's triangle through x (``k``: the arc from x to b's lower end) went from
    ``old_t`` to ``new_t`` in one direction. A lower value is taken at once, with the tie
    rule of ``customise`` (input first, then the lowest middle node: the arcs to b's lower
    end are in the order of their tails x); a higher one matters only if it was the one
    giving b's weight, and then b is rescanned from scratch. Returns whether b's weight or
    middle changed or needs a rescan.
    """
    w = w_dn if down else w_up
    mid = mid_dn if down else mid_up
    if new_t < old_t:
        if new_t < w[b] or (new_t == w[b] and mid[b] >= 0 and k < mid[b]):
            w[b] = new_t
            mid[b] = k
            return True
    elif new_t > old_t and mid[b] == k:
        rescan[b] = True
        return True
    return False


@njit(cache=True)
def recustomise(  # type: ignore[no-untyped-def]
    up_ptr,
    up_head,
    tail,
    dn_ptr,
    dn_tail,
    dn_arc,
    arc_eptr,
    arc_edges,
    edge_down,
    edge_arc,
    cost,
    w_up,
    w_dn,
    mid_up,
    mid_dn,
    changed_edges,
    queued,
    rescan,
    old_up,
    old_dn,
    budget,
):
    """Partial customisation after the costs of ``changed_edges`` changed (either way).

    Arcs are processed lowest tail first (a heap). An arc of a changed edge is rescanned from
    scratch (input and every lower triangle); when an arc's weight changed, each upper
    triangle it belongs to changed value: a lower value is applied to the arc above at once,
    a higher one only forces a rescan of the arc above if that triangle gave its weight (its
    middle node). The result equals ``customise`` bit for bit, middle nodes included.
    Returns how many arcs were processed. ``queued`` and ``rescan`` are all-false work arrays
    of one flag per arc, left all false; ``old_up``/``old_dn`` are scratch, one per arc.

    Rescanning an arc merges the lower neighbour lists of its two ends, which near the top of
    a grid-like hierarchy are long: once that work passes ``budget`` (in list entries) the
    update stops and returns -1, and the caller customises from scratch instead (the weights
    are then inconsistent until it does).
    """
    hkey = np.empty(16, np.int64)  # lower end; the arc in hval
    hval = np.empty(16, np.int64)
    size = 0
    for k in range(changed_edges.shape[0]):
        a = edge_arc[changed_edges[k]]
        if a >= 0:
            hkey, hval, size = _enqueue(
                a, queued, old_up, old_dn, w_up, w_dn, hkey, hval, size, tail
            )
            rescan[a] = True
    done = 0
    work = 0
    batch = np.empty(16, np.int64)
    while size > 0:
        # every queued arc of the lowest tail x at once: all are final before any of their
        # triangles above is updated, so each triangle sees its two arcs' old and new values
        x = hkey[0]
        nb = 0
        while size > 0 and hkey[0] == x:
            if nb == batch.shape[0]:
                batch = np.concatenate((batch, np.empty(nb, np.int64)))
            batch[nb] = hval[0]
            nb += 1
            size = k_pop(hkey, hval, size)
        for q in range(nb):
            a = batch[q]
            if not rescan[a]:
                continue
            rescan[a] = False
            v = up_head[a]
            work += dn_ptr[x + 1] - dn_ptr[x] + dn_ptr[v + 1] - dn_ptr[v]
            if work > budget:
                for r in range(nb):
                    queued[batch[r]] = False
                    rescan[batch[r]] = False
                for r in range(size):
                    queued[hval[r]] = False
                    rescan[hval[r]] = False
                return -1
            _recompute(
                a, x, v, dn_ptr, dn_tail, dn_arc, arc_eptr, arc_edges, edge_down, cost,
                w_up, w_dn, mid_up, mid_dn,
            )  # fmt: skip
        done += nb
        for q in range(nb):
            a = batch[q]
            v = up_head[a]
            ou = old_up[a]
            od = old_dn[a]
            nu = w_up[a]
            nd = w_dn[a]
            if nu == ou and nd == od:
                continue
            work += 4 * (up_ptr[x + 1] - up_ptr[x])  # its triangles above, a search each
            if work > budget:
                for r in range(nb):
                    queued[batch[r]] = False
                for r in range(size):
                    queued[hval[r]] = False
                    rescan[hval[r]] = False
                return -1
            # a = (x, v): x->v is nu, v->x is nd; for every other upper neighbour w of x,
            # with a2 = (x, w), the arc b between v and w has the triangle through x
            for j in range(up_ptr[x], up_ptr[x + 1]):
                w = up_head[j]
                if w == v:
                    continue
                u2 = w_up[j]  # x -> w, now
                d2 = w_dn[j]  # w -> x, now
                u2o = u2
                d2o = d2
                if queued[j]:  # a2 is in this batch: its values before the update
                    u2o = old_up[j]
                    d2o = old_dn[j]
                    if j < a and (u2o != u2 or d2o != d2):
                        continue  # both changed: the triangle was updated from a2's side
                b = find_arc(up_ptr, up_head, v, w) if v < w else find_arc(up_ptr, up_head, w, v)
                pre_u = w_up[b]
                pre_d = w_dn[b]
                if v < w:  # b up = v->x->w; b down = w->x->v; (x, v) is a
                    c1 = _triangle_changed(
                        b, False, od + u2o, nd + u2, a, w_up, w_dn, mid_up, mid_dn, rescan
                    )
                    c2 = _triangle_changed(
                        b, True, d2o + ou, d2 + nu, a, w_up, w_dn, mid_up, mid_dn, rescan
                    )
                else:  # b up = w->x->v; b down = v->x->w; (x, w) is j
                    c1 = _triangle_changed(
                        b, False, d2o + ou, d2 + nu, j, w_up, w_dn, mid_up, mid_dn, rescan
                    )
                    c2 = _triangle_changed(
                        b, True, od + u2o, nd + u2, j, w_up, w_dn, mid_up, mid_dn, rescan
                    )
                if (c1 or c2) and not queued[b]:
                    hkey, hval, size = _enqueue(
                        b, queued, old_up, old_dn, w_up, w_dn, hkey, hval, size, tail
                    )
                    old_up[b] = pre_u  # its weights before this triangle changed them
                    old_dn[b] = pre_d
        for q in range(nb):
            queued[batch[q]] = False
    return done


@njit(cache=True, inline="always")
def _relax(v, dv, up_ptr, up_head, w, dist, pred):  # type: ignore[no-untyped-def]
    """Relax the upward arcs of node ``v`` (at distance ``dv``) with weights ``w``."""
    for a in range(up_ptr[v], up_ptr[v + 1]):
        c = dv + w[a]
        h = up_head[a]
        if c < dist[h]:
            dist[h] = c
            pred[h] = a


@njit(cache=True, inline="always")
def _upward(parent, up_ptr, up_head, w, s, dist, pred):  # type: ignore[no-untyped-def]
    """Relax every ancestor of ``s`` in the elimination tree, bottom-up, with weights ``w``."""
    v = s
    while v != -1:
        dv = dist[v]
        if dv < INF:
            _relax(v, dv, up_ptr, up_head, w, dist, pred)
        v = parent[v]


@njit(cache=True, inline="always")
def _meet_down(parent, up_ptr, up_head, w_dn, t, dist_f, dist_b, pred_b):  # type: ignore[no-untyped-def]
    """The downward half of an elimination-tree query, once the upward half from s has set
    ``dist_f``: walk t's ancestors bottom-up, keep the best meeting node, and relax only from
    nodes nearer t than that meeting (farther ones cannot improve it). Returns (meeting node
    or -1, nodes scanned); the path through it is the least."""
    mu = INF
    meet = -1
    scanned = 0
    v = t
    while v != -1:
        dv = dist_b[v]
        scanned += 1
        if dv < INF:
            c = dist_f[v] + dv
            if c < mu:
                mu = c
                meet = v
            if dv < mu:
                _relax(v, dv, up_ptr, up_head, w_dn, dist_b, pred_b)
        v = parent[v]
    return meet, scanned


@njit(cache=True, inline="always")
def _mark_up(v, parent, dirty, level):  # type: ignore[no-untyped-def]
    """Raise v and its elimination-tree ancestors to ``level``, up to the first one already
    at or above it (whose ancestors all are: marks are closed upwards); how many were
    raised from 0."""
    count = 0
    while v != -1 and dirty[v] < level:
        if dirty[v] == 0:
            count += 1
        dirty[v] = level
        v = parent[v]
    return count


@njit(cache=True)
def mark_dirty(parent, edge_low, edges, dirty, level):  # type: ignore[no-untyped-def]
    """Mark (``dirty[v] = level`` unless already higher, rank numbering) every node whose
    upward arcs' weights may depend on the costs of ``edges``: the elimination-tree path
    from each edge's lower end (``edge_low``, -1 for a loop) to the root (a triangle's middle
    node is a descendant of both arcs' tails, so every arc an edge feeds has its tail on that
    path). Returns how many were newly marked."""
    count = 0
    for k in range(edges.shape[0]):
        count += _mark_up(edge_low[edges[k]], parent, dirty, level)
    return count


@njit(cache=True)
def mark_pending(parent, nodes, levels, dirty):  # type: ignore[no-untyped-def]
    """Raise each of ``nodes`` and its ancestors to its level in ``levels`` (as
    :func:`mark_dirty`; the order does not matter); returns how many were raised from 0."""
    count = 0
    for k in range(nodes.shape[0]):
        count += _mark_up(nodes[k], parent, dirty, levels[k])
    return count


@njit(cache=True)
def take_change(  # type: ignore[no-untyped-def]
    edges, cost, held, floor_cost, base_cost, edge_low, raised, everywhere
):
    """Write ``cost[edges]`` into ``held`` and list the marks (for :func:`mark_pending`, which
    the caller defers until a search needs them) of the nodes above every edge whose cost
    went down: level 1 where the new cost is still at or above ``base_cost`` (the costs of
    an older, lower picture), level 2 where it is below it or there is no base
    (``base_cost`` empty).

    Level 1 everywhere (the base's arcs on every node not at 2) is admissible whatever
    changed: every cost not below the base's is at or above it, and the nodes above those
    below it are at 2. It is as tight as the marks when the held weights are a
    customisation of ``held`` (the first change since) and every edge whose held cost is
    above the base's (``raised`` of them) goes down: below every unmarked node the two
    pictures then agree, and so do their arcs. It is taken, and the level-1 marks not
    written, when all but a ``1 / LEFT_RAISED`` share of those ``raised`` edges go down (a
    move: the zones it takes away, less where the new places overlap them; the marks' walk
    up the tree, about 25,000 nodes for a 100-zone move on the 1M region, would buy
    potentials that see only that overlap), or when ``everywhere`` is already so (``raised``
    -1: not the first change). Returns (the marks' nodes, their levels, how many (-1 if a new
    cost is negative or NaN: then nothing is written), whether every new cost is at or above
    ``floor_cost`` (when that is not empty; the held costs must all be at or above it then),
    whether some new cost is below ``base_cost``, level 1 everywhere). A loop's cost is
    written but marks nothing (no route uses it)."""
    nodes = np.empty(edges.shape[0], np.int32)
    levels = np.empty(edges.shape[0], np.uint8)
    # (one pass over the listed edges: fetching their entries is the work, 65,000 scattered
    # ones for a 100-zone move on the 1M region; a bad cost restores what was written)
    olds = np.empty(edges.shape[0])
    check = floor_cost.shape[0] > 0
    has_base = base_cost.shape[0] > 0
    above = True
    below_base = False
    count = 0
    covered = 0  # edges above the base's cost that went down
    lows = np.empty(edges.shape[0] if has_base and not everywhere else 0, np.int64)
    n_low = 0
    for k in range(edges.shape[0]):
        e = edges[k]
        c = cost[e]
        old = held[e]
        if not c >= 0.0:  # negative or NaN
            for i in range(k - 1, -1, -1):  # (backwards: an edge listed twice gets its first)
                held[edges[i]] = olds[i]
            return nodes, levels, -1, False, False, False
        olds[k] = old
        if c < old:  # (a raised cost is not compared with the floor, nor its arc looked up)
            if check and c < floor_cost[e]:
                above = False
            if has_base:
                b = base_cost[e]
                if old > b:
                    covered += 1
                if c < b:
                    below_base = True
                    if edge_low[e] >= 0:
                        nodes[count] = edge_low[e]
                        levels[count] = 2
                        count += 1
                elif not everywhere:
                    lows[n_low] = e
                    n_low += 1
            elif edge_low[e] >= 0:
                nodes[count] = edge_low[e]
                levels[count] = 2
                count += 1
        held[e] = c
    if has_base and not everywhere:
        everywhere = raised >= 0 and (raised - covered) * LEFT_RAISED <= raised
        if not everywhere:
            for k in range(n_low):
                low = edge_low[lows[k]]
                if low >= 0:
                    nodes[count] = low
                    levels[count] = 1
                    count += 1
    return nodes, levels, count, above, below_base, everywhere and has_base


@njit(cache=True, nogil=True)
def all_at_least(a, b):  # type: ignore[no-untyped-def]
    """(whether ``a[i] >= b[i]`` for every i, for how many i ``a[i] > b[i]``); no early
    exit: the loop vectorises."""
    ok = True
    more = 0
    for i in range(a.shape[0]):
        ok &= a[i] >= b[i]
        more += a[i] > b[i]
    return ok, more


@njit(cache=True, nogil=True)
def copy_into(dst, src):  # type: ignore[no-untyped-def]
    """``dst[:] = src`` without the GIL (the background thread's copies)."""
    for i in range(src.shape[0]):
        dst[i] = src[i]


@njit(cache=True, inline="always")
def _clear(parent, s, dist, pred):  # type: ignore[no-untyped-def]
    v = s
    while v != -1:
        dist[v] = INF
        pred[v] = -1
        v = parent[v]


@njit(cache=True, inline="always")
def _upper_arc(up_head, tail, k, hi):  # type: ignore[no-untyped-def]
    """The arc (x, hi) of the triangle whose arc (x, lo) is ``k`` (lo < hi): it follows k
    among x's arcs (heads ascending), so no search from x's first arc is needed. The scan
    stops at the end of x's arcs: a wrong note must raise, not read another node's arcs
    (numba checks no bounds) and unpack a route that is not there."""
    x = tail[k]
    j = k + 1
    end = up_head.shape[0]
    while j < end and tail[j] == x and up_head[j] < hi:
        j += 1
    if j == end or tail[j] != x or up_head[j] != hi:  # (always there in a chordal graph)
        raise RuntimeError("the hierarchy lacks an arc of a lower triangle")
    return j


@njit(cache=True)
def unpack_arcs(arcs, downs, up_head, tail, mid_up, mid_dn, out):  # type: ignore[no-untyped-def]
    """Original edges (in path order) behind a sequence of arcs and their directions, written
    into ``out`` (grown if needed); returns (out, count). A shortcut unpacks through its middle
    node x: lo->hi is lo->x (arc (x, lo) downwards) then x->hi (arc (x, hi) upwards); an
    original arc gives the edge its customisation noted (the module doc)."""
    k_arcs = arcs.shape[0]
    stack_a = np.empty(k_arcs + 64, np.int64)
    stack_d = np.empty(k_arcs + 64, np.bool_)
    for k in range(k_arcs):  # the first arc on top
        stack_a[k] = arcs[k_arcs - 1 - k]
        stack_d[k] = downs[k_arcs - 1 - k]
    top = k_arcs
    count = 0
    while top > 0:
        top -= 1
        a = stack_a[top]
        d = stack_d[top]
        k = mid_dn[a] if d else mid_up[a]
        if k < 0:
            if count == out.shape[0]:
                out = np.concatenate((out, np.empty(max(16, count), np.int32)))
            out[count] = -2 - k
            count += 1
            continue
        a_lo = k
        a_hi = _upper_arc(up_head, tail, k, up_head[a])
        if top + 2 >= stack_a.shape[0]:
            stack_a = np.concatenate((stack_a, np.empty(stack_a.shape[0], np.int64)))
            stack_d = np.concatenate((stack_d, np.empty(stack_d.shape[0], np.bool_)))
        if d:  # hi -> x -> lo: first (x, hi) downwards, then (x, lo) upwards
            stack_a[top] = a_lo
            stack_d[top] = False
            stack_a[top + 1] = a_hi
            stack_d[top + 1] = True
        else:  # lo -> x -> hi: first (x, lo) downwards, then (x, hi) upwards
            stack_a[top] = a_hi
            stack_d[top] = False
            stack_a[top + 1] = a_lo
            stack_d[top + 1] = True
        top += 2
    return out, count


@njit(cache=True)
def diff_edges(cost, held, out):  # type: ignore[no-untyped-def]
    """Write the edges where ``cost`` differs from ``held`` into ``out`` (up to its size);
    returns how many differ (possibly more than ``out`` holds)."""
    count = 0
    cap = out.shape[0]
    for e in range(cost.shape[0]):
        a = cost[e]
        b = held[e]
        if a != b and not (np.isnan(a) and np.isnan(b)):
            if count < cap:
                out[count] = e
            count += 1
    return count


@njit(cache=True)
def _chain_index(nodes, lo, hi, v):  # type: ignore[no-untyped-def]
    """Position of v in the ascending ``nodes[lo:hi]`` (an elimination-tree chain)."""
    a = lo
    b = hi
    while a < b:
        mid = (a + b) >> 1
        if nodes[mid] < v:
            a = mid + 1
        else:
            b = mid
    return a


@njit(cache=True)
def carry_arc(key0, up_head, tail, mid_up, mid_dn, a, b, va, vb, known, stack):  # type: ignore[no-untyped-def]
    """Time/risk carry of one arc in one direction (``key0 = 2 * arc + down``): the sums of
    per-edge ``a`` and ``b`` along the route the arc stands for, the one :func:`unpack_arcs`
    gives (an original arc: its first cheapest edge; a shortcut lo->hi: lo->x then x->hi
    through the middle node x of the lower triangle the customisation chose, noted as the
    arc (x, lo)), into
    ``va[key0]``/``vb[key0]``. Memoised (``known``) and computed only for the arcs asked for
    and those below them. The two arcs below a shortcut are at its middle node, lower than
    its ends, so the recursion ends; ``stack`` (explicit) needs three entries for each level
    of the elimination tree, as at most two per level are pending. Read from the middle
    nodes rather than carried by the customisation, so that it holds however the weights
    were reached (full, partial or background customisation). Sums are taken along the
    hierarchy (pairwise), so they may differ from a sequential sum along the unpacked route
    in the last bits."""
    if known[key0]:
        return
    # entries of three: the key, then its two sub-arcs' keys once looked up (-1 before)
    stack[0] = key0
    stack[1] = -1
    top = 3
    while top > 0:
        key = stack[top - 3]
        first = stack[top - 2]
        second = stack[top - 1]
        if first < 0:
            arc = key >> 1
            down = (key & 1) == 1
            k = mid_dn[arc] if down else mid_up[arc]
            if k < 0:
                e = -2 - k
                va[key] = a[e] if e >= 0 else INF
                vb[key] = b[e] if e >= 0 else INF
                known[key] = 1
                top -= 3
                continue
            k_hi = _upper_arc(up_head, tail, k, up_head[arc])
            if down:  # hi -> x on arc (x, hi) downwards, then x -> lo on arc (x, lo) upwards
                first = 2 * k_hi + 1
                second = 2 * k
            else:  # lo -> x on arc (x, lo) downwards, then x -> hi on arc (x, hi) upwards
                first = 2 * k + 1
                second = 2 * k_hi
            stack[top - 2] = first
            stack[top - 1] = second
        if known[first] and known[second]:
            va[key] = va[first] + va[second]
            vb[key] = vb[first] + vb[second]
            known[key] = 1
            top -= 3
            continue
        if not known[first]:
            stack[top] = first
            stack[top + 1] = -1
            top += 3
        if not known[second]:
            stack[top] = second
            stack[top + 1] = -1
            top += 3


@njit(cache=True)
def _target_chains(parent, up_ptr, up_head, w_dn, targets, dist, pred):  # type: ignore[no-untyped-def]
    """Each target's downward search, kept flat: chain j is ``[offs[j], offs[j+1])`` of
    (node, distance to the target, predecessor arc), from the target up to the root.
    ``dist``/``pred`` are inf/-1 on entry and left so."""
    k_t = targets.shape[0]
    offs = np.zeros(k_t + 1, np.int64)
    for j in range(k_t):
        v = targets[j]
        length = 0
        while v != -1:
            length += 1
            v = parent[v]
        offs[j + 1] = offs[j] + length
    c_node = np.empty(offs[k_t], np.int64)
    c_dist = np.empty(offs[k_t])
    c_pred = np.empty(offs[k_t], np.int64)
    for j in range(k_t):
        t = targets[j]
        dist[t] = 0.0
        _upward(parent, up_ptr, up_head, w_dn, t, dist, pred)
        v = t
        i = offs[j]
        while v != -1:
            c_node[i] = v
            c_dist[i] = dist[v]
            c_pred[i] = pred[v]
            i += 1
            v = parent[v]
        _clear(parent, t, dist, pred)
    return offs, c_node, c_dist, c_pred


@njit(cache=True, nogil=True)
def many_to_many_carried(  # type: ignore[no-untyped-def]
    parent,
    up_ptr,
    up_head,
    tail,
    w_up,
    w_dn,
    mid_up,
    mid_dn,
    a,
    b,
    sources,
    targets,
    out_cost,
    out_a,
    out_b,
):
    """Least costs from every source to every target (rank numbering) with no route
    unpacked, and the sums of per-edge ``a`` and ``b`` along each (travel time and -log
    survival) into ``out_a``/``out_b`` (costs only: :func:`many_to_many_costs`).

    Each target's downward chain is searched once and kept (node, distance, predecessor
    arc), each source's upward chain once and met with every kept chain. The sums are then
    taken along the two search trees from the meeting node down to the source and to the
    target, memoised per chain node, from the arcs' carries (:func:`carry_arc`, computed
    only for those arcs and the arcs below them): the work follows the routes' hierarchical
    structure, not their edges. The route whose sums are given is the one
    :func:`many_to_many` unpacks (and a point query returns): the meeting node is the first
    of the least sum up the target's chain, predecessors the first strict improvement,
    shortcuts as the customisation chose them. Unreachable pairs get inf."""
    n = parent.shape[0]
    k_t = targets.shape[0]
    n_keys = 2 * up_head.shape[0]
    va = np.empty(n_keys)
    vb = np.empty(n_keys)
    known = np.zeros(n_keys, np.uint8)
    stack = np.empty(6 * n + 6, np.int64)  # pages touched as needed
    walk = np.empty(n, np.int64)
    da = np.zeros(n)
    db = np.zeros(n)
    f_known = np.zeros(n, np.uint8)
    dist = np.full(n, INF)
    pred = np.full(n, -1, np.int64)
    offs, c_node, c_dist, c_pred = _target_chains(
        parent, up_ptr, up_head, w_dn, targets, dist, pred
    )
    c_a = np.zeros(offs[k_t])
    c_b = np.zeros(offs[k_t])
    c_known = np.zeros(offs[k_t], np.uint8)
    for j in range(k_t):
        c_known[offs[j]] = 1  # the target itself: sums 0
    for i in range(sources.shape[0]):
        s = sources[i]
        dist[s] = 0.0
        _upward(parent, up_ptr, up_head, w_up, s, dist, pred)
        f_known[s] = 1
        da[s] = 0.0
        db[s] = 0.0
        for j in range(k_t):
            if s == targets[j]:
                out_cost[i, j] = 0.0
                out_a[i, j] = 0.0
                out_b[i, j] = 0.0
                continue
            mu = INF
            best = -1
            for q in range(offs[j], offs[j + 1]):
                c = dist[c_node[q]] + c_dist[q]
                if c < mu:
                    mu = c
                    best = q
            out_cost[i, j] = mu
            if best < 0:
                out_a[i, j] = INF
                out_b[i, j] = INF
                continue
            meet = c_node[best]
            # source side: down the forward tree from the meeting node to a known node
            k = 0
            v = meet
            while not f_known[v]:
                walk[k] = v
                k += 1
                v = tail[pred[v]]
            for r in range(k - 1, -1, -1):
                v = walk[r]
                arc = pred[v]
                key = 2 * arc
                if not known[key]:
                    carry_arc(key, up_head, tail, mid_up, mid_dn, a, b, va, vb, known, stack)
                u = tail[arc]
                da[v] = da[u] + va[key]
                db[v] = db[u] + vb[key]
                f_known[v] = 1
            # target side: down the kept backward tree (chain positions) to a known entry
            k = 0
            q = best
            while not c_known[q]:
                walk[k] = q
                k += 1
                q = _chain_index(c_node, offs[j], offs[j + 1], tail[c_pred[q]])
            for r in range(k - 1, -1, -1):
                q = walk[r]
                arc = c_pred[q]
                key = 2 * arc + 1
                if not known[key]:
                    carry_arc(key, up_head, tail, mid_up, mid_dn, a, b, va, vb, known, stack)
                u = _chain_index(c_node, offs[j], offs[j + 1], tail[arc])
                c_a[q] = c_a[u] + va[key]
                c_b[q] = c_b[u] + vb[key]
                c_known[q] = 1
            out_a[i, j] = da[meet] + c_a[best]
            out_b[i, j] = db[meet] + c_b[best]
        v = s
        while v != -1:
            f_known[v] = 0
            v = parent[v]
        _clear(parent, s, dist, pred)


@njit(cache=True)
def many_to_many(  # type: ignore[no-untyped-def]
    parent,
    up_ptr,
    up_head,
    tail,
    w_up,
    w_dn,
    mid_up,
    mid_dn,
    cost,
    sources,
    targets,
    a,
    b,
    out_cost,
    out_a,
    out_b,
):
    """Least-cost routes from every source to every target (rank numbering), and the sums of
    per-edge values ``a`` and ``b`` along each (travel time and -log survival).

    Each target's downward chain is searched once and kept (nodes, distance, arc); each
    source's upward chain once, then met with every kept chain; unreachable pairs get inf.
    """
    n = parent.shape[0]
    k_t = targets.shape[0]
    dist_f = np.full(n, INF)
    pred_f = np.full(n, -1, np.int64)
    dist_b = np.full(n, INF)
    pred_b = np.full(n, -1, np.int64)
    offs, c_node, c_dist, c_pred = _target_chains(
        parent, up_ptr, up_head, w_dn, targets, dist_b, pred_b
    )
    buf = np.empty(64, np.int32)
    for i in range(sources.shape[0]):
        s = sources[i]
        dist_f[s] = 0.0
        _upward(parent, up_ptr, up_head, w_up, s, dist_f, pred_f)
        for j in range(k_t):
            t = targets[j]
            mu = INF
            meet = -1
            for q in range(offs[j], offs[j + 1]):
                c = dist_f[c_node[q]] + c_dist[q]
                if c < mu:
                    mu = c
                    meet = c_node[q]
            if s == t:
                out_cost[i, j] = 0.0
                out_a[i, j] = 0.0
                out_b[i, j] = 0.0
                continue
            if meet < 0:
                out_cost[i, j] = INF
                out_a[i, j] = INF
                out_b[i, j] = INF
                continue
            k_f = 0
            v = meet
            while v != s:
                k_f += 1
                v = tail[pred_f[v]]
            k_b = 0
            v = meet
            while v != t:
                k_b += 1
                v = tail[c_pred[_chain_index(c_node, offs[j], offs[j + 1], v)]]
            arcs = np.empty(k_f + k_b, np.int64)
            downs = np.zeros(k_f + k_b, np.bool_)
            v = meet
            q = k_f
            while v != s:
                q -= 1
                arcs[q] = pred_f[v]
                v = tail[pred_f[v]]
            v = meet
            q = k_f
            while v != t:
                arc = c_pred[_chain_index(c_node, offs[j], offs[j + 1], v)]
                arcs[q] = arc
                downs[q] = True
                q += 1
                v = tail[arc]
            buf, count = unpack_arcs(arcs, downs, up_head, tail, mid_up, mid_dn, buf)
            sc = 0.0
            sa = 0.0
            sb = 0.0
            for q in range(count):
                e = buf[q]
                sc += cost[e]
                sa += a[e]
                sb += b[e]
            out_cost[i, j] = sc
            out_a[i, j] = sa
            out_b[i, j] = sb
        _clear(parent, s, dist_f, pred_f)


@njit(cache=True)
def many_to_many_costs(rank, parent, up_ptr, up_head, w_up, w_dn, sources, targets, dist, out):  # type: ignore[no-untyped-def]
    """Least costs from every source to every target (network nodes, which ``rank`` maps to
    the hierarchy's numbering) into ``out`` [S, T], inf where there is no route; no route
    unpacked and no predecessor kept. ``dist`` (by rank) is inf everywhere on entry and is
    left so (only elimination-tree chains are written, and each is reset after use): kept by
    the caller, it spares an O(n) fill a call, a fifth of a call on a 126k-node network.

    As :func:`many_to_many`: each target's downward chain is searched once and kept (nodes
    and distances), each source's upward chain once and met with every kept chain. A cost is
    the meeting sum of arc weights, which may differ in the last bits from the sum of the
    edge costs along the unpacked route (``many_to_many``'s ``out_cost``). Returns False (and
    ``out`` untouched) if a node is not one of the network's.
    """
    n = parent.shape[0]
    for i in range(sources.shape[0]):
        if not 0 <= sources[i] < n:
            return False
    for j in range(targets.shape[0]):
        if not 0 <= targets[j] < n:
            return False
    k_t = targets.shape[0]
    offs = np.zeros(k_t + 1, np.int64)
    for j in range(k_t):
        v = rank[targets[j]]
        length = 0
        while v != -1:
            length += 1
            v = parent[v]
        offs[j + 1] = offs[j] + length
    c_node = np.empty(offs[k_t], np.int64)
    c_dist = np.empty(offs[k_t])
    for j in range(k_t):
        t = rank[targets[j]]
        dist[t] = 0.0
        v = t
        while v != -1:
            dv = dist[v]
            if dv < INF:
                for a in range(up_ptr[v], up_ptr[v + 1]):
                    h = up_head[a]
                    dist[h] = min(dist[h], dv + w_dn[a])
            v = parent[v]
        v = t
        i = offs[j]
        while v != -1:
            c_node[i] = v
            c_dist[i] = dist[v]
            dist[v] = INF
            i += 1
            v = parent[v]
    for i in range(sources.shape[0]):
        s = rank[sources[i]]
        dist[s] = 0.0
        v = s
        while v != -1:
            dv = dist[v]
            if dv < INF:
                for a in range(up_ptr[v], up_ptr[v + 1]):
                    h = up_head[a]
                    dist[h] = min(dist[h], dv + w_up[a])
            v = parent[v]
        for j in range(k_t):
            mu = INF
            for q in range(offs[j], offs[j + 1]):
                mu = min(mu, dist[c_node[q]] + c_dist[q])
            out[i, j] = 0.0 if sources[i] == targets[j] else mu
        v = s
        while v != -1:
            dist[v] = INF
            v = parent[v]
    return True


@njit(cache=True)
def path_query(hp, mi, mf, cost_in, s, t, buf, check):  # type: ignore[no-untyped-def]
    """Elimination-tree query over packed arrays (few array arguments: numba checks each on
    every call): relax all ancestors of s upwards and of t downwards (no queue), meet at the
    common ancestor with the least sum, unpack the path's edges into ``buf``. ``dist_*`` all
    inf and ``pred_*`` all -1 on entry and on return. Returns (cost summed along the path,
    number of edges, nodes scanned): the edges are ``buf[:count]`` in path order; cost inf
    and no edges when t is unreachable.

    Nothing is allocated: on a town the search takes a few microseconds, and making an array
    in the kernel and handing it to Python (numba's boxing) cost about as much again. The
    unpacking's stack grows down from the end of ``buf`` while the edges fill it from the
    front; if they would meet, the count is -1 (call again with a larger ``buf``). The stack
    holds at most the path's arcs (two elimination-tree chains) plus one pending arc per
    level of the unpacking, and those levels descend a chain too: three times the tree's
    height bounds it.

    ``hp`` (int32): ``[n, A, m, rank (n), parent (n), up_ptr (n+1), up_head (A), tail (A),
    arc_eptr (A+1), arc_edges (k), edge_down (m)]`` with k the edges that are not loops;
    ``mi`` (int32): ``[mid_up (A), mid_dn (A), pred_f (n), pred_b (n)]``;
    ``mf`` (float64): ``[w_up (A), w_dn (A), cost (m), dist_f (n), dist_b (n)]``.
    ``s`` and ``t`` are network node ids. With ``check``, ``cost_in`` is first compared with
    the held costs (the caller's array, which may have been changed in place); if any
    differs, or its length does, nothing is searched and the scanned count is -1.
    """
    n = hp[0]
    na = hp[1]
    m = hp[2]
    o = 3
    rank = hp[o : o + n]
    o += n
    parent = hp[o : o + n]
    o += n
    up_ptr = hp[o : o + n + 1]
    o += n + 1
    up_head = hp[o : o + na]
    o += na
    tail = hp[o : o + na]
    # (the arcs' edge lists follow, unread: an original arc's edge is noted in its middle)
    mid_up = mi[0:na]
    mid_dn = mi[na : 2 * na]
    pred_f = mi[2 * na : 2 * na + n]
    pred_b = mi[2 * na + n : 2 * na + 2 * n]
    w_up = mf[0:na]
    w_dn = mf[na : 2 * na]
    cost = mf[2 * na : 2 * na + m]
    dist_f = mf[2 * na + m : 2 * na + m + n]
    dist_b = mf[2 * na + m + n : 2 * na + m + 2 * n]
    if check:
        if cost_in.shape[0] != m:  # (defence: the router checks the length on first sight)
            return INF, 0, -1
        differ = False  # no early exit: the loop vectorises, several times faster
        for e in range(m):
            differ |= cost_in[e] != cost[e]
        if differ:
            return INF, 0, -1
    s = rank[s]
    t = rank[t]
    if s == t:
        return 0.0, 0, 0
    dist_f[s] = 0.0
    dist_b[t] = 0.0
    _upward(parent, up_ptr, up_head, w_up, s, dist_f, pred_f)
    # downward side, pruned by the best meeting so far: the forward side is complete
    meet, scanned = _meet_down(parent, up_ptr, up_head, w_dn, t, dist_f, dist_b, pred_b)
    count = 0
    total = INF
    if meet >= 0:
        count = _unpack_into(pred_f, pred_b, s, t, meet, up_head, tail, mid_up, mid_dn, buf)
        if count >= 0:
            total = 0.0
            for i in range(count):
                total += cost[buf[i]]
    _clear(parent, s, dist_f, pred_f)
    _clear(parent, t, dist_b, pred_b)
    return total, count, scanned


@njit(cache=True, inline="always")
def _unpack_into(pred_f, pred_b, s, t, meet, up_head, tail, mid_up, mid_dn, buf):  # type: ignore[no-untyped-def]
    """The original edges of the path s -> meet -> t written into ``buf`` from the front
    (see ``path_query``); their count, or -1 if ``buf`` is too small. The stack, from the end
    of ``buf`` down, holds arc ``a`` as ``a`` upwards and ``~a`` downwards, the first arc of the
    path on top; a shortcut unpacks through its middle node x as in ``unpack_arcs``, an
    original arc gives the edge its customisation noted."""
    cap = buf.shape[0]
    k_b = 0  # arcs meet -> t (downwards): the last of the path at the bottom
    v = meet
    while v != t:
        k_b += 1
        v = tail[pred_b[v]]
    if k_b > cap:
        return -1
    sp = cap - k_b
    v = meet
    i = sp
    while v != t:
        a = pred_b[v]
        buf[i] = ~a
        i += 1
        v = tail[a]
    v = meet  # arcs s -> meet (upwards), walked from meet: pushed last to first
    while v != s:
        if sp == 0:
            return -1
        a = pred_f[v]
        sp -= 1
        buf[sp] = a
        v = tail[a]
    count = 0
    while sp < cap:
        code = buf[sp]
        sp += 1
        down = code < 0
        a = ~code if down else code
        k = mid_dn[a] if down else mid_up[a]
        if k < 0:  # an original edge (the slot just popped is free, so count < sp)
            buf[count] = -2 - k
            count += 1
            continue
        if sp - 2 < count:
            return -1
        # the triangle's arcs: (x, lo) is k, and (x, hi) follows it among x's arcs (no arc
        # search, no edge list: half the route check's time on the 1M region)
        a_lo = k
        a_hi = _upper_arc(up_head, tail, k, up_head[a])
        if down:  # hi -> x -> lo: first (x, hi) downwards, then (x, lo) upwards
            buf[sp - 1] = a_lo
            buf[sp - 2] = ~a_hi
        else:  # lo -> x -> hi: first (x, lo) downwards, then (x, hi) upwards
            buf[sp - 1] = a_hi
            buf[sp - 2] = ~a_lo
        sp -= 2
    return count


@njit(cache=True, nogil=True)
def unchanged_route(  # type: ignore[no-untyped-def]
    rank,
    parent,
    up_ptr,
    up_head,
    tail,
    arc_eptr,
    arc_edges,
    edge_down,
    w_up,
    w_dn,
    mid_up,
    mid_dn,
    old_cost,
    cost,
    s,
    t,
    dist_f,
    dist_b,
    pred_f,
    pred_b,
    buf,
):
    """The route that was least under ``old_cost`` (weights ``w_up``/``w_dn`` and middle nodes
    a full customisation of it), if it is still least under ``cost``: when ``cost`` is nowhere
    below ``old_cost``, every route costs at least its old cost, so a least old route whose
    every edge kept its cost is a least route now (the change only raised costs away from
    it). That takes one elimination-tree query on the old weights instead of a search on
    the new costs. Returns (cost summed along the route, its edge count, nodes scanned,
    False) with the edges in ``buf[:count]`` if so, (inf, 0, nodes scanned, False) if t was
    unreachable (it still is), (inf, -1, nodes scanned, False) if the route does not fit in
    ``buf`` (the caller retries with a larger one), and (inf, count, -1, backward) if some
    edge of the route changed: then a search must answer, and ``backward`` says whether the
    old route's part after its last changed edge is shorter (by old costs) than its part
    before the first, where a search from t would settle fewer nodes than one from s (both
    explore the same band around the old route, from their start up to the change). Work
    arrays as in ``packed_query``. (The route is unpacked as ``path_query`` does, into the
    caller's buffer: unpacking into arrays grown in the loop took twice as long.)"""
    s = rank[s]
    t = rank[t]
    if s == t:
        return 0.0, 0, 0, False
    dist_f[s] = 0.0
    dist_b[t] = 0.0
    _upward(parent, up_ptr, up_head, w_up, s, dist_f, pred_f)
    meet, scanned = _meet_down(parent, up_ptr, up_head, w_dn, t, dist_f, dist_b, pred_b)
    count = 0
    total = INF
    backward = False
    if meet >= 0:
        count = _unpack_into(pred_f, pred_b, s, t, meet, up_head, tail, mid_up, mid_dn, buf)
        if count >= 0:
            total = 0.0
            before = -1.0  # old cost up to the first changed edge
            after = 0.0  # and from the last one on
            for i in range(count):
                e = buf[i]
                if cost[e] != old_cost[e]:
                    if before < 0.0:
                        before = after
                    after = 0.0
                else:
                    after += old_cost[e]
                total += cost[e]
            if before >= 0.0:
                total = INF
                scanned = -1
                backward = after < before
    _clear(parent, s, dist_f, pred_f)
    _clear(parent, t, dist_b, pred_b)
    return total, count, scanned, backward


@njit(cache=True, inline="always")
def _arcs_min(best, y, up_ptr, up_head, w, pot):  # type: ignore[no-untyped-def]
    """min(``best``, over y's upward arcs, the arc's weight in ``w`` plus its head's ``pot``)."""
    for a in range(up_ptr[y], up_ptr[y + 1]):
        best = min(best, w[a] + pot[up_head[a]])
    return best


@njit(cache=True, nogil=True)
def potential_astar(  # type: ignore[no-untyped-def]
    rank,
    parent,
    up_ptr,
    up_head,
    w_up,
    w_dn,
    b_up,
    b_dn,
    f_up,
    f_dn,
    dirty,
    least,
    indptr,
    target,
    edge_id,
    source,
    cost,
    s,
    t,
    backward,
    dist,
    pred,
    touched,
    pot,
    dist_b,
    pred_b,
    chain,
    done,
    hkey,
    hval,
    route,
    on_route,
):
    """A* from s to t (network ids) over the network's own edges with ``cost``, guided by the
    exact distances to t under a *lower* metric: by each node's ``dirty`` level (at least
    ``least``), arc
    weights ``w_up``/``w_dn`` (0), ``b_up``/``b_dn`` (1) or ``f_up``/``f_dn`` (2, the floor,
    customised for costs nowhere above ``cost``), every one at most the arc's weight under
    ``cost`` (the distances over such arcs are admissible potentials; a node reached again
    more cheaply is queued again, so the search is exact). With hazards on a few percent of
    the edges it settles little more than the route. It answers while the hierarchy
    re-customises for ``cost``. Work arrays: ``dist`` inf, ``pred`` -1, ``pot`` NaN,
    ``dist_b`` inf and ``pred_b`` -1 on entry and on return. Returns (cost summed along the
    route, edge ids, nodes settled); inf and no edges when t is unreachable, and nodes
    settled -1 when the heap (``hkey``/``hval``) filled up: then nothing was found, and the
    caller retries with a larger one (the heap is not grown in the loop: rebinding its
    arrays there, and the potentials' evaluation inlined into it, made the loop take about
    twice as long on the 1M region, on warm caches).

    The graph: node u's edges are ``edge_id[indptr[u]:indptr[u + 1]]``, leading to
    ``target`` at the same places, and ``source[e]`` is the other end of edge e. With
    ``backward`` the search runs from t to s over the reversed network (the caller passes it
    reversed, s and t swapped and the up and down weights swapped: the distances from the
    route's start are then the potentials) and the route is returned in travel order; a
    change far along a route costs the backward search less (see ``Metric``).

    ``route`` (edge ids in travel order; may be empty): a route from the start to the end
    (the older picture's least route, which the change cut somewhere). When the search takes
    a node of it whose potential is at least what the rest of that route costs now, it stops
    there: that rest is then a least way to t (no way is shorter than the potential), and as
    the node's key is the least left, no route through a node not taken yet is shorter (the
    A* bound), so the route taken to the node plus the rest is least (to a relative 2e-12,
    as potentials and rest are compared with the rounding allowance). On a route a change cut
    near the search's start, this spares the search the long uncut rest, which it would
    otherwise follow node by node. ``on_route``: -1 per node on entry and on return."""
    if s == t:
        return 0.0, np.zeros(0, np.int32), 0
    # each route node's place (by network id) and the route's cost now beyond it (towards t)
    n_route = route.shape[0]
    rest = np.empty(n_route + 1)
    if n_route > 0:
        if not backward:  # node k is the k-th edge's tail: the rest is edges k..
            rest[n_route] = 0.0
            for k in range(n_route - 1, -1, -1):
                rest[k] = rest[k + 1] + cost[route[k]]
        else:  # (from t) node k is the (k-1)-th edge's head: the rest is edges ..k-1
            rest[0] = 0.0
            for k in range(1, n_route + 1):
                rest[k] = rest[k - 1] + cost[route[k - 1]]
        for k in range(n_route):  # (``source``: each edge's tail ahead, its head from t)
            on_route[source[route[k]]] = k + 1 if backward else k
    rt = rank[t]
    dist_b[rt] = 0.0
    v = rt
    while v != -1:
        dv = dist_b[v]
        if dv < INF:
            d = max(dirty[v], least)
            if d == 0:
                _relax(v, dv, up_ptr, up_head, w_dn, dist_b, pred_b)
            elif d == 1:
                _relax(v, dv, up_ptr, up_head, b_dn, dist_b, pred_b)
            else:
                _relax(v, dv, up_ptr, up_head, f_dn, dist_b, pred_b)
        v = parent[v]
    # a relative hair below the floor distance: rounding never makes a bound too high
    shrink = 1.0 - 1e-12
    capacity = hkey.shape[0]
    n_done = 0
    n_touched = 1
    touched[0] = s
    dist[s] = 0.0
    # s is queued at key 0 without its potential (any key at most its own is right for the
    # first node; its entry is never stale, its potential NaN unless a chain reaches it)
    size = k_push(hkey, hval, 0, 0.0, s)
    settled = 0
    found = False
    full = False
    at = t  # where the search stopped: t, or a route node whose rest of the route is least
    while size > 0:
        key = hkey[0]
        u = hval[0]
        size = k_pop(hkey, hval, size)
        du = dist[u]
        if key > du + pot[rank[u]] * shrink:
            continue  # stale entry
        if u == t:
            found = True
            break
        r = on_route[u] if n_route > 0 else -1
        if r >= 0 and rest[r] * shrink <= pot[rank[u]]:
            found = True
            at = u
            break
        settled += 1
        for j in range(indptr[u], indptr[u + 1]):
            e = edge_id[j]
            c = cost[e]
            if c == INF:
                continue
            v = target[j]
            nd = du + c
            if nd < dist[v]:
                x = rank[v]
                if np.isnan(pot[x]):
                    # the exact distance from v to t under the lower metric (lazy RPHAST,
                    # Strasser and Zeitz, "CH-Potentials", 2021): the min of the downward
                    # search's value and, over the upward arcs, the arc plus its head's
                    # potential. Up-neighbours are elimination-tree ancestors, so the unknown
                    # part of v's chain is evaluated from its top down (known potentials stay
                    # closed upwards), each node's arcs by its level. (Written out here, each
                    # level's weights read by a loop of their own: as a function inlined into
                    # the loop, with the weights picked into one array variable, the search
                    # took about twice as long.)
                    k = 0
                    y = x
                    while y != -1 and np.isnan(pot[y]):
                        chain[k] = y
                        k += 1
                        y = parent[y]
                    if k > TOUCH_CHAIN:
                        # read every cache line of the chain's arcs (and its nodes'
                        # downward distances) first, in one pass with no dependence between
                        # reads, so that their misses overlap: the evaluation below waits
                        # on each node's arcs in turn (on the 1M region after a change, a
                        # tenth to a fifth less CPU for the whole search, cold or warm)
                        touch = 0.0
                        for i in range(k):
                            y = chain[i]
                            a0 = up_ptr[y]
                            a1 = up_ptr[y + 1] - 1
                            if a1 >= a0:
                                d = max(dirty[y], least)
                                w = w_up if d == 0 else (b_up if d == 1 else f_up)
                                for a in range(a0, a1 + 1, 8):  # (8 weights to a line)
                                    touch += w[a] + up_head[a]
                                touch += w[a1] + dist_b[y]
                        if touch < 0.0:  # (never: weights and distances are not negative;
                            # the sum is used, so that the compiler keeps the reads)
                            raise ValueError("negative arc weight")
                    for i in range(k - 1, -1, -1):
                        y = chain[i]
                        d = max(dirty[y], least)
                        if d == 0:
                            pot[y] = _arcs_min(dist_b[y], y, up_ptr, up_head, w_up, pot)
                        elif d == 1:
                            pot[y] = _arcs_min(dist_b[y], y, up_ptr, up_head, b_up, pot)
                        else:
                            pot[y] = _arcs_min(dist_b[y], y, up_ptr, up_head, f_up, pot)
                        done[n_done] = y
                        n_done += 1
                pv = pot[x]
                if pv == INF:
                    continue  # t is unreachable from v even on the floor
                if size == capacity:
                    full = True
                    break
                if dist[v] == INF:
                    touched[n_touched] = v
                    n_touched += 1
                dist[v] = nd
                pred[v] = e
                size = k_push(hkey, hval, size, nd + pv * shrink, v)
        if full:
            break
    out = np.zeros(0, np.int32)
    total = INF
    if found:
        count = 0
        v = at
        while v != s:
            count += 1
            v = source[pred[v]]
        # the route's rest after a stop on it: its edges k.. (ahead), or ..k-1 (from t)
        r = on_route[at] if at != t else -1
        tail_n = 0 if r < 0 else (n_route - r if not backward else r)
        out = np.empty(count + tail_n, np.int32)
        lead = tail_n if backward else 0  # (from t the route's part comes first)
        v = at
        for i in range(count):
            out[lead + count - 1 - i if not backward else lead + i] = pred[v]
            v = source[pred[v]]
        for i in range(tail_n):
            out[count + i if not backward else i] = route[r + i if not backward else i]
        total = 0.0
        for i in range(count + tail_n):
            total += cost[out[i]]
    for i in range(n_touched):
        dist[touched[i]] = INF
        pred[touched[i]] = -1
    for i in range(n_done):
        pot[done[i]] = np.nan
    for k in range(n_route):
        on_route[source[route[k]]] = -1
    _clear(parent, rt, dist_b, pred_b)
    return total, out, -1 if full else settled


@njit(cache=True, nogil=True)
def fill_buffers(floats, ints, cost, n_arcs):  # type: ignore[no-untyped-def]
    """A metric's packed arrays (layout in ``path_query``) for ``cost``: the costs copied,
    distances inf, predecessors -1 (weights left to the customisation). Compiled without the
    GIL, so that the background customisation's copy does not hold up queries."""
    m = cost.shape[0]
    o = 2 * n_arcs
    for e in range(m):
        floats[o + e] = cost[e]
    for i in range(o + m, floats.shape[0]):
        floats[i] = INF
    for i in range(o, ints.shape[0]):
        ints[i] = -1
