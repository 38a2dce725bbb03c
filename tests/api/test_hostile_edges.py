"""Defects found by the live schema run after the wave's merge (issue 14): times at the ends of
the calendar in monitoring, notices and plans, lone surrogates and overflowing numbers that
canonical JSON (RFC 8785) cannot hold. Each must be a 422 problem, never a 5xx."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from tests.api.conftest import Api, checkin_body, incident_body, monitored_corridor, terms_for
from tests.api.test_plans import _plan_data
from tests.conftest import REPO

EDGE_TIMES = ("0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-14:00")


def _is_422(response: Any) -> None:
    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith("application/problem+json")


@pytest.mark.parametrize("at", EDGE_TIMES)
def test_report_and_monitoring_times_without_a_utc_equivalent_are_422(
    api: Api, network: Any, at: str
) -> None:
    terms = monitored_corridor(api, network)
    _is_422(api.post("/reports/checkins", "field", json=checkin_body(terms, "c1", at_utc=at)))
    _is_422(api.post("/reports/incidents", "field", json=incident_body(terms, "i1", at_utc=at)))
    batch = {"checkins": [checkin_body(terms, "c2", at_utc=at)]}
    _is_422(api.post("/reports/batch", "field", json=batch))
    _is_422(api.post("/reports/incidents/i1/confirm", json={"at_utc": at}))
    _is_422(api.get(f"/monitoring/{terms['corridor_id']}", params={"as_of": at}))
    ack = {"at_utc": at, "signature": "A" * 86 + "=="}
    _is_422(api.client.put("/movements/m1/acks/north", json=ack, headers=api.auth("liaison")))
    # The reports' own rules still answer for times that do exist.
    late = api.post("/reports/checkins", "field",
                    json=checkin_body(terms, "c3", at_utc="9999-12-31T23:59:59Z"))  # fmt: skip
    _is_422(late)
    assert "future" in late.json()["detail"]


@pytest.mark.parametrize("at", EDGE_TIMES)
def test_plan_times_without_a_utc_equivalent_are_422(api: Api, at: str) -> None:
    data = _plan_data()
    data["start_utc"] = at
    _is_422(api.post("/plans", json={"plan": data, "network": "krems", "bound": False}))


def test_every_time_a_caller_sends_goes_through_the_one_check() -> None:
    """Structural: pydantic's AwareDatetime (no UTC check) appears only inside corridor._times;
    every model types its times as corridor._times.UtcDatetime."""
    used = [
        f"{path.relative_to(REPO)}:{n}"
        for path in sorted((REPO / "src" / "corridor").rglob("*.py"))
        if path.name != "_times.py" or path.parent.name != "corridor"
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
        if re.search(r"\bAwareDatetime\b", line)
    ]
    assert used == [], used


def _propose(api: Api, terms: dict[str, Any]) -> Any:
    # json.dumps writes "\ud800" as its escape, as a hostile client would send it.
    return api.client.post("/agreements", content=json.dumps(terms),
                           headers={**api.auth("coordinator"),
                                    "content-type": "application/json"})  # fmt: skip


def test_route_lengths_that_overflow_to_infinity_are_422(api: Api, network: Any) -> None:
    """Two edges of 1.7e308 m each summed to inf, and |drawn - inf| > inf is false: the terms
    were accepted (201) with a route of infinite length."""
    terms = terms_for(network, api.keys)
    terms["route"]["edges"][0]["length_m"] = 1.7e308
    terms["route"]["edges"][1]["length_m"] = 1.7e308
    response = _propose(api, terms)
    _is_422(response)
    assert "length_m" in response.text


def test_checkpoint_inspection_beyond_a_day_is_422(api: Api, network: Any) -> None:
    terms = terms_for(network, api.keys)
    lon, lat = terms["route"]["geometry"]["coordinates"][2]
    terms["checkpoints"] = [{"name": "bridge", "lat": lat, "lon": lon, "operated_by": "north",
                             "hours_utc": "00:00-24:00", "max_vehicles_per_hour": 10,
                             "inspection_minutes": 8.7e304}]  # fmt: skip
    _is_422(_propose(api, terms))


@pytest.mark.parametrize("where", ["title", "notes"])
def test_lone_surrogate_in_terms_is_422(api: Api, network: Any, where: str) -> None:
    terms = terms_for(network, api.keys)
    terms[where] = "bridge \ud800 closed"
    response = _propose(api, terms)
    _is_422(response)
    assert "surrogate" in response.json()["detail"]
