"""Import invariants on the real shared extracts, and the named features of Krems."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import osmium
import pytest
from pyproj import Geod
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import breadth_first_order, connected_components

from corridor.network import (
    FLAG_BRIDGE,
    FLAG_ONEWAY,
    FLAG_REVERSED,
    Network,
    import_osm,
)
from tests.network.conftest import KREMS, OSM_NAMES, network_of

GEOD = Geod(ellps="WGS84")


@pytest.fixture(params=[(n, k) for n in OSM_NAMES for k in (False, True)], ids=str)
def net(request: pytest.FixtureRequest, osm_dir: Path) -> Network:
    name, keep_all = request.param
    return network_of(osm_dir, name, keep_all=keep_all)


def _segment_ends(net: Network) -> tuple[np.ndarray, np.ndarray]:
    """Index (into seg_*) of each edge's first and last point, in the edge's direction."""
    seg = net.edge_segment
    start, end = net.seg_offsets[seg], net.seg_offsets[seg + 1] - 1
    rev = (net.edge_flags & FLAG_REVERSED) != 0
    return np.where(rev, end, start), np.where(rev, start, end)


def test_csr_is_consistent(net: Network) -> None:
    indptr = net.indptr
    assert indptr[0] == 0 and indptr[-1] == net.n_edges
    assert np.all(np.diff(indptr) >= 0)
    expected_source = np.repeat(np.arange(net.n_nodes), np.diff(indptr))
    assert np.array_equal(net.edge_source, expected_source)
    key = net.edge_source.astype(np.int64) * net.n_nodes + net.edge_target
    assert np.all(np.diff(key) >= 0)  # sorted by (source, target)
    assert net.edge_target.min() >= 0 and net.edge_target.max() < net.n_nodes


def test_reverse_index_is_consistent(net: Network) -> None:
    assert np.array_equal(np.sort(net.rev_edges), np.arange(net.n_edges))
    targets = net.edge_target[net.rev_edges]
    assert np.all(np.diff(targets) >= 0)
    counts = np.bincount(net.edge_target, minlength=net.n_nodes)
    assert np.array_equal(np.diff(net.rev_indptr), counts)
    for node in (0, net.n_nodes // 2, net.n_nodes - 1):
        assert np.all(net.edge_target[net.in_edges(node)] == node)


def test_geometry_ends_at_the_edge_nodes(net: Network) -> None:
    first, last = _segment_ends(net)
    lon, lat, ids = net.arrays["seg_lon"], net.arrays["seg_lat"], net.arrays["seg_node_id"]
    assert np.array_equal(lon[first], net.node_lon[net.edge_source])
    assert np.array_equal(lat[first], net.node_lat[net.edge_source])
    assert np.array_equal(lon[last], net.node_lon[net.edge_target])
    assert np.array_equal(lat[last], net.node_lat[net.edge_target])
    assert np.array_equal(ids[first], net.arrays["node_osm_id"][net.edge_source])
    assert np.array_equal(ids[last], net.arrays["node_osm_id"][net.edge_target])


def test_lengths_are_the_geodesic_length_of_the_geometry(net: Network) -> None:
    assert np.all(net.edge_length_m > 0)
    for edge in range(0, net.n_edges, 7):
        lon, lat = net.edge_coords(edge)
        expected = GEOD.line_length(lon, lat)
        assert float(net.edge_length_m[edge]) == pytest.approx(expected, rel=1e-5, abs=1e-3)
    speed_ms = net.arrays["edge_speed_kmh"] / 3.6
    assert np.allclose(net.edge_time_s, net.edge_length_m / speed_ms, rtol=1e-5)


def test_segments_and_directions(net: Network) -> None:
    uses = np.bincount(net.edge_segment, minlength=net.n_segments)
    assert set(np.unique(uses)) <= {1, 2}
    oneway = (net.edge_flags & FLAG_ONEWAY) != 0
    assert np.array_equal(oneway, uses[net.edge_segment] == 1)
    two_way = uses[net.edge_segment] == 2
    reversed_ = (net.edge_flags & FLAG_REVERSED) != 0
    # A two-way road has exactly one reversed edge.
    rev_count = np.bincount(net.edge_segment[two_way & reversed_], minlength=net.n_segments)
    assert np.all(rev_count[uses == 2] == 1)


def test_only_intersections_and_way_ends_are_nodes(net: Network) -> None:
    if not net.meta["kept_largest_scc"]:
        inner = np.ones(net.arrays["seg_node_id"].shape[0], dtype=bool)
        inner[net.seg_offsets[:-1]] = False
        inner[net.seg_offsets[1:] - 1] = False
        assert not np.isin(net.arrays["seg_node_id"][inner], net.arrays["node_osm_id"]).any()
    assert np.unique(net.arrays["node_osm_id"]).shape[0] == net.n_nodes


def test_way_ids_are_real_highway_ways(net: Network, osm_dir: Path) -> None:
    source = osm_dir / net.meta["source"]
    highway_ways = {
        w.id
        for w in osmium.FileProcessor(source, osmium.osm.WAY).with_filter(
            osmium.filter.KeyFilter("highway")
        )
    }
    assert set(np.unique(net.arrays["edge_way_id"]).tolist()) <= highway_ways


def test_largest_component_is_strongly_connected(osm_dir: Path) -> None:
    for name in OSM_NAMES:
        net, full = network_of(osm_dir, name), network_of(osm_dir, name, keep_all=True)
        graph = coo_matrix(
            (np.ones(net.n_edges), (net.edge_source, net.edge_target)), shape=(net.n_nodes,) * 2
        )
        n_comp, _ = connected_components(graph, directed=True, connection="strong")
        assert n_comp == 1
        full_graph = coo_matrix(
            (np.ones(full.n_edges), (full.edge_source, full.edge_target)),
            shape=(full.n_nodes,) * 2,
        )
        n_full, labels = connected_components(full_graph, directed=True, connection="strong")
        assert n_full - 1 == net.meta["dropped"]["components"] > 0
        assert np.bincount(labels).max() == net.n_nodes  # it really is the largest
        assert full.n_nodes - net.n_nodes == net.meta["dropped"]["nodes"] > 0
        assert full.n_edges - net.n_edges == net.meta["dropped"]["edges"] > 0
        assert full.meta["dropped"] == {"components": 0, "nodes": 0, "edges": 0}


def test_meta_records_source_and_profile(osm_dir: Path) -> None:
    net = network_of(osm_dir, KREMS)
    assert net.source_sha256 == "5498faad29dc876d830dec8f8a4b019c46eaab0181833911e0e95519a6840cc8"
    assert net.profile == "car" and net.meta["source"] == KREMS


def test_bus_profile_caps_speed(osm_dir: Path) -> None:
    bus = import_osm(osm_dir / KREMS, profile="bus")
    car = network_of(osm_dir, KREMS)
    assert bus.profile == "bus"
    assert (
        float(bus.arrays["edge_speed_kmh"].max())
        <= 80.0
        < float(car.arrays["edge_speed_kmh"].max())
    )


def test_danube_bridge_at_krems(osm_dir: Path) -> None:
    """The B37 St. Pöltner Brücke: two one-way carriageways, 100 km/h, layer 3, and the only
    road across the Danube in the extract (without it the south bank cannot reach the north)."""
    net = network_of(osm_dir, KREMS)
    labels = np.array([net.edge_label(e) for e in range(net.n_edges)])
    bridge = np.flatnonzero(labels == "St. Pöltner Brücke (B37)")
    assert bridge.size >= 2
    flags = net.edge_flags[bridge]
    assert np.all(flags & FLAG_BRIDGE) and np.all(flags & FLAG_ONEWAY)
    assert np.all(net.arrays["edge_speed_kmh"][bridge] == 100.0)
    assert np.all(net.arrays["edge_layer"][bridge] == 3)
    assert net.highway_class(int(bridge[0])) == "trunk"
    # One carriageway runs north, the other south; together about a kilometre each way.
    d_lat = net.node_lat[net.edge_target[bridge]] - net.node_lat[net.edge_source[bridge]]
    north, south = bridge[d_lat > 0], bridge[d_lat < 0]
    assert north.size and south.size
    assert 0.9e3 < net.edge_length_m[north].sum() < 1.3e3
    assert 0.9e3 < net.edge_length_m[south].sum() < 1.3e3
    # Remove the bridge: no route from the south bank to the north any more.
    keep = ~np.isin(np.arange(net.n_edges), bridge)
    graph = coo_matrix(
        (np.ones(int(keep.sum())), (net.edge_source[keep], net.edge_target[keep])),
        shape=(net.n_nodes,) * 2,
    ).tocsr()
    south_bank = np.flatnonzero(net.node_lat < 48.395)
    north_bank = np.flatnonzero(net.node_lat > 48.41)
    reach = breadth_first_order(graph, int(south_bank[0]), return_predecessors=False)
    assert south_bank.size and north_bank.size
    assert not np.isin(north_bank, reach).any()
    full = coo_matrix(
        (np.ones(net.n_edges), (net.edge_source, net.edge_target)), shape=(net.n_nodes,) * 2
    ).tocsr()
    assert np.isin(north_bank, breadth_first_order(full, int(south_bank[0]))[0]).all()


def test_other_named_bridges_keep_their_tags(osm_dir: Path) -> None:
    net = network_of(osm_dir, KREMS, keep_all=True)
    by_way = {int(w): e for e, w in enumerate(net.arrays["edge_way_id"])}
    wachau = by_way[24980490]  # Wachaubrücke, B35, maxspeed 50, two-way, no layer
    assert net.edge_label(wachau) == "Wachaubrücke (B35)"
    assert net.edge_flags[wachau] & FLAG_BRIDGE and not net.edge_flags[wachau] & FLAG_ONEWAY
    assert net.arrays["edge_speed_kmh"][wachau] == 50.0
    assert net.arrays["edge_layer"][wachau] == 0


def test_progress_reports_each_phase_in_order(osm_dir: Path) -> None:
    seen: list[str] = []
    import_osm(osm_dir / KREMS, progress=lambda phase, _done: seen.append(phase))
    phases = list(dict.fromkeys(seen))
    assert phases == ["reading ways", "building graph", "connected components"]


def test_ways_cut_by_the_extract_border_keep_their_present_parts(tmp_path: Path) -> None:
    """A way with a node missing from the file keeps the runs on either side; repeated
    consecutive nodes are dropped, and a way left with one distinct node is skipped."""
    from osmium.osm.mutable import Node, Way

    path = tmp_path / "cut.osm"
    with osmium.SimpleWriter(str(path)) as writer:
        for i in range(1, 7):
            writer.add_node(Node(id=i, location=(15.60 + i * 0.001, 48.40)))
        road = {"highway": "residential"}
        writer.add_way(Way(id=10, nodes=[1, 2, 3, 99, 4, 5], tags=road))
        writer.add_way(Way(id=11, nodes=[5, 5, 6], tags=road))
        writer.add_way(Way(id=12, nodes=[6, 6], tags=road))
    net = import_osm(path, keep_all=True)
    assert net.meta["ways_cut_at_missing_nodes"] == 1
    assert net.meta["skipped_ways_degenerate"] == 1
    assert sorted(net.arrays["node_osm_id"].tolist()) == [1, 3, 4, 5, 6]
    assert net.n_segments == 3 and net.n_edges == 6
    runs = sorted(
        net.arrays["seg_node_id"][net.seg_offsets[s] : net.seg_offsets[s + 1]].tolist()
        for s in range(net.n_segments)
    )
    assert runs == [[1, 2, 3], [4, 5], [5, 6]]
    assert sorted(set(net.arrays["edge_way_id"].tolist())) == [10, 11]
