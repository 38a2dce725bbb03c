# ruff: noqa: PLR0917  (numba kernels take flat positional arrays; keywords do not compile)
"""A uniform grid over the straight pieces of every road segment, and the disk join on it.

A hazard update on a million-node network must cost a few milliseconds, so the join of disks
to road pieces cannot go through a tree query per zone plus several full-size numpy passes.
The grid is built once per network: each piece (two consecutive points of a segment) is listed
in every cell its bounding box overlaps (cell -> pieces, CSR). A query walks the cells under
each disk's bounding box, takes each piece once (in the first of its cells that the query
covers, so no scratch array is needed) and clips it analytically. Results per (disk, segment)
are summed in piece order, the order of the vectorised clip they replace.

The walk is bound by memory, not arithmetic: a candidate piece read through the network's
point arrays costs a cache miss per array. So pieces are renumbered in the grid's own order
(segments by the cell of their first piece, each segment's pieces together and in order) and
each piece carries its end points, first cell and segment in arrays of that order: the
candidates of one cell are then a few neighbouring rows of the same arrays.
"""

from __future__ import annotations

import numpy as np
from numba import njit
from numpy.typing import NDArray

F64 = NDArray[np.float64]
I32 = NDArray[np.int32]
I64 = NDArray[np.int64]

#: Target cell side (metres): a 300-600 m zone spans a few dozen cells of town streets.
CELL_M = 200.0
#: Upper bound on the number of cells; the side grows for very wide extents.
MAX_CELLS = 4_000_000


