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

    Properties are only what a map draws: ``highway`` class, ``bridge``, ``tunnel`` and, from
    ``NAME_ZOOM`` on, ``name``. Geometry keeps its full extent (the client clips), simplified
    with a tolerance of about half a pixel at this zoom.
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
    decimals = max(5, math.ceil(math.log10(TILE_PX * (1 << z) / 360.0)) + 1)
    flags = network.edge_flags[edge].astype(np.int64)
    names = arr["edge_name"][edge] if z >= NAME_ZOOM else None
    strings = network.strings
    features = []
    for i, line in _split(simple, decimals):
        props: dict[str, Any] = {"highway": HIGHWAY_CLASSES[int(highway[i])]}
        if flags[i] & FLAG_BRIDGE:
            props["bridge"] = True
        if flags[i] & FLAG_TUNNEL:
            props["tunnel"] = True
        if names is not None and int(names[i]) >= 0:
            props["name"] = strings[int(names[i])]
        features.append(
            {"type": "Feature", "geometry": {"type": "LineString", "coordinates": line},
             "properties": props}
        )  # fmt: skip
    return {"type": "FeatureCollection", "features": features}


def _split(lines: Any, decimals: int) -> list[tuple[int, list[list[float]]]]:
    """(line index, rounded coordinates) of each non-empty line, in order."""
    coords, index = shapely.get_coordinates(lines, return_index=True)
    coords = np.round(coords, decimals)
    cuts = np.flatnonzero(np.diff(index)) + 1
    owners = index[np.concatenate(([0], cuts))] if index.shape[0] else index
    parts = np.split(coords, cuts) if index.shape[0] else []
    return [(int(o), part.tolist()) for o, part in zip(owners.tolist(), parts, strict=True)]


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
