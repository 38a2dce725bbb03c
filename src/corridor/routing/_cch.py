"""Customizable contraction hierarchy: exact queries that stay fast while hazards change.

Dibbelt, Strasser and Wagner, "Customizable Contraction Hierarchies" (2016). Three phases:

1. *Order* (once per network, metric-independent): nested dissection of the undirected graph:
   METIS (``pymetis.nested_dissection``) when installed, else a geometric dissection (split
   the node set at the median along the direction whose cut needs the fewest separator
   nodes, recursively), which road networks suit well.
2. *Contract* (once per network): the chordal supergraph of upward arcs and the elimination
   tree. Nothing here depends on costs, so hazards never invalidate it.
3. *Customise* (per cost array): every arc's weight in both directions from the lower
   triangles, bottom-up, in numba; after a hazard change only the arcs above the touched edges
   are recomputed (:meth:`Metric.update`).

A query relaxes the elimination-tree ancestors of its two ends (no priority queue) and unpacks
shortcuts through their middle nodes. The answer is exact for every non-negative cost array:
tests compare it with networkx and with the router's Dijkstra.
"""

from __future__ import annotations

import queue
import threading
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from corridor.network import Network
from corridor.routing import _cch_kernels as ck

F64 = NDArray[np.float64]
I32 = NDArray[np.int32]
I64 = NDArray[np.int64]
# the potentials of the floor search: held arc weights (up, down), per-node dirty levels
# (0 held, 1 prior, 2 floor), the prior's arc weights (up, down) and the least level
Lower = tuple[F64, F64, NDArray[np.uint8], F64, F64, int]

EXTRA_RANK = "routing_cch_rank"  # its name in a network file's extras
LEAF = 48  # node sets this small are ordered without further dissection
# int32 slots of a metric's path buffer at first (``_cch_kernels.path_query``): a town's
# paths and unpacking stacks fit in a few hundred; a longer one doubles it until it fits
PATH_BUFFER = 1024
_DIRECTIONS = ((1.0, 0.0), (0.0, 1.0), (0.7071, 0.7071), (0.7071, -0.7071))


def _undirected(network: Network) -> tuple[I64, I64]:
    """Each road link once (u < v), loops dropped."""
    a = np.asarray(network.edge_source, np.int64)
    b = np.asarray(network.edge_target, np.int64)
    lo, hi = np.minimum(a, b), np.maximum(a, b)
    keep = lo != hi
    key = np.unique(lo[keep] * network.n_nodes + hi[keep])
    return key // network.n_nodes, key % network.n_nodes


def _metric_xy(network: Network) -> tuple[F64, F64]:
    lat = np.asarray(network.node_lat, np.float64)
    lon = np.asarray(network.node_lon, np.float64)
    lat0 = float(np.mean(lat)) if lat.size else 0.0
    return lon * np.cos(np.radians(lat0)), lat


