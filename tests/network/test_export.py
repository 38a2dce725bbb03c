"""GeoJSON export of the roads, whole and by bounding box."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from shapely.geometry import box, shape

from corridor.network import (
    FLAG_ONEWAY,
    Network,
    feature_collection,
    geojson_in_bbox,
    segments_in_bbox,
    summarize,
    to_geojson,
)
from tests.network.conftest import OSM_NAMES, network_of

PROPERTIES = {
    "segment",
    "way_id",
    "name",
    "ref",
    "highway",
    "oneway",
    "bridge",
    "tunnel",
    "ford",
    "layer",
    "lanes",
    "surface",
    "maxspeed_kmh",
    "speed_kmh",
    "length_m",
    "osm_node_ids",
    "reversed_in_osm",
}


@pytest.mark.parametrize("name", OSM_NAMES)
def test_geojson_file_is_valid_and_complete(name: str, osm_dir: Path, tmp_path: Path) -> None:
    net = network_of(osm_dir, name)
    out = tmp_path / "roads.geojson"
    count = to_geojson(net, out)
    data = json.loads(out.read_text(encoding="utf-8"))
    assert data["type"] == "FeatureCollection"
    assert count == len(data["features"]) == net.n_segments
    total = 0.0
    for feature in data["features"]:
        geom = shape(feature["geometry"])
        props = feature["properties"]
        assert geom.geom_type == "LineString" and geom.is_valid and len(geom.coords) >= 2
        assert set(props) == PROPERTIES
        assert len(props["osm_node_ids"]) == len(geom.coords)
        assert props["length_m"] > 0
        total += props["length_m"]
    # Each length is rounded to the centimetre, so the sum may drift by half a cm per feature.
    exact = float(net.segment_length_m().astype(np.float64).sum())
    assert total == pytest.approx(exact, abs=0.005 * count)
    assert exact / 1000 == pytest.approx(summarize(net).road_km, rel=1e-9)
    assert [p.name for p in tmp_path.iterdir()] == ["roads.geojson"]  # no temp file left


def test_oneway_roads_are_drawn_in_travel_direction(krems: Network) -> None:
    features = feature_collection(krems)["features"]
    checked = 0
    for feature in features:
        props = feature["properties"]
        if not props["oneway"]:
            continue
        edge = int(krems.segment_edges[props["segment"]])
        assert krems.edge_flags[edge] & FLAG_ONEWAY
        first = feature["geometry"]["coordinates"][0]
        assert first == pytest.approx(
            [krems.node_lon[krems.edge_source[edge]], krems.node_lat[krems.edge_source[edge]]],
            abs=1e-7,
        )
        assert props["osm_node_ids"][0] == krems.arrays["node_osm_id"][krems.edge_source[edge]]
        checked += 1
    assert checked > 50


def test_bridge_properties(krems: Network) -> None:
    features = feature_collection(krems)["features"]
    bridge = [f["properties"] for f in features if f["properties"]["name"] == "St. Pöltner Brücke"]
    assert bridge and all(p["bridge"] and p["oneway"] and p["ref"] == "B37" for p in bridge)
    assert all(p["maxspeed_kmh"] == 100.0 and p["layer"] == 3 for p in bridge)


@pytest.mark.parametrize(
    "bbox",
    [
        (15.60, 48.40, 15.62, 48.42),
        (15.625, 48.398, 15.626, 48.406),  # a thin box on the Danube bridge
        (0.0, 0.0, 1.0, 1.0),  # nowhere near
        (15.0, 48.0, 16.0, 49.0),  # everything
    ],
)
def test_segments_in_bbox_match_shapely(krems: Network, bbox: tuple[float, ...]) -> None:
    query = box(*bbox)
    expected = [
        s for s in range(krems.n_segments) if box(*shape_bounds(krems, s)).intersects(query)
    ]
    got = segments_in_bbox(krems, *bbox)
    assert got.tolist() == expected
    collection = geojson_in_bbox(krems, *bbox)
    assert [f["properties"]["segment"] for f in collection["features"]] == expected


def shape_bounds(net: Network, segment: int) -> tuple[float, float, float, float]:
    lon, lat = net.segment_coords(segment)
    return float(lon.min()), float(lat.min()), float(lon.max()), float(lat.max())


def test_bbox_must_be_ordered(krems: Network) -> None:
    with pytest.raises(ValueError, match="min_lon <= max_lon"):
        segments_in_bbox(krems, 16.0, 48.0, 15.0, 49.0)