@njit(cache=True)
def _first_cells(x, y, piece_start, x0, y0, cell, nx, ny):  # type: ignore[no-untyped-def]
    """Per piece the cell range (ix0, iy0)-(ix1, iy1) its bounding box overlaps."""
    n = piece_start.size
    ix0 = np.empty(n, np.int32)
    iy0 = np.empty(n, np.int32)
    ix1 = np.empty(n, np.int32)
    iy1 = np.empty(n, np.int32)
    for k in range(n):
        p = piece_start[k]
        ax, bx = min(x[p], x[p + 1]), max(x[p], x[p + 1])
        ay, by = min(y[p], y[p + 1]), max(y[p], y[p + 1])
        ix0[k] = min(max(int((ax - x0) // cell), 0), nx - 1)
        ix1[k] = min(max(int((bx - x0) // cell), 0), nx - 1)
        iy0[k] = min(max(int((ay - y0) // cell), 0), ny - 1)
        iy1[k] = min(max(int((by - y0) // cell), 0), ny - 1)
    return ix0, iy0, ix1, iy1


@njit(cache=True)
def _build(ix0, iy0, ix1, iy1, nx, ny):  # type: ignore[no-untyped-def]
    """The cell -> pieces CSR (pieces ascending within a cell)."""
    n = ix0.size
    count = np.zeros(nx * ny + 1, np.int64)
    for k in range(n):
        for j in range(iy0[k], iy1[k] + 1):
            for i in range(ix0[k], ix1[k] + 1):
                count[j * nx + i + 1] += 1
    ptr = np.cumsum(count)
    fill = ptr[:-1].copy()
    items = np.empty(ptr[-1], np.int32)
    for k in range(n):
        for j in range(iy0[k], iy1[k] + 1):
            for i in range(ix0[k], ix1[k] + 1):
                c = j * nx + i
                items[fill[c]] = k
                fill[c] += 1
    return ptr, items


@njit(cache=True)
def _rect(cx, cy, r, x0, y0, cell, nx, ny):  # type: ignore[no-untyped-def]
    """The cells (qx0, qx1, qy0, qy1) under a disk's bounding box, clamped to the grid."""
    qx0 = min(max(int((cx - r - x0) // cell), 0), nx - 1)
    qx1 = min(max(int((cx + r - x0) // cell), 0), nx - 1)
    qy0 = min(max(int((cy - r - y0) // cell), 0), ny - 1)
    qy1 = min(max(int((cy + r - y0) // cell), 0), ny - 1)
    return qx0, qx1, qy0, qy1


@njit(cache=True)
def _sizes(cx, cy, radii, ptr, x0, y0, cell, nx, ny):  # type: ignore[no-untyped-def]
    """(most, total) candidate pieces of one disk and of all: every buffer is sized once from
    these, because numba reference-counts an array variable reassigned in a loop, which cost
    more than the walk itself (a row of cells is one CSR range, so this is cheap)."""
    most = 0
    total = 0
    for h in range(cx.size):
        qx0, qx1, qy0, qy1 = _rect(cx[h], cy[h], radii[h], x0, y0, cell, nx, ny)
        n = 0
        for j in range(qy0, qy1 + 1):
            n += ptr[j * nx + qx1 + 1] - ptr[j * nx + qx0]
        most = max(most, n)
        total += n
    return most, total


@njit(cache=True)
def _walk(  # type: ignore[no-untyped-def]
    cx, cy, r, ax_, ay_, bx_, by_, ix0, iy0, ptr, items, x0, y0, cell, nx, ny, hits, lens
):
    """The pieces one disk cuts in a chord > 0, into ``hits`` (ascending grid piece numbers,
    so a segment's pieces are together and in order) and ``lens`` (chord length); returns
    their number."""
    qx0, qx1, qy0, qy1 = _rect(cx, cy, r, x0, y0, cell, nx, ny)
    n_hits = 0
    for j in range(qy0, qy1 + 1):
        for i in range(qx0, qx1 + 1):
            c = j * nx + i
            for q in range(ptr[c], ptr[c + 1]):
                k = items[q]
                # each piece once: in the first of its cells inside the query rectangle
                if max(ix0[k], qx0) != i or max(iy0[k], qy0) != j:
                    continue
                px, py = ax_[k] - cx, ay_[k] - cy
                dx, dy = bx_[k] - ax_[k], by_[k] - ay_[k]
                # |P0 + t d - C| = r  <=>  a t^2 + b t + c = 0; chord t in [t1, t2] of [0, 1]
                a = dx * dx + dy * dy
                b = 2.0 * (px * dx + py * dy)
                cc = px * px + py * py - r * r
                disc = b * b - 4.0 * a * cc
                if not (disc > 0.0 and a > 0.0):
                    continue
                root = np.sqrt(disc)
                t1 = min(max((-b - root) / (2.0 * a), 0.0), 1.0)
                t2 = min(max((-b + root) / (2.0 * a), 0.0), 1.0)
                piece = (t2 - t1) * np.sqrt(a)
                if piece <= 0.0:
                    continue
                # insertion into the sorted hits: the walk meets pieces nearly in order
                m = n_hits
                while m > 0 and hits[m - 1] > k:
                    hits[m] = hits[m - 1]
                    lens[m] = lens[m - 1]
                    m -= 1
                hits[m] = k
                lens[m] = piece
                n_hits += 1
    return n_hits


@njit(cache=True)
def share_of(inside, length):  # type: ignore[no-untyped-def]
    """The length share of a segment inside a zone, clipped to [0, 1] (1 for zero length):
    the one formula of both expansions (:func:`expand` and :func:`_disk_rows`)."""
    v = inside / length if length > 0 else 1.0
    return min(max(v, 0.0), 1.0)


@njit(cache=True)
def expand(  # type: ignore[no-untyped-def]
    hz, seg, inside, diameter, bridges_only, length_m, seg_bridge, seg_ptr, seg_edges, min_share
):
    """(zone, edge, share, crossings) rows of (zone, segment, metres inside) pairs, grouped by
    zone and in pair order within a zone, and each zone's bounds: one compiled pass where a
    dozen numpy temporaries were. The share is :func:`share_of`; pairs that only touch
    (share <= min_share) and, for bridges-only zones, non-bridge segments are dropped. (It
    lives beside :func:`share_of` because numba's cache of a kernel is dropped when its own
    file changes, not when a file it calls into does.)"""
    n_zones = diameter.size
    bounds = np.zeros(n_zones + 1, np.int64)
    keep = np.zeros(hz.size, np.bool_)
    share = np.empty(hz.size, np.float64)
    for i in range(hz.size):
        s = seg[i]
        v = share_of(inside[i], length_m[s])
        share[i] = v
        z = hz[i]
        if v > min_share and (not bridges_only[z] or seg_bridge[s]):
            keep[i] = True
            bounds[z + 1] += seg_ptr[s + 1] - seg_ptr[s]
    for z in range(n_zones):
        bounds[z + 1] += bounds[z]
    fill = bounds[:-1].copy()
    total = bounds[n_zones]
    out_z = np.empty(total, np.int64)
    out_e = np.empty(total, np.int32)
    out_share = np.empty(total, np.float64)
    out_cross = np.empty(total, np.float64)
    for i in range(hz.size):
        if not keep[i]:
            continue
        z = hz[i]
        s = seg[i]
        crossings = inside[i] / diameter[z]
        for q in range(seg_ptr[s], seg_ptr[s + 1]):
            k = fill[z]
            out_z[k] = z
            out_e[k] = seg_edges[q]
            out_share[k] = share[i]
            out_cross[k] = crossings
            fill[z] = k + 1
    return out_z, out_e, out_share, out_cross, bounds


@njit(cache=True)
def _disks(  # type: ignore[no-untyped-def]
    cx, cy, radii, ax_, ay_, bx_, by_, seg_of, ix0, iy0, ptr, items, x0, y0, cell, nx, ny
):
    """(disk, segment, metres inside) of every disk and segment that meet in a chord > 0,
    grouped by disk in disk order; a disk's segments in grid order."""
    most, total = _sizes(cx, cy, radii, ptr, x0, y0, cell, nx, ny)
    out_h = np.empty(total, np.int64)
    out_s = np.empty(total, np.int64)
    out_v = np.empty(total, np.float64)
    hits = np.empty(most, np.int32)
    lens = np.empty(most, np.float64)
    n_out = 0
    for h in range(cx.size):
        n_hits = _walk(cx[h], cy[h], radii[h], ax_, ay_, bx_, by_, ix0, iy0, ptr, items,
                       x0, y0, cell, nx, ny, hits, lens)  # fmt: skip
        last = -1
        for m in range(n_hits):
            s = seg_of[hits[m]]
            if s != last:
                out_h[n_out] = h
                out_s[n_out] = s
                out_v[n_out] = 0.0
                n_out += 1
                last = s
            out_v[n_out - 1] += lens[m]
    return out_h[:n_out], out_s[:n_out], out_v[:n_out]


@njit(cache=True)
def _disk_rows(  # type: ignore[no-untyped-def]
    cx, cy, radii, diameter, bridges_only, ax_, ay_, bx_, by_, seg_of, ix0, iy0, ptr, items,
    x0, y0, cell, nx, ny, length_m, seg_bridge, seg_ptr, seg_edges, most_edges, min_share,
):  # fmt: skip
    """:func:`_disks` and :func:`expand` in one pass: (edge, share, crossings) rows of
    every disk, grouped by disk, and each disk's bounds. The same sums and divisions in the
    same order as the two passes, so the same bits."""
    most, total = _sizes(cx, cy, radii, ptr, x0, y0, cell, nx, ny)
    cap = total * most_edges
    out_e = np.empty(cap, np.int32)
    out_share = np.empty(cap, np.float64)
    out_cross = np.empty(cap, np.float64)
    bounds = np.zeros(cx.size + 1, np.int64)
    hits = np.empty(most, np.int32)
    lens = np.empty(most, np.float64)
    n = 0
    for h in range(cx.size):
        n_hits = _walk(cx[h], cy[h], radii[h], ax_, ay_, bx_, by_, ix0, iy0, ptr, items,
                       x0, y0, cell, nx, ny, hits, lens)  # fmt: skip
        m = 0
        while m < n_hits:
            s = seg_of[hits[m]]
            inside = 0.0
            while m < n_hits and seg_of[hits[m]] == s:
                inside += lens[m]
                m += 1
            share = share_of(inside, length_m[s])
            if share > min_share and (not bridges_only[h] or seg_bridge[s]):
                crossings = inside / diameter[h]
                for q in range(seg_ptr[s], seg_ptr[s + 1]):
                    out_e[n] = seg_edges[q]
                    out_share[n] = share
                    out_cross[n] = crossings
                    n += 1
        bounds[h + 1] = n
    return out_e[:n], out_share[:n], out_cross[:n], bounds


class PieceGrid:
    """The grid of one network's projected segment pieces (see the module docstring)."""

    def __init__(self, x: F64, y: F64, offsets: I64) -> None:
        counts = np.maximum(np.diff(offsets) - 1, 0)  # pieces per segment
        n_pieces = int(counts.sum())
        piece_seg = np.repeat(np.arange(counts.size, dtype=np.int32), counts)
        first = np.repeat(offsets[:-1] - (np.cumsum(counts) - counts), counts)
        piece_start = (first + np.arange(n_pieces)).astype(np.int64)
        self.x0 = float(x.min()) if x.size else 0.0
        self.y0 = float(y.min()) if y.size else 0.0
        width = (float(x.max()) - self.x0) if x.size else 0.0
        height = (float(y.max()) - self.y0) if y.size else 0.0
        cell = CELL_M
        while (width / cell + 1) * (height / cell + 1) > MAX_CELLS:
            cell *= 2.0
        self.cell = cell
        self.nx = int(width // cell) + 1
        self.ny = int(height // cell) + 1
        ix0, iy0, ix1, iy1 = _first_cells(
            x, y, piece_start, self.x0, self.y0, cell, self.nx, self.ny
        )
        # the grid's numbering: segments by the cell of their first piece (stable), and each
        # segment's pieces together in their own order
        seg_first = np.cumsum(counts) - counts
        has = counts > 0
        seg_cell = np.full(counts.size, np.iinfo(np.int64).max, np.int64)
        seg_cell[has] = iy0[seg_first[has]].astype(np.int64) * self.nx + ix0[seg_first[has]]
        seg_order = np.argsort(seg_cell, kind="stable")
        c = counts[seg_order]
        order = np.repeat(seg_first[seg_order] - (np.cumsum(c) - c), c) + np.arange(n_pieces)
        ps = piece_start[order]
        del piece_start, first
        self.ax, self.ay = x[ps], y[ps]
        self.bx, self.by = x[ps + 1], y[ps + 1]
        del ps
        #: the grid's segment numbering: grid segment g is network segment seg_order[g], and
        #: network segment s is grid segment seg_rank[s]; pieces and results use grid numbers
        self.seg_order: I32 = seg_order.astype(np.int32)
        self.seg_rank: I32 = np.empty(counts.size, np.int32)
        self.seg_rank[seg_order] = np.arange(counts.size, dtype=np.int32)
        self.seg_of: I32 = self.seg_rank[piece_seg[order]]
        self.ix0: I32 = ix0[order]
        self.iy0: I32 = iy0[order]
        self.ptr, self.items = _build(self.ix0, self.iy0, ix1[order], iy1[order], self.nx, self.ny)

    def disks(self, centres: F64, radii: F64) -> tuple[I64, I64, F64]:
        """(disk, grid segment, metres inside) for every disk and segment whose chord is > 0,
        grouped by disk in the order given."""
        hz, seg, inside = _disks(
            np.ascontiguousarray(centres[:, 0], dtype=np.float64),
            np.ascontiguousarray(centres[:, 1], dtype=np.float64),
            np.ascontiguousarray(radii, dtype=np.float64),
            self.ax, self.ay, self.bx, self.by, self.seg_of, self.ix0, self.iy0,
            self.ptr, self.items, self.x0, self.y0, self.cell, self.nx, self.ny,
        )  # fmt: skip
        return hz, seg, inside

    def disk_rows(
        self,
        centres: F64,
        radii: F64,
        diameter: F64,
        bridges_only: NDArray[np.bool_],
        segments: tuple[F64, NDArray[np.bool_], I64, I32, int],
        min_share: float,
    ) -> tuple[I32, F64, F64, I64]:
        """(edge, share, crossings, bounds) rows of the disks, straight from the walk; the
        ``segments`` are (length, bridge flag, edge CSR pointer, edges, most edges of one
        segment) in grid order."""
        length_m, seg_bridge, seg_ptr, seg_edges, most_edges = segments
        return _disk_rows(  # type: ignore[no-any-return]
            np.ascontiguousarray(centres[:, 0], dtype=np.float64),
            np.ascontiguousarray(centres[:, 1], dtype=np.float64),
            np.ascontiguousarray(radii, dtype=np.float64), diameter, bridges_only,
            self.ax, self.ay, self.bx, self.by, self.seg_of, self.ix0, self.iy0,
            self.ptr, self.items, self.x0, self.y0, self.cell, self.nx, self.ny,
            length_m, seg_bridge, seg_ptr, seg_edges, most_edges, min_share,
        )  # fmt: skip
