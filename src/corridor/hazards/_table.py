"""The footprint entries of every held hazard, sorted by (edge, serial), for range lookups.

An update must cost in proportion to the edges it touches, not to every entry held: entries are
kept in one array sorted by ``edge << 32 | serial`` so the entries of a set of edges are found by
binary search. Serials grow in insertion order, so within an edge entries stay in hazard order
and sums come out bit-identical to a full recompute. Removal is lazy (the caller zeroes the
serial's weight); :meth:`compact` drops dead entries and renumbers serials in order.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from numba import njit
from numpy.typing import NDArray

F64 = NDArray[np.float64]
I32 = NDArray[np.int32]
I64 = NDArray[np.int64]
_SHIFT = np.int64(32)
_LOW = np.int64(0xFFFFFFFF)


@njit(cache=True)
def _probability(value, w, edge_share, max_risk):  # type: ignore[no-untyped-def]
    """One entry's probability: the one formula every combining kernel compiles, so that
    sums done elsewhere (ensembles) come out bit-identical to ``RiskModel``'s."""
    wj = min(w, max_risk)
    if edge_share:
        return min(value * wj, max_risk)
    return min(-np.expm1(value * np.log1p(-wj)), max_risk)


@njit(cache=True)
def _combine_entries(  # type: ignore[no-untyped-def]  # noqa: PLR0917
    edges, value, w, closing, edge_share, max_risk, acc, seen, risk, closed
):
    """Risk and closure of the edges of one list of entries, summed per edge in list order."""
    touched = np.empty(edges.size, np.int64)
    n = 0
    for i in range(edges.size):
        e = edges[i]
        if not seen[e]:
            seen[e] = True
            acc[e] = 0.0
            touched[n] = e
            n += 1
        acc[e] += np.log1p(-_probability(value[i], w[i], edge_share, max_risk))
        if closing[i]:
            closed[e] = True
    for k in range(n):
        e = touched[k]
        risk[e] = min(-np.expm1(acc[e]), max_risk)
        seen[e] = False
    return touched[:n]


def combine_entries(
    edges: NDArray[np.integer],
    value: F64,
    weight: F64,
    closing: NDArray[np.bool_],
    *,
    scratch: tuple[F64, NDArray[np.bool_]],
    risk: F64,
    closed: NDArray[np.bool_],
    edge_share: bool = False,
    max_risk: float,
) -> I64:
    """Write into ``risk``/``closed`` the picture of one list of (edge, value, weight,
    closing) entries, in hazard order, with exactly ``RiskModel``'s float operations (the
    same compiled code, not numpy's vector maths, which can differ in the last bit).

    ``scratch`` is an (accumulator, seen) pair of edge-sized arrays, ``seen`` all False;
    returns the distinct edges written (the caller resets them before the next list).
    """
    acc, seen = scratch
    touched: I64 = _combine_entries(
        edges, value, weight, closing, edge_share, max_risk, acc, seen, risk, closed
    )
    return touched


@njit(cache=True)
def _recombine(  # type: ignore[no-untyped-def]  # noqa: PLR0917
    key, value, w, closing, touched, mark, stamp, risk, closed, edge_share, max_risk
):
    """Recompute ``risk``/``closed`` in place for the distinct edges of ``touched``; returns
    the edges whose value changed, ascending.

    Distinct edges through ``mark`` (``mark[e] == stamp``: seen in this call), then per edge
    a binary search into the sorted keys from where the previous edge ended, its rows summed
    in row order (so an incremental update is bit-equal to a full recompute).
    """
    edges = np.empty(touched.size, np.int64)
    n = 0
    for i in range(touched.size):
        e = touched[i]
        if mark[e] != stamp:
            mark[e] = stamp
            edges[n] = e
            n += 1
    edges = np.sort(edges[:n])
    changed = np.empty(n, np.int32)
    m = 0
    lo = 0
    for i in range(n):
        e = edges[i]
        target = e << 32
        hi = key.size
        while lo < hi:
            mid = (lo + hi) >> 1
            if key[mid] < target:
                lo = mid + 1
            else:
                hi = mid
        s = 0.0
        shut = False
        j = lo
        while j < key.size and (key[j] >> 32) == e:
            serial = key[j] & 0xFFFFFFFF
            s += np.log1p(-_probability(value[j], w[serial], edge_share, max_risk))
            if closing[serial]:
                shut = True
            j += 1
        r = min(-np.expm1(s), max_risk)
        lo = j
        if r != risk[e] or shut != closed[e]:
            risk[e] = r
            closed[e] = shut
            changed[m] = e
            m += 1
    return changed[:m]


class EntryTable:
    """(edge, serial) -> value rows, sorted by edge then serial."""

    def __init__(self) -> None:
        self.key: I64 = np.zeros(0, dtype=np.int64)
        self.value: F64 = np.zeros(0, dtype=np.float64)

    def __len__(self) -> int:
        return int(self.key.size)

    @property
    def serial(self) -> I64:
        return self.key & _LOW

    def insert(self, serials: Sequence[int], edges: Sequence[I32], values: Sequence[F64]) -> None:
        """Add the entries of hazards with the given (new, unused) serials."""
        if not serials:
            return
        keys = np.concatenate(
            [
                (e.astype(np.int64) << _SHIFT) | np.int64(s)
                for s, e in zip(serials, edges, strict=True)
            ]
        )
        vals = np.concatenate(list(values))
        order = np.argsort(keys, kind="stable")
        keys, vals = keys[order], vals[order]
        pos = np.searchsorted(self.key, keys)
        self.key = np.insert(self.key, pos, keys)
        self.value = np.insert(self.value, pos, vals)

    def gather(self, edges: I32) -> tuple[I64, I64]:
        """(row index, position of its edge in ``edges``) of every row on the sorted ``edges``."""
        e = edges.astype(np.int64)
        lo = np.searchsorted(self.key, e << _SHIFT)
        hi = np.searchsorted(self.key, (e + 1) << _SHIFT)
        counts = hi - lo
        total = int(counts.sum())
        starts = np.cumsum(counts) - counts
        rows = np.repeat(lo, counts) + np.arange(total) - np.repeat(starts, counts)
        local = np.repeat(np.arange(e.size), counts)
        return rows.astype(np.int64), local.astype(np.int64)

    def recombine(
        self,
        touched: I32,
        w: F64,
        closing: NDArray[np.bool_],
        *,
        mark: I32,
        stamp: int,
        risk: F64,
        closed: NDArray[np.bool_],
        edge_share: bool,
        max_risk: float,
    ) -> I32:
        """Update ``risk`` (1 - prod(1 - p) over the rows, p capped at ``max_risk``) and
        ``closed`` of the distinct ``touched`` edges in place, with per-serial weights ``w``
        and closing flags; returns the edges that changed. ``mark`` is a per-edge scratch
        array whose entries never equal ``stamp`` before the call."""
        changed: I32 = _recombine(
            self.key, self.value, w, closing, touched, mark, stamp, risk, closed,
            edge_share, max_risk,
        )  # fmt: skip
        return changed

    def compact(self, alive: NDArray[np.bool_]) -> I64:
        """Drop rows of dead serials; returns the new serial of each old one (-1 if dead)."""
        renumber = np.where(alive, np.cumsum(alive) - 1, -1).astype(np.int64)
        keep = alive[self.serial]
        key = self.key[keep]
        self.key = (key & ~_LOW) | renumber[key & _LOW]
        self.value = self.value[keep]
        return renumber
