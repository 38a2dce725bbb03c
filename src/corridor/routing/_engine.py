"""The query engine: one reusable workspace per network, exact point-to-point searches.

``Router.shortest`` answers with any per-edge cost array (``inf`` = closed) by one of three
exact methods:

- ``"cch"``: the customizable contraction hierarchy (``_cch``): metric-independent preprocessing
  once per network, a customisation per cost array that later hazard changes update in part,
  then queries that touch only the elimination-tree ancestors of the two ends. Its speed does
  not depend on the hazard picture. On large networks a new cost array and large changes are
  customised in the background; until then a route from an older picture none of whose
  edges changed is still the least (``PathResult.method`` ``"unchanged"``), and any other
  answer comes from A* guided by the hierarchy's distances (``"floor"``), exact as well.
  ``"auto"`` uses it whenever the router has a hierarchy (built lazily on networks up to
  ``AUTO_HIERARCHY_NODES`` nodes, or by :meth:`Router.prepare`).
- ``"alt"``: bidirectional A* with landmark bounds on travel time; ``"dijkstra"``:
  bidirectional Dijkstra. Without a hierarchy ``"auto"`` picks between these two by timing
  them (:class:`MethodChoice`): the first few queries of each degree of cost inflation run
  both on the same pair, and the faster is kept for that degree from then on. Hazards inflate
  costs and loosen ALT's time-only bounds, but where the balance tips depends on the network,
  on where the hazards lie and on the machine, which no fixed threshold caught.

The router keeps a few customised cost arrays (metrics); a query compares its cost array with
the metric it last used for that array (one O(m) pass) and re-customises only above the edges
that differ, so hazard updates written into a cost array in place are always seen. Callers
that announce their changes (:meth:`Router.metric` then :meth:`Metric.update`) skip the pass.
"""

from __future__ import annotations

import math
import statistics
import threading
import time
import weakref
from collections.abc import Callable
from typing import Literal, NamedTuple

import numpy as np
from numpy.typing import NDArray

from corridor.network import Network
from corridor.routing import _kernels as k
from corridor.routing import _query as q
from corridor.routing._cch import Floor, Hierarchy, Metric
from corridor.routing._landmarks import Landmarks, compute_landmarks

Method = Literal["auto", "dijkstra", "alt", "cch"]
F64 = NDArray[np.float64]
I32 = NDArray[np.int32]

# Measured (benchmarks/bench_routing.py, interleaved): without hazards ALT is ~2.5x faster than
# bidirectional Dijkstra on the ~800-node OSM towns and ~11x on the 1.4M-edge grid; with many
# edges inflated its time-only bounds get loose and it is up to ~2x slower. Where it tips was
# first ruled by the share of inflated edges, then by the mean inflation of a fixed sample of
# edges (each edge's cost / travel time capped at INFLATION_CAP, ``_kernels.inflation``); both
# picked the slower method somewhere (choice2 in docs/benchmarks.md: the towns tip near a mean
# of 2.5, the 100k region between 2.8 and 5.2, and a few pictures break any order). The
# inflation now only names the degree of inflation (a bucket) whose timings decide.
SAMPLE_EDGES = 512
# The two former rules (kept for the benchmark that compares them): Dijkstra above this share
# of sampled edges costing more than 1.1 x their travel time; Dijkstra above this mean capped
# inflation (with every inflated edge at the cap it is the same 30 %).
ALT_MAX_INFLATED_SHARE = 0.3
ALT_MAX_INFLATION = 1.0 + ALT_MAX_INFLATED_SHARE * (k.INFLATION_CAP - 1.0)
INFLATION_CAP = k.INFLATION_CAP
# Pairs timed with both methods per inflation bucket before the faster is kept: the median of
# the per-pair time ratios decides (a query or two slowed by the scheduler do not) after
# TRIAL_PAIRS if one method is faster by CLEAR_RATIO, else after TRIAL_PAIRS_MAX (a close
# call needs more pairs to come out right, and costs little either way).
TRIAL_PAIRS = 5
TRIAL_PAIRS_MAX = 15
CLEAR_RATIO = 1.25
# Up to this mean inflation ALT answers untimed: in every such picture measured (mean 1.01-1.31;
# the towns with up to 63 % of edges dearer, the 100k region with up to 45 %) it was 1.4-17x
# faster, and a trial there is mostly the slow Dijkstra run twice over (choice2 in
# docs/benchmarks.md).
ALT_UNTIMED_INFLATION = 1.3
# Buckets of the mean inflation, a factor of 1.05 apart: the 1-10 range holds 48 of them, so
# a network's router runs at most 720 pairs twice over its whole life.
INFLATION_BUCKET = 1.05
# "auto" builds the hierarchy on first use up to this size (Krems: 10 ms, 100k nodes: ~6 s);
# larger networks build it on request (Router.prepare), as an import or a service start does.
AUTO_HIERARCHY_NODES = 150_000
# a cost array differing from a held metric in more than this share of edges is customised
# from scratch (cheaper than re-customising nearly every arc one by one)
SYNC_MAX_CHANGED_SHARE = 0.02
METRIC_SLOTS = 4  # customised cost arrays kept per router (fastest and safest, plans...)
# Hierarchies whose full customisation has more lower triangles than this (0.05-0.1 s; the
# 100k-node region has 5.7M, the 1M-node region 54M, the towns a few thousand) get a
# travel-time floor metric, so that their metrics re-customise after large hazard changes in
# the background while queries are answered by the floor's A* (see ``_cch.Floor``).
FLOOR_MIN_TRIANGLES = 2_000_000


