"""The outline of a line buffered by a distance, on a plane, in pure Python.

A CAP notice's area is the route buffered by a few hundred metres. shapely drew it, and
importing shapely (and NumPy through it) was two thirds of the first notice's start-up, for a
ring of a few dozen points (issue 14, defect 10). This draws the same ring as GEOS's buffer
(round caps and joins, ``quad_segs`` segments a quarter circle) followed by shapely's
``simplify`` (Douglas-Peucker that keeps the ring simple), in the way GEOS does it:

1. the *raw offset curve*: the right-hand offset of every segment, forward then back, joined
   by arcs round the outside of each turn and by the vertex itself on the inside of a turn,
   with a half circle round each end. Every point of the buffer's true boundary lies on it
   (a boundary point's nearest point of the line is inside a segment, or a vertex, or an
   end), and the curve never leaves the buffer; what it adds inside (loops at inside turns,
   where the route comes back near itself) is not part of the outline;
2. the curve cut at its self-intersections into a planar graph, and the graph's outer face
   traced from its leftmost node, always taking the sharpest turn away from the inside:
   the outline, without the loops and holes;
3. Douglas-Peucker on that ring, a chord kept only if it crosses no edge of the outline
   outside the stretch it replaces, so the simplified ring stays simple (as shapely's
   topology-preserving ``simplify`` does).

Points are ``(x, y)`` in metres on whatever plane the caller chose. The ring is clockwise
and starts at its leftmost point, as GEOS's is, so what the notice prints barely changes.
"""

from __future__ import annotations

import itertools
import math
from collections import defaultdict
from collections.abc import Sequence

Point = tuple[float, float]

_TAU = 2 * math.pi


def buffer_outline(line: Sequence[Point], distance: float, quad_segs: int = 4) -> list[Point]:
    """The closed outline (first point repeated last, clockwise) of ``line`` buffered by
    ``distance`` > 0, arcs drawn with ``quad_segs`` segments a quarter circle."""
    if distance <= 0 or quad_segs < 1:
        raise ValueError("the buffer needs a positive distance and quad_segs")
    pts = _distinct(list(line), distance * 1e-9)
    if not pts:
        raise ValueError("an empty line has no buffer")
    quantum = math.pi / 2 / quad_segs
    if len(pts) == 1:
        (x, y), n = pts[0], 4 * quad_segs
        circle = [(x + distance * math.cos(a), y + distance * math.sin(a))
                  for a in (math.pi - i * _TAU / n for i in range(n))]  # fmt: skip
        return [*circle, circle[0]]
    raw = _offset_side(pts, distance, quantum)
    raw += _end_cap(pts[-2], pts[-1], distance, quantum)
    back = pts[::-1]
    raw += _offset_side(back, distance, quantum)
    raw += _end_cap(back[-2], back[-1], distance, quantum)
    raw = _distinct(raw, distance * 1e-9)
    if raw[0] != raw[-1]:
        raw.append(raw[0])
    outline = _outer_face(raw, distance)
    outline.reverse()  # traced counterclockwise; GEOS's shells run clockwise
    _check(outline, pts, distance, quantum)
    return outline


class OutlineError(ValueError):
    """No outline: it came out wrong, the line running over itself in a way this drawing does
    not resolve (the same arc drawn twice, three offsets through one point; rare on a real
    route), or it would take longer here than importing GEOS (a long winding line with a
    wide buffer). The caller draws that buffer another way."""


#: Pairs of the raw curve's edges to test for crossings (edges sharing a cell of an eighth
#: of the buffer) above which the outline is left to GEOS: 0.3-0.4 microseconds a pair here,
#: so 250,000 take about as long as importing shapely and NumPy (a tenth of a second). A
#: winding route of 300 points with a 300 m buffer has 50,000, of 1,000 points 200,000.
MAX_PAIRS = 250_000


def _check(outline: list[Point], line: list[Point], d: float, quantum: float) -> None:
    """The outline must be a simple ring whose every corner lies on the buffer's edge: at the
    buffer distance from the line, or a little less where it is a corner of a chord of an arc
    (at most 1.5 ``quantum`` wide). A walk that strayed inside the buffer or crossed itself
    fails here instead of printing a wrong area."""
    if len(outline) < 4 or outline[0] != outline[-1] or not _is_simple(outline):
        raise OutlineError("the buffer's outline is not a simple ring")
    low, high = d * math.cos(0.75 * quantum) * (1 - 1e-9), d * (1 + 1e-9)
    segments = [*itertools.pairwise(line)]
    grid: dict[tuple[int, int], list[int]] = defaultdict(list)
    for k, (a, b) in enumerate(segments):
        for key in _cells(a, b, d):
            grid[key].append(k)
    for p in outline:
        cx, cy = math.floor(p[0] / d), math.floor(p[1] / d)
        near = {k for i in (-1, 0, 1) for j in (-1, 0, 1) for k in grid.get((cx + i, cy + j), ())}
        gap = min((_point_segment_distance(p, *segments[k]) for k in near), default=math.inf)
        if not low <= gap <= high:
            raise OutlineError(f"a corner of the outline lies {gap:.3f} from the line, not {d}")


