"""Snapping: the exact nearest road point, checked against pyproj on densified real roads."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pyproj import Geod

from corridor.errors import SnapError
from corridor.network import Network, snap, snap_many
from corridor.network._snap import _index
from tests.network.conftest import AGUASCALIENTES, KREMS, network_of

GEOD = Geod(ellps="WGS84")


@pytest.fixture(scope="module")
def dense(krems: Network) -> tuple[np.ndarray, np.ndarray]:
    """Every road of Krems as points at most 0.5 m apart (brute-force reference)."""
    lon, lat = krems.arrays["seg_lon"], krems.arrays["seg_lat"]
    starts = np.setdiff1d(np.arange(lon.size - 1), krems.seg_offsets[1:] - 1)
    _, _, length = GEOD.inv(lon[starts], lat[starts], lon[starts + 1], lat[starts + 1])
    n = np.floor(np.asarray(length) / 0.5).astype(np.int64) + 2
    piece = np.repeat(starts, n)
    f = (np.arange(piece.size) - np.repeat(np.cumsum(n) - n, n)) / np.repeat(n - 1, n)
    return lon[piece] + f * (lon[piece + 1] - lon[piece]), lat[piece] + f * (
        lat[piece + 1] - lat[piece]
    )


def _brute_distance(dense: tuple[np.ndarray, np.ndarray], lat: float, lon: float) -> float:
    d_lon, d_lat = dense
    # A rough planar pass picks the candidates; pyproj measures them exactly.
    rough = np.hypot((d_lon - lon) * 74_000.0, (d_lat - lat) * 111_000.0)
    near = rough <= rough.min() * 1.05 + 20.0
    n = int(near.sum())
    _, _, d = GEOD.inv(np.full(n, lon), np.full(n, lat), d_lon[near], d_lat[near])
    return float(d.min())


def test_distance_matches_brute_force(krems: Network, dense: tuple[np.ndarray, np.ndarray]) -> None:
    rng = np.random.default_rng(11)
    lats = rng.uniform(48.38, 48.43, 25)
    lons = rng.uniform(15.57, 15.70, 25)
    found = snap_many(krems, lats, lons, max_distance_m=1e6)
    for i in range(lats.size):
        # The reference is at most 0.25 m off the true nearest point (0.5 m spacing).
        assert found.distance_m[i] == pytest.approx(
            _brute_distance(dense, lats[i], lons[i]), abs=0.3
        )
        _, _, d = GEOD.inv(lons[i], lats[i], found.lon[i], found.lat[i])
        assert found.distance_m[i] == pytest.approx(d, abs=1e-6)


def test_snapped_point_lies_on_its_segment(krems: Network) -> None:
    found = snap(krems, 48.4105, 15.6030)
    lon, lat = krems.segment_coords(found.segment)
    # The point sits on the polyline: splitting the line there preserves its length.
    before = int(np.searchsorted(np.cumsum(np.r_[0.0, GEOD.line_lengths(lon, lat)]), found.along_m))
    assert 1 <= before <= lon.size
    total = GEOD.line_length(lon, lat)
    head = GEOD.line_length([*lon[:before], found.lon], [*lat[:before], found.lat])
    tail = GEOD.line_length([found.lon, *lon[before:]], [found.lat, *lat[before:]])
    assert head + tail == pytest.approx(total, abs=0.05)
    assert head == pytest.approx(found.along_m, abs=0.05)
    assert int(krems.edge_segment[found.edge]) == found.segment


def test_a_node_snaps_to_itself(krems: Network) -> None:
    for node in (0, 100, krems.n_nodes - 1):
        found = snap(krems, float(krems.node_lat[node]), float(krems.node_lon[node]))
        assert found.distance_m == pytest.approx(0.0, abs=1e-6)
        assert found.node == node or (
            krems.node_lat[found.node] == krems.node_lat[node]
            and krems.node_lon[found.node] == krems.node_lon[node]
        )


def test_route_node_is_an_end_of_the_segment(krems: Network) -> None:
    found = snap(krems, 48.4105, 15.6030)
    edge = found.edge
    assert found.node in (int(krems.edge_source[edge]), int(krems.edge_target[edge]))
    _, _, to_node = GEOD.inv(
        15.6030, 48.4105, krems.node_lon[found.node], krems.node_lat[found.node]
    )
    assert to_node >= found.distance_m


def test_beyond_the_limit_raises_with_the_distance(krems: Network) -> None:
    # 5 km south of the southernmost road point.
    lat = float(krems.arrays["seg_lat"].min()) - 0.045
    lon = float(krems.arrays["seg_lon"][np.argmin(krems.arrays["seg_lat"])])
    with pytest.raises(SnapError, match=r"is 5,\d\d\d m from the nearest road \(limit 2,000 m\)"):
        snap(krems, lat, lon)
    assert 4900 < snap(krems, lat, lon, max_distance_m=6000).distance_m < 5100
    near = snap(krems, 48.4105, 15.6030)
    with pytest.raises(SnapError, match=rf"is {near.distance_m:,.0f} m .*\(limit 4 m\)"):
        snap(krems, 48.4105, 15.6030, max_distance_m=4)


def test_many_equals_one_by_one_and_marks_far_points(krems: Network) -> None:
    lats = np.array([48.4105, 48.40, 47.0, 48.41])
    lons = np.array([15.6030, 15.62, 15.6, 15.61])
    many = snap_many(krems, lats, lons)
    assert many.ok.tolist() == [True, True, False, True]
    assert many.segment[2] == many.edge[2] == many.node[2] == -1
    assert many.distance_m[2] > 100_000
    for i in (0, 1, 3):
        one = snap(krems, float(lats[i]), float(lons[i]))
        assert (one.segment, one.edge, one.node) == (many.segment[i], many.edge[i], many.node[i])
        assert one.distance_m == many.distance_m[i]


def test_index_is_built_once_per_network(krems: Network) -> None:
    assert _index(krems) is _index(krems)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(lat=st.floats(48.36, 48.45), lon=st.floats(15.54, 15.87))
def test_never_farther_than_any_road_vertex(krems: Network, lat: float, lon: float) -> None:
    found = snap_many(krems, [lat], [lon], max_distance_m=1e6)
    pts_lon, pts_lat = krems.arrays["seg_lon"], krems.arrays["seg_lat"]
    _, _, d = GEOD.inv(np.full(pts_lon.shape, lon), np.full(pts_lon.shape, lat), pts_lon, pts_lat)
    assert found.distance_m[0] <= d.min() + 1e-6


@pytest.mark.parametrize(("lat", "lon"), [(float("nan"), 15.6), (48.4, float("inf")), (91.0, 15.6)])
def test_invalid_coordinates(krems: Network, lat: float, lon: float) -> None:
    with pytest.raises(SnapError, match="is not a coordinate"):
        snap(krems, lat, lon)


def test_no_points(krems: Network) -> None:
    found = snap_many(krems, [], [])
    assert found.distance_m.shape == (0,) and found.ok.shape == (0,)


@pytest.mark.parametrize("name", [KREMS, AGUASCALIENTES])
def test_brute_force_candidates_are_the_trees(
    name: str, osm_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A few points are snapped without the k-d tree (no SciPy import, no tree to build); the
    answers must be the tree's exactly, for points on, near and far from the roads."""
    import dataclasses

    from corridor.network._snap import _BRUTE_FORCE_MAX, _build

    network = network_of(osm_dir, name)
    monkeypatch.setattr("corridor.network._snap._BRUTE_FORCE_QUERIES", 10**6)
    brute, tree = _build(network), _build(network)
    tree._tree()
    assert brute.points.shape[0] <= _BRUTE_FORCE_MAX, "the brute-force path must be tried"
    rng = np.random.default_rng(5)
    lon, lat = network.arrays["seg_lon"], network.arrays["seg_lat"]
    pick = rng.integers(0, lon.size, 60)
    lats = np.concatenate((lat[pick], lat[pick] + rng.normal(0, 0.002, 60),
                           rng.uniform(lat.min() - 0.05, lat.max() + 0.05, 60)))  # fmt: skip
    lons = np.concatenate((lon[pick], lon[pick] + rng.normal(0, 0.002, 60),
                           rng.uniform(lon.min() - 0.05, lon.max() + 0.05, 60)))  # fmt: skip
    from corridor.network import _snap

    found = {}
    for way, index in (("brute", brute), ("tree", tree)):
        _snap._CACHE[network] = index
        found[way] = [snap_many(network, [a], [b], max_distance_m=3000.0)
                       for a, b in zip(lats, lons, strict=True)]  # fmt: skip
    _snap._CACHE.pop(network, None)
    assert brute.tree is None, "the brute-force index built a tree"
    for one, other in zip(found["brute"], found["tree"], strict=True):
        for field in dataclasses.fields(one):
            np.testing.assert_array_equal(getattr(one, field.name), getattr(other, field.name))


def test_many_points_on_one_network_build_the_tree(krems: Network) -> None:
    """A server snapping all day must not pay a pass over every sample per point."""
    from corridor.network._snap import _BRUTE_FORCE_QUERIES, _build

    index = _build(krems)
    assert index._brute_force(1) and index.tree is None
    for _ in range(_BRUTE_FORCE_QUERIES - 1):
        assert index._brute_force(1)
    assert not index._brute_force(1)
    assert not index._brute_force(1)


@pytest.mark.parametrize("size", [0, 1, 2, 7, 1000])
def test_unique_of_candidates_equals_numpys(size: int) -> None:
    """snap's own unique (it avoids importing numpy.ma) against NumPy's, duplicates and all."""
    from corridor.network._snap import _unique

    rng = np.random.default_rng(size)
    values = rng.integers(-5, max(size // 3, 1), size=size, dtype=np.int64)
    got = _unique(values)
    assert got.dtype == np.int64
    np.testing.assert_array_equal(got, np.unique(values))
