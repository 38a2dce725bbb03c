"""Risk on roads: hand-checkable probabilities, decay, closures on the real Krems network."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np
import pytest
import shapely
from pyproj import Geod, Transformer
from shapely.geometry import LineString, Point, Polygon

from corridor.errors import HazardInputError
from corridor.hazards import (
    KIND_DEFAULTS,
    Hazard,
    HazardKind,
    RiskModel,
    hazards_near,
    segment_index,
)
from corridor.network import FLAG_BRIDGE, FLAG_REVERSED, Network

T0 = datetime(2022, 3, 8, 10, tzinfo=UTC)


def straight_two_way_segment(net: Network) -> tuple[int, list[int]]:
    """The longest two-way segment that is a single straight piece (two points)."""
    counts = np.bincount(net.edge_segment, minlength=net.n_segments)
    points = np.diff(net.seg_offsets)
    seg_len = net.segment_length_m()
    ok = np.nonzero((counts == 2) & (points == 2) & (seg_len < 400))[0]
    seg = int(ok[np.argmax(seg_len[ok])])
    edges = [int(e) for e in np.nonzero(net.edge_segment == seg)[0]]
    return seg, edges


def in_utm(utm: Transformer, lon: Any, lat: Any) -> tuple[Any, Any]:
    return utm.transform(lon, lat)


def from_utm(utm: Transformer, x: Any, y: Any) -> tuple[Any, Any]:
    return utm.transform(x, y, direction="INVERSE")


def half_cover_polygon(net: Network, seg: int, utm: Transformer) -> Polygon:
    """A rectangle covering exactly the first half of a straight segment (built in UTM 33N)."""
    lon, lat = net.segment_coords(seg)
    x, y = in_utm(utm, lon, lat)
    a, b = np.array([x[0], y[0]]), np.array([x[1], y[1]])
    d = (b - a) / np.linalg.norm(b - a)
    n = np.array([-d[1], d[0]])
    m = (a + b) / 2
    corners = [m + 20 * n, m - 20 * n, a - 50 * d - 20 * n, a - 50 * d + 20 * n]
    clon, clat = from_utm(utm, [c[0] for c in corners], [c[1] for c in corners])
    return Polygon(zip(clon, clat, strict=True))


def test_polygon_covering_half_an_edge_gives_half_the_weight(
    krems_network: Network, utm33: Transformer
) -> None:
    seg, edges = straight_two_way_segment(krems_network)
    zone = half_cover_polygon(krems_network, seg, utm33)
    h = Hazard("half", HazardKind.SHELLING, zone, 0.8, 0.6, observed_at=T0, radius_m=0.0)
    model = RiskModel(krems_network, [h], at=T0, exposure="edge_share")
    for e in edges:  # both directions share the segment, so both get the same risk
        assert model.risk[e] == pytest.approx(0.8 * 0.6 * 0.5, rel=1e-4)
    changed = model.set_time(T0 + timedelta(hours=6))  # one half-life of shelling
    assert set(changed.tolist()) >= set(edges)
    for e in edges:
        assert model.risk[e] == pytest.approx(0.8 * 0.6 * 0.5 * 0.5, rel=1e-4)


def test_point_covering_half_an_edge(krems_network: Network) -> None:
    seg, edges = straight_two_way_segment(krems_network)
    lon, lat = krems_network.segment_coords(seg)
    length_m = float(krems_network.segment_length_m()[seg])
    h = Hazard("p", "mines", Point(lon[0], lat[0]), 0.9, 0.5, radius_m=length_m / 2)
    model = RiskModel(krems_network, [h], at=T0, exposure="edge_share")
    # a point zone is a true disk, clipped analytically: exactly half the edge is inside
    for e in edges:
        assert model.risk[e] == pytest.approx(0.9 * 0.5 * 0.5, rel=1e-5)
    assert model.contributions(edges)[0].probability == pytest.approx(model.risk[edges[0]])


def test_independent_hazards_combine_as_survival_product(krems_network: Network) -> None:
    seg, edges = straight_two_way_segment(krems_network)
    box = shapely.box(*LineString(zip(*krems_network.segment_coords(seg), strict=True)).bounds)
    zone = box.buffer(0.001)
    a = Hazard("a", "shelling", zone, 0.5, 0.8, radius_m=0.0)
    b = Hazard("b", "airstrike", zone, 0.3, 1.0, radius_m=0.0)
    model = RiskModel(krems_network, [a, b], at=T0, exposure="edge_share")
    expected = 1 - (1 - 0.4) * (1 - 0.3)
    assert model.risk[edges[0]] == pytest.approx(expected, rel=1e-12)
    contrib = model.contributions([edges[0]])
    assert sorted(c.hazard_id for c in contrib) == ["a", "b"]
    assert 1 - np.prod([1 - c.probability for c in contrib]) == pytest.approx(expected)


def test_expiry_and_start_follow_the_half_open_interval(krems_network: Network) -> None:
    seg, edges = straight_two_way_segment(krems_network)
    lon, lat = krems_network.segment_coords(seg)
    h = Hazard("t", "checkpoint", Point(lon.mean(), lat.mean()), 0.5, 1.0,
               valid_from=T0, valid_until=T0 + timedelta(hours=1))  # fmt: skip
    model = RiskModel(krems_network, [h], at=T0 - timedelta(seconds=1))
    assert not model.risk.any()
    fp = set(model.footprint("t").edges.tolist())
    assert set(edges) <= fp
    assert set(model.set_time(T0).tolist()) == fp
    assert model.risk[edges[0]] > 0
    assert model.set_time(T0 + timedelta(minutes=30)).size == 0  # checkpoints do not decay
    assert set(model.set_time(T0 + timedelta(hours=1)).tolist()) == fp
    assert not model.risk.any()


def _edge_lines(net: Network, utm: Transformer) -> list[LineString]:
    lines = []
    for e in range(net.n_edges):
        x, y = in_utm(utm, *net.edge_coords(e))
        lines.append(LineString(zip(x, y, strict=True)))
    return lines


def test_destroyed_bridge_closes_exactly_the_bridge_edges(
    krems_network: Network, utm33: Transformer
) -> None:
    net = krems_network
    lon, lat, radius = 15.6249, 48.4025, 60.0  # mid-span of the St. Pöltner Brücke (B37)
    model = RiskModel(net, [Hazard("br", "destroyed_bridge", Point(lon, lat), 1.0, 0.9,
                                   radius_m=radius)], at=T0)  # fmt: skip
    centre = Point(*in_utm(utm33, lon, lat))
    dist = np.array([line.distance(centre) for line in _edge_lines(net, utm33)])
    assert not ((dist > radius - 1) & (dist < radius + 1)).any()  # no borderline cases
    bridge = (net.edge_flags & FLAG_BRIDGE) != 0
    expected = set(np.nonzero(bridge & (dist < radius))[0].tolist())
    assert set(np.nonzero(model.closed)[0].tolist()) == expected
    assert len(expected) == 2  # one per carriageway
    assert {net.edge_label(e) for e in expected} == {"St. Pöltner Brücke (B37)"}
    assert not model.risk.any()  # closing hazards close; they add no risk
    assert model.closing_hazards(list(expected)) == {e: ["br"] for e in expected}
    # a bridge at its end: the roads joining it are near, and stay open
    end_lon, end_lat = net.edge_coords(min(expected))[0][0], net.edge_coords(min(expected))[1][0]
    at_end = RiskModel(net, [Hazard("br2", "destroyed_bridge", Point(end_lon, end_lat), 1, 1,
                                    radius_m=radius)], at=T0)  # fmt: skip
    end = Point(*in_utm(utm33, end_lon, end_lat))
    near = np.array([line.distance(end) < radius for line in _edge_lines(net, utm33)])
    assert (near & ~bridge).any()
    assert not (at_end.closed & ~bridge).any()
    assert at_end.closed.any()


def test_no_go_zone_closes_everything_inside(krems_network: Network, utm33: Transformer) -> None:
    net = krems_network
    square = Polygon([(15.600, 48.405), (15.615, 48.405), (15.615, 48.415), (15.600, 48.415)])
    model = RiskModel(net, [Hazard("zone", "no_go_zone", square, 1.0, 1.0)], at=T0)
    x, y = in_utm(utm33, *square.exterior.xy)
    zone = Polygon(zip(x, y, strict=True))
    inside = np.array([line.intersection(zone).length for line in _edge_lines(net, utm33)])
    closed = model.closed
    assert closed[inside > 0.5].all()
    assert not closed[inside == 0].any()
    assert closed.sum() > 100  # the old town is full of roads
    assert not model.risk.any()


def test_checkpoint_adds_risk_roadblock_closes(krems_network: Network) -> None:
    seg, edges = straight_two_way_segment(krems_network)
    lon, lat = krems_network.segment_coords(seg)
    where = Point(lon.mean(), lat.mean())
    model = RiskModel(krems_network, [Hazard("cp", "checkpoint", where, 0.2, 0.9)], at=T0)
    assert not model.closed.any() and model.risk[edges].min() > 0
    changed = model.add([Hazard("rb", "roadblock", where, 1.0, 0.9)])
    assert set(edges) <= set(changed.tolist())
    assert model.closed[edges].all()
    model.remove(["rb"])
    assert not model.closed.any()


def test_replacing_a_hazard_by_id(krems_network: Network) -> None:
    seg, edges = straight_two_way_segment(krems_network)
    lon, lat = krems_network.segment_coords(seg)
    h = Hazard("x", "shelling", Point(lon.mean(), lat.mean()), 0.2, 1.0)
    model = RiskModel(krems_network, [h], at=T0, exposure="edge_share")
    low = model.risk[edges[0]]
    model.add([Hazard("x", "shelling", h.geometry, 0.4, 1.0)])
    assert len(model) == 1
    assert model.risk[edges[0]] == pytest.approx(2 * low)


def test_zone_length_exposure_counts_a_full_crossing_once(krems_network: Network) -> None:
    seg, edges = straight_two_way_segment(krems_network)
    lon, lat = krems_network.segment_coords(seg)
    length_m = float(krems_network.segment_length_m()[seg])
    h = Hazard("c", "shelling", Point(lon.mean(), lat.mean()), 0.5, 1.0, radius_m=length_m / 4)
    model = RiskModel(krems_network, [h], at=T0, exposure="zone_length")
    # the road crosses the whole diameter: p = 1 - (1 - w) ** 1 = w
    assert model.risk[edges[0]] == pytest.approx(0.5, rel=1e-5)
    share = RiskModel(krems_network, [h], at=T0, exposure="edge_share")
    assert share.risk[edges[0]] == pytest.approx(0.5 * 0.5, rel=1e-5)  # half the edge inside
    # zone length is the default (docs/risk-model.md: it does not depend on how roads are cut)
    assert RiskModel(krems_network, [h], at=T0).risk[edges[0]] == model.risk[edges[0]]


def test_naive_time_is_refused(krems_network: Network) -> None:
    with pytest.raises(HazardInputError):
        RiskModel(krems_network, at=datetime(2022, 3, 8, 10))


def test_hazards_near_measures_from_the_route() -> None:
    geod = Geod(ellps="WGS84")
    lon = np.array([15.60, 15.62])
    lat = np.array([48.40, 48.40])
    hlon, hlat, _ = geod.fwd(15.61, 48.40, 0.0, 500.0)  # 500 m due north of the route
    flon, flat, _ = geod.fwd(15.61, 48.40, 180.0, 1500.0)
    near = Hazard("near", "shelling", Point(hlon, hlat), 0.5, 0.5, valid_until=T0)
    far = Hazard("far", "shelling", Point(flon, flat), 0.5, 0.5)
    found = hazards_near([far, near], lon, lat, within_m=1000)
    assert [h.id for h, _ in found] == ["near"]
    assert found[0][1] == pytest.approx(500.0, abs=2.0)
    assert [h.id for h, _ in hazards_near([far, near], lon, lat, within_m=2000)] == ["near", "far"]
    assert hazards_near([far, near], lon, lat, within_m=1000, at=T0) == []


def test_kind_default_radius_is_used(krems_network: Network) -> None:
    seg, _ = straight_two_way_segment(krems_network)
    lon, lat = krems_network.segment_coords(seg)
    h = Hazard("d", "shelling", Point(lon.mean(), lat.mean()), 0.5, 0.5)
    bigger = Hazard("d", "shelling", h.geometry, 0.5, 0.5, radius_m=600.0)
    small = RiskModel(krems_network, [h], at=T0).footprint("d").edges.size
    large = RiskModel(krems_network, [bigger], at=T0).footprint("d").edges.size
    assert KIND_DEFAULTS[HazardKind.SHELLING].radius_m < 600
    assert 0 < small < large


def test_both_directions_of_a_road_get_the_same_risk(krems_network: Network) -> None:
    from corridor.hazards import load_hazards
    from tests.hazards.conftest import DEMO_HAZARDS, DEMO_TIME

    model = RiskModel(krems_network, load_hazards(DEMO_HAZARDS), at=DEMO_TIME)
    seg = krems_network.edge_segment
    assert (krems_network.edge_flags & FLAG_REVERSED).any()
    first = np.full(krems_network.n_segments, -1)
    first[seg[::-1]] = np.arange(krems_network.n_edges)[::-1]
    assert np.array_equal(model.risk, model.risk[first[seg]])
    assert np.array_equal(model.closed, model.closed[first[seg]])
    assert model.risk.any() and model.closed.any()


def test_disk_clipping_agrees_with_geos_in_another_projection(krems_network: Network) -> None:
    """Each disk checked in an azimuthal equidistant CRS centred on it (true distances from the
    centre), buffered as a 1024-gon and clipped by GEOS."""
    net = krems_network
    rng = np.random.default_rng(3)
    for k in range(8):
        lon = float(rng.uniform(net.node_lon.min(), net.node_lon.max()))
        lat = float(rng.uniform(net.node_lat.min(), net.node_lat.max()))
        radius = float(rng.uniform(50, 800))
        model = RiskModel(net, [Hazard(f"d{k}", "shelling", Point(lon, lat), 1, 1,
                                       radius_m=radius)], at=T0)  # fmt: skip
        fp = model.footprint(f"d{k}")
        aeqd = Transformer.from_crs(
            "EPSG:4326", f"+proj=aeqd +lat_0={lat} +lon_0={lon} +ellps=WGS84", always_xy=True
        )
        disk = Point(0, 0).buffer(radius, quad_segs=256)
        lines = _edge_lines(net, aeqd)
        expected = np.array([ln.intersection(disk).length / ln.length for ln in lines])
        got = np.zeros(net.n_edges)
        got[fp.edges] = fp.share
        assert fp.edges.size == np.count_nonzero(expected > 1e-6)
        np.testing.assert_allclose(got, expected, rtol=0, atol=2e-3)


def test_many_disks_in_one_join_agree_with_geos(krems_network: Network) -> None:
    """Sixty disks joined in one call (the compiled piece-grid walk, with pieces spanning
    several cells and disks reaching past the network's edge) against GEOS: each segment line
    intersected with a 1024-gon of the same disk, in the index's own projection."""
    net = krems_network
    index = segment_index(net)
    rng = np.random.default_rng(11)
    n = 60
    lon = rng.uniform(net.node_lon.min() - 0.01, net.node_lon.max() + 0.01, n)
    lat = rng.uniform(net.node_lat.min() - 0.01, net.node_lat.max() + 0.01, n)
    radii = rng.uniform(30, 1500, n)
    hazards = [
        Hazard(f"m{i}", "shelling", Point(lon[i], lat[i]), 1, 1, radius_m=float(radii[i]))
        for i in range(n)
    ]
    fps = index.footprints(hazards)
    x, y = index.transformer.transform(lon, lat)
    lines = index.lines  # the segments in the index's projection, by network segment
    seg_of_edge = np.asarray(net.edge_segment)
    covered = 0
    for i, fp in enumerate(fps):
        disk = shapely.buffer(shapely.points(x[i], y[i]), radii[i], quad_segs=256)
        expected = shapely.length(shapely.intersection(lines, disk)) / shapely.length(lines)
        got = np.zeros(net.n_segments)
        got[seg_of_edge[fp.edges]] = fp.share
        assert set(np.flatnonzero(got)) <= set(np.flatnonzero(expected > 0))
        np.testing.assert_allclose(got, expected, rtol=0, atol=2e-3)
        covered += int(np.count_nonzero(got))
    assert covered > 1024  # more pairs than the kernel's first output buffer
