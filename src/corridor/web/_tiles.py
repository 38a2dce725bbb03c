"""Road-network map tiles: the network as GeoJSON per web-mercator tile, simplified by zoom.

The dashboard draws its base map from the imported network itself (no online tiles), so the
server cuts it into the usual z/x/y tiles. At low zoom only the major classes are kept and
lines are simplified to about a pixel, so a tile stays small however large the network; names
are sent only from ``NAME_ZOOM`` on, where the client has room to draw them. Tiles are pure
functions of the (immutable) network, so a bounded LRU cache keeps the bytes of recent ones.
"""

from __future__ import annotations

import json
import math
import threading
from collections import OrderedDict
from typing import Any

import numpy as np
import shapely
from numpy.typing import NDArray

from corridor.errors import InputError
from corridor.network import FLAG_BRIDGE, FLAG_TUNNEL, HIGHWAY_CLASSES, Network, segments_in_bbox

MAX_ZOOM = 20
TILE_PX = 256
#: From this zoom on, features carry the road's name (and ref) for labels.
NAME_ZOOM = 15

#: The classes drawn up to each zoom; from zoom 13 on, every class (a town's streets).
_MAJOR = ("motorway", "motorway_link", "trunk", "trunk_link", "primary")
_MEDIUM = (*_MAJOR, "primary_link", "secondary")
_BANDS: tuple[tuple[int, frozenset[str]], ...] = (
    (9, frozenset(_MAJOR)),
    (11, frozenset(_MEDIUM)),
    (12, frozenset({*_MEDIUM, "secondary_link", "tertiary", "tertiary_link", "unclassified"})),
)


def classes_at(zoom: int) -> frozenset[str] | None:
    """The road classes drawn at ``zoom``; None means every class."""
    for upto, classes in _BANDS:
        if zoom <= upto:
            return classes
    return None


def tile_bounds(z: int, x: int, y: int) -> tuple[float, float, float, float]:
    """(west, south, east, north) in degrees of the slippy-map tile z/x/y."""
    if not 0 <= z <= MAX_ZOOM:
        raise InputError(f"zoom {z} is outside 0..{MAX_ZOOM}", field="z")
    n = 1 << z
    if not (0 <= x < n and 0 <= y < n):
        raise InputError(f"tile {x}/{y} does not exist at zoom {z} (0..{n - 1})", field="x/y")

    def lat(row: int) -> float:
        return math.degrees(math.atan(math.sinh(math.pi * (1 - 2 * row / n))))

    return x / n * 360.0 - 180.0, lat(y + 1), (x + 1) / n * 360.0 - 180.0, lat(y)


