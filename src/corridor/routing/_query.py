"""The packed arrays of the per-query compiled entry point ``_kernels.query``.

On an ~800-node town a whole query is ~10 microseconds of search, so the Python-side cost of a
call matters: numba type-checks and unboxes every array argument on every call. The router
therefore packs its static graph into one int32 array and its work arrays into one float64 and
one int32 array, and ``_kernels.query`` resets the previous query's touched nodes, picks the
active landmarks, searches and unpacks the path in one call. (``query`` lives in ``_kernels``
beside every compiled function it calls: numba's on-disk cache only notices changes to the
file of the function it caches.)

Packed layouts (``n`` nodes, ``m`` edges, ``cap = m + 2`` heap slots):

- graph (int32): ``[n, m, indptr (n+1), nbr (m), eid (m), rindptr (n+1), rnbr (m), reid (m),
  source (m)]``;
- floats (float64): ``[dist_f (n), dist_b (n), pot (n), hkey_f (cap), hkey_b (cap)]``;
- ints (int32): ``[n_touched_f, n_touched_b, pred_f (n), pred_b (n), touched_f (n),
  touched_b (n), hval_f (cap), hval_b (cap), active (ACTIVE_LANDMARKS)]``.
"""

from __future__ import annotations

import itertools

import numpy as np
from numpy.typing import NDArray

from corridor.network import Network
from corridor.routing._kernels import ALT, DIJKSTRA, HEAD

__all__ = [
    "ACTIVE_LANDMARKS",
    "ALT",
    "DIJKSTRA",
    "HEAD",
    "graph_views",
    "pack_graph",
    "work_arrays",
]

ACTIVE_LANDMARKS = 6  # landmarks used per ALT query


def pack_graph(network: Network) -> NDArray[np.int32]:
    """The static graph in one array (the forward edge ids are the identity)."""
    n, m = network.n_nodes, network.n_edges
    head = np.array([n, m])
    eid = np.arange(m, dtype=np.int32)
    rnbr = np.asarray(network.edge_source)[network.rev_edges]
    parts = (
        head,
        network.indptr,
        network.edge_target,
        eid,
        network.rev_indptr,
        rnbr,
        network.rev_edges,
        network.edge_source,
    )
    return np.concatenate([np.asarray(p, dtype=np.int32) for p in parts])


def graph_views(graph: NDArray[np.int32]) -> tuple[NDArray[np.int32], ...]:
    """``(indptr, nbr, eid, rindptr, rnbr, reid, source)`` as views into ``graph``."""
    n, m = int(graph[0]), int(graph[1])
    sizes = (n + 1, m, m, n + 1, m, m, m)
    bounds = np.cumsum((HEAD, *sizes))
    return tuple(graph[a:b] for a, b in itertools.pairwise(bounds.tolist()))


def work_arrays(n: int, m: int) -> tuple[NDArray[np.float64], NDArray[np.int32]]:
    """Fresh work arrays: distances infinite, predecessors -1, potentials not yet computed."""
    cap = m + 2
    floats = np.empty(3 * n + 2 * cap)
    floats[: 2 * n] = np.inf
    floats[2 * n : 3 * n] = np.nan
    ints = np.zeros(HEAD + 4 * n + 2 * cap + ACTIVE_LANDMARKS, np.int32)
    ints[HEAD : HEAD + 2 * n] = -1
    return floats, ints
