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


def road_tile(network: Network, z: int, x: int, y: int) -> dict[str, Any]:
    """The roads meeting tile z/x/y as a GeoJSON FeatureCollection.

    One MultiLineString per kind of road drawn: ``highway`` class, ``bridge``, ``tunnel`` and,
    from ``NAME_ZOOM`` on, ``name``. Lines keep their full extent (the client clips) and are
    simplified to half a pixel at this zoom (and below ``NAME_ZOOM`` snapped to a half-pixel
    grid), so every point drawn is within a pixel of the road.
    """
    west, south, east, north = tile_bounds(z, x, y)
    # A margin of a few pixels so lines crossing the edge are drawn continuously.
    pad = (east - west) * 4 / TILE_PX
    segments = segments_in_bbox(network, west - pad, max(south - pad, -90.0), east + pad,
                                min(north + pad, 90.0))  # fmt: skip
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


class TileCache:
    """A bounded LRU of encoded tiles per (network name, z, x, y); safe across threads."""

    def __init__(self, max_tiles: int = 4096) -> None:
        self.max_tiles = max_tiles
        self._tiles: OrderedDict[tuple[str, int, int, int], bytes] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def get(self, name: str, network: Network, z: int, x: int, y: int) -> bytes:
        key = (name, z, x, y)
        with self._lock:
            found = self._tiles.get(key)
            if found is not None:
                self._tiles.move_to_end(key)
                self.hits += 1
                return found
        body = json.dumps(road_tile(network, z, x, y), ensure_ascii=False,
                          separators=(",", ":")).encode()  # fmt: skip
        with self._lock:
            self.misses += 1
            self._tiles[key] = body
            self._tiles.move_to_end(key)
            while len(self._tiles) > self.max_tiles:
                self._tiles.popitem(last=False)
        return body
