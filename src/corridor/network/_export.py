"""Roads as GeoJSON: one LineString Feature per road segment, for a file or a bounding box.

A two-way road is one Feature drawn in its OSM direction; a one-way road is drawn in its
direction of travel (so ``oneway=-1`` ways come out reversed), as map renderers expect.
"""

from __future__ import annotations

import json
import math
import threading
import weakref
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from corridor.network._format import atomic_output
from corridor.network._model import (
    FLAG_BRIDGE,
    FLAG_FORD,
    FLAG_ONEWAY,
    FLAG_REVERSED,
    FLAG_TUNNEL,
    Network,
)
from corridor.network._tags import HIGHWAY_CLASSES

_BBOX_CACHE: weakref.WeakKeyDictionary[Network, NDArray[np.float64]] = weakref.WeakKeyDictionary()
_LOCK = threading.Lock()


def _segment_bounds(network: Network) -> NDArray[np.float64]:
    """(n_segments, 4) min_lon, min_lat, max_lon, max_lat; computed once per network."""
    bounds = _BBOX_CACHE.get(network)
    if bounds is None:
        with _LOCK:
            starts = network.seg_offsets[:-1]
            lon, lat = network.arrays["seg_lon"], network.arrays["seg_lat"]
            if starts.shape[0] == 0:
                bounds = np.zeros((0, 4))
            else:
                bounds = np.column_stack(
                    (
                        np.minimum.reduceat(lon, starts),
                        np.minimum.reduceat(lat, starts),
                        np.maximum.reduceat(lon, starts),
                        np.maximum.reduceat(lat, starts),
                    )
                )
            _BBOX_CACHE[network] = bounds
    return bounds


def segments_in_bbox(
    network: Network, min_lon: float, min_lat: float, max_lon: float, max_lat: float
) -> NDArray[np.int64]:
    """Ids of the segments whose bounding box meets the given box (sorted).

    A segment whose box meets the query box but whose line passes beside it is included; for
    map tiles that is the usual and cheaper choice.
    """
    if min_lon > max_lon or min_lat > max_lat:
        raise ValueError("bounding box must have min_lon <= max_lon and min_lat <= max_lat")
    b = _segment_bounds(network)
    hit = (b[:, 0] <= max_lon) & (b[:, 2] >= min_lon) & (b[:, 1] <= max_lat) & (b[:, 3] >= min_lat)
    return np.flatnonzero(hit).astype(np.int64)


def _feature(network: Network, segment: int) -> dict[str, Any]:
    edge = int(network.segment_edges[segment])
    flags = int(network.edge_flags[edge])
    # Draw one-way roads in travel direction; two-way roads in their stored (OSM) direction.
    lon, lat = network.edge_coords(edge) if flags & FLAG_ONEWAY else network.segment_coords(segment)
    if flags & FLAG_ONEWAY:
        nodes = network.edge_osm_nodes(edge)
    else:
        a, b = int(network.seg_offsets[segment]), int(network.seg_offsets[segment + 1])
        nodes = network.arrays["seg_node_id"][a:b]
    maxspeed = float(network.arrays["edge_maxspeed_kmh"][edge])
    lanes = int(network.arrays["edge_lanes"][edge])
    return {
        "type": "Feature",
        "geometry": {
            "type": "LineString",
            "coordinates": [[round(x, 7), round(y, 7)] for x, y in zip(lon, lat, strict=True)],
        },
        "properties": {
            "segment": segment,
            "way_id": int(network.arrays["edge_way_id"][edge]),
            "name": network.edge_name(edge),
            "ref": network.edge_ref(edge),
            "highway": HIGHWAY_CLASSES[int(network.edge_highway[edge])],
            "oneway": bool(flags & FLAG_ONEWAY),
            "bridge": bool(flags & FLAG_BRIDGE),
            "tunnel": bool(flags & FLAG_TUNNEL),
            "ford": bool(flags & FLAG_FORD),
            "layer": int(network.arrays["edge_layer"][edge]),
            "lanes": lanes or None,
            "surface": network.string(int(network.arrays["edge_surface"][edge])),
            "maxspeed_kmh": None if math.isnan(maxspeed) else round(maxspeed, 1),
            "speed_kmh": round(float(network.arrays["edge_speed_kmh"][edge]), 1),
            "length_m": round(float(network.edge_length_m[edge]), 2),
            "osm_node_ids": [int(n) for n in nodes],
            "reversed_in_osm": bool(flags & FLAG_REVERSED),
        },
    }


def feature_collection(
    network: Network, segments: NDArray[np.integer[Any]] | None = None
) -> dict[str, Any]:
    """A GeoJSON FeatureCollection of ``segments`` (all segments when None)."""
    ids = range(network.n_segments) if segments is None else (int(s) for s in segments)
    return {"type": "FeatureCollection", "features": [_feature(network, s) for s in ids]}


def geojson_in_bbox(
    network: Network, min_lon: float, min_lat: float, max_lon: float, max_lat: float
) -> dict[str, Any]:
    """The roads meeting a bounding box as a FeatureCollection (what a map view asks for)."""
    return feature_collection(
        network, segments_in_bbox(network, min_lon, min_lat, max_lon, max_lat)
    )


def to_geojson(network: Network, path: str | Path) -> int:
    """Write every road segment to a GeoJSON file atomically; returns the feature count."""
    path = Path(path)
    collection = feature_collection(network)
    with atomic_output(path) as fh:
        fh.write(json.dumps(collection, ensure_ascii=False, separators=(",", ":")).encode("utf-8"))
    return len(collection["features"])
