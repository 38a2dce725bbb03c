"""Spatial join of hazard zones to road segments: a metric projection, a piece grid for disks
(``_grid``) and, for other zones, an STRtree built on first use, per network.

Geometry lives per segment (both directions of a road share it), so footprints are computed per
segment and then mapped to edges through ``network.edge_segment``.
"""

from __future__ import annotations

import functools
import weakref
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import shapely
from numpy.typing import NDArray
from pyproj import Transformer

from corridor.hazards._grid import PieceGrid, expand
from corridor.hazards._model import Hazard
from corridor.network import FLAG_BRIDGE, Network

F64 = NDArray[np.float64]
I32 = NDArray[np.int32]
I64 = NDArray[np.int64]

_MIN_SHARE = 1e-9  # ignore zones that only touch a segment (an endpoint on a boundary)


#: Centres are snapped to this grid (degrees, ~11 km) so that nearby callers share one projection.
_CENTRE_STEP = 0.1


def local_transformer(lon: float, lat: float) -> Transformer:
    """A transverse Mercator centred near (lon, lat): conformal, so circles stay circles, and the
    scale error stays below 0.1 % within about 300 km of the central meridian.

    Building one costs ~20 ms (PROJ parses and plans the pipeline), far more than using it, so
    the centre is snapped to a 0.1-degree grid and each projection is built once: moving the
    centre by under 8 km changes scale by under 1e-6 (k = 1 + x^2 / 2R^2) and nothing else
    (the projection is exact wherever it is centred). pyproj transformers are thread-safe.
    """
    return _transformer(round(lon / _CENTRE_STEP), round(lat / _CENTRE_STEP))


@functools.lru_cache(maxsize=256)
def _transformer(lon_step: int, lat_step: int) -> Transformer:
    lon, lat = lon_step * _CENTRE_STEP, lat_step * _CENTRE_STEP
    crs = f"+proj=tmerc +lat_0={lat:.6f} +lon_0={lon:.6f} +k=1 +x_0=0 +y_0=0 +ellps=WGS84 +units=m"
    return Transformer.from_crs("EPSG:4326", crs, always_xy=True)


def project(transformer: Transformer, geoms: NDArray[np.object_]) -> NDArray[np.object_]:
    """Lon/lat geometries into the transformer's metric CRS, all at once."""

    def fwd(xy: F64) -> F64:
        x, y = transformer.transform(xy[:, 0], xy[:, 1])
        return np.column_stack([x, y])

    return shapely.transform(geoms, fwd)  # type: ignore[no-any-return]


@dataclass(frozen=True, slots=True)
class Footprint:
    """Where one hazard lies on the network, per edge: ``share`` is the length share of the edge
    inside the zone; ``crossings`` is the length inside divided by the zone's diameter (the
    exposure used by the length-normalised model, see docs/risk-model.md)."""

    edges: I32
    share: F64
    crossings: F64


@dataclass(frozen=True, slots=True)
class FootprintRows:
    """The footprints of several hazards as rows: hazard ``i`` has rows ``bounds[i]`` to
    ``bounds[i + 1]``, so a risk model can take a whole batch without concatenating."""

    edges: I32
    share: F64
    crossings: F64
    bounds: I64

    def footprint(self, i: int) -> Footprint:
        """Hazard ``i``'s footprint: views into the rows, no copy."""
        a, b = int(self.bounds[i]), int(self.bounds[i + 1])
        return Footprint(
            edges=self.edges[a:b], share=self.share[a:b], crossings=self.crossings[a:b]
        )

    def footprints(self) -> list[Footprint]:
        return [self.footprint(i) for i in range(self.bounds.size - 1)]


