"""Spatial join of hazard zones to road segments: a metric projection and an STRtree, per network.

Geometry lives per segment (both directions of a road share it), so footprints are computed per
segment and then mapped to edges through ``network.edge_segment``.
"""

from __future__ import annotations

import weakref
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import shapely
from numpy.typing import NDArray
from pyproj import Transformer

from corridor.hazards._model import Hazard
from corridor.network import FLAG_BRIDGE, Network

F64 = NDArray[np.float64]
I32 = NDArray[np.int32]
I64 = NDArray[np.int64]

_MIN_SHARE = 1e-9  # ignore zones that only touch a segment (an endpoint on a boundary)


def local_transformer(lon: float, lat: float) -> Transformer:
    """A transverse Mercator centred on (lon, lat): conformal, so circles stay circles, and the
    scale error stays below 0.1 % within about 300 km of the central meridian."""
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


class SegmentIndex:
    """Projected segment lines, their lengths, an STRtree over them and the segment->edges map.

    Built once per network (see :func:`segment_index`) and shared by every risk model on it.
    """

    def __init__(self, network: Network) -> None:
        lon = np.asarray(network.arrays["seg_lon"], dtype=np.float64)
        lat = np.asarray(network.arrays["seg_lat"], dtype=np.float64)
        offsets = np.asarray(network.seg_offsets)
        self.transformer = local_transformer(
            float((lon.min() + lon.max()) / 2), float((lat.min() + lat.max()) / 2)
        )
        x, y = self.transformer.transform(lon, lat)
        counts = np.diff(offsets)
        seg_of_point = np.repeat(np.arange(network.n_segments), counts)
        self.lines = shapely.linestrings(np.column_stack([x, y]), indices=seg_of_point)
        self.length_m: F64 = shapely.length(self.lines)
        self.tree = shapely.STRtree(self.lines)
        # segment -> edges, CSR
        edge_segment = np.asarray(network.edge_segment)
        order = np.argsort(edge_segment, kind="stable").astype(np.int32)
        self.seg_edges: I32 = order
        self.seg_ptr: I64 = np.zeros(network.n_segments + 1, dtype=np.int64)
        np.cumsum(np.bincount(edge_segment, minlength=network.n_segments), out=self.seg_ptr[1:])
        bridge_edges = (np.asarray(network.edge_flags) & FLAG_BRIDGE) != 0
        self.seg_bridge = np.zeros(network.n_segments, dtype=bool)
        self.seg_bridge[edge_segment[bridge_edges]] = True
        self.n_edges = network.n_edges

    def zones(self, hazards: Sequence[Hazard]) -> tuple[NDArray[np.object_], F64]:
        """Each hazard's zone in metres (its geometry buffered by its radius; a polygon with
        radius 0 is its own zone) and the zone's diameter: 2 r around a point or line, the
        diameter of the circle of equal area for a polygon."""
        geoms = np.array([h.geometry for h in hazards], dtype=object)
        radii = np.array([h.effective_radius_m for h in hazards], dtype=np.float64)
        zones = shapely.buffer(project(self.transformer, geoms), radii)
        areal = np.array([h.geometry.geom_type.endswith("Polygon") for h in hazards], dtype=bool)
        diameter = np.where(areal, 2.0 * np.sqrt(shapely.area(zones) / np.pi), 2.0 * radii)
        return zones, np.maximum(diameter, 1.0)

    def footprints(self, hazards: Sequence[Hazard]) -> list[Footprint]:
        """Footprints of many hazards in one vectorised pass (one tree query, one intersection)."""
        if not hazards:
            return []
        zones, diameter = self.zones(hazards)
        pairs = self.tree.query(zones, predicate="intersects")
        hz, seg = pairs[0], pairs[1]
        inside = shapely.length(shapely.intersection(self.lines[seg], zones[hz]))
        with np.errstate(invalid="ignore", divide="ignore"):
            share = np.where(self.length_m[seg] > 0, inside / self.length_m[seg], 1.0)
        share = np.clip(share, 0.0, 1.0)
        bridges_only = np.array([h.defaults.bridges_only for h in hazards], dtype=bool)
        keep = (share > _MIN_SHARE) & (~bridges_only[hz] | self.seg_bridge[seg])
        hz, seg, share, inside = hz[keep], seg[keep], share[keep], inside[keep]
        crossings = inside / diameter[hz]
        # expand segments to their edges (one or two each)
        counts = (self.seg_ptr[seg + 1] - self.seg_ptr[seg]).astype(np.int64)
        starts = np.repeat(self.seg_ptr[seg], counts)
        within = np.arange(int(counts.sum())) - np.repeat(np.cumsum(counts) - counts, counts)
        edges = self.seg_edges[starts + within]
        hz_e = np.repeat(hz, counts)
        share_e = np.repeat(share, counts)
        cross_e = np.repeat(crossings, counts)
        order = np.argsort(hz_e, kind="stable")
        hz_e, edges, share_e, cross_e = hz_e[order], edges[order], share_e[order], cross_e[order]
        bounds = np.searchsorted(hz_e, np.arange(len(hazards) + 1))
        return [
            Footprint(
                edges=edges[bounds[i] : bounds[i + 1]].astype(np.int32),
                share=share_e[bounds[i] : bounds[i + 1]].astype(np.float64),
                crossings=cross_e[bounds[i] : bounds[i + 1]].astype(np.float64),
            )
            for i in range(len(hazards))
        ]


_CACHE: weakref.WeakKeyDictionary[Network, SegmentIndex] = weakref.WeakKeyDictionary()


def segment_index(network: Network) -> SegmentIndex:
    """The network's SegmentIndex, built on first use and cached while the network lives."""
    index = _CACHE.get(network)
    if index is None:
        index = SegmentIndex(network)
        _CACHE[network] = index
    return index
