"""Roads as GeoJSON: one LineString Feature per road segment, for a file or a bounding box.

A two-way road is one Feature drawn in its OSM direction; a one-way road is drawn in its
direction of travel (so ``oneway=-1`` ways come out reversed), as map renderers expect.
"""

from __future__ import annotations

import json
import math
import threading
import weakref
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from corridor._files import atomic_output
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


def _features(network: Network, segments: NDArray[np.int64]) -> Iterator[dict[str, Any]]:
    """GeoJSON Features of ``segments``; attributes are gathered as whole arrays first."""
    edge = network.segment_edges[segments]
    flags = network.edge_flags[edge].astype(np.int64)
    oneway = (flags & FLAG_ONEWAY) != 0
    # One-way roads are drawn in travel direction, two-way roads in their stored direction.
    flip = (oneway & ((flags & FLAG_REVERSED) != 0)).tolist()
    arr = network.arrays
    maxspeed = np.round(arr["edge_maxspeed_kmh"][edge].astype(np.float64), 1)
    columns = {
        "way_id": arr["edge_way_id"][edge].tolist(),
        "name": arr["edge_name"][edge].tolist(),
        "ref": arr["edge_ref"][edge].tolist(),
        "highway": network.edge_highway[edge].tolist(),
        "layer": arr["edge_layer"][edge].tolist(),
        "lanes": arr["edge_lanes"][edge].tolist(),
        "surface": arr["edge_surface"][edge].tolist(),
        "maxspeed": [None if math.isnan(v) else v for v in maxspeed.tolist()],
        "speed": np.round(arr["edge_speed_kmh"][edge].astype(np.float64), 1).tolist(),
        "length": np.round(network.edge_length_m[edge].astype(np.float64), 2).tolist(),
    }
    starts = network.seg_offsets[segments].tolist()
    ends = network.seg_offsets[segments + 1].tolist()
    lon = np.round(arr["seg_lon"], 7)
    lat = np.round(arr["seg_lat"], 7)
    node_ids = arr["seg_node_id"]
    strings = network.strings
    for i, segment in enumerate(segments.tolist()):
        a, b = starts[i], ends[i]
        step = -1 if flip[i] else 1
        coords = np.column_stack((lon[a:b], lat[a:b]))[::step].tolist()
        f = flags[i]
        name, ref, surface = columns["name"][i], columns["ref"][i], columns["surface"][i]
        yield {
            "type": "Feature",
            "geometry": {"type": "LineString", "coordinates": coords},
            "properties": {
                "segment": segment,
                "way_id": columns["way_id"][i],
                "name": strings[name] if name >= 0 else None,
                "ref": strings[ref] if ref >= 0 else None,
                "highway": HIGHWAY_CLASSES[columns["highway"][i]],
                "oneway": bool(oneway[i]),
                "bridge": bool(f & FLAG_BRIDGE),
                "tunnel": bool(f & FLAG_TUNNEL),
                "ford": bool(f & FLAG_FORD),
                "layer": columns["layer"][i],
                "lanes": columns["lanes"][i] or None,
                "surface": strings[surface] if surface >= 0 else None,
                "maxspeed_kmh": columns["maxspeed"][i],
                "speed_kmh": columns["speed"][i],
                "length_m": columns["length"][i],
                "osm_node_ids": node_ids[a:b][::step].tolist(),
                "reversed_in_osm": bool(f & FLAG_REVERSED),
            },
        }


def feature_collection(
    network: Network, segments: NDArray[np.integer[Any]] | None = None
) -> dict[str, Any]:
    """A GeoJSON FeatureCollection of ``segments`` (all segments when None)."""
    ids = np.arange(network.n_segments) if segments is None else np.asarray(segments, np.int64)
    return {"type": "FeatureCollection", "features": list(_features(network, ids))}


def geojson_in_bbox(
    network: Network, min_lon: float, min_lat: float, max_lon: float, max_lat: float
) -> dict[str, Any]:
    """The roads meeting a bounding box as a FeatureCollection (what a map view asks for)."""
    return feature_collection(
        network, segments_in_bbox(network, min_lon, min_lat, max_lon, max_lat)
    )


def to_geojson(network: Network, path: str | Path) -> int:
    """Write every road segment to a GeoJSON file atomically; returns the feature count.

    Features are streamed one by one, so memory stays flat however large the network.
    """
    path = Path(path)
    with atomic_output(path) as fh:
        fh.write(b'{"type":"FeatureCollection","features":[')
        for i, feature in enumerate(_features(network, np.arange(network.n_segments))):
            if i:
                fh.write(b",")
            fh.write(json.dumps(feature, ensure_ascii=False, separators=(",", ":")).encode())
        fh.write(b"]}")
    return network.n_segments