def geometric_order(network: Network) -> I64:
    """``rank[v]``: a nested-dissection order from node coordinates (see module doc)."""
    n = network.n_nodes
    u, v = _undirected(network)
    x, y = _metric_xy(network)
    rank = np.empty(n, np.int64)
    side = np.zeros(n, np.int8)
    stack: list[tuple[I64, I64, I64, int]] = [(np.arange(n), u, v, n)]
    while stack:
        nodes, eu, ev, top = stack.pop()
        k = nodes.size
        if k <= LEAF or eu.size == 0:
            # small sets: fewest links first, a cheap minimum-degree flavour
            deg = np.bincount(np.searchsorted(nodes, np.concatenate([eu, ev])), minlength=k)
            rank[nodes[np.argsort(deg, kind="stable")]] = np.arange(top - k, top)
            continue
        best: tuple[int, I64, NDArray[np.bool_]] | None = None
        for dx, dy in _DIRECTIONS:
            proj = x[nodes] * dx + y[nodes] * dy
            order = np.argsort(proj, kind="stable")
            in_b = np.zeros(k, bool)
            in_b[order[k // 2 :]] = True
            side[nodes] = in_b
            cut = side[eu] != side[ev]
            ca, cb = eu[cut], ev[cut]
            # the separator: the cut edges' ends on the side with fewer of them
            ends_b = np.unique(np.where(side[ca] == 1, ca, cb))
            ends_a = np.unique(np.where(side[ca] == 0, ca, cb))
            sep = ends_a if ends_a.size <= ends_b.size else ends_b
            if best is None or sep.size < best[0]:
                best = (sep.size, sep, in_b)
        assert best is not None
        _, sep, in_b = best
        side[nodes] = in_b
        side[sep] = 2
        rank[sep] = np.arange(top - sep.size, top)
        part_a = nodes[side[nodes] == 0]
        part_b = nodes[side[nodes] == 1]
        sa, sb = side[eu], side[ev]
        within_a = (sa == 0) & (sb == 0)
        within_b = (sa == 1) & (sb == 1)
        top_b = top - sep.size
        stack.append((part_a, eu[within_a], ev[within_a], top_b - part_b.size))
        stack.append((part_b, eu[within_b], ev[within_b], top_b))
    return rank


def metis_order(network: Network) -> I64 | None:
    """``rank[v]`` from METIS nested dissection, or None when pymetis is not installed."""
    try:
        import pymetis  # type: ignore[import-not-found, unused-ignore]
    except ImportError:
        return None
    n = network.n_nodes
    u, v = _undirected(network)
    src = np.concatenate([u, v])
    dst = np.concatenate([v, u])
    order = np.argsort(src, kind="stable")
    xadj = np.zeros(n + 1, np.int64)
    np.cumsum(np.bincount(src, minlength=n), out=xadj[1:])
    adjacency = pymetis.CSRAdjacency(adj_starts=xadj, adjacent=dst[order])
    perm, _iperm = pymetis.nested_dissection(adjacency)
    rank = np.empty(n, np.int64)
    rank[np.asarray(perm, np.int64)] = np.arange(n)
    return rank


@dataclass(frozen=True)
class Hierarchy:
    """The metric-independent part: order, chordal supergraph, elimination tree, edge map.

    The arrays the query reads are views into one packed int32 array (``packed``, layout in
    ``_cch_kernels.path_query``)."""

    packed: I32
    rank: I32  # rank[v] of network node v
    parent: I32  # elimination-tree parent, by rank (-1 for a root)
    up_ptr: I32
    up_head: I32
    tail: I32  # lower end of each arc
    arc_eptr: I32  # network edges of each arc, CSR
    arc_edges: I32
    edge_down: I32  # 1 where the edge runs from the arc's upper to its lower end
    dn_ptr: I64  # arcs by upper end, tails ascending
    dn_tail: I32
    dn_arc: I64
    edge_arc: I64  # arc of each network edge (-1 for a loop)
    edge_low: I32  # its arc's lower end, by rank (-1 for a loop)
    order_method: str

    @property
    def n_arcs(self) -> int:
        return int(self.up_head.shape[0])

    @property
    def n_triangles(self) -> int:
        """Lower triangles, the work of a full customisation."""
        up = np.diff(self.up_ptr).astype(np.int64)
        return int((up * (up - 1) // 2).sum())

    def as_extras(self) -> dict[str, NDArray[Any]]:
        """Arrays for ``write_network(..., extra=...)``: the nested-dissection order, the slow
        part (METIS); the contraction is redone from it on opening, in about a second per
        million nodes, so a damaged file can never give a hierarchy that is not chordal."""
        return {EXTRA_RANK: self.rank}

    @classmethod
    def from_extras(cls, network: Network, extras: dict[str, NDArray[Any]]) -> Hierarchy | None:
        """The hierarchy of the order stored in a network file; None if absent or not a
        permutation of this network's nodes."""
        stored = extras.get(EXTRA_RANK)
        if stored is None:
            return None
        rank = np.asarray(stored)
        n = network.n_nodes
        if rank.shape != (n,) or not np.issubdtype(rank.dtype, np.integer):
            return None
        rank = rank.astype(np.int64)
        if not np.array_equal(np.sort(rank), np.arange(n)):
            return None
        return cls._contract(network, rank, "stored")

    @classmethod
    def build(cls, network: Network, *, method: str = "auto") -> Hierarchy:
        """Order (``"metis"``, ``"geometric"`` or ``"auto"``: METIS if installed) and contract."""
        rank = metis_order(network) if method in ("auto", "metis") else None
        used = "metis"
        if rank is None:
            if method == "metis":
                raise ImportError("pymetis is not installed")
            rank = geometric_order(network)
            used = "geometric"
        return cls._contract(network, rank, used)

    @classmethod
    def _contract(cls, network: Network, rank: I64, used: str) -> Hierarchy:
        """The chordal supergraph and elimination tree of the order ``rank``."""
        n = network.n_nodes
        u, v = _undirected(network)
        ru, rv = rank[u], rank[v]
        src = np.concatenate([ru, rv])
        dst = np.concatenate([rv, ru])
        order = np.argsort(src, kind="stable")
        ptr = np.zeros(n + 1, np.int64)
        np.cumsum(np.bincount(src, minlength=n), out=ptr[1:])
        up_ptr, up_head, parent = ck.chordal_up(n, ptr, dst[order].astype(np.int32))
        return cls._assemble(network, rank, up_ptr, up_head, parent, used)

    @classmethod
    def _assemble(  # noqa: PLR0917
        cls,
        network: Network,
        rank: I64,
        up_ptr: I64,
        up_head: I32,
        parent: I32,
        used: str,
    ) -> Hierarchy:
        """Everything derived from the contraction: tails, arcs by upper end, the edge map."""
        n = network.n_nodes
        counts = np.diff(up_ptr)
        tail = np.repeat(np.arange(n, dtype=np.int32), counts)
        by_head = np.argsort(up_head, kind="stable")  # tails stay ascending within a head
        dn_ptr = np.zeros(n + 1, np.int64)
        np.cumsum(np.bincount(up_head, minlength=n), out=dn_ptr[1:])
        e_src = rank[np.asarray(network.edge_source, np.int64)]
        e_dst = rank[np.asarray(network.edge_target, np.int64)]
        edge_arc, edge_down = ck.edge_arcs(up_ptr, up_head, e_src, e_dst)
        real = np.flatnonzero(edge_arc >= 0)
        arc_edges = real[np.argsort(edge_arc[real], kind="stable")].astype(np.int32)
        na = up_head.shape[0]
        if na >= 2**31 - 1:
            raise ValueError(f"the hierarchy has {na:,} arcs, more than int32 holds")
        arc_eptr = np.zeros(na + 1, np.int64)
        np.cumsum(np.bincount(edge_arc[real], minlength=na), out=arc_eptr[1:])
        parts = (
            np.array([n, na, network.n_edges]),
            rank,
            parent,
            up_ptr,
            up_head,
            tail,
            arc_eptr,
            arc_edges,
            edge_down,
        )
        packed = np.concatenate([np.asarray(p, dtype=np.int32) for p in parts])
        views: list[I32] = []
        o = 3
        for p in parts[1:]:
            views.append(packed[o : o + p.shape[0]])
            o += p.shape[0]
        rank_v, parent_v, up_ptr_v, up_head_v, tail_v, eptr_v, arc_edges_v, down_v = views
        return cls(
            packed=packed,
            rank=rank_v,
            parent=parent_v,
            up_ptr=up_ptr_v,
            up_head=up_head_v,
            tail=tail_v,
            arc_eptr=eptr_v,
            arc_edges=arc_edges_v,
            edge_down=down_v,
            dn_ptr=dn_ptr,
            dn_tail=tail[by_head],
            dn_arc=by_head.astype(np.int64),
            edge_arc=edge_arc,
            edge_low=np.where(edge_arc >= 0, tail[np.maximum(edge_arc, 0)], -1).astype(np.int32),
            order_method=used,
        )


_NO_COST: F64 = np.zeros(0)
_NO_ROUTE: I32 = np.zeros(0, np.int32)
# A change of more edges than this is not tried in place: the re-customisation runs in the
# background while queries are answered by the floor search (when the metric has a floor).
BACKGROUND_EDGES = 2048


class _Worker:
    """The one background thread that re-customises metrics. Handing a metric over never
    waits (starting a thread would: for the new thread to run first)."""

    _queue: queue.SimpleQueue[Metric] = queue.SimpleQueue()
    _thread: threading.Thread | None = None
    _lock = threading.Lock()

    @classmethod
    def submit(cls, metric: Metric) -> None:
        with cls._lock:
            if cls._thread is None or not cls._thread.is_alive():
                # a daemon: it only ever waits for work or customises arrays it holds
                cls._thread = threading.Thread(
                    target=cls._run, name="corridor-cch-customise", daemon=True
                )
                cls._thread.start()
        cls._queue.put(metric)

    @classmethod
    def _run(cls) -> None:
        # (not at a lower CPU priority: descheduled while it holds the GIL, around each
        # compiled call, it would stall the queries it should leave the cores to)
        while True:
            metric = cls._queue.get()
            metric._background()
            del metric  # not kept alive while waiting for the next


class Floor:
    """Travel-time distances from the hierarchy, as exact A* potentials for any hazard picture.

    Hazards add risk to travel time or close roads, so every hazard cost is at least the
    travel time: distances on the travel-time metric are lower bounds that never go stale,
    whether zones are added, moved or removed (unlike landmark bounds from a riskier picture).
    A metric whose costs are all at or above the floor answers with :meth:`search` while it
    re-customises after a large change (CH-potentials: Strasser and Zeitz 2021)."""

    def __init__(self, hierarchy: Hierarchy, network: Network) -> None:
        n, m = network.n_nodes, network.n_edges
        self.metric = Metric(hierarchy, network.edge_time_s.astype(np.float64))
        self.cost = self.metric.cost
        self._indptr: I32 = np.asarray(network.indptr, np.int32)
        self._target: I32 = np.asarray(network.edge_target, np.int32)
        self._source: I32 = np.asarray(network.edge_source, np.int32)
        self._edge_id: I32 = np.arange(m, dtype=np.int32)  # (the edges are in source order)
        # the reversed network, for the backward search: each node's incoming edges
        by_target = np.argsort(self._target, kind="stable")
        self._r_indptr: I32 = np.zeros(n + 1, np.int32)
        np.cumsum(np.bincount(self._target, minlength=n), out=self._r_indptr[1:])
        self._r_node: I32 = self._source[by_target]
        self._r_edge: I32 = by_target.astype(np.int32)
        self._dist: F64 = np.full(n, np.inf)
        self._pred: I32 = np.full(n, -1, np.int32)
        self._touched: I32 = np.empty(n, np.int32)
        self._pot: F64 = np.full(n, np.nan)
        self._dist_b: F64 = np.full(n, np.inf)
        self._pred_b: I32 = np.full(n, -1, np.int32)
        self._chain: I32 = np.empty(n, np.int32)
        self._done: I32 = np.empty(n, np.int32)
        self._on_route: I32 = np.full(n, -1, np.int32)
        self._hkey: F64 = np.empty(m + 2)
        self._hval: I32 = np.empty(m + 2, np.int32)
        self._clean: NDArray[np.uint8] = np.zeros(n, np.uint8)  # no node dirty
        self._lock = threading.Lock()

    def load_kernels(self) -> None:
        """Run the searches that answer while a metric lags once, on the floor itself (numba
        loads each compiled kernel from its cache on its first call in a process, which
        takes longer than the search): the first hazard change after start-up is then
        answered as fast as the next. That includes taking the change and writing the
        marks above lowered costs before the first search that needs them (about 2.4 ms CPU
        each when numba loads them from its cache, 100-250 ms when it compiles them, which
        the first such change's next query paid)."""
        f, h = self.metric, self.metric.hierarchy
        s, t = 0, h.rank.shape[0] - 1
        self.search(self.cost, s, t)
        self.search(self.cost, s, t, backward=True)
        # (no edges: nothing is written, but each kernel is loaded for the types it gets)
        none = np.zeros(0, np.int64)
        ck.mark_pending(h.parent, none.astype(np.int32), none.astype(np.uint8), self._clean)
        ck.mark_dirty(h.parent, h.edge_low, none, self._clean, 2)
        ck.take_change(none, self.cost, self.cost, self.cost, _NO_COST, h.edge_low, -1, False)
        a, m, n = h.n_arcs, self.cost.shape[0], h.rank.shape[0]
        with f._lock:
            fl, it = f._floats, f._ints
            ck.unchanged_route(
                h.rank, h.parent, h.up_ptr, h.up_head, h.tail, h.arc_eptr, h.arc_edges,
                h.edge_down, f.w_up, f.w_dn, f.mid_up, f.mid_dn, f.cost, f.cost, s, t,
                fl[2 * a + m : 2 * a + m + n], fl[2 * a + m + n :], it[2 * a : 2 * a + n],
                it[2 * a + n :], f._path,
            )  # fmt: skip

    def admits(self, cost: F64) -> bool:
        """Whether ``cost`` is nowhere below the floor (then :meth:`search` is exact for it)."""
        return bool((np.asarray(cost) >= self.cost).all())

    def search(
        self,
        cost: F64,
        s: int,
        t: int,
        lower: Lower | None = None,
        *,
        backward: bool = False,
        route: I32 = _NO_ROUTE,
    ) -> tuple[float, I32, int]:
        """Exact least-cost route for ``cost`` (which :meth:`admits`): (cost summed along the
        route, edge ids, nodes settled); inf and no edges if none. ``lower``: two other sets
        of upward and downward arc weights on the same hierarchy (held and prior) and a
        per-node (by rank) level, raised to a least level: a node's arcs weigh the held
        weights at level 0, the other set's at 1 and the floor's at 2, and every arc so chosen
        must weigh nowhere more than under ``cost`` (a metric customised before a change,
        with the nodes above the edges whose cost went down raised): tighter potentials than
        the floor's alone. ``backward``: search from t over the reversed network, guided by
        lower-bound distances from s (the same answer; less work when what changed lies
        nearer t). ``route``: a route from s to t (edge ids in travel order), the older
        picture's least one, which the change cut: the search stops on it where the rest of
        it is least (``_cch_kernels.potential_astar``)."""
        h, f = self.metric.hierarchy, self.metric
        if lower is None:
            lower = (f.w_up, f.w_dn, self._clean, f.w_up, f.w_dn, 0)
        w_up, w_dn, dirty, b_up, b_dn, least = lower
        with self._lock:
            while True:
                if backward:
                    found, edges, settled = ck.potential_astar(
                        h.rank, h.parent, h.up_ptr, h.up_head, w_dn, w_up, b_dn, b_up, f.w_dn,
                        f.w_up, dirty, least,
                        self._r_indptr, self._r_node, self._r_edge, self._target, cost, t, s,
                        True, self._dist, self._pred, self._touched, self._pot, self._dist_b,
                        self._pred_b, self._chain, self._done, self._hkey, self._hval, route,
                        self._on_route,
                    )  # fmt: skip
                else:
                    found, edges, settled = ck.potential_astar(
                        h.rank, h.parent, h.up_ptr, h.up_head, w_up, w_dn, b_up, b_dn, f.w_up,
                        f.w_dn, dirty, least,
                        self._indptr, self._target, self._edge_id, self._source, cost, s, t,
                        False, self._dist, self._pred, self._touched, self._pot, self._dist_b,
                        self._pred_b, self._chain, self._done, self._hkey, self._hval, route,
                        self._on_route,
                    )  # fmt: skip
                if settled >= 0:
                    break
                # the heap filled up (a node is queued once per edge that lowers its
                # distance, so only rounding in the potentials can take it past the edges)
                size = 2 * self._hkey.shape[0]
                self._hkey, self._hval = np.empty(size), np.empty(size, np.int32)
        return found, edges, settled


class Metric:
    """One customised cost array on a hierarchy (holds its own copy of the costs).

    :meth:`update` takes a change of some edges' costs (a hazard added, moved or removed) by
    re-customising only the arcs above them; :meth:`shortest` answers exactly for the costs
    held. With a ``floor`` (:class:`Floor`) that the costs never go below, the first
    customisation and every large change run in a background thread instead, and queries
    meanwhile are answered exactly by an older picture's route where the change left it
    alone, else by the floor's A* search on the new costs (:meth:`wait` waits for the
    hierarchy). Not re-entrant: a lock serialises queries and updates.
    """

    def __init__(self, hierarchy: Hierarchy, cost: F64, floor: Floor | None = None) -> None:
        h = hierarchy
        self.hierarchy = h
        self.cost: F64 = np.array(cost, dtype=np.float64, copy=True)
        if self.cost.shape != h.edge_arc.shape:
            raise ValueError(f"cost has shape {self.cost.shape}, expected {h.edge_arc.shape}")
        if (self.cost < 0).any() or np.isnan(self.cost).any():
            raise ValueError("costs must be non-negative numbers")
        a = h.n_arcs
        self._bind(*self._buffers(self.cost))
        self._queued = np.zeros(a, np.bool_)
        self._rescan = np.zeros(a, np.bool_)
        self._old_up: F64 = np.empty(a)  # scratch of partial updates (pages touched lazily)
        self._old_dn: F64 = np.empty(a)
        # a partial update that would cost more than a full customisation (its list merges
        # and triangle searches against all lower triangles) gives up and customises afresh
        self._budget = max(100_000, h.n_triangles)
        # with a floor to answer meanwhile, an in-place update gives up much earlier (a
        # thousandth of a full customisation) and leaves the rest to the background
        self._quick_budget = max(100_000, h.n_triangles // 1000)
        self._lock = threading.Lock()
        self._cond = threading.Condition(self._lock)
        self.last_recomputed = 0
        # which search gave the last answer: "cch", or "floor" (A* while catching up)
        self.answered_by = "cch"
        # where the query writes the path's edges (one copy of them is handed out); grown
        # under the lock when a path does not fit
        self._path: I32 = np.empty(PATH_BUFFER, np.int32)
        self._floor = floor
        self._floor_ok = floor is not None and floor.admits(self.cost)
        self._stale = False  # the weights lag the costs: a background customisation runs
        self._redo = False  # the costs changed again while it ran
        self._error: Exception | None = None  # why the last background customisation failed
        # whether the held weights were once exact (for the costs then held)
        self._base = False
        # by rank: nodes whose upward arcs may weigh more than under the held costs (they lie
        # above an edge whose cost went down since the weights were exact); none when current.
        # Level 1: the prior picture's arcs are still low enough there; 2: only the floor's
        self._dirty: NDArray[np.uint8] = np.zeros(h.rank.shape[0], np.uint8)
        self._n_dirty = 0
        # marks listed by changes and not yet written into _dirty (nodes, levels): only a
        # search reads them, and a change whose next query keeps an older route needs none
        self._pending: list[tuple[I32, NDArray[np.uint8]]] = []
        # the costs the held weights are a customisation of, when they are exactly that (kept
        # with a floor only, from the first background customisation on)
        self._ex_cost: F64 | None = None
        # a prior picture: weights (up, down) customised for costs (the third) that are
        # nowhere above the held costs except under nodes marked 2: the potentials' arcs on
        # nodes marked 1 (they see the hazards the prior held, where the floor sees none)
        # (and its middle nodes (up, down): the route it held can be unpacked)
        self._prior: tuple[F64, F64, F64, I32, I32] | None = None
        self._below_prior = False  # a change since the marks were cleared went below it
        # edges whose cost for the held weights is above the prior's (-1: not known)
        self._n_raised = -1
        # every node takes at least the prior's arcs (level 1) until the weights catch up
        self._everywhere = False
        # the first customisation too: with a floor, a new hazard picture is answered at once
        with self._lock:
            self._customise_locked()

    def update(self, edges: NDArray[np.integer], cost: F64) -> int:
        """Take ``cost[edges]`` as the new costs of ``edges`` (either higher or lower) and
        re-customise the arcs that depend on them; returns how many arcs were recomputed, or
        -1 when the change reached so high that a full customisation was cheaper (done in
        place, or in the background when the metric has a floor: see the class doc)."""
        e = np.asarray(edges, dtype=np.int64)
        if e.size == 0:
            return 0
        c = np.ascontiguousarray(cost, dtype=np.float64)
        h = self.hierarchy
        with self._lock:
            check = self._floor is not None and self._floor_ok
            floor_cost = self._floor.cost if self._floor is not None and check else _NO_COST
            prior_cost = self._prior[2] if self._prior is not None else _NO_COST
            # the first change since the held weights were exact: their costs are the held
            raised = -1 if self._stale or self._ex_cost is None else self._n_raised
            # (their costs before, to keep the count if the change is taken in place)
            in_place = e.size <= BACKGROUND_EDGES or self._floor is None
            keep = raised >= 0 and in_place and self._ex_cost is not None
            old_ex = self._ex_cost[e] if keep and self._ex_cost is not None else None
            # one pass: validate, write, mark the nodes above lowered costs, compare the floor
            nodes, levels, marked, above, below, everywhere = ck.take_change(
                e, c, self.cost, floor_cost, prior_cost, h.edge_low,
                raised, self._everywhere,
            )  # fmt: skip
            if marked < 0:
                raise ValueError("costs must be non-negative numbers")
            if marked:
                self._pending.append((nodes[:marked], levels[:marked]))
            self._below_prior |= bool(below)
            self._everywhere = bool(everywhere)
            if check:
                self._floor_ok = bool(above)
            if self._stale:  # the running customisation read costs changed since: redo
                self._customise_locked()
                done = -1
            elif self._floor_ok and e.size > BACKGROUND_EDGES:
                self._start_background()
                done = -1
            else:
                budget = self._quick_budget if self._floor_ok else self._budget
                done = int(
                    ck.recustomise(
                        h.up_ptr,
                        h.up_head,
                        h.tail,
                        h.dn_ptr,
                        h.dn_tail,
                        h.dn_arc,
                        h.arc_eptr,
                        h.arc_edges,
                        h.edge_down,
                        h.edge_arc,
                        self.cost,
                        self.w_up,
                        self.w_dn,
                        self.mid_up,
                        self.mid_dn,
                        e,
                        self._queued,
                        self._rescan,
                        self._old_up,
                        self._old_dn,
                        budget,
                    )
                )
                if done < 0:  # weights half updated: those below no lowered edge stay low
                    self._ex_cost = None
                    self._customise_locked()
                else:
                    if self._ex_cost is not None:
                        self._ex_cost[e] = self.cost[e]
                        if self._prior is not None and old_ex is not None:
                            p = self._prior[2][e]  # (an edge listed twice: counted once)
                            new_ex = self._ex_cost[e]
                            _, first = np.unique(e, return_index=True)
                            self._n_raised += int(
                                (new_ex[first] > p[first]).sum() - (old_ex[first] > p[first]).sum()
                            )
                        else:
                            self._n_raised = -1
                    self._exact()
        self.last_recomputed = done
        return done

    def _mark_dirty(self, lowered: I64) -> None:
        """Mark the nodes above edges whose cost went down, for the floor (the lock is held)."""
        if lowered.size:
            h = self.hierarchy
            self._n_dirty += int(ck.mark_dirty(h.parent, h.edge_low, lowered, self._dirty, 2))
            self._below_prior = True

    def _exact(self) -> None:
        """The held weights now match the held costs (the lock is held); the marks go, and
        with them the prior if some cost went below it since (its marks said where)."""
        self._base = True
        self._everywhere = False
        if self._below_prior:
            self._prior = None
            self._below_prior = False
            self._n_raised = -1
        self._pending.clear()
        if self._n_dirty:
            self._dirty.fill(0)
            self._n_dirty = 0

    def _customise_locked(self) -> None:
        """Customise afresh for the held costs: in the background if the floor can answer
        meanwhile, else now (the lock is held)."""
        if self._stale and self._error is None:
            self._redo = True  # the running customisation starts over when done
        elif self._floor_ok:
            self._start_background()
        else:
            self._customise()
            self._stale = False
            self._error = None
            self._ex_cost = None  # (no floor to answer while catching up: no prior either)
            self._prior = None
            self._n_raised = -1
            self._exact()

    def _start_background(self) -> None:
        self._stale = True
        self._error = None
        _Worker.submit(self)

    def _background(self) -> None:
        """Customise into new arrays, so that the held weights (the picture before the change)
        stay readable as potentials meanwhile; swap them in when done. The weights swapped
        out become the prior picture if their costs are nowhere above the new ones (a
        change that only added hazards), else the prior stays if it still is."""
        while True:
            try:
                # the costs as they are now, without the lock (queries go on): a change
                # during the copy is made under the lock while stale, so it sets _redo
                floats, ints = self._buffers(self.cost)
                # compiled without the GIL; queries meanwhile use the floor search
                self._customise_into(floats, ints)
                prior, ex_cost, n_raised = self._next_prior(floats)
            except Exception as exc:  # kept for every waiter; the next change retries
                with self._cond:
                    self._error = exc
                    self._redo = False
                    self._cond.notify_all()
                return
            with self._cond:
                if self._redo:  # the costs changed while it ran: again, from them
                    self._redo = False
                    continue
                self._bind(floats, ints)
                # the held costs are those customised (no change since, or _redo), and the
                # prior's are nowhere above them: no mark is left, at either level
                self._prior = prior
                self._below_prior = False
                self._ex_cost = ex_cost
                self._n_raised = n_raised
                self._exact()
                self._stale = False
                self._cond.notify_all()
                return

    def _next_prior(self, floats: F64) -> tuple[tuple[F64, F64, F64, I32, I32] | None, F64, int]:
        """(the prior picture for the costs just customised into ``floats``, a copy of those
        costs, on how many edges they are above the prior's). Read without the lock: while
        stale, nothing else writes the held weights, ``_ex_cost`` or ``_prior``, and no
        change was made since the copy unless _redo."""
        a, m = self.hierarchy.n_arcs, self.cost.shape[0]
        new_cost = floats[2 * a : 2 * a + m]
        ex_cost = np.empty(m)
        ck.copy_into(ex_cost, new_cost)
        old = self._ex_cost
        if old is not None and self._base:
            ok, more = ck.all_at_least(new_cost, old)
            if ok:
                return (self.w_up, self.w_dn, old, self.mid_up, self.mid_dn), ex_cost, int(more)
        prior = self._prior
        if prior is not None:
            ok, more = ck.all_at_least(new_cost, prior[2])
            if ok:
                return prior, ex_cost, int(more)
        return None, ex_cost, -1

    def wait(self) -> None:
        """Return once the weights match the held costs (a background customisation done);
        raises RuntimeError if that customisation failed (the next change retries it)."""
        with self._cond:
            self._wait_weights_locked()

    def _wait_weights_locked(self) -> None:
        while self._stale:
            if self._error is not None:
                raise RuntimeError(
                    f"re-customising the hierarchy failed: {self._error!r}"
                ) from self._error
            self._cond.wait()

    @property
    def current(self) -> bool:
        """Whether the hierarchy's weights match the held costs (no customisation running)."""
        return not self._stale

    def _lower_weights(self) -> Lower | None:
        """The held weights and the dirty marks, if the weights were ever exact: the arcs of
        nodes not marked then weigh at most what the held costs give them (every cost below
        them only went up since; a partial update given up half-way leaves each such arc at a
        minimum over its triangles' current values, no higher), else None (floor only)."""
        if not self._base:
            return None
        if self._prior is not None:
            p_up, p_dn = self._prior[0], self._prior[1]
        else:  # (no node is at level 1 then)
            assert self._floor is not None
            p_up, p_dn = self._floor.metric.w_up, self._floor.metric.w_dn
        for nodes, levels in self._pending:
            self._n_dirty += int(ck.mark_pending(self.hierarchy.parent, nodes, levels, self._dirty))
        self._pending.clear()
        return (self.w_up, self.w_dn, self._dirty, p_up, p_dn, int(self._everywhere))

    def _unchanged_locked(self, s: int, t: int) -> tuple[float, I32, int] | tuple[bool, I32]:
        """While the weights lag (the lock is held): the least route under an older picture
        whose costs are nowhere above the held ones, if none of its edges changed since (then
        it is least now; ``_cch_kernels.unchanged_route``). The older picture: the
        held weights' own costs if no cost went down since they were exact (no marks), else
        the prior's if no cost went below it. Most changes of a hundred zones leave a given
        route alone, and this answers those in one hierarchy query instead of a search.
        Otherwise (no older picture, or the route changed): whether the search should run
        backwards (from t: the change lies nearer it on the old route), and the old route
        (edge ids in travel order; none without an older picture): the search stops on its
        uncut rest (see :meth:`Floor.search`)."""
        if not self._base:
            return False, _NO_ROUTE
        lowered = self._n_dirty > 0 or bool(self._pending) or self._everywhere
        if self._ex_cost is not None and not lowered:
            w_up, w_dn, old = self.w_up, self.w_dn, self._ex_cost
            mid_up, mid_dn = self.mid_up, self.mid_dn
        elif self._prior is not None and not self._below_prior:
            w_up, w_dn, old, mid_up, mid_dn = self._prior
        else:
            return False, _NO_ROUTE
        h, a, m = self.hierarchy, self.hierarchy.n_arcs, self.cost.shape[0]
        n = h.rank.shape[0]
        f, i = self._floats, self._ints  # (their distances and predecessors, as scratch)
        while True:  # (the route unpacked into the path buffer, doubled until it fits)
            path = self._path
            found, count, scanned, backward = ck.unchanged_route(
                h.rank, h.parent, h.up_ptr, h.up_head, h.tail, h.arc_eptr, h.arc_edges,
                h.edge_down, w_up, w_dn, mid_up, mid_dn, old, self.cost, s, t,
                f[2 * a + m : 2 * a + m + n], f[2 * a + m + n :], i[2 * a : 2 * a + n],
                i[2 * a + n :], path,
            )  # fmt: skip
            if count >= 0:
                break
            self._path = np.empty(max(64, 2 * path.shape[0]), np.int32)
        if scanned < 0:  # (the route stays in the path buffer until the next query)
            return bool(backward), path[:count]
        return found, path[:count].copy(), scanned

    def _answer_lagging(self, s: int, t: int) -> tuple[float, I32, int]:
        """The answer while the weights lag (the lock is held): the older picture's route if
        it still holds, else the floor search."""
        got = self._unchanged_locked(s, t)
        if len(got) == 3:
            self.answered_by = "unchanged"
            return got
        backward, route = got
        assert self._floor is not None
        self.answered_by = "floor"
        return self._floor.search(
            self.cost, s, t, self._lower_weights(), backward=backward, route=route
        )

    def _wait_locked(self) -> bool:
        """With the lock held: True if the floor search must answer (the weights lag and the
        floor is valid); otherwise waits for the weights (if they lag) and returns False."""
        if not self._stale:
            return False
        if self._floor is not None and self._floor_ok:
            return True
        self._wait_weights_locked()
        return False

    def _buffers(self, cost: F64) -> tuple[F64, I32]:
        """Fresh packed arrays for the query (``_cch_kernels.path_query``) holding ``cost``:
        distances inf, predecessors -1, weights not yet customised."""
        a, n, m = self.hierarchy.n_arcs, self.hierarchy.rank.shape[0], cost.shape[0]
        floats: F64 = np.empty(2 * a + m + 2 * n)
        ints: I32 = np.empty(2 * a + 2 * n, np.int32)
        ck.fill_buffers(floats, ints, np.ascontiguousarray(cost), a)
        return floats, ints

    def _bind(self, floats: F64, ints: I32) -> None:
        """Make ``floats``/``ints`` the held arrays; the names are views into them."""
        a, n = self.hierarchy.n_arcs, self.hierarchy.rank.shape[0]
        m = floats.shape[0] - 2 * a - 2 * n
        self._floats, self._ints = floats, ints
        self.w_up: F64 = floats[:a]
        self.w_dn: F64 = floats[a : 2 * a]
        self.cost = floats[2 * a : 2 * a + m]
        self.mid_up: I32 = ints[:a]
        self.mid_dn: I32 = ints[a : 2 * a]

    def _customise(self) -> None:
        self._customise_into(self._floats, self._ints)

    def _customise_into(self, floats: F64, ints: I32) -> None:
        h = self.hierarchy
        a, m = h.n_arcs, self.cost.shape[0]
        ck.customise(
            h.up_ptr, h.up_head, h.arc_eptr, h.arc_edges, h.edge_down, floats[2 * a : 2 * a + m],
            floats[:a], floats[a : 2 * a], ints[:a], ints[a : 2 * a],
        )  # fmt: skip

    def shortest(self, s: int, t: int) -> tuple[float, I32, int]:
        """(cost summed along the path, edge ids, nodes scanned); inf and no edges if none."""
        with self._lock:
            if self._stale and self._wait_locked():
                return self._answer_lagging(s, t)
            self.answered_by = "cch"
            return self._path_locked(s, t)

    def checked(self, cost: F64, s: int, t: int) -> tuple[float, I32, int, str] | None:
        """As :meth:`shortest`, with the search that answered (``"cch"`` or ``"floor"``), if
        ``cost`` (contiguous float64) equals the held costs, else None (then :meth:`sync`
        first). The comparison and the query are one compiled call: this is the router's
        path on every query, where each step of Python costs as much as a town's search."""
        with self._lock:
            if self._stale and self._wait_locked():
                assert self._floor is not None
                if not np.array_equal(cost, self.cost):
                    return None
                return (*self._answer_lagging(s, t), self.answered_by)
            self.answered_by = "cch"
            path = self._path
            total, count, scanned = ck.path_query(
                self.hierarchy.packed, self._ints, self._floats, cost, s, t, path, True
            )
            if count >= 0 and scanned >= 0:
                return (total, path[:count].copy(), scanned, "cch")
            if scanned < 0:
                return None
            return (*self._path_locked(s, t), "cch")  # (a path too long for the buffer)

    def _path_locked(self, s: int, t: int) -> tuple[float, I32, int]:
        """The hierarchy's query (the lock is held, the weights current), the path buffer
        doubled until the path fits."""
        while True:
            path = self._path
            total, count, scanned = ck.path_query(
                self.hierarchy.packed, self._ints, self._floats, self.cost, s, t, path, False
            )
            if count >= 0:
                return total, path[:count].copy(), scanned
            self._path = np.empty(max(64, 2 * path.shape[0]), np.int32)

    def many_to_many(
        self,
        sources: NDArray[np.integer],
        targets: NDArray[np.integer],
        a: F64,
        b: F64,
        *,
        unpack: bool = False,
    ) -> tuple[F64, F64, F64]:
        """Costs from each source to each target, and the sums of per-edge ``a`` and ``b``
        along each least-cost route (inf where there is none).

        The sums are carried through the hierarchy (``_cch_kernels.carry_arc``: per arc and
        direction, along the lower triangle that gave its weight, for the arcs the searches
        need) and along the searches, so no route is unpacked; they are those of the route a
        point query returns (see ``_cch_kernels.many_to_many_carried``), added in another
        order. ``unpack``: the
        former way, every route unpacked into its edges and summed along it (kept as the
        same-route reference of the tests and the benchmark's A/B)."""
        h = self.hierarchy
        rs = h.rank[np.asarray(sources, np.int64)]
        rt = h.rank[np.asarray(targets, np.int64)]
        shape = (rs.shape[0], rt.shape[0])
        out_cost, out_a, out_b = np.empty(shape), np.empty(shape), np.empty(shape)
        av = np.ascontiguousarray(a, np.float64)
        bv = np.ascontiguousarray(b, np.float64)
        if av.shape != self.cost.shape or bv.shape != self.cost.shape:
            raise ValueError(f"per-edge values must have shape {self.cost.shape}")
        with self._lock:
            self._wait_weights_locked()  # the matrix needs the weights (no floor variant)
            if unpack:
                ck.many_to_many(
                    h.parent, h.up_ptr, h.up_head, h.tail, self.w_up, self.w_dn, self.mid_up,
                    self.mid_dn, self.cost, rs, rt, av, bv, out_cost, out_a, out_b,
                )  # fmt: skip
                return out_cost, out_a, out_b
            ck.many_to_many_carried(
                h.parent, h.up_ptr, h.up_head, h.tail, self.w_up, self.w_dn, self.mid_up,
                self.mid_dn, av, bv, rs, rt, out_cost, out_a, out_b,
            )  # fmt: skip
        return out_cost, out_a, out_b

    #: :meth:`many_to_many_costs`' distances by rank, inf between calls (made on first use)
    _costs_dist: F64 | None = None

    def many_to_many_costs(self, sources: NDArray[np.integer], targets: NDArray[np.integer]) -> F64:
        """Least costs from each source to each target (inf where there is none), without
        unpacking the routes: for callers that need only costs (an ensemble's samples), at a
        fraction of :meth:`many_to_many`'s time on a large network. Each is the hierarchy's
        meeting sum of arc weights: the route's cost up to rounding in the last bits, and the
        same bits for the same weights, so compare it exactly only with costs from here."""
        h = self.hierarchy
        src = np.asarray(sources, np.int64)  # no copy for int64 (called once per sample)
        dst = np.asarray(targets, np.int64)
        out: F64 = np.empty((src.shape[0], dst.shape[0]))
        with self._lock:
            if self._stale:  # the meeting needs the weights (no floor variant)
                self._wait_weights_locked()
            dist = self._costs_dist
            if dist is None:
                dist = self._costs_dist = np.full(h.rank.shape[0], np.inf)
            ok = ck.many_to_many_costs(
                h.rank, h.parent, h.up_ptr, h.up_head, self.w_up, self.w_dn, src, dst, dist, out
            )
        if not ok:
            raise ValueError(f"a node outside 0..{h.rank.shape[0] - 1}")
        return out

    def sync(self, cost: F64, *, max_changed: int) -> int:
        """Bring the held costs in line with ``cost`` (an O(m) comparison): re-customise the
        arcs above the edges that differ, or everything when more than ``max_changed`` do.
        Returns how many edges differed."""
        c = np.asarray(cost, dtype=np.float64)
        if c.shape != self.cost.shape:
            raise ValueError(f"cost has shape {c.shape}, expected {self.cost.shape}")
        out = np.empty(max(1, max_changed), np.int64)
        count = int(ck.diff_edges(c, self.cost, out))
        if count == 0:
            return 0
        if count <= max_changed:
            self.update(out[:count], c)
            return count
        if (c < 0).any() or np.isnan(c).any():
            raise ValueError("costs must be non-negative numbers")
        with self._lock:
            self._mark_dirty(np.flatnonzero(c < self.cost))
            self.cost[:] = c
            if self._floor is not None:
                self._floor_ok = self._floor.admits(self.cost)
            self._customise_locked()
        return count
