"""Road tiles: tile geometry against hand calculation, and tiles of the real Krems network."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest

from corridor.errors import InputError
from corridor.network import FLAG_BRIDGE, HIGHWAY_CLASSES
from corridor.web import NAME_ZOOM, TileCache, classes_at, road_tile, tile_bounds


def tile_of(lon: float, lat: float, z: int) -> tuple[int, int]:
    """The OSM wiki's slippy-map formula (an oracle independent of tile_bounds)."""
    n = 2**z
    x = int((lon + 180.0) / 360.0 * n)
    lat_r = math.radians(lat)
    y = int((1.0 - math.asinh(math.tan(lat_r)) / math.pi) / 2.0 * n)
    return x, y


def test_tile_bounds_match_hand_calculation() -> None:
    west, south, east, north = tile_bounds(0, 0, 0)
    assert (west, east) == (-180.0, 180.0)
    # The web-mercator limit: atan(sinh(pi)) = 85.0511287798 degrees.
    assert north == pytest.approx(85.0511287798) and south == pytest.approx(-85.0511287798)
    # Zoom 1, tile 1/0 is the north-east quarter.
    assert tile_bounds(1, 1, 0) == pytest.approx((0.0, 0.0, 180.0, 85.0511287798))
    # Krems an der Donau (15.6 E, 48.41 N) at zoom 14 lies in the tile the formula gives.
    x, y = tile_of(15.6, 48.41, 14)
    assert (x, y) == (8901, 5667)  # 195.6 / 360 * 2**14 = 8901.97; mercator y 0.3459 * 2**14
    w, s, e, n = tile_bounds(14, x, y)
    assert w <= 15.6 < e and s <= 48.41 < n
    assert e - w == pytest.approx(360 / 2**14)


@pytest.mark.parametrize(("z", "x", "y"), [(-1, 0, 0), (21, 0, 0), (3, 8, 0), (3, 0, -1)])
def test_tiles_outside_the_pyramid_are_refused(z: int, x: int, y: int) -> None:
    with pytest.raises(InputError):
        tile_bounds(z, x, y)


def _segment_midpoints(net: Any) -> tuple[np.ndarray, np.ndarray]:
    starts = net.seg_offsets[:-1]
    ends = net.seg_offsets[1:]
    mid = (starts + ends - 1) // 2
    return net.arrays["seg_lon"][mid].astype(float), net.arrays["seg_lat"][mid].astype(float)


def test_every_road_appears_in_the_tile_under_its_midpoint_at_street_zoom(
    krems_network: Any,
) -> None:
    net = krems_network
    z = 15
    lon, lat = _segment_midpoints(net)
    tiles: dict[tuple[int, int], list[int]] = {}
    for seg, (a, b) in enumerate(zip(lon.tolist(), lat.tolist(), strict=True)):
        tiles.setdefault(tile_of(a, b, z), []).append(seg)
    for (x, y), segs in tiles.items():
        features = road_tile(net, z, x, y)["features"]
        # Every segment has a feature (a tile has at least as many as its midpoints).
        assert len(features) >= len(segs)
        named = {f["properties"].get("name") for f in features} - {None}
        want = {
            net.strings[int(net.arrays["edge_name"][net.segment_edges[s]])]
            for s in segs
            if int(net.arrays["edge_name"][net.segment_edges[s]]) >= 0
        }
        assert want <= named, (x, y)


def test_low_zoom_keeps_major_roads_only_and_simplifies(krems_network: Any) -> None:
    net = krems_network
    x, y = tile_of(15.6, 48.41, 10)
    low = road_tile(net, 10, x, y)["features"]
    classes = {f["properties"]["highway"] for f in low}
    assert classes, "Krems has primary roads, which zoom 10 draws"
    assert classes <= classes_at(10)  # type: ignore[operator]
    assert "residential" not in classes and "name" not in low[0]["properties"]
    # Every major-road segment of the network is in the low-zoom tile (the network fits in it).
    major = np.isin(
        net.edge_highway[net.segment_edges],
        [HIGHWAY_CLASSES.index(c) for c in classes_at(10)],  # type: ignore[union-attr]
    )
    assert len(low) == int(major.sum())
    vertices_low = sum(len(f["geometry"]["coordinates"]) for f in low)
    starts, ends = net.seg_offsets[:-1][major], net.seg_offsets[1:][major]
    assert vertices_low < int((ends - starts).sum())  # simplified
    # ... but no simplified line strays more than half a pixel (+ rounding) from the road.
    import shapely

    w, _, e, _ = tile_bounds(10, x, y)
    tolerance = (e - w) / 256 / 2
    originals = [
        shapely.LineString(
            np.column_stack((net.arrays["seg_lon"][a:b], net.arrays["seg_lat"][a:b]))
        )
        for a, b in zip(starts.tolist(), ends.tolist(), strict=True)
    ]
    for f, line in zip(low, originals, strict=True):
        simple = shapely.LineString(f["geometry"]["coordinates"])
        assert shapely.hausdorff_distance(simple, line) <= tolerance * 1.01 + 1e-5


def test_bridges_are_marked_and_names_appear_from_name_zoom(krems_network: Any) -> None:
    net = krems_network
    flags = net.edge_flags[net.segment_edges]
    bridges = np.flatnonzero((flags & FLAG_BRIDGE) != 0)
    assert bridges.shape[0] > 0, "the demo network has bridges (the Danube bridges)"
    lon, lat = _segment_midpoints(net)
    seg = int(bridges[0])
    x, y = tile_of(float(lon[seg]), float(lat[seg]), 16)
    features = road_tile(net, 16, x, y)["features"]
    assert any(f["properties"].get("bridge") for f in features)
    not_bridges = sum(1 for f in features if not f["properties"].get("bridge"))
    assert not_bridges > 0
    x, y = tile_of(float(lon[seg]), float(lat[seg]), NAME_ZOOM - 1)
    assert all(
        "name" not in f["properties"] for f in road_tile(net, NAME_ZOOM - 1, x, y)["features"]
    )


def test_cache_returns_the_same_bytes_and_counts_hits(krems_network: Any) -> None:
    cache = TileCache(max_tiles=2)
    x, y = tile_of(15.6, 48.41, 14)
    first = cache.get("krems", krems_network, 14, x, y)
    assert cache.get("krems", krems_network, 14, x, y) is first
    assert (cache.hits, cache.misses) == (1, 1)
    cache.get("krems", krems_network, 14, x + 1, y)
    cache.get("krems", krems_network, 14, x, y + 1)  # evicts the first (least recently used)
    cache.get("krems", krems_network, 14, x, y)
    assert cache.misses == 4
