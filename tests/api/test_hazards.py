"""Hazards over HTTP: report, read, update, expire, bulk import with a per-row report."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.api.conftest import Api
from tests.conftest import REPO

DEMO = REPO / "data" / "demo" / "krems-hazards.geojson"

SHELLING = {
    "type": "Feature",
    "geometry": {"type": "Point", "coordinates": [15.6252, 48.4071]},
    "properties": {"kind": "shelling", "severity": 0.7, "valid_from": "2022-03-08T08:40:00Z"},
}


def _import(api: Api, body: bytes, ctype: str = "application/geo+json") -> dict:  # type: ignore[type-arg]
    response = api.post("/hazards/import", content=body, headers={"content-type": ctype})
    assert response.status_code == 200, response.text
    return response.json()  # type: ignore[no-any-return]


def test_field_report_then_coordinator_updates_and_expires(api: Api) -> None:
    created = api.post("/hazards", "field", json=SHELLING)
    assert created.status_code == 201, created.text
    feature = created.json()
    hid = feature["id"]
    props = feature["properties"]
    assert props["created_by"] == "field:field-1"
    assert props["radius_m"] == 300.0  # the kind's default, resolved
    assert api.get(f"/hazards/{hid}", "observer").json() == feature

    assert api.client.patch(f"/hazards/{hid}", json={"severity": 0.2},
                            headers=api.auth("field")).status_code == 403  # fmt: skip
    updated = api.client.patch(
        f"/hazards/{hid}", json={"severity": 0.2, "notes": "fewer impacts"},
        headers=api.auth("coordinator"),
    )  # fmt: skip
    assert updated.status_code == 200, updated.text
    assert updated.json()["properties"]["severity"] == 0.2
    assert updated.json()["properties"]["notes"] == "fewer impacts"

    expired = api.post(f"/hazards/{hid}/expire", json={"reason": "ceasefire"})
    assert expired.status_code == 200
    assert expired.json()["properties"]["expired_at"] is not None
    assert api.post(f"/hazards/{hid}/expire").status_code == 409
    late = api.client.patch(f"/hazards/{hid}", json={"severity": 0.9},
                            headers=api.auth("coordinator"))  # fmt: skip
    assert late.status_code == 409
    assert api.get("/hazards").json()["total"] == 0
    assert api.get("/hazards", params={"include_expired": "true"}).json()["total"] == 1


def test_invalid_hazard_names_the_field(api: Api) -> None:
    bad = json.loads(json.dumps(SHELLING))
    bad["properties"]["severity"] = 3
    bad["geometry"]["coordinates"] = [15.6]
    response = api.post("/hazards", "field", json=bad)
    assert response.status_code == 422
    problem = response.json()
    assert "body.properties.severity" in {e["path"] for e in problem["errors"]}
    # Passes the request schema but fails the domain check (valid_until before valid_from).
    backwards = json.loads(json.dumps(SHELLING))
    backwards["properties"]["valid_until"] = "2022-03-01T00:00:00Z"
    response = api.post("/hazards", "field", json=backwards)
    assert response.status_code == 422
    assert "valid_until" in response.json()["detail"]


def test_demo_import_then_reimport_reports_each_row(api: Api) -> None:
    first = _import(api, DEMO.read_bytes())
    n = len(json.loads(DEMO.read_text())["features"])
    assert first["records"] == n and first["imported"] == n and first["skipped"] == []
    again = _import(api, DEMO.read_bytes())
    assert again["imported"] == 0
    assert [s["reason"] for s in again["skipped"]] == ["exists"] * n
    assert [s["index"] for s in again["skipped"]] == list(range(n))


def test_bellingcat_import_stores_every_usable_row(api: Api, shared_data: Path) -> None:
    raw = (shared_data / "incidents" / "bellingcat-civharm-2022-05-24.json").read_bytes()
    report = _import(api, raw, "application/json")
    assert report["format"] == "bellingcat"
    assert report["imported"] + len(report["skipped"]) == report["records"]
    assert report["imported"] > 400
    assert all(s["reason"] and s["detail"] for s in report["skipped"])
    assert api.get("/hazards", "observer").json()["total"] == report["imported"]


def test_csv_import_reports_line_numbers(api: Api) -> None:
    text = (
        "id,kind,lat,lon,severity\n"
        "c1,roadblock,48.41,15.60,1\n"
        "c2,shelling,not-a-number,15.61,0.5\n"
        "c3,unicorns,48.41,15.62,0.5\n"
    )
    report = _import(api, text.encode(), "text/csv")
    assert report["imported_ids"] == ["c1"]
    assert [(s["index"], s["line"]) for s in report["skipped"]] == [(1, 3), (2, 4)]


@pytest.mark.parametrize("ctype", ["text/plain", "application/xml"])
def test_import_refuses_other_media_types(api: Api, ctype: str) -> None:
    response = api.post("/hazards/import", content=b"x", headers={"content-type": ctype})
    assert response.status_code == 415


def test_import_that_is_not_json_is_a_problem_not_a_crash(api: Api) -> None:
    response = api.post(
        "/hazards/import", content=b"{not json", headers={"content-type": "application/json"}
    )
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("application/problem+json")
