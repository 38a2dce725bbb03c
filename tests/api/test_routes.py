"""Routes over HTTP: the CLI's options, the stored hazards, JSON/GeoJSON/GPX answers."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from typing import Any

from corridor.api._routes import RouteAnswer
from corridor.routing import RouteOptions, route
from tests.api.conftest import Api
from tests.api.test_hazards import DEMO

NORTH_WEST = {"lat": 48.42, "lon": 15.57}
NORTH_EAST = {"lat": 48.405, "lon": 15.65}
SOUTH = {"lat": 48.385, "lon": 15.63}
DURING_DEMO = "2022-03-08T12:00:00Z"  # inside the demo scenario's hazard windows


def _route(api: Api, who: str = "field", **body: Any) -> Any:
    return api.post(
        "/routes",
        who,
        json={"network": "krems", "origin": NORTH_WEST, "destination": NORTH_EAST, **body},
    )


def test_route_matches_the_library_and_has_geometry(api: Api, network: Any) -> None:
    response = _route(api, "observer")
    assert response.status_code == 200, response.text
    body = response.json()
    best = body["routes"][0]
    direct = route(
        network,
        origin=(NORTH_WEST["lat"], NORTH_WEST["lon"]),
        destination=(NORTH_EAST["lat"], NORTH_EAST["lon"]),
        options=RouteOptions(),
    ).best
    assert best["time_s"] == round(direct.time_s, 1)
    assert best["edges"] == len(direct.edges)
    coords = best["geometry"]["coordinates"]
    assert len(coords) >= best["edges"] + 1
    assert [w["role"] for w in body["waypoints"]] == ["origin", "destination"]
    assert body["hazards_considered"] == 0
    RouteAnswer.model_validate(body)  # the documented response schema


def test_stored_hazards_change_the_route_and_time_matters(api: Api) -> None:
    before = _route(api, at_utc=DURING_DEMO).json()["routes"][0]
    api.post("/hazards/import", content=DEMO.read_bytes(),
             headers={"content-type": "application/geo+json"})  # fmt: skip
    during = _route(api, at_utc=DURING_DEMO, explain=True).json()
    RouteAnswer.model_validate(during)
    assert during["hazards_considered"] == 8
    detour = during["routes"][0]
    assert detour["geometry"] != before["geometry"]
    assert detour["time_s"] > before["time_s"]
    assert "roads" in detour["explanation"]
    ignoring = _route(api, at_utc=DURING_DEMO, hazards=False).json()["routes"][0]
    assert ignoring["geometry"] == before["geometry"]
    # The bridge closure blocks the river crossing: a clear 422 naming the hazard.
    across = {"network": "krems", "origin": NORTH_WEST, "destination": SOUTH, "at_utc": DURING_DEMO}
    blocked = api.post("/routes", "field", json=across)
    assert blocked.status_code == 422
    assert "demo-bridge" in blocked.json()["detail"]
    # Expiring the closure reopens the crossing at once (the cached picture is refreshed).
    assert api.post("/hazards/demo-bridge/expire").status_code == 200
    crossing = api.post("/routes", "field", json=across)
    assert crossing.status_code == 200, crossing.text


def test_alternatives_and_formats(api: Api) -> None:
    alts = _route(api, alternatives=2).json()["routes"]
    assert len(alts) >= 2 and alts[1]["kind"] == "alternative"
    geo = _route(api, format="geojson")
    assert geo.headers["content-type"].startswith("application/geo+json")
    assert geo.json()["type"] == "FeatureCollection"
    gpx = _route(api, format="gpx")
    assert gpx.headers["content-type"].startswith("application/gpx+xml")
    root = ET.fromstring(gpx.text)
    assert root.tag.endswith("gpx")


def test_route_errors_are_problems(api: Api) -> None:
    far = api.post("/routes", json={"network": "krems", "origin": {"lat": 0, "lon": 0},
                                    "destination": NORTH_EAST})  # fmt: skip
    assert far.status_code == 422
    assert far.headers["content-type"].startswith("application/problem+json")
    unknown = api.post("/routes", json={"network": "atlantis", "origin": NORTH_WEST,
                                        "destination": NORTH_EAST})  # fmt: skip
    assert unknown.status_code == 404
    contradictory = _route(api, pareto=True, alternatives=1)
    assert contradictory.status_code == 422


def test_network_endpoints(api: Api, network: Any) -> None:
    listing = api.get("/networks", "field").json()
    assert [n["name"] for n in listing["items"]] == ["krems"]
    info = api.get("/networks/krems", "field").json()
    assert info["nodes"] == network.n_nodes and info["edges"] == network.n_edges
    roads = api.get("/networks/krems/roads", params={"bbox": "15.60,48.40,15.62,48.41"})
    assert roads.headers["content-type"].startswith("application/geo+json")
    doc = roads.json()
    assert doc["features"] and doc["total_segments"] == len(doc["features"])
    capped = api.get("/networks/krems/roads", params={"bbox": "15.5,48.3,15.9,48.5", "limit": 5})
    assert len(capped.json()["features"]) == 5 and capped.json()["truncated"] is True
    assert api.get("/networks/krems/roads", params={"bbox": "1,2,3"}).status_code == 422
    assert (
        api.get("/networks/krems/roads", params={"bbox": "15.7,48.4,15.6,48.5"}).status_code == 422
    )