class PathResult(NamedTuple):
    """A least-cost path: its summed cost (inf if none), edge ids, nodes settled or scanned,
    and the method that answered. A named tuple (it was a frozen dataclass): immutable as
    before, and made in one C call, which matters on a query of a few microseconds."""

    cost: float
    edges: I32
    settled: int
    method: str


# tuple.__new__ straight, without the named tuple's Python-level __new__
_new_result: Callable[[type[PathResult], tuple[float, I32, int, str]], PathResult] = tuple.__new__


class MethodChoice:
    """Which of ALT and bidirectional Dijkstra answers faster, learned per degree of cost
    inflation (a bucket of the mean capped inflation, :data:`INFLATION_BUCKET` wide).

    Without hazards, or with costs inflated little (a mean of at most
    :data:`ALT_UNTIMED_INFLATION`), ALT's bounds are tight or nearly so and it wins on every
    network measured, by 1.4-17x: no trial. Otherwise the first queries in a
    bucket run both methods on the same pair (which one runs first alternates, so that
    neither always finds the caches warm), until the median of the per-pair time ratios
    says which is faster: after :data:`TRIAL_PAIRS` pairs if by :data:`CLEAR_RATIO` or more,
    else after :data:`TRIAL_PAIRS_MAX`. That method then answers every later query in the
    bucket. The timings are handed in (:meth:`record`): the logic is tested with made-up ones.
    Not thread-safe: the router calls it under its lock."""

    def __init__(self) -> None:
        self._ratios: dict[int, list[float]] = {}  # log(ALT time / Dijkstra time) per pair
        self._decided: dict[int, Literal["alt", "dijkstra"]] = {}

    @staticmethod
    def bucket(inflation: float) -> int:
        if not inflation > 1e-9:  # also NaN, from a NaN cost: one bucket of its own
            return _LOWEST_BUCKET
        return math.floor(math.log(inflation) / _LOG_BUCKET)

    def pick(self, inflation: float) -> Literal["alt", "dijkstra"] | None:
        """The method for costs of this inflation, or None while it is on trial."""
        if inflation <= ALT_UNTIMED_INFLATION:
            return "alt"
        return self._decided.get(self.bucket(inflation))

    def first(self, inflation: float) -> Literal["alt", "dijkstra"]:
        """On trial: the method that runs first on the next pair (and answers it)."""
        done = len(self._ratios.get(self.bucket(inflation), ()))
        return "alt" if done % 2 == 0 else "dijkstra"

    def record(self, inflation: float, alt_ns: float, dijkstra_ns: float) -> None:
        """One pair's times (any unit, both the same); decides after :data:`TRIAL_PAIRS`."""
        b = self.bucket(inflation)
        if b in self._decided:
            return
        ratios = self._ratios.setdefault(b, [])
        ratios.append(math.log(max(alt_ns, 1e-9) / max(dijkstra_ns, 1e-9)))
        if len(ratios) < TRIAL_PAIRS:
            return
        median = statistics.median(ratios)
        if abs(median) >= _LOG_CLEAR or len(ratios) >= TRIAL_PAIRS_MAX:
            self._decided[b] = "alt" if median <= 0.0 else "dijkstra"
            del self._ratios[b]


