"""Drafting terms from a computed route over HTTP: `POST /routes` with edge ids,
`GET /parties`, `POST /agreements/draft` (coordinator only), then `POST /agreements`."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tests.api.conftest import Api, public_key_b64
from tests.api.test_routes import NORTH_EAST, NORTH_WEST


def _best(api: Api) -> dict[str, Any]:
    body = {"network": "krems", "origin": NORTH_WEST, "destination": NORTH_EAST, "edge_ids": True}
    answer = api.post("/routes", "coordinator", json=body)
    assert answer.status_code == 200, answer.text
    return dict(answer.json()["routes"][0])


def _window() -> dict[str, str]:
    start = datetime.now(UTC).replace(minute=0, second=0, microsecond=0) + timedelta(days=1)
    iso = start.isoformat().replace("+00:00", "Z")
    return {"start_utc": iso, "end_utc": (start + timedelta(hours=4)).isoformat()}


def _draft_body(route: dict[str, Any], **over: Any) -> dict[str, Any]:
    return {
        "corridor_id": "krems-draft",
        "network": "krems",
        "edge_ids": route["edge_ids"],
        "parties": ["north", "south"],
        "origin": {"name": "School", "lat": NORTH_WEST["lat"], "lon": NORTH_WEST["lon"]},
        "destination": {"name": "Hospital", "lat": NORTH_EAST["lat"], "lon": NORTH_EAST["lon"]},
        "windows": [_window()],
        "markings": "white flags",
        **over,
    }


def test_parties_list_their_registered_public_keys(api: Api) -> None:
    for who in ("coordinator", "liaison", "field", "observer"):
        listed = api.get("/parties", who)
        assert listed.status_code == 200, listed.text
        assert {p["name"]: p["public_key"] for p in listed.json()} == {
            name: public_key_b64(key) for name, key in api.keys.items()
        }


def test_route_edge_ids_become_proposable_terms(api: Api, network: Any) -> None:
    route = _best(api)
    edges = route["edge_ids"]
    assert len(edges) == route["edges"] and route["network_sha256"] == network.file_sha256
    # The edge ids are a connected path whose lengths add up to the route's own length.
    for a, b in itertools.pairwise(edges):
        assert network.edge_target[a] == network.edge_source[b]
    assert sum(float(network.edge_length_m[e]) for e in edges) == pytest.approx(
        route["length_m"], abs=0.5
    )

    drafted = api.post("/agreements/draft", json=_draft_body(route))
    assert drafted.status_code == 200, drafted.text
    out = drafted.json()
    assert out["todo"] == []
    terms = out["terms"]
    assert [e["id"] for e in terms["route"]["edges"]] == edges
    assert terms["route"]["network_sha256"] == network.file_sha256
    assert terms["route"]["geometry"]["coordinates"] == route["geometry"]["coordinates"]
    assert [p["public_key"] for p in terms["parties"]] == [
        public_key_b64(api.keys["north"]),
        public_key_b64(api.keys["south"]),
    ]
    # Nothing stored by drafting; proposing is still POST /agreements.
    assert api.get("/agreements/krems-draft").status_code == 404
    proposed = api.post("/agreements", json=terms)
    assert proposed.status_code == 201, proposed.text
    assert proposed.json()["terms"]["route"]["edges"] == terms["route"]["edges"]


def test_draft_lists_what_is_still_missing(api: Api) -> None:
    body = _draft_body(_best(api), origin=None, markings="TODO", windows=[])
    out = api.post("/agreements/draft", json=body).json()
    assert any(t.startswith("origin.name") for t in out["todo"])
    assert any(t.startswith("vehicles.markings") for t in out["todo"])
    assert any("windows" in t for t in out["todo"]), out["todo"]


@pytest.mark.parametrize("who", ["liaison", "field", "observer"])
def test_only_a_coordinator_may_draft(api: Api, who: str) -> None:
    route = _best(api)
    refused = api.post("/agreements/draft", who, json=_draft_body(route))
    assert refused.status_code == 403
    assert refused.headers["content-type"].startswith("application/problem+json")


def test_bad_drafts_are_clear_problems(api: Api, network: Any) -> None:
    route = _best(api)
    edges = route["edge_ids"]
    gap = api.post("/agreements/draft", json=_draft_body(route, edge_ids=[edges[0], edges[2]]))
    assert gap.status_code == 422 and "does not start where" in gap.text
    outside = api.post("/agreements/draft", json=_draft_body(route, edge_ids=[network.n_edges]))
    assert outside.status_code == 422 and "not in this network" in outside.text
    stranger = api.post("/agreements/draft", json=_draft_body(route, parties=["west"]))
    assert stranger.status_code == 404 and "west" in stranger.text
    unknown_net = api.post("/agreements/draft", json=_draft_body(route, network="atlantis"))
    assert unknown_net.status_code == 404