def simplify_ring(ring: Sequence[Point], tolerance: float) -> list[Point]:
    """Douglas-Peucker on a closed ring (first point = last), as GEOS's topology-preserving
    simplifier does it: a stretch is replaced by its chord when no point of it lies farther
    than ``tolerance`` from the chord and the chord crosses no edge of ``ring`` outside the
    stretch; the first two levels always split until the ring has four points; at the end the
    ring's own first point goes too when it could be flattened, the ring then starting at the
    point before it. A ring that would still not come out simple is returned unchanged."""
    pts = list(ring)
    n = len(pts)
    if n <= 4:
        return pts
    grid = _Grid(pts, tolerance * 10)
    kept = [0]
    stack = [(0, n - 1, 0)]
    while stack:
        i, j, depth = stack.pop()
        depth += 1
        if j - i < 2:
            kept.append(j)
            continue
        far, far_d = i + 1, -1.0
        for k in range(i + 1, j):
            d = _point_segment_distance(pts[k], pts[i], pts[j])
            if d > far_d:
                far, far_d = k, d
        too_few = len(kept) < 4 and depth + 1 < 4  # GEOS: a worst case of too few points
        if too_few or far_d > tolerance or grid.crossed(pts[i], pts[j], i, j):
            stack += [(far, j, depth), (i, far, depth)]  # the first half first
        else:
            kept.append(j)
    out = [pts[k] for k in kept]
    if len(out) > 5 and _point_segment_distance(out[0], out[-2], out[1]) <= tolerance:
        moved = [out[-2], *out[1:-1]]
        if _is_simple(moved):
            out = moved
    if len(out) < 4 or not _is_simple(out):
        return pts
    return out


def _distinct(pts: list[Point], eps: float) -> list[Point]:
    out: list[Point] = []
    for p in pts:
        if not out or abs(p[0] - out[-1][0]) > eps or abs(p[1] - out[-1][1]) > eps:
            out.append(p)
    return out


def _unit(a: Point, b: Point) -> Point:
    dx, dy = b[0] - a[0], b[1] - a[1]
    length = math.hypot(dx, dy)
    return dx / length, dy / length


def _arc(c: Point, r: float, start: float, total: float, quantum: float) -> list[Point]:
    """The inner points of an arc round ``c`` from angle ``start`` counterclockwise by
    ``total``, split evenly into as many segments as GEOS would use (ends left out)."""
    n = max(1, int(total / quantum + 0.5))
    step = total / n
    return [(c[0] + r * math.cos(start + i * step), c[1] + r * math.sin(start + i * step))
            for i in range(1, n)]  # fmt: skip


def _offset_side(pts: list[Point], d: float, quantum: float) -> list[Point]:
    """The right-hand offset of ``pts`` (the outside of a left turn gets an arc)."""
    out: list[Point] = []
    prev: Point | None = None
    for a, b in itertools.pairwise(pts):
        ux, uy = _unit(a, b)
        nx, ny = uy, -ux  # the right-hand normal
        if prev is None:
            out.append((a[0] + d * nx, a[1] + d * ny))
        else:
            px, py = prev
            cross, dot = px * uy - py * ux, px * ux + py * uy
            if cross > 1e-12 or (cross >= -1e-12 and dot < 0):  # outside of the turn
                start = math.atan2(-px, py)  # the previous right-hand normal (py, -px)
                total = (math.atan2(ny, nx) - start) % _TAU or math.pi
                out += _arc(a, d, start, total, quantum)
            elif cross < -1e-12:  # inside: where the offsets cross, else via the vertex
                begin = (a[0] + d * nx, a[1] + d * ny)
                hit = _crossing(out[-2], out[-1], begin, (b[0] + d * nx, b[1] + d * ny))
                if hit is not None:
                    t = hit[0]
                    (x0, y0), (x1, y1) = out[-2], out[-1]
                    out[-1] = (x0 + t * (x1 - x0), y0 + t * (y1 - y0))
                    out.append((b[0] + d * nx, b[1] + d * ny))
                    prev = (ux, uy)
                    continue
                out.append(a)
            out.append((a[0] + d * nx, a[1] + d * ny))
        out.append((b[0] + d * nx, b[1] + d * ny))
        prev = (ux, uy)
    return out