_LOG_BUCKET = math.log(INFLATION_BUCKET)
_LOG_CLEAR = math.log(CLEAR_RATIO)
_LOWEST_BUCKET = math.floor(math.log(1e-9) / _LOG_BUCKET) - 1


class Router:
    """Exact shortest paths over one network with reusable work arrays (not re-entrant: locked)."""

    def __init__(
        self,
        network: Network,
        *,
        landmarks: Landmarks | None = None,
        hierarchy: Hierarchy | None = None,
        use_hierarchy: bool | None = None,
    ) -> None:
        """``use_hierarchy``: whether ``method="auto"`` answers with the contraction hierarchy
        (None: when one is given or the network is small enough to build one lazily)."""
        n, m = network.n_nodes, network.n_edges
        # a weak reference: router_for caches routers in a WeakKeyDictionary keyed by the
        # network, and a strong one here would keep every network alive for ever
        self._network = weakref.ref(network)
        self._landmarks = landmarks
        # a fixed sample of edges estimates the cost inflation in O(1) per query
        rng = np.random.default_rng(0)
        self._sample = np.sort(rng.choice(m, size=min(m, SAMPLE_EDGES), replace=False))
        self._sample_time = network.edge_time_s[self._sample].astype(np.float64)
        # the static graph packed in one array, the work arrays in two, so that a query passes
        # few arrays to the compiled entry point (each array argument costs a type check)
        self._graph = q.pack_graph(network)
        self.indptr, self.nbr, self.eid, self.rindptr, self.rnbr, self.reid, self.source = (
            q.graph_views(self._graph)
        )
        self._floats, self._ints = q.work_arrays(n, m)
        self._lock = threading.Lock()
        self._no_lm = np.zeros((1, 1), np.float32)
        self._choice = MethodChoice()
        self._hierarchy = hierarchy
        self._use_hierarchy = use_hierarchy
        self._hierarchy_lock = threading.Lock()
        self._floor: Floor | None = None
        # held metrics, most recently used last: (weak reference to the caller's array, metric)
        self._metrics: list[tuple[Callable[[], F64 | None], Metric]] = []
        # the last of them that answered a query for an array used as it is: (its weak
        # reference, the metric's Metric.checked), see shortest
        self._hot: tuple[Callable[[], F64 | None], _Checked] = (_dead, _unchecked)

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

    @property
    def hierarchy(self) -> Hierarchy:
        """The contraction hierarchy (built on first use; metric-independent)."""
        with self._hierarchy_lock:
            if self._hierarchy is None:
                self._hierarchy = Hierarchy.build(self.network)
            return self._hierarchy

    def prepare(self) -> Hierarchy:
        """Build the hierarchy now, so that ``"auto"`` uses it on any network size."""
        if self._use_hierarchy is False:
            self._use_hierarchy = None
        return self.hierarchy

    def uses_hierarchy(self) -> bool:
        """Whether ``method="auto"`` answers with the hierarchy."""
        if self._use_hierarchy is not None:
            return self._use_hierarchy
        return self._hierarchy is not None or self.network.n_nodes <= AUTO_HIERARCHY_NODES

    def metric(self, cost: F64) -> Metric:
        """A customised metric for ``cost``, handed over to the caller: a held one brought up
        to date (re-customised above the edges that differ) or a new one, which the router
        then no longer holds, so that no other caller's query can re-customise it for another
        array. It keeps its own copy of the costs; announce later changes to it with
        :meth:`Metric.update`."""
        with self._lock:
            metric = self._metric_locked(np.ascontiguousarray(cost, dtype=np.float64))
            self._metrics.pop()  # the one just used is last
            if getattr(self._hot[1], "__self__", None) is metric:
                self._hot = (_dead, _unchecked)
            return metric

    def many_to_many(
        self, cost: F64, sources: NDArray[np.integer], targets: NDArray[np.integer], a: F64, b: F64
    ) -> tuple[F64, F64, F64]:
        """Costs from each source to each target with the hierarchy, and the sums of per-edge
        ``a`` and ``b`` along each route (see :meth:`Metric.many_to_many`)."""
        c = np.ascontiguousarray(cost, dtype=np.float64)
        with self._lock:
            return self._metric_locked(c).many_to_many(sources, targets, a, b)

    def _metric_locked(self, cost: F64, *, sync: bool = True) -> Metric:
        hierarchy = self.hierarchy
        slot = -1
        for i, (ref, _) in enumerate(self._metrics):
            if ref() is cost:
                slot = i
        if slot < 0:  # a dead caller array's metric (a fresh array is often the same costs)
            for i in range(len(self._metrics) - 1, -1, -1):
                if self._metrics[i][0]() is None:
                    slot = i
                    break
        if slot < 0 and len(self._metrics) >= METRIC_SLOTS:
            slot = 0  # the least recently used
        if slot < 0:
            metric = Metric(hierarchy, cost, self._floor_of(hierarchy))
        else:
            metric = self._metrics.pop(slot)[1]
            if sync:
                self._sync(metric, cost)
        self._metrics.append((_weak(cost), metric))
        return metric

    def wait(self) -> None:
        """Return once every metric the router holds has caught up with its costs (large
        changes re-customise in the background; queries meanwhile are exact but slower)."""
        with self._lock:
            held = [metric for _, metric in self._metrics]
        for metric in held:
            metric.wait()

    @property
    def floor(self) -> Floor | None:
        """The travel-time floor of the hierarchy, if it is large enough to have one."""
        return self._floor_of(self.hierarchy)

    def _floor_of(self, hierarchy: Hierarchy) -> Floor | None:
        """The travel-time floor of a large hierarchy (customised on first use), else None."""
        if hierarchy.n_triangles <= FLOOR_MIN_TRIANGLES:
            return None
        with self._hierarchy_lock:
            if self._floor is None or self._floor.metric.hierarchy is not hierarchy:
                self._floor = Floor(hierarchy, self.network)
            return self._floor

    @staticmethod
    def _sync(metric: Metric, cost: F64) -> None:
        metric.sync(cost, max_changed=max(64, int(SYNC_MAX_CHANGED_SHARE * cost.shape[0])))

    def inflation(self, cost: F64) -> float:
        """The sampled edges' mean capped cost inflation (1.0 without hazards)."""
        c = np.ascontiguousarray(cost, dtype=np.float64)
        return float(k.inflation(c, self._sample, self._sample_time))

    def choose(self, cost: F64) -> Literal["dijkstra", "alt"] | None:
        """The method ``"auto"`` uses for ``cost`` without a hierarchy: the one timed faster
        for costs inflated as much (:class:`MethodChoice`), or None while that is on trial."""
        inflation = self.inflation(cost)
        with self._lock:
            return self._choice.pick(inflation)

    def shortest(self, cost: F64, s: int, t: int, *, method: Method = "auto") -> PathResult:
        """Least-cost path from node ``s`` to node ``t``; cost ``inf`` and no edges if none.

        Every method is exact; ``"auto"`` (see module doc) picks the fastest available."""
        # As little Python as possible on the way to the compiled call: on a town the search
        # is a few microseconds, and between the queries of a planner (or of a benchmark's
        # peers) the interpreter's own code and data fall out of the caches, so that each
        # step here costs several times what it does in a tight loop. The array of the last
        # hierarchy query (the common case) goes straight to its metric, without the
        # router's lock: the metric compares the costs and searches in one call under its
        # own lock, so the answer is exact for ``cost`` even if another thread has since
        # taken that metric for other costs (the comparison then fails, and the locked way
        # below finds or makes the right metric).
        ref, checked = self._hot
        if ref() is cost and method in {"auto", "cch"}:
            got = checked(cost, s, t)
            if got is not None:
                return _new_result(PathResult, got)
        if method == "cch" or (method == "auto" and self.uses_hierarchy()):
            with self._lock:
                metrics = self._metrics
                if metrics and metrics[-1][0]() is cost:
                    # the array of the previous query (the common case), already checked to
                    # be contiguous float64 when it was first seen
                    c, metric = cost, metrics[-1][1]
                else:
                    c = cost
                    if c.dtype != np.float64 or not c.flags.c_contiguous:
                        c = np.ascontiguousarray(cost, dtype=np.float64)
                    metric = self._metric_locked(c, sync=False)
                # one compiled call compares the costs and, if they are the held ones, searches
                got = metric.checked(c, s, t)
                if got is None:
                    self._sync(metric, c)
                    got = (*metric.shortest(s, t), metric.answered_by)
                if c is cost and self.uses_hierarchy():  # ("auto" would come here too)
                    self._hot = (self._metrics[-1][0], metric.checked)
                return _new_result(PathResult, got)
        if method == "dijkstra":
            with self._lock:
                return self._run("dijkstra", cost, s, t)
        self.landmarks  # noqa: B018  (computed outside the lock on first use)
        if method == "alt":
            with self._lock:
                return self._run("alt", cost, s, t)
        inflation = self.inflation(cost)
        with self._lock:
            picked = self._choice.pick(inflation)
            if picked is not None:
                return self._run(picked, cost, s, t)
            # on trial: both methods on this pair, the first one's answer returned
            first = self._choice.first(inflation)
            found, first_ns = self._measure(first, cost, s, t)
            second_ns = self._measure("dijkstra" if first == "alt" else "alt", cost, s, t)[1]
            alt_ns, dijkstra_ns = (first_ns, second_ns) if first == "alt" else (second_ns, first_ns)
            self._choice.record(inflation, alt_ns, dijkstra_ns)
            return found

    def _measure(
        self, method: Literal["alt", "dijkstra"], cost: F64, s: int, t: int
    ) -> tuple[PathResult, float]:
        """A query and its wall time in ns (for the choice; the lock is held). Wall, not
        thread CPU time: the latter ticks in 15.6 ms steps on Windows. A query first clears
        what the previous one touched in the work arrays; that is done before the clock
        starts, or the second method of a pair would pay for the first one's search."""
        self._run("dijkstra", cost, s, s)  # clears, touches one node
        t0 = time.perf_counter_ns()
        found = self._run(method, cost, s, t)
        return found, float(time.perf_counter_ns() - t0)

    def _run(self, method: Literal["alt", "dijkstra"], cost: F64, s: int, t: int) -> PathResult:
        """ALT or bidirectional Dijkstra in the compiled query (the lock is held)."""
        if method == "alt":
            lm = self.landmarks
            mode, lm_from, lm_to = q.ALT, lm.dist_from, lm.dist_to
        else:
            mode, lm_from, lm_to = q.DIJKSTRA, self._no_lm, self._no_lm
        mu, edges, settled = k.query(
            self._graph, cost, lm_from, lm_to, self._floats, self._ints, s, t, mode
        )
        return _new_result(PathResult, (mu, edges, settled, method))

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


def _dead() -> None:
    return None


_Checked = Callable[[F64, int, int], tuple[float, I32, int, str] | None]


def _unchecked(cost: F64, s: int, t: int) -> None:
    return None


def _weak(cost: F64) -> Callable[[], F64 | None]:
    """A weak reference to ``cost``, or one that is always dead if it cannot be made."""
    try:
        return weakref.ref(cost)
    except TypeError:  # not a weak-referenceable array
        return _dead


_ROUTERS: weakref.WeakKeyDictionary[Network, Router] = weakref.WeakKeyDictionary()
_ROUTERS_LOCK = threading.Lock()


def router_for(
    network: Network, *, landmarks: Landmarks | None = None, hierarchy: Hierarchy | None = None
) -> Router:
    """The cached Router of ``network`` (landmarks and hierarchy built lazily when needed)."""
    with _ROUTERS_LOCK:
        router = _ROUTERS.get(network)
        if router is None:
            router = Router(network, landmarks=landmarks, hierarchy=hierarchy)
            _ROUTERS[network] = router
        else:
            if landmarks is not None and router._landmarks is None:
                router._landmarks = landmarks
            if hierarchy is not None and router._hierarchy is None:
                router._hierarchy = hierarchy
        return router
