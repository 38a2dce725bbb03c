"""ALT landmarks: lower bounds on travel time from the hazard-free network.

Hazards only ever raise an edge's cost or close it, so bounds computed once on plain travel
times stay admissible under every hazard picture (Goldberg and Harrelson 2005). Landmarks are
chosen by farthest selection; distances are stored as float32 ``(n_nodes, count)`` arrays, node
major, so that one node's bounds share a cache line.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from corridor.network import Network
from corridor.routing import _kernels as k

DEFAULT_LANDMARKS = 16
EXTRA_FROM = "routing_landmarks_from"  # names in a network file's extras
EXTRA_TO = "routing_landmarks_to"


@dataclass(frozen=True)
class Landmarks:
    """``dist_from[v, i]`` = time from landmark i to v; ``dist_to[v, i]`` = time from v to it."""

    nodes: NDArray[np.int32]
    dist_from: NDArray[np.float32]
    dist_to: NDArray[np.float32]

    def as_extras(self) -> dict[str, NDArray[Any]]:
        """Arrays for ``write_network(..., extra=...)``."""
        return {EXTRA_FROM: self.dist_from, EXTRA_TO: self.dist_to}

    @classmethod
    def from_extras(cls, network: Network, extras: dict[str, NDArray[Any]]) -> Landmarks | None:
        a, b = extras.get(EXTRA_FROM), extras.get(EXTRA_TO)
        shape_ok = a is not None and b is not None and a.shape == b.shape and a.ndim == 2
        if not shape_ok or a is None or b is None or a.shape[0] != network.n_nodes:
            return None
        nodes = np.argmin(np.asarray(a), axis=0).astype(np.int32)  # each is 0 from itself
        return cls(
            nodes=nodes, dist_from=np.asarray(a, np.float32), dist_to=np.asarray(b, np.float32)
        )


def compute_landmarks(
    network: Network, *, count: int = DEFAULT_LANDMARKS, seed: int = 0
) -> Landmarks:
    """Farthest selection: each new landmark maximises its distance to the ones chosen so far."""
    n, m = network.n_nodes, network.n_edges
    count = max(1, min(count, n))
    cost = network.edge_time_s.astype(np.float64)
    indptr = np.asarray(network.indptr)
    fwd_nbr = np.asarray(network.edge_target)
    fwd_eid = np.arange(m, dtype=np.int32)
    rev_indptr = np.asarray(network.rev_indptr)
    rev_eid = np.asarray(network.rev_edges)
    rev_nbr = np.asarray(network.edge_source)[rev_eid]
    hkey = np.empty(m + 1, np.float64)
    hval = np.empty(m + 1, np.int32)
    pred = np.empty(n, np.int32)
    dist = np.empty(n, np.float64)

    def run(source: int, backward: bool) -> NDArray[np.float64]:
        dist.fill(np.inf)
        if backward:
            k.one_to_all(rev_indptr, rev_nbr, rev_eid, cost, source, dist, pred, hkey, hval)
        else:
            k.one_to_all(indptr, fwd_nbr, fwd_eid, cost, source, dist, pred, hkey, hval)
        return dist.copy()

    dist_from = np.empty((n, count), np.float32)
    dist_to = np.empty((n, count), np.float32)
    start = int(np.random.default_rng(seed).integers(n))
    d0 = run(start, False)
    nearest = np.where(np.isfinite(d0), d0, -1.0)
    nodes: list[int] = []
    score = nearest
    for i in range(count):
        node = int(np.argmax(score))
        nodes.append(node)
        f, b = run(node, False), run(node, True)
        dist_from[:, i] = f
        dist_to[:, i] = b
        both = np.where(np.isfinite(f) & np.isfinite(b), f + b, 0.0)
        score = both if i == 0 else np.minimum(score, both)
        score[nodes] = -1.0
    return Landmarks(nodes=np.asarray(nodes, np.int32), dist_from=dist_from, dist_to=dist_to)
