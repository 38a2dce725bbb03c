"""Agreement with OSMnx on the same roads (see docs/network.md, "Checked against OSMnx").

OSMnx's ``graph_from_xml`` takes every way in the file, has its own one-way rules, merges
nodes where one way simply continues another, and measures great-circle lengths on a sphere.
To compare graph building like for like, each shared extract is cut down to the ways our car
profile accepts, with their direction written as an explicit ``oneway`` tag; OSMnx then builds
that file with ``retain_all=True`` and we import the original with ``keep_all=True``.
"""

from __future__ import annotations

from pathlib import Path

import networkx as nx
import numpy as np
import osmium
import osmnx as ox
import pytest
from osmium.osm.mutable import Node, Way

from corridor.network import Network
from corridor.network._tags import classify_way
from tests.network.conftest import OSM_NAMES, network_of


def _roads_only(src: Path, dst: Path) -> None:
    """Write the ways our car profile accepts, with their nodes, as OSM XML."""
    nodes: dict[int, tuple[float, float]] = {}
    ways = []
    processor = (
        osmium.FileProcessor(src, osmium.osm.NODE | osmium.osm.WAY)
        .with_locations()
        .with_filter(osmium.filter.EntityFilter(osmium.osm.WAY))
        .with_filter(osmium.filter.KeyFilter("highway"))
    )
    for way in processor:
        rule = classify_way(way.tags, "car")
        if rule is None:
            continue
        refs = []
        for nd in way.nodes:
            nodes[nd.ref] = (nd.lon, nd.lat)
            refs.append(nd.ref)
        oneway = "no" if rule.forward and rule.backward else ("yes" if rule.forward else "-1")
        ways.append(
            Way(id=way.id, nodes=refs, tags={"highway": way.tags["highway"], "oneway": oneway})
        )
    with osmium.SimpleWriter(str(dst)) as writer:
        for node_id, location in sorted(nodes.items()):
            writer.add_node(Node(id=node_id, location=location))
        for way in ways:
            writer.add_way(way)


@pytest.fixture(scope="module", params=OSM_NAMES)
def pair(
    request: pytest.FixtureRequest, osm_dir: Path, tmp_path_factory: pytest.TempPathFactory
) -> tuple[Network, nx.MultiDiGraph]:
    name = request.param
    roads = tmp_path_factory.mktemp("osmnx") / "roads.osm"
    _roads_only(osm_dir / name, roads)
    graph = ox.graph_from_xml(roads, simplify=False, retain_all=True)
    return network_of(osm_dir, name, keep_all=True), graph


def test_unsimplified_counts_are_identical(pair: tuple[Network, nx.MultiDiGraph]) -> None:
    """Every OSM node of a road is an OSMnx node; every straight piece, per direction, an edge."""
    ours, graph = pair
    assert np.unique(ours.arrays["seg_node_id"]).size == graph.number_of_nodes()
    pieces = np.diff(ours.seg_offsets)[ours.edge_segment] - 1
    assert int(pieces.sum()) == graph.number_of_edges()


def test_total_length_within_half_a_percent(pair: tuple[Network, nx.MultiDiGraph]) -> None:
    ours, graph = pair
    theirs_m = sum(length for _, _, length in graph.edges(data="length"))
    ours_m = float(ours.edge_length_m.astype(np.float64).sum())
    assert ours_m == pytest.approx(theirs_m, rel=0.005)
    # The remaining gap is the Earth model alone: measured OSMnx's way (great circle on a
    # sphere), our geometry gives OSMnx's total to a millimetre per kilometre.
    lon, lat = ours.arrays["seg_lon"], ours.arrays["seg_lat"]
    piece = np.ones(lon.size, dtype=bool)
    piece[ours.seg_offsets[1:] - 1] = False
    start = np.flatnonzero(piece)
    sphere = ox.distance.great_circle(lat[start], lon[start], lat[start + 1], lon[start + 1])
    per_segment = np.bincount(
        np.repeat(np.arange(ours.n_segments), np.diff(ours.seg_offsets))[start],
        weights=sphere,
        minlength=ours.n_segments,
    )
    assert float(per_segment[ours.edge_segment].sum()) == pytest.approx(theirs_m, rel=1e-6)


def test_simplified_counts_within_half_a_percent(pair: tuple[Network, nx.MultiDiGraph]) -> None:
    """OSMnx keeps a node where ways with different ids meet (as we do) when told to."""
    ours, graph = pair
    simple = ox.simplify_graph(graph, edge_attrs_differ=["osmid"])
    assert ours.n_nodes == pytest.approx(simple.number_of_nodes(), rel=0.005)
    assert ours.n_edges == pytest.approx(simple.number_of_edges(), rel=0.005)
    # Our graph never has fewer nodes: we also split where a way touches itself.
    assert ours.n_nodes >= simple.number_of_nodes()
