# ruff: noqa: PLR0917  (numba kernels take flat positional arrays; keywords do not compile)
"""The footprint rows of every held hazard, chained per edge in hazard order.

An update must cost in proportion to the edges it touches, not to every row held. A hazard's
rows (one per edge of its footprint: the exposure, and the cached term ``log1p(-p)`` of its
probability at the current weight) take one block of consecutive slots, and each row is linked
into a doubly linked chain of its edge's rows. New hazards are appended at the chains' tails, so
a chain lists its rows in the order the hazards were added, which is the order a full recompute
adds them: the per-edge sums are bit-identical to it. Removal unlinks a block in place; dead
slots are reclaimed by :meth:`EntryTable.compact`. Every edge whose chain or row changed is
marked in a bitmap; :meth:`EntryTable.flush` recomputes the marked edges in ascending order.

Before: rows in one array sorted by ``edge << 32 | serial``, so each insert was two
``np.insert`` of the whole table and each recombination a sort of the touched edges and a
binary search per edge (about 8 ms of a 100-zone change on a million-node region).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from numba import njit
from numpy.typing import NDArray

F64 = NDArray[np.float64]
I32 = NDArray[np.int32]
I64 = NDArray[np.int64]


@njit(cache=True)
def _probability(value, w, edge_share, max_risk):  # type: ignore[no-untyped-def]
    """One entry's probability: the one formula every combining kernel compiles, so that
    sums done elsewhere (ensembles) come out bit-identical to ``RiskModel``'s."""
    wj = min(w, max_risk)
    if edge_share:
        return min(value * wj, max_risk)
    return min(-np.expm1(value * np.log1p(-wj)), max_risk)


@njit(cache=True)
def _risk_of(log_survive, max_risk):  # type: ignore[no-untyped-def]
    """An edge's risk from the sum of its rows' ``log1p(-p)``: ``0.0 - expm1(s)``, not
    ``-expm1(s)``. Rows that all weigh 0 (hazards expired or not yet valid) sum to +0.0, whose
    negated expm1 is -0.0: an edge whose hazards expired read -0.0 ("-0.00" when printed) where
    a full recompute, which never writes such an edge, leaves +0.0. Subtracting from +0.0 gives
    +0.0 there and is exact negation for every other value, so no other bit changes."""
    return min(0.0 - np.expm1(log_survive), max_risk)


