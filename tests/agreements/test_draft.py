"""Drafting terms from a real computed route; bad route files fail with one clear error."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from corridor.agreements import draft_terms, route_from_geojson, terms_from_data
from corridor.errors import InputError
from corridor.network import Network
from corridor.routing import route
from corridor.routing._export import to_geojson

FAKE_SHA = "ab" * 32


@pytest.fixture(scope="module")
def routed(krems_network: Network) -> tuple[dict[str, Any], list[int]]:
    found = route(krems_network, origin=(48.4105, 15.6030), destination=(48.3990, 15.6220))
    doc = to_geojson(krems_network, found)
    return doc, found.routes[0].edges.tolist()


def test_route_block_from_network(
    routed: tuple[dict[str, Any], list[int]], krems_network: Network
) -> None:
    doc, edges = copy.deepcopy(routed[0]), routed[1]
    doc["features"][0]["properties"]["edge_ids"] = edges
    block = route_from_geojson(doc, network=krems_network, network_sha256=FAKE_SHA)
    assert [e["id"] for e in block["edges"]] == edges
    assert [e["road"] for e in block["edges"]] == [krems_network.edge_label(e) for e in edges]
    total = sum(e["length_m"] for e in block["edges"])
    assert total == pytest.approx(float(krems_network.edge_length_m[edges].sum()), abs=1.0)
    data, todo = draft_terms(block, corridor_id="krems-x")
    assert {
        "origin.name (--origin-name, or edit)",
        "vehicles.markings (--markings, or edit)",
    } <= set(todo)
    assert any(t.startswith("parties") for t in todo) and any(t.startswith("windows") for t in todo)
    data["origin"]["name"] = "A"
    with pytest.raises(InputError):  # parties and windows are still missing
        terms_from_data(data)


@pytest.mark.parametrize(
    "breakage",
    ["no edge ids", "other network", "bad ids", "no line", "lengths mismatch", "no lengths"],
)
def test_bad_route_files(
    breakage: str, routed: tuple[dict[str, Any], list[int]], krems_network: Network
) -> None:
    doc, edges = copy.deepcopy(routed[0]), routed[1]
    props = doc["features"][0]["properties"]
    props["edge_ids"] = edges
    props["network_sha256"] = FAKE_SHA
    kwargs: dict[str, Any] = {"network": krems_network}
    if breakage == "no edge ids":  # and no network to recover them from
        del props["edge_ids"]
        kwargs = {}
    elif breakage == "other network":
        kwargs["network_sha256"] = "cd" * 32
    elif breakage == "bad ids":
        props["edge_ids"] = ["x", None]
    elif breakage == "no line":
        doc["features"] = doc["features"][1:]
    elif breakage == "lengths mismatch":
        props["edge_lengths_m"] = [1.0]
    elif breakage == "no lengths":  # an older or foreign route file: ids but no lengths
        props.pop("edge_lengths_m", None)
        kwargs = {}
    with pytest.raises(InputError) as info:
        route_from_geojson(doc, **kwargs)
    assert "\n" not in info.value.one_line()