def road_tile(
    network: Network, z: int, x: int, y: int, grid: SegmentGrid | None = None
) -> dict[str, Any]:
    """The roads meeting tile z/x/y as a GeoJSON FeatureCollection.

    One MultiLineString per kind of road drawn: ``highway`` class, ``bridge``, ``tunnel`` and,
    from ``NAME_ZOOM`` on, ``name``. Lines keep their full extent (the client clips) and are
    simplified to half a pixel at this zoom (and below ``NAME_ZOOM`` snapped to a half-pixel
    grid), so every point drawn is within a pixel of the road.
    """
    west, south, east, north = tile_bounds(z, x, y)
    # A margin of a few pixels so lines crossing the edge are drawn continuously.
    pad = (east - west) * 4 / TILE_PX
    box = (west - pad, max(south - pad, -90.0), east + pad, min(north + pad, 90.0))
    segments = grid.query(*box) if grid is not None else segments_in_bbox(network, *box)
    edge = network.segment_edges[segments]
    highway = network.edge_highway[edge]
    wanted = classes_at(z)
    if wanted is not None:
        codes = np.array([i for i, c in enumerate(HIGHWAY_CLASSES) if c in wanted], np.int64)
        keep = np.isin(highway, codes)
        segments, edge, highway = segments[keep], edge[keep], highway[keep]
    if segments.shape[0] == 0:
        return {"type": "FeatureCollection", "features": []}
    arr = network.arrays
    starts = network.seg_offsets[segments]
    ends = network.seg_offsets[segments + 1]
    counts = (ends - starts).astype(np.int64)
    index = np.repeat(np.arange(segments.shape[0]), counts)
    first = np.cumsum(counts) - counts
    points = np.arange(int(counts.sum())) - np.repeat(first, counts) + np.repeat(starts, counts)
    coords = np.column_stack((arr["seg_lon"][points], arr["seg_lat"][points])).astype(np.float64)
    lines = shapely.linestrings(coords, indices=index)
    tolerance = (east - west) / TILE_PX / 2
    simple = shapely.simplify(lines, tolerance, preserve_topology=False)
    coords, owner = shapely.get_coordinates(simple, return_index=True)
    if z < NAME_ZOOM:
        # Below street zoom a segment is often shorter than a pixel: snapping to a half-pixel
        # grid and dropping what collapses keeps every line continuous at screen resolution
        # while cutting a dense town's tile to a fraction.
        cell = np.array([(east - west) / TILE_PX / 2, (north - south) / TILE_PX / 2])
        coords, owner = _snap(coords, owner, np.array([west, south]), cell)
    decimals = max(5, math.ceil(math.log10(TILE_PX * (1 << z) / 360.0)) + 1)
    coords = np.round(coords, decimals)
    flags = network.edge_flags[edge].astype(np.int64)
    names = arr["edge_name"][edge] if z >= NAME_ZOOM else np.full(edge.shape[0], -1)
    # One MultiLineString per (class, bridge, tunnel, name): the JSON per segment would
    # otherwise outweigh the coordinates.
    keys = np.column_stack(
        (highway, (flags & FLAG_BRIDGE) != 0, (flags & FLAG_TUNNEL) != 0, names)
    ).astype(np.int64)
    groups: dict[tuple[int, ...], list[list[list[float]]]] = {}
    if owner.shape[0]:
        cuts = np.flatnonzero(np.diff(owner)) + 1
        owners = owner[np.concatenate(([0], cuts))].tolist()
        for i, part in zip(owners, np.split(coords, cuts), strict=True):
            groups.setdefault(tuple(keys[i].tolist()), []).append(part.tolist())
    strings = network.strings
    features = []
    for (code, bridge, tunnel, name), parts in groups.items():
        props: dict[str, Any] = {"highway": HIGHWAY_CLASSES[code]}
        if bridge:
            props["bridge"] = True
        if tunnel:
            props["tunnel"] = True
        if name >= 0:
            props["name"] = strings[name]
        features.append(
            {"type": "Feature", "geometry": {"type": "MultiLineString", "coordinates": parts},
             "properties": props}
        )  # fmt: skip
    return {"type": "FeatureCollection", "features": features}


def _snap(
    coords: NDArray[np.float64],
    owner: NDArray[np.int64],
    origin: NDArray[np.float64],
    cell: NDArray[np.float64],
) -> tuple[NDArray[np.float64], NDArray[np.int64]]:
    """Points snapped to the grid; repeated points and lines left with one point dropped."""
    q = np.round((coords - origin) / cell)
    keep = np.ones(q.shape[0], dtype=bool)
    keep[1:] = ~((q[1:] == q[:-1]).all(axis=1) & (owner[1:] == owner[:-1]))
    q, owner = q[keep], owner[keep]
    lines, counts = np.unique(owner, return_counts=True)
    long_enough = np.isin(owner, lines[counts >= 2])
    return q[long_enough] * cell + origin, owner[long_enough]


