"""Routes as files: GeoJSON features and GPX 1.1 tracks, written atomically."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from typing import Any

import numpy as np
from numpy.typing import NDArray

from corridor.network import Network
from corridor.routing._model import Route, RouteResult, Waypoint

GPX_NS = "http://www.topografix.com/GPX/1/1"
ATTRIBUTION = "© OpenStreetMap contributors (ODbL)"


def route_coords(network: Network, route: Route) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """(lon, lat) of the route's polyline, each joint between edges once."""
    lons: list[NDArray[np.float64]] = []
    lats: list[NDArray[np.float64]] = []
    for i, e in enumerate(route.edges.tolist()):
        lon, lat = network.edge_coords(e)
        start = 0 if i == 0 else 1
        lons.append(np.asarray(lon[start:], np.float64))
        lats.append(np.asarray(lat[start:], np.float64))
    if not lons:
        return np.zeros(0), np.zeros(0)
    return np.concatenate(lons), np.concatenate(lats)


def _route_name(route: Route, rank: int) -> str:
    return f"{route.kind} {rank}" if rank else route.kind


def to_geojson(
    network: Network,
    result: RouteResult,
    *,
    explanations: Sequence[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """FeatureCollection: a LineString per route (totals in properties), a Point per waypoint."""
    features: list[dict[str, Any]] = []
    for rank, r in enumerate(result.routes):
        lon, lat = route_coords(network, r)
        props: dict[str, Any] = {
            "rank": rank,
            **r.summary(),
            "name": _route_name(r, rank),
            # The exact road sequence, citable in an agreement (edge ids of this network file).
            "network_sha256": network.file_sha256,
            "edge_ids": r.edges.tolist(),
            "edge_roads": [network.edge_label(e) for e in r.edges.tolist()],
            "edge_lengths_m": [round(float(x), 1) for x in network.edge_length_m[r.edges]],
        }
        if explanations is not None:
            props["explanation"] = explanations[rank]
        features.append(
            {
                "type": "Feature",
                "geometry": {
                    "type": "LineString",
                    "coordinates": [
                        [round(x, 7), round(y, 7)] for x, y in zip(lon, lat, strict=True)
                    ],
                },
                "properties": props,
            }
        )
    features.extend(_waypoint_feature(w) for w in result.waypoints)
    return {"type": "FeatureCollection", "features": features, "attribution": ATTRIBUTION}


def _waypoint_feature(w: Waypoint) -> dict[str, Any]:
    return {
        "type": "Feature",
        "geometry": {"type": "Point", "coordinates": [w.lon, w.lat]},
        "properties": {
            "role": w.role,
            "node": w.node,
            "snap_distance_m": round(w.snap_distance_m, 1),
        },
    }


def to_gpx(network: Network, result: RouteResult) -> str:
    """GPX 1.1: one track per route (name says which), the waypoints as ``wpt``."""
    ET.register_namespace("", GPX_NS)
    root = ET.Element(f"{{{GPX_NS}}}gpx", {"version": "1.1", "creator": "corridor"})
    meta = ET.SubElement(root, f"{{{GPX_NS}}}metadata")
    ET.SubElement(meta, f"{{{GPX_NS}}}copyright", {"author": "OpenStreetMap contributors"})
    for w in result.waypoints:
        wpt = ET.SubElement(
            root, f"{{{GPX_NS}}}wpt", {"lat": f"{w.lat:.7f}", "lon": f"{w.lon:.7f}"}
        )
        ET.SubElement(wpt, f"{{{GPX_NS}}}name").text = w.role
    for rank, r in enumerate(result.routes):
        trk = ET.SubElement(root, f"{{{GPX_NS}}}trk")
        ET.SubElement(trk, f"{{{GPX_NS}}}name").text = _route_name(r, rank)
        ET.SubElement(
            trk, f"{{{GPX_NS}}}desc"
        ).text = f"{r.time_s / 60:.1f} min, {r.length_m / 1000:.2f} km, risk {r.risk:.2%}"
        seg = ET.SubElement(trk, f"{{{GPX_NS}}}trkseg")
        lon, lat = route_coords(network, r)
        for x, y in zip(lon.tolist(), lat.tolist(), strict=True):
            ET.SubElement(seg, f"{{{GPX_NS}}}trkpt", {"lat": f"{y:.7f}", "lon": f"{x:.7f}"})
    ET.indent(root)
    return ET.tostring(root, encoding="unicode", xml_declaration=True) + "\n"


def geojson_text(doc: dict[str, Any]) -> str:
    return json.dumps(doc, ensure_ascii=False, indent=1) + "\n"