class SegmentIndex:
    """Segment lengths, a grid of their projected pieces, the segment->edges map, and (lazily)
    shapely lines with an STRtree over them.

    Built once per network (see :func:`segment_index`) and shared by every risk model on it.
    """

    def __init__(self, network: Network) -> None:
        lon = np.asarray(network.arrays["seg_lon"], dtype=np.float64)
        lat = np.asarray(network.arrays["seg_lat"], dtype=np.float64)
        offsets = np.asarray(network.seg_offsets)
        self.transformer = local_transformer(
            float((lon.min() + lon.max()) / 2), float((lat.min() + lat.max()) / 2)
        )
        # the projected points are not kept (the grid holds each piece's end points, in its
        # own order); the lines, rarely needed, project the network's points again
        self._lonlat = (lon, lat)
        x, y = self._project_points()
        self.offsets: I64 = offsets.astype(np.int64)
        dx, dy = np.diff(x), np.diff(y)
        piece_len = np.hypot(dx, dy)
        piece_len[offsets[1:-1] - 1] = 0.0  # the gaps between consecutive segments
        ends = np.cumsum(np.concatenate([[0.0], piece_len]))
        length_m = ends[self.offsets[1:] - 1] - ends[self.offsets[:-1]]
        del dx, dy, piece_len, ends  # before the grid's own temporaries (peak memory)
        self.grid = PieceGrid(x, y, self.offsets)
        del x, y
        # per-segment arrays are in the grid's segment order (segments near each other in
        # space are near each other in memory, so a zone's segments share cache lines); the
        # STRtree answers in network order and maps through grid.seg_rank
        rank = self.grid.seg_rank
        self.length_m: F64 = np.empty_like(length_m)
        self.length_m[rank] = length_m
        seg_of_edge = rank[np.asarray(network.edge_segment)]
        self.seg_edges: I32 = np.argsort(seg_of_edge, kind="stable").astype(np.int32)
        self.seg_ptr: I64 = np.zeros(network.n_segments + 1, dtype=np.int64)
        np.cumsum(np.bincount(seg_of_edge, minlength=network.n_segments), out=self.seg_ptr[1:])
        bridge_edges = (np.asarray(network.edge_flags) & FLAG_BRIDGE) != 0
        self.seg_bridge = np.zeros(network.n_segments, dtype=bool)
        self.seg_bridge[seg_of_edge[bridge_edges]] = True
        self.most_edges = int(np.diff(self.seg_ptr).max()) if network.n_segments else 0
        self.n_edges = network.n_edges

    def _project_points(self) -> tuple[F64, F64]:
        x, y = self.transformer.transform(*self._lonlat)
        return np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)

    @functools.cached_property
    def lines(self) -> NDArray[np.object_]:
        """The segments as shapely lines: built on the first non-disk zone (seconds on a
        million-node network, and disks, the common case, never need them)."""
        x, y = self._project_points()  # the same points, the same bits as the grid's
        seg_of_point = np.repeat(np.arange(self.offsets.size - 1), np.diff(self.offsets))
        lines: NDArray[np.object_] = shapely.linestrings(
            np.column_stack([x, y]), indices=seg_of_point
        )
        return lines

    @functools.cached_property
    def tree(self) -> shapely.STRtree:
        return shapely.STRtree(self.lines)

    def zones(self, hazards: Sequence[Hazard]) -> NDArray[np.object_]:
        """Each hazard's zone in the index's metric CRS: its geometry buffered by its radius
        (a polygon with radius 0 is its own zone)."""
        geoms = np.array([h.geometry for h in hazards], dtype=object)
        radii = np.array([h.effective_radius_m for h in hazards], dtype=np.float64)
        return shapely.buffer(project(self.transformer, geoms), radii)  # type: ignore[no-any-return]

    def _zone_pairs(self, zones: NDArray[np.object_]) -> tuple[I64, I64, F64]:
        """(hazard, grid segment, metres inside) for any zone, through GEOS."""
        shapely.prepare(zones)
        hz, seg = self.tree.query(zones, predicate="intersects")
        grid_seg = self.grid.seg_rank[seg].astype(np.int64)
        # most segments of a large zone lie wholly inside it: a prepared predicate settles those,
        # and only the ones crossing the boundary pay for an intersection
        inside = self.length_m[grid_seg]
        crossing = np.nonzero(~shapely.contains_properly(zones[hz], self.lines[seg]))[0]
        cut = shapely.intersection(self.lines[seg[crossing]], zones[hz[crossing]])
        inside[crossing] = shapely.length(cut)
        return hz.astype(np.int64), grid_seg, inside

    def _edge_entries(
        self, hz: I64, seg: I64, inside: F64, diameter: F64, bridges_only: NDArray[np.bool_]
    ) -> tuple[I64, I32, F64, F64, I64]:
        """(zone, edge, share, crossings) from (zone, segment, metres inside) pairs: shares,
        the touch and bridges-only filters, then each segment expanded to its edges, grouped
        by zone (stable); and the bounds of each zone's rows (``diameter.size + 1``)."""
        return expand(  # type: ignore[no-any-return]
            hz, seg, inside, diameter, bridges_only, self.length_m, self.seg_bridge,
            self.seg_ptr, self.seg_edges, _MIN_SHARE,
        )  # fmt: skip

    def disk_entries(
        self, lon: F64, lat: F64, radii: F64, bridges_only: NDArray[np.bool_]
    ) -> tuple[I64, I32, F64, F64]:
        """(disk, edge, share, crossings) of many disks given by lon/lat centre and radius, in
        one pass and without building a Hazard per disk; exactly what :meth:`footprints`
        gives point hazards. For callers that place thousands of moved copies of a few
        hazards (ensembles); entries come grouped by disk."""
        if lon.size == 0:
            return (np.zeros(0, np.int64), np.zeros(0, np.int32), np.zeros(0), np.zeros(0))
        x, y = self.transformer.transform(lon, lat)
        centres = np.column_stack([np.asarray(x, np.float64), np.asarray(y, np.float64)])
        hz, seg, inside = self.grid.disks(centres, radii)
        diameter = np.maximum(2.0 * radii, 1.0)
        hz_e, edges, share, crossings, _ = self._edge_entries(
            hz, seg, inside, diameter, bridges_only
        )
        return hz_e, edges, share, crossings

    def footprints(self, hazards: Sequence[Hazard]) -> list[Footprint]:
        """Footprints of many hazards in one vectorised pass.

        A point with a radius is a true disk, clipped analytically on the piece grid (compiled);
        lines and polygons are buffered (32-gon caps) and clipped by GEOS. The footprints of
        one call are views into shared arrays (one allocation per call, not per hazard).
        """
        return self.footprint_rows(hazards).footprints()

    def footprint_rows(self, hazards: Sequence[Hazard]) -> FootprintRows:
        """The footprints of :meth:`footprints` as one set of rows with per-hazard bounds."""
        n = len(hazards)
        if not n:
            return FootprintRows(
                np.zeros(0, np.int32), np.zeros(0), np.zeros(0), np.zeros(1, np.int64)
            )
        radii = np.fromiter((h.effective_radius_m for h in hazards), np.float64, count=n)
        geoms = np.fromiter((h.geometry for h in hazards), object, count=n)
        is_point = shapely.get_type_id(geoms) == 0
        circle = np.nonzero(is_point & (radii > 0))[0]
        other = np.nonzero(~is_point)[0]
        diameter = 2.0 * radii
        bridges_only = np.fromiter((h.defaults.bridges_only for h in hazards), bool, count=n)
        if circle.size == n:  # all disks, the common case: rows straight from the walk
            lonlat = shapely.get_coordinates(geoms)
            x, y = self.transformer.transform(lonlat[:, 0], lonlat[:, 1])
            centres = np.column_stack([np.asarray(x, np.float64), np.asarray(y, np.float64)])
            edges, share, crossings, bounds = self.grid.disk_rows(
                centres, radii, np.maximum(diameter, 1.0), bridges_only,
                (self.length_m, self.seg_bridge, self.seg_ptr, self.seg_edges, self.most_edges),
                _MIN_SHARE,
            )  # fmt: skip
            return FootprintRows(edges, share, crossings, bounds)
        parts = []
        if circle.size:
            # points need no shapely round trip: their coordinates straight through PROJ
            lonlat = shapely.get_coordinates(geoms[circle])
            x, y = self.transformer.transform(lonlat[:, 0], lonlat[:, 1])
            centres = np.column_stack([np.asarray(x, np.float64), np.asarray(y, np.float64)])
            h_c, s_c, in_c = self.grid.disks(centres, radii[circle])
            parts.append((circle[h_c], s_c, in_c))
        if other.size:
            zones = shapely.buffer(project(self.transformer, geoms[other]), radii[other])
            areal = np.isin(shapely.get_type_id(geoms[other]), (3, 6))  # (Multi)Polygon
            d = 2.0 * np.sqrt(shapely.area(zones) / np.pi)
            diameter[other] = np.where(areal, d, diameter[other])
            h_o, s_o, in_o = self._zone_pairs(zones)
            parts.append((other[h_o], s_o, in_o))
        if len(parts) == 1:
            hz, seg, inside = parts[0]
        elif parts:
            hz = np.concatenate([p[0] for p in parts])
            seg = np.concatenate([p[1] for p in parts])
            inside = np.concatenate([p[2] for p in parts])
        else:
            hz, seg, inside = (np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0))
        _, edges, share_e, cross_e, bounds = self._edge_entries(
            hz, seg, inside, np.maximum(diameter, 1.0), bridges_only
        )
        return FootprintRows(edges, share_e, cross_e, bounds)


_CACHE: weakref.WeakKeyDictionary[Network, SegmentIndex] = weakref.WeakKeyDictionary()


def segment_index(network: Network) -> SegmentIndex:
    """The network's SegmentIndex, built on first use and cached while the network lives."""
    index = _CACHE.get(network)
    if index is None:
        index = SegmentIndex(network)
        _CACHE[network] = index
    return index
