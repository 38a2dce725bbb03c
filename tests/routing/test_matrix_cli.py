"""The route matrix agrees with single queries; `corridor route` renders and fails cleanly."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from corridor.cli import app
from corridor.network import Network
from corridor.routing import RouteOptions, Waypoint, route_nodes
from corridor.routing._matrix import route_matrix, route_matrix_nodes
from tests.conftest import BUNDLED_OSM
from tests.routing.conftest import random_hazards

HAZARDS = json.dumps(
    {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [15.605, 48.405]},
                "properties": {"id": "S1", "kind": "shelling", "severity": 0.8, "confidence": 0.8},
            },
        ],
    }
)


def test_matrix_equals_single_queries(krems_network: Network) -> None:
    net = krems_network
    risk, closed = random_hazards(net, 9, cover=0.5, close=0.05)
    rng = np.random.default_rng(4)
    origins, dests = rng.integers(net.n_nodes, size=5), rng.integers(net.n_nodes, size=7)
    mat = route_matrix_nodes(net, origins, dests, risk=risk, closed=closed, risk_weight=10.0)
    for i, s in enumerate(origins.tolist()):
        for j, t in enumerate(dests.tolist()):
            wps = [Waypoint(0, 0, s, 0, "origin"), Waypoint(0, 0, t, 0, "destination")]
            try:
                one = route_nodes(
                    net, wps, risk=risk, closed=closed, options=RouteOptions(risk_weight=10.0)
                ).best
            except Exception:
                assert mat.cost_s[i, j] == np.inf
                continue
            assert mat.cost_s[i, j] == pytest.approx(one.cost_s, rel=1e-9)
            assert mat.risk[i, j] == pytest.approx(one.risk, rel=1e-6, abs=1e-12)


def test_matrix_from_coordinates(krems_network: Network) -> None:
    mat = route_matrix(krems_network, [(48.4105, 15.6030)], [(48.38, 15.62), (48.42, 15.61)])
    assert mat.time_s.shape == (1, 2) and np.isfinite(mat.time_s).all()
    assert (mat.risk == 0).all()


runner = CliRunner()


def _run(*args: str) -> tuple[int, str]:
    result = runner.invoke(
        app, ["route", str(BUNDLED_OSM), "--from", "48.4105,15.6030", "--to", "48.38,15.62", *args]
    )
    return result.exit_code, result.output


def test_cli_json_and_gpx(tmp_path: Path) -> None:
    hz = tmp_path / "h.geojson"
    hz.write_text(HAZARDS)
    code, out = _run(
        "-H", str(hz), "--at", "2026-03-01T12:00Z", "-f", "json", "--alternatives", "1"
    )
    assert code == 0, out
    doc = json.loads(out)
    assert doc["at_utc"].startswith("2026-03-01T12:00")
    assert doc["routes"][0]["roads"] and doc["routes"][0]["time_s"] > 0
    code, out = _run("-o", str(tmp_path / "r.gpx"))
    assert code == 0, out
    assert ET.parse(tmp_path / "r.gpx").getroot().tag.endswith("gpx")


def test_cli_table_names_roads() -> None:
    code, out = _run()
    assert code == 0, out
    assert "St. Pöltner Brücke" in out


def test_cli_errors_are_one_line(tmp_path: Path) -> None:
    code, out = _run("--at", "yesterday")
    assert code == 2 and "--at" in out
    code, out = _run("--max-risk", "2")
    assert code == 2 and "max risk" in out
    code, out = _run("-o", str(tmp_path / "r.txt"))
    assert code == 2 and "table" in out
    assert not (tmp_path / "r.txt").exists()


def test_cli_no_route_names_the_closing_hazard(tmp_path: Path) -> None:
    band = [[15.50, 48.393], [15.90, 48.393], [15.90, 48.397], [15.50, 48.397], [15.50, 48.393]]
    hz = tmp_path / "nogo.geojson"
    hz.write_text(
        json.dumps(
            {
                "type": "FeatureCollection",
                "features": [
                    {
                        "type": "Feature",
                        "geometry": {"type": "Polygon", "coordinates": [band]},
                        "properties": {
                            "id": "RIVER-BAND",
                            "kind": "no_go_zone",
                            "severity": 1,
                            "confidence": 1,
                        },
                    },
                ],
            }
        )
    )
    code, out = _run("-H", str(hz))
    assert code == 2
    assert "no open route" in out and "RIVER-BAND" in out
    assert "Traceback" not in out


def test_cli_route_matrix_json() -> None:
    result = runner.invoke(
        app,
        [
            "route-matrix",
            str(BUNDLED_OSM),
            "--from",
            "48.4105,15.6030",
            "--from",
            "48.41,15.59",
            "--to",
            "48.38,15.62",
            "--to",
            "48.42,15.61",
            "-f",
            "json",
        ],
    )
    assert result.exit_code == 0, result.output
    doc = json.loads(result.output)
    assert len(doc["time_s"]) == 2 and all(len(row) == 2 for row in doc["time_s"])
    assert all(t > 0 for row in doc["time_s"] for t in row)


def test_cli_far_point_needs_a_larger_snap_distance() -> None:
    args = ["route", str(BUNDLED_OSM), "--from", "48.4105,15.6030", "--to", "48.5,15.6"]
    result = runner.invoke(app, args)
    assert result.exit_code == 2 and "destination" in result.output
    assert "from the nearest road" in result.output
    result = runner.invoke(app, [*args, "--max-distance", "8000", "-f", "json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["waypoints"][1]["snap_distance_m"] > 2000


def test_cli_pareto_table_summarises_each_route(tmp_path: Path) -> None:
    hz = tmp_path / "h.geojson"
    hz.write_text(HAZARDS)
    code, out = _run(
        "-H", str(hz), "--at", "2026-03-01T12:00Z", "--alternatives", "1", "--max-overlap", "0.9"
    )
    assert code == 0, out
    assert out.startswith("routes") and "route 2 (alternative)" in out
