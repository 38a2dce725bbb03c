"""Drafting terms from a real computed route; bad route files fail with one clear error."""

from __future__ import annotations

import copy
from pathlib import Path
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


def test_a_network_loader_is_called_only_when_the_route_lacks_something(
    routed: tuple[dict[str, Any], list[int]], krems_network: Network
) -> None:
    """``agreement draft --network`` passes a loader: a route GeoJSON naming this very file
    and carrying every edge's road and length needs no network read (nor numpy); anything
    less reads it, and the block is the one the loaded network gives."""
    doc, edges = copy.deepcopy(routed[0]), routed[1]
    props = doc["features"][0]["properties"]
    props.update(edge_ids=edges, network_sha256=FAKE_SHA,
                 edge_roads=[krems_network.edge_label(e) for e in edges],
                 edge_lengths_m=[float(krems_network.edge_length_m[e]) for e in edges])  # fmt: skip
    calls: list[int] = []

    def load() -> Network:
        calls.append(1)
        return krems_network

    expected = route_from_geojson(doc, network=krems_network, network_sha256=FAKE_SHA)
    assert route_from_geojson(doc, network=load, network_sha256=FAKE_SHA) == expected
    assert calls == []
    for change in ("a road missing", "no hash in the file", "another hash"):
        edited = copy.deepcopy(doc)
        p = edited["features"][0]["properties"]
        if change == "a road missing":
            p["edge_roads"][0] = None
        elif change == "no hash in the file":
            del p["network_sha256"]
        else:
            p["network_sha256"] = "cd" * 32
        calls.clear()
        try:
            got = route_from_geojson(edited, network=load, network_sha256=FAKE_SHA)
        except InputError:
            assert change == "another hash"
        else:
            assert got == route_from_geojson(edited, network=krems_network, network_sha256=FAKE_SHA)
        assert calls == [1], change
    bad = copy.deepcopy(doc)  # ids beyond the network are refused once it is read
    bad["features"][0]["properties"]["edge_roads"][0] = None
    bad["features"][0]["properties"]["edge_ids"][0] = krems_network.n_edges
    with pytest.raises(InputError, match="do not fit"):
        route_from_geojson(bad, network=load, network_sha256=FAKE_SHA)


def test_a_vouched_route_is_still_held_to_the_files_edge_count(
    routed: tuple[dict[str, Any], list[int]], krems_network: Network, tmp_path: Path
) -> None:
    """A route GeoJSON that names the given file and carries every road and length is not
    read against the network, but its ids are still bounded by the file's edge count (read
    from the header by ``agreement draft``): an edited id beyond it is refused unread."""
    from corridor.cli.agreement import _edge_count
    from corridor.network import write_network

    path = tmp_path / "krems.net"
    write_network(krems_network, path)
    assert _edge_count(path) == krems_network.n_edges
    assert _edge_count(tmp_path / "missing.net") is None
    doc, edges = copy.deepcopy(routed[0]), routed[1]
    props = doc["features"][0]["properties"]
    props.update(edge_ids=edges, network_sha256=FAKE_SHA,
                 edge_roads=[krems_network.edge_label(e) for e in edges],
                 edge_lengths_m=[float(krems_network.edge_length_m[e]) for e in edges])  # fmt: skip

    def load() -> Network:
        raise AssertionError("a vouched route must not need the network read")

    n = krems_network.n_edges
    assert route_from_geojson(doc, network=load, network_sha256=FAKE_SHA, edge_count=n)
    for bad_id in (n, -1):
        props["edge_ids"][0] = bad_id
        with pytest.raises(InputError, match="do not fit"):
            route_from_geojson(doc, network=load, network_sha256=FAKE_SHA, edge_count=n)
