# ruff: noqa: PLR0917  (numba kernels take flat positional arrays; keywords do not compile)
"""A uniform grid over the straight pieces of every road segment, and the disk join on it.

A hazard update on a million-node network must cost a few milliseconds, so the join of disks
to road pieces cannot go through a tree query per zone plus several full-size numpy passes.
The grid is built once per network: each piece (two consecutive points of a segment) is listed
in every cell its bounding box overlaps (cell -> pieces, CSR). A query walks the cells under
each disk's bounding box, takes each piece once (in the first of its cells that the query
covers, so no scratch array is needed) and clips it analytically. Results per (disk, segment)
are summed in piece order, the order of the vectorised clip they replace.
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
def _build(x, y, piece_start, x0, y0, cell, nx, ny):  # type: ignore[no-untyped-def]
    """Per piece its first cell (ix0, iy0), and the cell -> pieces CSR (pieces ascending)."""
    n = piece_start.size
    ix0 = np.empty(n, np.int32)
    iy0 = np.empty(n, np.int32)
    ix1 = np.empty(n, np.int32)
    iy1 = np.empty(n, np.int32)
    count = np.zeros(nx * ny + 1, np.int64)
    for k in range(n):
        p = piece_start[k]
        ax, bx = min(x[p], x[p + 1]), max(x[p], x[p + 1])
        ay, by = min(y[p], y[p + 1]), max(y[p], y[p + 1])
        ix0[k] = min(max(int((ax - x0) // cell), 0), nx - 1)
        ix1[k] = min(max(int((bx - x0) // cell), 0), nx - 1)
        iy0[k] = min(max(int((ay - y0) // cell), 0), ny - 1)
        iy1[k] = min(max(int((by - y0) // cell), 0), ny - 1)
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
    return ptr, items, ix0, iy0


@njit(cache=True)
def _disks(  # type: ignore[no-untyped-def]
    cx, cy, radii, x, y, piece_start, piece_seg, ix0, iy0, ptr, items, x0, y0, cell, nx, ny
):
    """(disk, segment, metres inside) of every disk and segment that meet in a chord > 0."""
    cap = 1024
    out_h = np.empty(cap, np.int64)
    out_s = np.empty(cap, np.int64)
    out_v = np.empty(cap, np.float64)
    n_out = 0
    hits = np.empty(256, np.int32)
    lens = np.empty(256, np.float64)
    for h in range(cx.size):
        r = radii[h]
        qx0 = min(max(int((cx[h] - r - x0) // cell), 0), nx - 1)
        qx1 = min(max(int((cx[h] + r - x0) // cell), 0), nx - 1)
        qy0 = min(max(int((cy[h] - r - y0) // cell), 0), ny - 1)
        qy1 = min(max(int((cy[h] + r - y0) // cell), 0), ny - 1)
        n_hits = 0
        for j in range(qy0, qy1 + 1):
            for i in range(qx0, qx1 + 1):
                c = j * nx + i
                for q in range(ptr[c], ptr[c + 1]):
                    k = items[q]
                    # each piece once: in the first of its cells inside the query rectangle
                    if max(ix0[k], qx0) != i or max(iy0[k], qy0) != j:
                        continue
                    p = piece_start[k]
                    px, py = x[p] - cx[h], y[p] - cy[h]
                    dx, dy = x[p + 1] - x[p], y[p + 1] - y[p]
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
                    if n_hits == hits.size:
                        hits = np.concatenate((hits, np.empty(hits.size, np.int32)))
                        lens = np.concatenate((lens, np.empty(lens.size, np.float64)))
                    hits[n_hits] = k
                    lens[n_hits] = piece
                    n_hits += 1
        if n_hits == 0:
            continue
        order = np.argsort(hits[:n_hits])  # piece order: a segment's pieces are contiguous
        last = -1
        for m in range(n_hits):
            k = hits[order[m]]
            s = piece_seg[k]
            if s != last:
                if n_out == cap:
                    cap *= 2
                    out_h = np.concatenate((out_h, np.empty(cap - out_h.size, np.int64)))
                    out_s = np.concatenate((out_s, np.empty(cap - out_s.size, np.int64)))
                    out_v = np.concatenate((out_v, np.empty(cap - out_v.size, np.float64)))
                out_h[n_out] = h
                out_s[n_out] = s
                out_v[n_out] = 0.0
                n_out += 1
                last = s
            out_v[n_out - 1] += lens[order[m]]
    return out_h[:n_out], out_s[:n_out], out_v[:n_out]


class PieceGrid:
    """The grid of one network's projected segment pieces (see the module docstring)."""

    def __init__(self, x: F64, y: F64, offsets: I64) -> None:
        counts = np.maximum(np.diff(offsets) - 1, 0)  # pieces per segment
        n_pieces = int(counts.sum())
        self.piece_seg: I32 = np.repeat(np.arange(counts.size, dtype=np.int32), counts)
        first = np.repeat(offsets[:-1] - (np.cumsum(counts) - counts), counts)
        self.piece_start: I64 = (first + np.arange(n_pieces)).astype(np.int64)
        self.x, self.y = x, y
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
        self.ptr, self.items, self.ix0, self.iy0 = _build(
            x, y, self.piece_start, self.x0, self.y0, cell, self.nx, self.ny
        )

    def disks(self, centres: F64, radii: F64) -> tuple[I64, I64, F64]:
        """(disk, segment, metres inside) for every disk and segment whose chord is > 0."""
        hz, seg, inside = _disks(
            np.ascontiguousarray(centres[:, 0], dtype=np.float64),
            np.ascontiguousarray(centres[:, 1], dtype=np.float64),
            np.ascontiguousarray(radii, dtype=np.float64),
            self.x, self.y, self.piece_start, self.piece_seg, self.ix0, self.iy0,
            self.ptr, self.items, self.x0, self.y0, self.cell, self.nx, self.ny,
        )  # fmt: skip
        return hz, seg, inside