@njit(cache=True)
def _combine_entries(  # type: ignore[no-untyped-def]
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
        risk[e] = _risk_of(acc[e], max_risk)
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
def _term(value, lw, wj, edge_share, max_risk):  # type: ignore[no-untyped-def]
    """``log1p(-_probability(value, w))`` with ``lw = log1p(-min(w, max_risk))`` and
    ``wj = min(w, max_risk)`` taken once per hazard: the same operations in the same order
    as :func:`_probability`, so the same bits."""
    p = min(value * wj, max_risk) if edge_share else min(-np.expm1(value * lw), max_risk)
    return np.log1p(-p)


@njit(cache=True)
def _append(  # type: ignore[no-untyped-def]
    start, edges, values, bounds, zone_w, zone_shut, edge_share, max_risk,
    head, tail, s_edge, s_value, s_term, s_shut, s_serial, s_next, s_prev, zone_serial, bits,
):  # fmt: skip
    """Write the rows of new hazards into slots ``start + i`` and append each to its edge's
    chain; zone ``z`` (zones in serial order) has rows ``bounds[z]`` to ``bounds[z + 1]``."""
    for z in range(zone_w.size):
        wj = min(zone_w[z], max_risk)
        lw = np.log1p(-wj)
        shut = zone_shut[z]
        serial = zone_serial[z]
        for i in range(bounds[z], bounds[z + 1]):
            k = start + i - bounds[0]
            e = edges[i]
            s_edge[k] = e
            s_value[k] = values[i]
            s_term[k] = _term(values[i], lw, wj, edge_share, max_risk)
            s_shut[k] = shut
            s_serial[k] = serial
            s_next[k] = 0
            last = tail[e]
            s_prev[k] = last
            if last == 0:
                head[e] = k
            else:
                s_next[last] = k
            tail[e] = k
            bits[e >> 6] |= np.uint64(1) << np.uint64(e & 63)


@njit(cache=True)
def _unlink(starts, ends, head, tail, s_edge, s_next, s_prev, bits):  # type: ignore[no-untyped-def]
    """Take the slots of the blocks [starts[b], ends[b]) out of their edges' chains."""
    for b in range(starts.size):
        for k in range(starts[b], ends[b]):
            e = s_edge[k]
            p = s_prev[k]
            q = s_next[k]
            if p == 0:
                head[e] = q
            else:
                s_next[p] = q
            if q == 0:
                tail[e] = p
            else:
                s_prev[q] = p
            s_edge[k] = -1
            bits[e >> 6] |= np.uint64(1) << np.uint64(e & 63)


@njit(cache=True)
def _reweigh(  # type: ignore[no-untyped-def]
    starts, ends, zone_w, zone_shut, edge_share, max_risk, s_edge, s_value, s_term, s_shut, bits
):
    """New weight and closing flag for the blocks [starts[b], ends[b]) (a time change)."""
    for b in range(starts.size):
        wj = min(zone_w[b], max_risk)
        lw = np.log1p(-wj)
        for k in range(starts[b], ends[b]):
            s_term[k] = _term(s_value[k], lw, wj, edge_share, max_risk)
            s_shut[k] = zone_shut[b]
            e = s_edge[k]
            bits[e >> 6] |= np.uint64(1) << np.uint64(e & 63)


# the position of a word's lowest set bit x & -x, by de Bruijn multiplication (mod 2**64)
_DEBRUIJN_CONSTANT = 0x03F79D71B4CB0A89
_DEBRUIJN = np.uint64(_DEBRUIJN_CONSTANT)
_DEBRUIJN_INDEX = np.zeros(64, np.int64)
for _i in range(64):
    _DEBRUIJN_INDEX[(((1 << _i) * _DEBRUIJN_CONSTANT) & (2**64 - 1)) >> 58] = _i


@njit(cache=True)
def _flush(bits, head, s_next, s_term, s_shut, risk, closed, max_risk, debruijn, index):  # type: ignore[no-untyped-def]
    """Recompute ``risk``/``closed`` of every edge marked in ``bits`` (clearing the marks) by
    walking its chain, which holds its rows in hazard order (so the sum is bit-equal to a full
    recompute); returns the edges whose value changed, ascending.

    Marked edges come out ascending from a scan of the bitmap (n_edges / 64 words): no sort
    and no per-edge scratch to reset."""
    n = 0
    for w in range(bits.size):
        if bits[w] != 0:
            x = bits[w]
            while x != 0:
                x &= x - np.uint64(1)
                n += 1
    changed = np.empty(n, np.int32)
    m = 0
    one = np.uint64(1)
    for w in range(bits.size):
        x = bits[w]
        if x == 0:
            continue
        bits[w] = 0
        base = w << 6
        while x != 0:
            low = x & (~x + one)
            e = base + index[(low * debruijn) >> np.uint64(58)]
            x ^= low
            k = head[e]
            if k == 0:  # no hazard left on it: what a full recompute leaves (+0.0, no expm1)
                r = 0.0
                shut = False
            else:
                s = 0.0
                shut = False
                while k != 0:
                    s += s_term[k]
                    if s_shut[k]:
                        shut = True
                    k = s_next[k]
                r = _risk_of(s, max_risk)
            if r != risk[e] or shut != closed[e]:
                risk[e] = r
                closed[e] = shut
                changed[m] = e
                m += 1
    return changed[:m]


@njit(cache=True)
def _move(  # type: ignore[no-untyped-def]
    slots, serials, head, tail, s_edge, s_value, s_term, s_shut, s_next, s_prev,
    n_edge, n_value, n_term, n_shut, n_serial, n_next, n_prev,
):  # fmt: skip
    """Copy the live ``slots`` to slots 1, 2, ... of the new arrays with new ``serials``,
    keeping every chain's links and order: O(live rows), no pass over the edges."""
    renumber = np.zeros(s_edge.size, np.int32)
    for i in range(slots.size):
        renumber[slots[i]] = i + 1
    for i in range(slots.size):
        k = slots[i]
        j = i + 1
        e = s_edge[k]
        n_edge[j] = e
        n_value[j] = s_value[k]
        n_term[j] = s_term[k]
        n_shut[j] = s_shut[k]
        n_serial[j] = serials[i]
        n_next[j] = renumber[s_next[k]]
        n_prev[j] = renumber[s_prev[k]]
        if s_prev[k] == 0:
            head[e] = j
        if s_next[k] == 0:
            tail[e] = j


@njit(cache=True)
def _gather(edges, head, s_next):  # type: ignore[no-untyped-def]
    """(slot, position in ``edges``) of every row on ``edges``, by edge then hazard order."""
    n = 0
    for i in range(edges.size):
        k = head[edges[i]]
        while k != 0:
            n += 1
            k = s_next[k]
    slots = np.empty(n, np.int64)
    local = np.empty(n, np.int64)
    m = 0
    for i in range(edges.size):
        k = head[edges[i]]
        while k != 0:
            slots[m] = k
            local[m] = i
            m += 1
            k = s_next[k]
    return slots, local


class EntryTable:
    """Every held hazard's footprint rows, chained per edge in hazard order (see the module
    docstring). A hazard's rows are one block of consecutive slots; slot 0 is the null link."""

    def __init__(self, n_edges: int, *, edge_share: bool, max_risk: float) -> None:
        self.edge_share = edge_share
        self.max_risk = max_risk
        # np.zeros of edge-sized arrays maps pages lazily: a small picture costs little
        self.head: I32 = np.zeros(n_edges, np.int32)
        self.tail: I32 = np.zeros(n_edges, np.int32)
        self.bits: NDArray[np.uint64] = np.zeros((n_edges + 63) // 64, np.uint64)
        self.pending = False
        self._alloc(1024)
        self.used = 1  # slots in use or dead, slot 0 included
        self.live = 0

    def _alloc(self, cap: int) -> None:
        """Slot arrays of ``cap`` slots, uninitialised (a slot is written before it is read)."""
        self.s_edge: I32 = np.empty(cap, np.int32)
        self.s_value: F64 = np.empty(cap, np.float64)
        self.s_term: F64 = np.empty(cap, np.float64)
        self.s_shut: NDArray[np.bool_] = np.empty(cap, np.bool_)
        self.s_serial: I32 = np.empty(cap, np.int32)
        self.s_next: I32 = np.empty(cap, np.int32)
        self.s_prev: I32 = np.empty(cap, np.int32)

    def _grow(self, need: int) -> None:
        cap = self.s_edge.size
        if need <= cap:
            return
        if need >= np.iinfo(np.int32).max:
            raise MemoryError("hazard table exceeds 2**31 rows")
        new_cap = 2 * max(need, cap)  # room for as many rows again: a change rarely grows
        old = self._slots()
        self._alloc(new_cap)
        for a, b in zip(old, self._slots(), strict=True):
            b[: self.used] = a[: self.used]

    def _slots(self) -> tuple[NDArray[Any], ...]:
        return (self.s_edge, self.s_value, self.s_term, self.s_shut, self.s_serial,
                self.s_next, self.s_prev)  # fmt: skip

    def __len__(self) -> int:
        return self.live

    @property
    def dead(self) -> int:
        return self.used - 1 - self.live

    def append(
        self,
        serials: Sequence[int],
        edges: I32,
        values: F64,
        bounds: I64,
        weights: Sequence[float],
        shut: Sequence[bool],
    ) -> list[int]:
        """Add the rows of hazards in serial order (new serials, above every held one), with
        their weights and closing flags; hazard ``i`` has rows ``bounds[i]`` to
        ``bounds[i + 1]`` of ``edges``/``values``. Returns each one's first slot."""
        if not serials:
            return []
        total = int(bounds[-1] - bounds[0])
        start = self.used
        self._grow(start + total)
        _append(
            np.int64(start), edges, values, bounds, np.asarray(weights, np.float64),
            np.asarray(shut, np.bool_), self.edge_share, self.max_risk, self.head, self.tail,
            self.s_edge, self.s_value, self.s_term, self.s_shut, self.s_serial, self.s_next,
            self.s_prev, np.asarray(serials, np.int32), self.bits,
        )  # fmt: skip
        self.used += total
        self.live += total
        self.pending = self.pending or total > 0
        return (bounds[:-1] - bounds[0] + start).tolist()  # type: ignore[no-any-return]

    def unlink(self, blocks: Sequence[tuple[int, int]]) -> None:
        """Take the (first slot, row count) blocks of removed hazards out of the chains."""
        if not blocks:
            return
        starts = np.array([b[0] for b in blocks], np.int64)
        ends = starts + np.array([b[1] for b in blocks], np.int64)
        _unlink(starts, ends, self.head, self.tail, self.s_edge, self.s_next, self.s_prev,
                self.bits)  # fmt: skip
        rows = int((ends - starts).sum())
        self.live -= rows
        self.pending = self.pending or rows > 0

    def reweigh(
        self, blocks: Sequence[tuple[int, int]], weights: Sequence[float], shut: Sequence[bool]
    ) -> None:
        """New weights and closing flags for the (first slot, row count) blocks."""
        if not blocks:
            return
        starts = np.array([b[0] for b in blocks], np.int64)
        ends = starts + np.array([b[1] for b in blocks], np.int64)
        _reweigh(
            starts, ends, np.asarray(weights, np.float64), np.asarray(shut, np.bool_),
            self.edge_share, self.max_risk, self.s_edge, self.s_value, self.s_term,
            self.s_shut, self.bits,
        )  # fmt: skip
        self.pending = self.pending or bool((ends > starts).any())

    def flush(self, risk: F64, closed: NDArray[np.bool_]) -> I32:
        """Recompute every edge marked since the last flush; returns those that changed."""
        if not self.pending:
            return np.zeros(0, np.int32)
        self.pending = False
        changed: I32 = _flush(
            self.bits, self.head, self.s_next, self.s_term, self.s_shut, risk, closed,
            self.max_risk, _DEBRUIJN, _DEBRUIJN_INDEX,
        )  # fmt: skip
        return changed

    def gather(self, edges: I32) -> tuple[I64, I64]:
        """(slot, position of its edge in ``edges``) of every row on ``edges``."""
        slots, local = _gather(edges.astype(np.int64), self.head, self.s_next)
        return slots, local

    def compact(self, blocks: Sequence[tuple[int, int]]) -> list[int]:
        """Drop dead slots: the given live (first slot, row count) blocks move to slots 1, 2,
        ... in the given order, block ``i`` taking serial ``i``; returns each block's new
        first slot. The chains keep their order (their links are renumbered, not rebuilt)."""
        sizes = [b[1] for b in blocks]
        total = sum(sizes)
        slots = (
            np.concatenate([np.arange(s, s + c, dtype=np.int64) for s, c in blocks])
            if blocks
            else np.zeros(0, np.int64)
        )
        serials = np.repeat(np.arange(len(sizes), dtype=np.int32), sizes)
        old = (self.s_edge, self.s_value, self.s_term, self.s_shut, self.s_next, self.s_prev)
        self._alloc(max(1024, 2 * (total + 1)))
        _move(
            slots, serials, self.head, self.tail, *old, self.s_edge, self.s_value, self.s_term,
            self.s_shut, self.s_serial, self.s_next, self.s_prev,
        )  # fmt: skip
        self.used, self.live = total + 1, total
        return (np.cumsum([0, *sizes[:-1]]) + 1).tolist() if sizes else []
