"""Snap coordinates to the nearest road: a KD-tree over road samples, then exact refinement.

The tree holds points sampled along every straight piece of every segment (at most
``_SPACING_M`` apart) as 3-D vectors on a sphere of the Earth's radius, so Euclidean (chord)
distance in the tree never exceeds the true ground distance. The nearest sample gives an upper
bound ``d``; every piece whose exact distance is below ``d`` has a sample within
``d + _SPACING_M / 2``, so querying that ball and measuring those pieces (foot point in a
local plane at the query, then the WGS84 geodesic distance to it, :mod:`._geodesic`) finds the
nearest point. The reported distance is that geodesic distance.
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from corridor._earth import EARTH_RADIUS_M
from corridor.errors import SnapError
from corridor.network._geodesic import WGS84_A, WGS84_E2, inverse_m
from corridor.network._model import FLAG_REVERSED, Network

if TYPE_CHECKING:  # imported where the tree is built: an import need not load scipy.spatial
    from scipy.spatial import cKDTree

DEFAULT_MAX_DISTANCE_M = 2000.0
_SPACING_M = 40.0
_A = WGS84_A  # semi-major axis (m)
_E2 = WGS84_E2  # first eccentricity squared


@dataclass(frozen=True, slots=True)
class Snap:
    """Where a coordinate meets the road network.

    ``segment`` is the road piece hit and ``edge`` one directed edge over it; ``along_m`` is the
    distance from the segment's first stored point to the snapped point. ``node`` is the
    segment end nearer along the road: the graph node a route should start or end at.
    """

    lat: float
    lon: float
    distance_m: float
    segment: int
    edge: int
    node: int
    along_m: float


@dataclass(frozen=True, slots=True)
class Snaps:
    """Many snaps at once, as arrays; ``ok`` is False where no road is within the limit
    (those rows keep the distance found but have -1 for segment, edge and node)."""

    lat: NDArray[np.float64]
    lon: NDArray[np.float64]
    distance_m: NDArray[np.float64]
    segment: NDArray[np.int64]
    edge: NDArray[np.int64]
    node: NDArray[np.int64]
    along_m: NDArray[np.float64]
    ok: NDArray[np.bool_]


#: Up to this many (query x sample) distances, candidates are found by brute force in NumPy
#: instead of a k-d tree: the same points by the same rule (the nearest sample, and every
#: sample within the radius), without importing SciPy's spatial module (a tenth of a second
#: of ``corridor network snap``'s start-up) or building the tree for one or two points. After
#: :data:`_BRUTE_FORCE_QUERIES` points on one network (a server, a batch) the tree is built:
#: each brute-force point costs a pass over every sample.
_BRUTE_FORCE_MAX = 1_000_000
_BRUTE_FORCE_QUERIES = 8


@dataclass
class _Index:
    points: NDArray[np.float64]  # the samples, as Earth-centred x, y, z in metres
    sample_piece: NDArray[np.int64]  # piece (= index of its first point in seg_lon) per sample
    piece_seg: NDArray[np.int64]  # segment of each point index (valid for piece starts)
    seg_start_node: NDArray[np.int64]
    seg_end_node: NDArray[np.int64]
    cum_m: NDArray[np.float64]  # geodesic distance from the segment start to each point
    tree: cKDTree | None = None  # built when brute force is no longer the cheaper way
    brute_queries: int = 0  # points answered by brute force so far

    def candidates(
        self, q_xyz: NDArray[np.float64], radius_for: Callable[[NDArray[np.float64]], Any]
    ) -> tuple[Any, list[Any]]:
        """For each query: its nearest sample, and every sample within ``radius_for`` of the
        distance to it (inclusive, as the tree's ball query). By brute force
        (each query's distances to every sample computed once and used for both) while the
        budget lasts, else through the tree."""
        if self._brute_force(q_xyz.shape[0]):
            rows = [self._distances(q) for q in q_xyz]
            near = np.array([int(np.argmin(d)) for d in rows], dtype=np.int64)
            upper = np.array([d[i] for d, i in zip(rows, near, strict=True)])
            radius = radius_for(upper)
            balls = [np.flatnonzero(d <= r) for d, r in zip(rows, radius, strict=True)]
            return near, balls
        tree = self._tree()
        found, near = tree.query(q_xyz, k=1)
        upper = np.asarray(found, dtype=np.float64)
        return near, list(tree.query_ball_point(q_xyz, r=radius_for(upper)))

    def _brute_force(self, n_queries: int) -> bool:
        """Whether these queries go without the tree (counted against the brute-force budget)."""
        if self.tree is not None or n_queries * self.points.shape[0] > _BRUTE_FORCE_MAX:
            return False
        if self.brute_queries + n_queries > _BRUTE_FORCE_QUERIES:
            return False
        self.brute_queries += n_queries
        return True

    def _distances(self, q: NDArray[np.float64]) -> NDArray[np.float64]:
        diff = self.points - q
        return np.asarray(np.sqrt(np.einsum("nk,nk->n", diff, diff)), dtype=np.float64)

    def _tree(self) -> cKDTree:
        if self.tree is None:
            from scipy.spatial import cKDTree  # here, not at module level: see TYPE_CHECKING

            self.tree = cKDTree(self.points)
        return self.tree


_CACHE: weakref.WeakKeyDictionary[Network, _Index] = weakref.WeakKeyDictionary()
_LOCK = threading.Lock()


def _unique(values: NDArray[np.int64]) -> NDArray[np.int64]:
    """``np.unique`` of an int64 array without NumPy's masked-array check, whose first use
    imports ``numpy.ma`` (10-20 ms of a ``network snap`` that takes 0.3 s, issue 14)."""
    ordered = np.sort(values)
    keep = np.empty(ordered.shape[0], dtype=np.bool_)
    keep[:1] = True
    np.not_equal(ordered[1:], ordered[:-1], out=keep[1:])
    return ordered[keep]


def _xyz(lon: NDArray[np.float64], lat: NDArray[np.float64]) -> NDArray[np.float64]:
    lo, la = np.radians(lon), np.radians(lat)
    cos_la = np.cos(la)
    return np.column_stack((cos_la * np.cos(lo), cos_la * np.sin(lo), np.sin(la))) * EARTH_RADIUS_M


def _build(network: Network) -> _Index:
    lon, lat = network.arrays["seg_lon"], network.arrays["seg_lat"]
    offsets = network.seg_offsets
    n_pts = lon.shape[0]
    seg_of_pt = np.repeat(np.arange(network.n_segments, dtype=np.int64), np.diff(offsets))
    is_piece = np.ones(n_pts, dtype=bool)
    is_piece[offsets[1:] - 1] = False  # the last point of a segment starts no piece
    starts = np.flatnonzero(is_piece)

    piece_len = np.zeros(n_pts, dtype=np.float64)
    if starts.shape[0]:
        piece_len[starts] = inverse_m(lon[starts], lat[starts], lon[starts + 1], lat[starts + 1])
    # cum_m[i] = distance from the segment start to point i.
    before = np.concatenate(([0.0], np.cumsum(piece_len)[:-1]))
    cum = before - before[offsets[:-1]][seg_of_pt]

    # Samples: each piece start plus evenly spaced points so no gap exceeds _SPACING_M.
    n_sub = np.maximum(1, np.ceil(piece_len[starts] / _SPACING_M).astype(np.int64))
    sample_piece = np.repeat(starts, n_sub)
    first = np.concatenate(([0], np.cumsum(n_sub)[:-1]))
    frac = (np.arange(sample_piece.shape[0]) - np.repeat(first, n_sub)) / np.repeat(n_sub, n_sub)
    s_lon = lon[sample_piece] + frac * (lon[sample_piece + 1] - lon[sample_piece])
    s_lat = lat[sample_piece] + frac * (lat[sample_piece + 1] - lat[sample_piece])
    # Last points of segments are samples too (they end the last piece).
    ends = offsets[1:] - 1
    tree_pts = np.concatenate((_xyz(s_lon, s_lat), _xyz(lon[ends], lat[ends])))
    sample_piece = np.concatenate((sample_piece, np.maximum(ends - 1, offsets[:-1])))

    edge = network.segment_edges.astype(np.int64)
    rev = (network.edge_flags[edge] & FLAG_REVERSED) != 0
    src, dst = (
        network.edge_source[edge].astype(np.int64),
        network.edge_target[edge].astype(np.int64),
    )
    return _Index(
        points=tree_pts,
        sample_piece=sample_piece,
        piece_seg=seg_of_pt,
        seg_start_node=np.where(rev, dst, src),
        seg_end_node=np.where(rev, src, dst),
        cum_m=cum,
    )


def _index(network: Network) -> _Index:
    """The snapping index of ``network``, built on first use and cached with the network."""
    index = _CACHE.get(network)
    if index is None:
        with _LOCK:
            index = _CACHE.get(network)
            if index is None:
                index = _CACHE[network] = _build(network)
    return index


def snap_many(
    network: Network,
    lats: ArrayLike,
    lons: ArrayLike,
    *,
    max_distance_m: float = DEFAULT_MAX_DISTANCE_M,
) -> Snaps:
    """Snap many coordinates at once; rows beyond ``max_distance_m`` are marked not ``ok``."""
    q_lat = np.atleast_1d(np.asarray(lats, dtype=np.float64))
    q_lon = np.atleast_1d(np.asarray(lons, dtype=np.float64))
    if q_lat.shape != q_lon.shape or q_lat.ndim != 1:
        raise ValueError("lats and lons must be 1-D arrays of the same length")
    bad = ~(
        np.isfinite(q_lat) & np.isfinite(q_lon) & (np.abs(q_lat) <= 90) & (np.abs(q_lon) <= 180)
    )
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise SnapError(
            f"{q_lat[i]},{q_lon[i]} is not a coordinate",
            hint="give latitude -90..90 and longitude -180..180 in degrees",
        )
    idx = _index(network)
    lon, lat = network.arrays["seg_lon"], network.arrays["seg_lat"]
    q_xyz = _xyz(q_lon, q_lat)

    # 1 % slack for sphere vs ellipsoid and the planar refinement, plus half the spacing; capped
    # just past the limit so a far-away point does not pull in the whole network (its nearest
    # sample's piece is always a candidate, so it still gets a distance to report). Never below
    # the nearest distance itself: samples tied with the nearest (one node ending two roads)
    # are all candidates, and the lowest piece wins, whichever way the nearest was found.
    def radius_for(upper: NDArray[np.float64]) -> NDArray[np.float64]:
        return np.maximum(
            np.minimum(
                upper * 1.01 + _SPACING_M / 2 + 1.0, max_distance_m * 1.01 + _SPACING_M + 1.0
            ),
            upper * (1.0 + 1e-9) + 1e-6,
        )

    nearest, balls = idx.candidates(q_xyz, radius_for)
    counts = np.fromiter((len(b) for b in balls), dtype=np.int64, count=len(balls))
    n_q = q_lat.shape[0]
    cand_q = np.concatenate((np.arange(n_q), np.repeat(np.arange(n_q), counts)))
    samples = np.concatenate(
        [np.asarray(nearest, dtype=np.int64)] + [np.asarray(b, np.int64) for b in balls]
    )
    cand_piece = idx.sample_piece[samples]
    pair = _unique(cand_q * (lon.shape[0] + 1) + cand_piece)  # each (query, piece) once
    cand_q, cand_piece = pair // (lon.shape[0] + 1), pair % (lon.shape[0] + 1)

    # Foot of the perpendicular on each candidate piece, in a local plane at the query point
    # scaled by the ellipsoid's radii of curvature there (exact to first order).
    lat0, lon0 = q_lat[cand_q], q_lon[cand_q]
    sin2 = np.sin(np.radians(lat0)) ** 2
    w = np.sqrt(1.0 - _E2 * sin2)
    kx = np.radians(1.0) * _A / w * np.cos(np.radians(lat0))  # prime vertical, per degree lon
    ky = np.radians(1.0) * _A * (1.0 - _E2) / w**3  # meridian, per degree lat
    ax = (((lon[cand_piece] - lon0 + 180.0) % 360.0) - 180.0) * kx
    ay = (lat[cand_piece] - lat0) * ky
    bx = (((lon[cand_piece + 1] - lon0 + 180.0) % 360.0) - 180.0) * kx
    by = (lat[cand_piece + 1] - lat0) * ky
    dx, dy = bx - ax, by - ay
    len2 = dx * dx + dy * dy
    t = np.clip(-(ax * dx + ay * dy) / np.where(len2 > 0, len2, 1.0), 0.0, 1.0)
    c_lon = lon[cand_piece] + t * (lon[cand_piece + 1] - lon[cand_piece])
    c_lat = lat[cand_piece] + t * (lat[cand_piece + 1] - lat[cand_piece])
    # The plane drifts from the ellipsoid with distance (about a metre at 3 km), enough to
    # swap two nearly equidistant candidates: choose among them by true geodesic distance.
    c_dist = inverse_m(q_lon[cand_q], q_lat[cand_q], c_lon, c_lat)

    order = np.lexsort((c_dist, cand_q))
    first = np.ones(order.shape[0], dtype=bool)
    first[1:] = cand_q[order][1:] != cand_q[order][:-1]
    best = order[first]  # one row per query: its nearest candidate
    piece, tb = cand_piece[best], t[best]
    p_lon, p_lat, dist = c_lon[best], c_lat[best], c_dist[best]
    seg = idx.piece_seg[piece]
    along = idx.cum_m[piece] + tb * (idx.cum_m[piece + 1] - idx.cum_m[piece])
    seg_total = idx.cum_m[network.seg_offsets[seg + 1] - 1]
    node = np.where(along <= seg_total / 2, idx.seg_start_node[seg], idx.seg_end_node[seg])
    ok = dist <= max_distance_m
    none = np.int64(-1)
    return Snaps(
        lat=p_lat,
        lon=p_lon,
        distance_m=dist,
        segment=np.where(ok, seg, none),
        edge=np.where(ok, network.segment_edges[seg].astype(np.int64), none),
        node=np.where(ok, node, none),
        along_m=along,
        ok=ok,
    )


def snap(
    network: Network, lat: float, lon: float, *, max_distance_m: float = DEFAULT_MAX_DISTANCE_M
) -> Snap:
    """Snap one coordinate to the nearest road; ``SnapError`` when it is farther than allowed."""
    found = snap_many(network, [lat], [lon], max_distance_m=max_distance_m)
    distance = float(found.distance_m[0])
    if not found.ok[0]:
        raise SnapError(
            f"{lat:.6f},{lon:.6f} is {distance:,.0f} m from the nearest road "
            f"(limit {max_distance_m:,.0f} m)",
            hint="pick a point nearer a road covered by the network, or raise --max-distance",
        )
    return Snap(
        lat=float(found.lat[0]),
        lon=float(found.lon[0]),
        distance_m=distance,
        segment=int(found.segment[0]),
        edge=int(found.edge[0]),
        node=int(found.node[0]),
        along_m=float(found.along_m[0]),
    )
