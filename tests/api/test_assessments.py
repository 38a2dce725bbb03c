"""`POST /assessments` over the real app and store, against the stored 2022 incident record."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.api.conftest import Api

AT = "2022-03-08T10:00:00Z"


@pytest.fixture
def record_path(shared_data: Path) -> Path:
    return shared_data / "incidents" / "bellingcat-civharm-2022-05-24.json"


def _store_record(api: Api, record_path: Path) -> int:
    response = api.post("/hazards/import", content=record_path.read_bytes(),
                        headers={"content-type": "application/json"})  # fmt: skip
    assert response.status_code == 200, response.text
    return int(response.json()["imported"])


def test_every_role_assesses_and_gets_the_cli_numbers(api: Api, record_path: Path) -> None:
    from corridor.assessment import assess, make_proposal, parse_time
    from corridor.hazards import import_hazards, load_gazetteer

    assert _store_record(api, record_path) == 459
    body = {
        "proposals": [
            {"id": "kp", "at_utc": AT, "via": ["Kharkiv", "Poltava"]},
            {"id": "mo", "at_utc": AT, "via": ["Mykolayiv", "Odesa"]},
            {"id": "x", "at_utc": AT, "via": ["Atlantis", "Odesa"]},
        ],
        "max_incidents": 5,
    }
    for who in ("coordinator", "liaison", "field", "observer"):
        response = api.post("/assessments", who, json=body)
        assert response.status_code == 200, (who, response.text)
    doc = response.json()
    assert "not a probability" in doc["meaning"]
    assert [u["id"] for u in doc["unresolved"]] == ["x"]
    got = {a["id"]: a for a in doc["assessments"]}
    assert got["kp"]["rank"] == 1 and got["mo"]["rank"] == 2
    assert len(got["kp"]["incidents"]) == 5 and got["kp"]["n_incidents"] > 5
    # the same numbers as the library on the same records
    g = load_gazetteer()
    at = parse_time(AT)
    local = assess([make_proposal("kp", at, ["Kharkiv", "Poltava"], g)],
                   import_hazards(record_path, gazetteer=g).hazards)  # fmt: skip
    assert got["kp"]["exposure"] == pytest.approx(local.assessments[0].exposure, abs=1e-6)
    geo = api.post("/assessments", json={**body, "format": "geojson"})
    assert geo.headers["content-type"].startswith("application/geo+json")
    assert geo.json()["type"] == "FeatureCollection"


def test_hostile_bodies_are_problems_not_crashes(api: Api) -> None:
    one = {"id": "a", "at_utc": AT, "via": ["Sumy", "Poltava"]}
    for body in (
        {"proposals": []},
        {"proposals": [one], "gazetteer": "/etc/passwd"},  # never a server path
        {"proposals": [{**one, "at_utc": "2022-03-08T10:00:00"}]},  # no offset
        {"proposals": [{**one, "via": ["Sumy"]}]},
        {"proposals": [one] * 501},
        {"proposals": [one], "parameters": {"area_radius_km": -1}},
        {"proposals": [one], "parameters": {"nope": 1}},
        {"proposals": [{**one, "via": ["Atlantis", "Sumy"]}]},  # nothing assessable
        {"proposals": [{**one, "id": "../x"}]},
        {"proposals": [one], "parameters": {"area_radius_km": 1e300}},  # unbounded work
        {"proposals": [one], "parameters": {"acute": 0.5}},
        {"proposals": [{**one, "at_utc": "0001-01-01T00:00:00+05:00"}]},
        {"proposals": [{**one, "via": ["Uzhhorod", "Kharkiv"]}] * 300},  # 300,000 km of line
    ):
        response = api.post("/assessments", json=body)
        assert response.status_code == 422, (body, response.status_code, response.text[:200])
        assert response.headers["content-type"].startswith("application/problem+json")
    missing = api.post("/assessments", json={"proposals": [one], "network": "nowhere"})
    assert missing.status_code == 404