def _end_cap(a: Point, b: Point, d: float, quantum: float) -> list[Point]:
    """The inner points of the half circle round ``b``, the end of segment ``a``-``b``."""
    ux, uy = _unit(a, b)
    return _arc(b, d, math.atan2(-ux, uy), math.pi, quantum)


def _cells(a: Point, b: Point, c: float) -> list[tuple[int, int]]:
    """The square cells of side ``c`` that the box round ``a``-``b`` touches."""
    x0, x1 = sorted((math.floor(a[0] / c), math.floor(b[0] / c)))
    y0, y1 = sorted((math.floor(a[1] / c), math.floor(b[1] / c)))
    return [(x, y) for x in range(x0, x1 + 1) for y in range(y0, y1 + 1)]


class _Grid:
    """The edges of a closed ring by square cell, to find the edges a segment may cross."""

    def __init__(self, ring: Sequence[Point], cell: float) -> None:
        self.ring, self.cell = ring, cell
        self.cells: dict[tuple[int, int], list[int]] = defaultdict(list)
        touched = 0
        for a, b in itertools.pairwise(ring):  # a long diagonal edge boxes many small cells
            touched += (abs(math.floor(a[0] / cell) - math.floor(b[0] / cell)) + 1) * (
                abs(math.floor(a[1] / cell) - math.floor(b[1] / cell)) + 1
            )
        if touched > MAX_PAIRS:
            raise OutlineError(f"{touched} cells to file the edges in: faster drawn by GEOS")
        for k in range(len(ring) - 1):
            for key in self._keys(ring[k], ring[k + 1]):
                self.cells[key].append(k)

    def pairs(self) -> int:
        """The pairs of edges sharing a cell: what testing them for crossings costs."""
        return sum(len(edges) * (len(edges) - 1) // 2 for edges in self.cells.values())

    def bounded(self, what: str) -> None:
        """Refuse (:class:`OutlineError`) a grid whose pairs would take longer than GEOS."""
        if (pairs := self.pairs()) > MAX_PAIRS:
            raise OutlineError(f"{pairs} pairs of {what} to test: faster drawn by GEOS")

    def _keys(self, a: Point, b: Point) -> list[tuple[int, int]]:
        return _cells(a, b, self.cell)

    def near(self, a: Point, b: Point) -> set[int]:
        return {k for key in self._keys(a, b) for k in self.cells.get(key, ())}

    def crossed(self, a: Point, b: Point, i: int, j: int) -> bool:
        """Whether ``a``-``b`` (the chord of ring[i..j]) meets an edge outside that stretch
        (edges touching it only at ring[i] or ring[j] do not count)."""
        ring, last = self.ring, len(self.ring) - 2
        for k in self.near(a, b):
            if i <= k < j:
                continue
            if k in (i - 1, j) or (i == 0 and k == last) or (j == last + 1 and k == 0):
                continue  # shares an end with the chord
            if _crossing(a, b, ring[k], ring[k + 1]) is not None:
                return True
        return False


def _parallel(p: Point, p2: Point, q: Point, q2: Point) -> bool:
    """Whether the two segments' directions differ by less than a trillionth of a radian."""
    rx, ry = p2[0] - p[0], p2[1] - p[1]
    sx, sy = q2[0] - q[0], q2[1] - q[1]
    return abs(rx * sy - ry * sx) <= 1e-12 * math.hypot(rx, ry) * math.hypot(sx, sy)


def _crossing(p: Point, p2: Point, q: Point, q2: Point) -> tuple[float, float] | None:
    """Where segments p-p2 and q-q2 cross, as (t along p-p2, u along q-q2), or None (also
    for segments parallel to a trillionth: see :func:`_overlap` for those on one line)."""
    if _parallel(p, p2, q, q2):
        return None
    rx, ry = p2[0] - p[0], p2[1] - p[1]
    sx, sy = q2[0] - q[0], q2[1] - q[1]
    denom = rx * sy - ry * sx
    qpx, qpy = q[0] - p[0], q[1] - p[1]
    t = (qpx * sy - qpy * sx) / denom
    u = (qpx * ry - qpy * rx) / denom
    if 0 <= t <= 1 and 0 <= u <= 1:
        return t, u
    return None


def _overlap(a: Point, b: Point, c: Point, e: Point, eps: float) -> list[tuple[float, Point]]:
    """Where the ends of c-e cut a-b when the two lie on one line (within ``eps``): where the
    route runs back over itself, its offsets coincide and must share their nodes."""
    rx, ry = b[0] - a[0], b[1] - a[1]
    length2 = rx * rx + ry * ry
    out = []
    for q in (c, e):
        t = ((q[0] - a[0]) * rx + (q[1] - a[1]) * ry) / length2
        if 0 < t < 1 and abs((q[0] - a[0]) * ry - (q[1] - a[1]) * rx) <= eps * math.sqrt(length2):
            out.append((t, q))
    return out


def _outer_face(raw: list[Point], d: float) -> list[Point]:
    """The outer boundary of the closed curve ``raw``, counterclockwise from its leftmost
    node: the curve is cut where it crosses itself and its outside walked round."""
    m = len(raw) - 1
    eps = d * 1e-9
    cuts: list[list[tuple[float, Point]]] = [[] for _ in range(m)]
    grid = _Grid(raw, d / 8)
    grid.bounded("offsets")
    for k in range(m):
        a, b = raw[k], raw[k + 1]
        for other in grid.near(a, b):
            if other <= k + 1 or (k == 0 and other == m - 1):
                continue  # each pair once; neighbours meet at their shared end only
            c, e = raw[other], raw[other + 1]
            if (
                max(a[0], b[0]) < min(c[0], e[0]) - eps
                or max(c[0], e[0]) < min(a[0], b[0]) - eps
                or max(a[1], b[1]) < min(c[1], e[1]) - eps
                or max(c[1], e[1]) < min(a[1], b[1]) - eps
            ):
                continue  # their boxes are apart
            hit = _crossing(a, b, c, e)
            if hit is None and _parallel(a, b, c, e):
                for t, node in _overlap(a, b, c, e, eps):
                    cuts[k].append((t, node))
                for u, node in _overlap(c, e, a, b, eps):
                    cuts[other].append((u, node))
            if hit is None:
                continue
            t, u = hit
            node = (a[0] + t * (b[0] - a[0]), a[1] + t * (b[1] - a[1]))
            node = a if t == 0 else b if t == 1 else c if u == 0 else e if u == 1 else node
            cuts[k].append((t, node))
            cuts[other].append((u, node))
    around: dict[Point, set[Point]] = defaultdict(set)
    for k in range(m):
        chain = [raw[k], *(node for _, node in sorted(cuts[k])), raw[k + 1]]
        for p, q in itertools.pairwise(chain):
            if p != q:
                around[p].add(q)
                around[q].add(p)
    start = min(around)
    cur, back = start, math.pi  # as if come from the west, where nothing is
    first: tuple[Point, Point] | None = None
    outline = [start]
    for _ in range(4 * sum(len(v) for v in around.values()) + 4):
        nxt = min(around[cur], key=lambda q: _ccw_from(back, cur, q))
        if first is None:
            first = (cur, nxt)
        elif (cur, nxt) == first:
            return outline
        outline.append(nxt)
        back = math.atan2(cur[1] - nxt[1], cur[0] - nxt[0])
        cur = nxt
    raise OutlineError("the buffer's outline did not close")


def _ccw_from(back: float, at: Point, to: Point) -> float:
    """How far counterclockwise the direction ``at`` -> ``to`` lies from angle ``back``, in
    (0, 2pi]: the smallest is the sharpest turn to the outside (going back is the last)."""
    return (math.atan2(to[1] - at[1], to[0] - at[0]) - back) % _TAU or _TAU


def _point_segment_distance(p: Point, a: Point, b: Point) -> float:
    dx, dy = b[0] - a[0], b[1] - a[1]
    length2 = dx * dx + dy * dy
    if length2 == 0:
        return math.hypot(p[0] - a[0], p[1] - a[1])
    t = max(0.0, min(1.0, ((p[0] - a[0]) * dx + (p[1] - a[1]) * dy) / length2))
    return math.hypot(p[0] - a[0] - t * dx, p[1] - a[1] - t * dy)


def _is_simple(ring: Sequence[Point]) -> bool:
    """No two edges of the closed ring meet except neighbours at their shared corner."""
    if len(set(ring[:-1])) != len(ring) - 1:
        return False
    lengths = [math.dist(a, b) for a, b in itertools.pairwise(ring)]
    grid = _Grid(ring, max(*lengths, 1e-9))
    grid.bounded("outline edges")  # one long edge makes the cells wide and the pairs many
    m = len(ring) - 1
    for k in range(m):
        for other in grid.near(ring[k], ring[k + 1]):
            if other <= k + 1 or (k == 0 and other == m - 1):
                continue
            if _crossing(ring[k], ring[k + 1], ring[other], ring[other + 1]) is not None:
                return False
    return True