class SegmentGrid:
    """The network's segments bucketed by a regular lon/lat grid, so a tile looks only at the
    segments of the cells it covers instead of scanning every segment's box (the scan costs
    ~10 ms per tile on a million-edge network). Answers exactly as ``segments_in_bbox``."""

    def __init__(self, network: Network, cell_deg: float = 0.01) -> None:
        self.network = network
        self.cell = cell_deg
        starts = network.seg_offsets[:-1]
        lon, lat = network.arrays["seg_lon"], network.arrays["seg_lat"]
        if starts.shape[0] == 0:
            self.bounds = np.zeros((0, 4))
        else:
            self.bounds = np.column_stack(
                (np.minimum.reduceat(lon, starts), np.minimum.reduceat(lat, starts),
                 np.maximum.reduceat(lon, starts), np.maximum.reduceat(lat, starts))
            ).astype(np.float64)  # fmt: skip
        b = self.bounds
        self.lon0 = float(b[:, 0].min()) if b.shape[0] else 0.0
        self.lat0 = float(b[:, 1].min()) if b.shape[0] else 0.0
        ix0, iy0 = self._cells(b[:, 0], b[:, 1])
        ix1, iy1 = self._cells(b[:, 2], b[:, 3])
        self.nx = int(ix1.max()) + 1 if b.shape[0] else 1
        self.ny = int(iy1.max()) + 1 if b.shape[0] else 1
        # A segment spanning several cells is listed in each (most span one).
        wide, high = ix1 - ix0 + 1, iy1 - iy0 + 1
        per = wide * high
        seg = np.repeat(np.arange(b.shape[0], dtype=np.int64), per)
        k = np.arange(int(per.sum()), dtype=np.int64) - np.repeat(np.cumsum(per) - per, per)
        cx = np.repeat(ix0, per) + k // np.repeat(high, per)
        cy = np.repeat(iy0, per) + k % np.repeat(high, per)
        keys = cx * self.ny + cy
        order = np.argsort(keys, kind="stable")
        self.keys = keys[order]
        self.segments = seg[order]

    def _cells(
        self, lon: NDArray[np.float64], lat: NDArray[np.float64]
    ) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
        ix = np.floor((lon - self.lon0) / self.cell).astype(np.int64)
        iy = np.floor((lat - self.lat0) / self.cell).astype(np.int64)
        return ix, iy

    def query(self, west: float, south: float, east: float, north: float) -> NDArray[np.int64]:
        """Ids (sorted) of the segments whose box meets the given box."""
        b = self.bounds
        if b.shape[0] == 0:
            return np.zeros(0, np.int64)
        x0, y0 = (int(v[0]) for v in self._cells(np.array([west]), np.array([south])))
        x1, y1 = (int(v[0]) for v in self._cells(np.array([east]), np.array([north])))
        x0, y0, x1, y1 = max(x0, 0), max(y0, 0), min(x1, self.nx - 1), min(y1, self.ny - 1)
        if x0 > x1 or y0 > y1:
            return np.zeros(0, np.int64)
        if (x1 - x0 + 1) * (y1 - y0 + 1) * 4 > self.nx * self.ny:  # most of the grid: scan
            candidates = np.arange(b.shape[0], dtype=np.int64)
        else:
            lo = np.searchsorted(self.keys, np.arange(x0, x1 + 1) * self.ny + y0, side="left")
            hi = np.searchsorted(self.keys, np.arange(x0, x1 + 1) * self.ny + y1, side="right")
            parts = [self.segments[a:c] for a, c in zip(lo.tolist(), hi.tolist(), strict=True)]
            candidates = np.unique(np.concatenate(parts)) if parts else np.zeros(0, np.int64)
        c = b[candidates]
        hit = (c[:, 0] <= east) & (c[:, 2] >= west) & (c[:, 1] <= north) & (c[:, 3] >= south)
        return candidates[hit]


class TileCache:
    """A bounded LRU of encoded tiles per (network name, z, x, y); safe across threads."""

    def __init__(self, max_tiles: int = 4096) -> None:
        self.max_tiles = max_tiles
        self._tiles: OrderedDict[tuple[str, int, int, int], bytes] = OrderedDict()
        self._grids: dict[str, SegmentGrid] = {}
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def clear_tiles(self) -> None:
        """Forget the tiles (not the networks' grid indexes)."""
        with self._lock:
            self._tiles.clear()

    def get(self, name: str, network: Network, z: int, x: int, y: int) -> bytes:
        key = (name, z, x, y)
        with self._lock:
            found = self._tiles.get(key)
            if found is not None:
                self._tiles.move_to_end(key)
                self.hits += 1
                return found
        with self._lock:
            grid = self._grids.get(name)
        if grid is None or grid.network is not network:
            grid = SegmentGrid(network)
            with self._lock:
                self._grids[name] = grid
        body = json.dumps(road_tile(network, z, x, y, grid), ensure_ascii=False,
                          separators=(",", ":")).encode()  # fmt: skip
        with self._lock:
            self.misses += 1
            self._tiles[key] = body
            self._tiles.move_to_end(key)
            while len(self._tiles) > self.max_tiles:
                self._tiles.popitem(last=False)
        return body
