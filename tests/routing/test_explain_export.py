"""Explanations add up to the route, nearby hazards carry their share, files parse back."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pytest
from shapely.geometry import Point

from corridor._files import write_atomic
from corridor.hazards import Hazard, RiskModel
from corridor.network import Network
from corridor.routing import RouteOptions, answer, route
from corridor.routing._explain import explain, explanation_table
from corridor.routing._export import route_coords, to_geojson, to_gpx
from corridor.routing._map import render_map

AT = datetime(2026, 3, 1, 12, tzinfo=UTC)
CENTRE = (48.4105, 15.6030)
SOUTH = (48.3800, 15.6200)
GPX = "{http://www.topografix.com/GPX/1/1}"


@pytest.fixture(scope="module")
def scene(krems_network: Network) -> tuple[Network, list[Hazard], RiskModel]:
    """Two shelling points on the fastest route and one far away."""
    fastest = route(
        krems_network, origin=CENTRE, destination=SOUTH, options=RouteOptions(risk_weight=0)
    ).best
    lon, lat = route_coords(krems_network, fastest)
    picks = [len(lon) // 3, 2 * len(lon) // 3]
    hazards = [
        Hazard(f"S{i}", "shelling", Point(lon[p], lat[p]), 0.7, 0.8, observed_at=AT)
        for i, p in enumerate(picks)
    ]
    hazards.append(Hazard("FAR", "mines", Point(15.80, 48.44), 0.9, 0.9))
    return krems_network, hazards, RiskModel(krems_network, hazards, at=AT)


def test_explanation_adds_up(scene: tuple[Network, list[Hazard], RiskModel]) -> None:
    net, _, model = scene
    best = route(
        net, origin=CENTRE, destination=SOUTH, risk_model=model, options=RouteOptions(risk_weight=0)
    ).best
    expl = explain(net, best, risk_model=model)
    assert sum(s.length_m for s in expl.roads) == pytest.approx(
        best.length_m, abs=0.1 * len(expl.roads)
    )
    assert sum(s.time_s for s in expl.roads) == pytest.approx(
        best.time_s, abs=0.1 * len(expl.roads)
    )
    assert all(a.road != b.road for a, b in zip(expl.roads, expl.roads[1:], strict=False))
    assert any(s.kind == "bridge" for s in expl.structures)  # the Danube is crossed
    ids = {h.id for h in expl.hazards}
    assert ids == {"S0", "S1"}  # the mines 15 km away are not listed
    assert all(h.distance_m < 1.0 for h in expl.hazards)
    # independent hazards: the route's risk is 1 - prod(1 - each hazard's share)
    combined = 1 - np.prod([1 - h.risk for h in expl.hazards])
    assert expl.risk == pytest.approx(combined, rel=1e-6)
    assert expl.risk > 0.1
    json.dumps(expl.to_dict())
    assert explanation_table(expl).renderables


def test_safest_route_avoids_the_shelling(scene: tuple[Network, list[Hazard], RiskModel]) -> None:
    net, _, model = scene
    fastest = route(
        net, origin=CENTRE, destination=SOUTH, risk_model=model, options=RouteOptions(risk_weight=0)
    ).best
    safest = route(
        net,
        origin=CENTRE,
        destination=SOUTH,
        risk_model=model,
        options=RouteOptions(risk_weight=1e5),
    ).best
    assert safest.risk < fastest.risk
    assert safest.time_s >= fastest.time_s


def test_answer_reuses_a_prebuilt_model_moved_to_its_time(
    scene: tuple[Network, list[Hazard], RiskModel],
) -> None:
    """A server hands `answer` a model it keeps; the answer is the one a fresh model gives."""
    net, hazards, _ = scene
    opts = RouteOptions(risk_weight=1e5, at=AT)
    fresh = answer(net, origin=CENTRE, destination=SOUTH, hazards=hazards, options=opts)
    kept = RiskModel(net, hazards, at=datetime(2026, 4, 1, tzinfo=UTC))  # the shelling decayed
    reused = answer(
        net, origin=CENTRE, destination=SOUTH, hazards=hazards, options=opts, risk_model=kept
    )
    assert kept.at == AT
    assert len(reused.result.routes) == len(fresh.result.routes)
    for a, b in zip(reused.result.routes, fresh.result.routes, strict=True):
        assert np.array_equal(a.edges, b.edges)
        assert a.log_risk == b.log_risk
    assert reused.result.best.risk > 0.1  # at AT, not a month later
    assert [e.to_dict() for e in reused.explanations] == [e.to_dict() for e in fresh.explanations]
    bare = answer(
        net,
        origin=CENTRE,
        destination=SOUTH,
        hazards=hazards,
        options=opts,
        risk_model=kept,
        explain_routes=False,
    )
    assert bare.explanations == []
    assert np.array_equal(bare.result.best.edges, fresh.result.best.edges)


def test_geojson_and_gpx_parse_back(
    scene: tuple[Network, list[Hazard], RiskModel], tmp_path: Path
) -> None:
    net, _, model = scene
    result = route(
        net,
        origin=CENTRE,
        destination=SOUTH,
        risk_model=model,
        options=RouteOptions(alternatives=1, max_overlap=0.7),
    )
    doc = to_geojson(net, result)
    path = tmp_path / "r.geojson"
    write_atomic(path, json.dumps(doc))
    back = json.loads(path.read_text())
    lines = [f for f in back["features"] if f["geometry"]["type"] == "LineString"]
    assert len(lines) == len(result.routes)
    assert lines[0]["properties"]["risk"] == pytest.approx(result.best.risk)
    gpx = ET.fromstring(to_gpx(net, result))
    tracks = gpx.findall(f"{GPX}trk")
    assert len(tracks) == len(result.routes)
    for trk, line in zip(tracks, lines, strict=True):
        pts = [
            (float(p.get("lon", "nan")), float(p.get("lat", "nan")))
            for p in trk.iter(f"{GPX}trkpt")
        ]
        assert np.allclose(pts, line["geometry"]["coordinates"], atol=1e-6)
    roles = [w.findtext(f"{GPX}name") for w in gpx.findall(f"{GPX}wpt")]
    assert roles == ["origin", "destination"]
    assert list(tmp_path.iterdir()) == [path]  # no temp file left behind


def test_render_map_writes_a_png(
    scene: tuple[Network, list[Hazard], RiskModel], tmp_path: Path
) -> None:
    import matplotlib.image

    net, hazards, model = scene
    fastest = route(
        net, origin=CENTRE, destination=SOUTH, risk_model=model, options=RouteOptions(risk_weight=0)
    ).best
    out = tmp_path / "map.png"
    render_map(net, hazards=hazards, routes={"fastest": fastest}, path=out, at=AT)
    image = matplotlib.image.imread(out)
    assert image.shape[0] > 500 and image.shape[1] > 500
    assert image[..., :3].std() > 0.05  # not a blank canvas


def test_geojson_cites_the_network_file_and_edges(krems_network: Network, tmp_path: Path) -> None:
    """A route file names its network file's hash and edge ids, so an agreement can cite it."""
    from corridor._files import sha256_file
    from corridor.agreements import route_from_geojson
    from corridor.network import read_network, write_network

    path = tmp_path / "krems.net"
    write_network(krems_network, path)
    net = read_network(path)
    result = route(net, origin=(48.4096, 15.6080), destination=(48.4098, 15.6723))
    doc = to_geojson(net, result)
    props = doc["features"][0]["properties"]
    assert props["network_sha256"] == sha256_file(path)
    assert props["edge_ids"] == result.best.edges.tolist()
    # The agreement's route block is built from the file alone, no network needed.
    block = route_from_geojson(json.loads(json.dumps(doc)))
    assert block["network_sha256"] == sha256_file(path)
    assert [e["id"] for e in block["edges"]] == result.best.edges.tolist()
    # An in-memory network (imported, never saved) has no file to cite.
    assert to_geojson(krems_network, result)["features"][0]["properties"]["network_sha256"] is None
