"""Road tiles: tile geometry against hand calculation, and tiles of the real Krems network."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest

from corridor.errors import InputError
from corridor.network import FLAG_BRIDGE, HIGHWAY_CLASSES
from corridor.web import NAME_ZOOM, TileCache, TileIndex, classes_at, road_tile, tile_bounds


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


def by_class(features: list[dict[str, Any]]) -> dict[str, Any]:
    """The tile's lines of each road class, as one shapely geometry per class."""
    import shapely

    parts: dict[str, list[Any]] = {}
    for f in features:
        if "label" in f["properties"]:
            continue
        assert f["geometry"]["type"] == "MultiLineString"
        for line in f["geometry"]["coordinates"]:
            assert len(line) >= 2
            parts.setdefault(f["properties"]["highway"], []).append(shapely.LineString(line))
    return {c: shapely.MultiLineString(ls) for c, ls in parts.items()}


def segment_line(net: Any, seg: int) -> Any:
    import shapely

    a, b = int(net.seg_offsets[seg]), int(net.seg_offsets[seg + 1])
    return shapely.LineString(
        np.column_stack((net.arrays["seg_lon"][a:b], net.arrays["seg_lat"][a:b]))
    )


def segment_class(net: Any, seg: int) -> str:
    return HIGHWAY_CLASSES[int(net.edge_highway[net.segment_edges[seg]])]


def test_every_road_appears_in_the_tile_under_its_midpoint_at_street_zoom(
    krems_network: Any,
) -> None:
    import shapely

    net = krems_network
    z = 15
    lon, lat = _segment_midpoints(net)
    tiles: dict[tuple[int, int], list[int]] = {}
    for seg, (a, b) in enumerate(zip(lon.tolist(), lat.tolist(), strict=True)):
        tiles.setdefault(tile_of(a, b, z), []).append(seg)
    for (x, y), segs in tiles.items():
        features = road_tile(net, z, x, y)["features"]
        w, _, e, _ = tile_bounds(z, x, y)
        pixel = (e - w) / 256
        lines = by_class(features)
        for seg in segs:  # the whole road is drawn, within a pixel, in its own class
            drawn = lines[segment_class(net, seg)]
            for point in shapely.points(shapely.get_coordinates(segment_line(net, seg))):
                assert shapely.distance(point, drawn) <= pixel, (x, y, seg)


def _name_of(net: Any, seg: int) -> str | None:
    i = int(net.arrays["edge_name"][net.segment_edges[seg]])
    return net.strings[i] if i >= 0 else None


@pytest.mark.parametrize("z", [NAME_ZOOM, 17])
def test_each_name_is_labelled_once_per_place_inside_one_tile_and_on_its_road(
    krems_network: Any, z: int
) -> None:
    """Labels are Point features anchored on their road, each in exactly one tile (so the
    client draws it whole, not cut at a tile edge, and not twice), and every named road has
    one at least."""
    import shapely

    net = krems_network
    x0, y0 = tile_of(float(net.node_lon.min()), float(net.node_lat.max()), z)
    x1, y1 = tile_of(float(net.node_lon.max()), float(net.node_lat.min()), z)
    tiles = [(x, y) for x in range(x0, x1 + 1) for y in range(y0, y1 + 1)]
    index = TileIndex(net)
    seen: list[tuple[str, float, float]] = []
    for x, y in tiles:
        w, s, e, n = tile_bounds(z, x, y)
        for f in road_tile(net, z, x, y, index)["features"]:
            if "label" not in f["properties"]:
                assert "name" not in f["properties"]  # names travel as labels only
                continue
            assert f["geometry"]["type"] == "Point"
            a, b = f["geometry"]["coordinates"]
            assert w <= a < e and s < b <= n, (x, y, f)  # inside its own tile
            seen.append((f["properties"]["label"], a, b))
    assert len(seen) == len(set(seen)), "a label sent by two tiles"
    named: dict[str, list[int]] = {}
    for seg in range(net.n_segments):
        name = _name_of(net, seg)
        if name is not None:
            named.setdefault(name, []).append(seg)
    assert {name for name, _, _ in seen} == set(named)
    pixel = 360 / 256 / 2**z
    roads = {n: shapely.MultiLineString([segment_line(net, s) for s in segs])
             for n, segs in named.items()}  # fmt: skip
    for name, a, b in seen:
        assert shapely.distance(shapely.Point(a, b), roads[name]) <= pixel, name
    # A long street gets more than one label at the higher zoom.
    per_name = {name: sum(1 for n, _, _ in seen if n == name) for name in named}
    assert max(per_name.values()) > 1


def test_low_zoom_keeps_major_roads_only_and_simplifies(krems_network: Any) -> None:
    import shapely

    net = krems_network
    x, y = tile_of(15.6, 48.41, 10)
    low = road_tile(net, 10, x, y)["features"]
    classes = {f["properties"]["highway"] for f in low}
    assert classes, "Krems has primary roads, which zoom 10 draws"
    wanted = classes_at(10)
    assert wanted is not None and classes <= wanted
    assert "residential" not in classes and all("name" not in f["properties"] for f in low)
    w, s, e, n = tile_bounds(10, x, y)
    pixel = max(e - w, n - s) / 256
    lines = by_class(low)
    major = [seg for seg in range(net.n_segments) if segment_class(net, seg) in wanted]
    originals: dict[str, list[Any]] = {}
    vertices = 0
    for seg in major:  # every major road is drawn within a pixel (the network fits the tile)
        line = segment_line(net, seg)
        vertices += len(line.coords)
        originals.setdefault(segment_class(net, seg), []).append(line)
        drawn = lines[segment_class(net, seg)]
        for point in shapely.points(shapely.get_coordinates(line)):
            assert shapely.distance(point, drawn) <= pixel, seg
    # ... and nothing is drawn more than a pixel away from a road of its class.
    for cls, drawn in lines.items():
        roads = shapely.MultiLineString(originals[cls])
        for point in shapely.points(shapely.get_coordinates(drawn)):
            assert shapely.distance(point, roads) <= pixel, cls
    drawn_vertices = sum(len(g.coords) for m in lines.values() for g in m.geoms)
    assert drawn_vertices < vertices / 2  # simplified and snapped
    # Roads are joined into strokes across their nodes: far fewer lines than segments.
    drawn_lines = sum(len(m.geoms) for m in lines.values())
    assert drawn_lines < len(major) / 2, (drawn_lines, len(major))


def test_bridges_are_marked_and_names_appear_from_name_zoom(krems_network: Any) -> None:
    net = krems_network
    flags = net.edge_flags[net.segment_edges]
    bridges = np.flatnonzero((flags & FLAG_BRIDGE) != 0)
    assert bridges.shape[0] > 0, "the demo network has bridges (the Danube bridges)"
    lon, lat = _segment_midpoints(net)
    seg = int(bridges[0])
    x, y = tile_of(float(lon[seg]), float(lat[seg]), 16)
    features = road_tile(net, 16, x, y)["features"]
    bridges_drawn = [f for f in features if f["properties"].get("bridge")]
    assert bridges_drawn and len(bridges_drawn) < len(features)
    bridge_lines = by_class(bridges_drawn)[segment_class(net, seg)]
    import shapely

    assert shapely.distance(segment_line(net, seg).centroid, bridge_lines) < 1e-5
    x, y = tile_of(float(lon[seg]), float(lat[seg]), NAME_ZOOM - 1)
    below = road_tile(net, NAME_ZOOM - 1, x, y)["features"]
    assert below and all(f["geometry"]["type"] == "MultiLineString" for f in below)
    assert all("label" not in f["properties"] for f in below)


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


def test_segment_grid_answers_exactly_as_the_full_scan(krems_network: Any) -> None:
    """The grid index against ``segments_in_bbox`` (a brute-force scan) on random boxes."""
    from corridor.network import segments_in_bbox
    from corridor.web import SegmentGrid

    net = krems_network
    grid = SegmentGrid(net, cell_deg=0.005)
    w, s = float(net.node_lon.min()), float(net.node_lat.min())
    e, n = float(net.node_lon.max()), float(net.node_lat.max())
    rng = np.random.default_rng(12)
    sizes = [0.0005, 0.002, 0.01, 0.05, 0.5]
    nonempty = 0
    for i in range(300):
        size = sizes[i % len(sizes)]
        lon = rng.uniform(w - 0.02, e + 0.02)
        lat = rng.uniform(s - 0.02, n + 0.02)
        box = (lon, lat, lon + size, lat + size * 0.7)
        want = segments_in_bbox(net, *box)
        got = grid.query(*box)
        assert got.tolist() == want.tolist(), box
        nonempty += bool(want.shape[0])
    assert nonempty > 60  # many boxes hit roads
    # Boxes touching segments exactly on their bounds (the inclusive edges).
    for seg in rng.choice(net.n_segments, 100, replace=False).tolist():
        line = segment_line(net, seg)
        lo_lon, lo_lat, hi_lon, hi_lat = line.bounds
        for box in ((hi_lon, hi_lat, hi_lon + 0.01, hi_lat + 0.01), (lo_lon - 0.01, lo_lat - 0.01,
                                                                     lo_lon, lo_lat)):  # fmt: skip
            got = grid.query(*box)
            assert got.tolist() == segments_in_bbox(net, *box).tolist()
            assert seg in got.tolist()


def _crossing_osm(path: Any) -> Any:
    """A '+' of two primary roads through one node C, and a residential stub off C's east arm
    (so that C has four primary ends and the east arm's middle node E1 three ends in all)."""
    nodes = {
        1: (15.61, 48.385), 2: (15.62, 48.385), 3: (15.63, 48.385), 6: (15.64, 48.385),  # W C E1 E2
        4: (15.62, 48.375), 5: (15.62, 48.395),  # S N
        7: (15.63, 48.395),  # the stub's end, north of E1
    }  # fmt: skip
    ways = {10: ([1, 2, 3, 6], "primary"), 11: ([4, 2, 5], "primary"), 12: ([3, 7], "residential")}
    xml = ['<?xml version="1.0" encoding="UTF-8"?>', '<osm version="0.6" generator="test">']
    xml += [f'<node id="{i}" version="1" lat="{lat}" lon="{lon}"/>'
            for i, (lon, lat) in nodes.items()]  # fmt: skip
    for wid, (refs, cls) in ways.items():
        xml.append(f'<way id="{wid}" version="1">')
        xml += [f'<nd ref="{r}"/>' for r in refs]
        xml += [f'<tag k="highway" v="{cls}"/>', "</way>"]
    xml.append("</osm>")
    path.write_text("\n".join(xml))
    return path


def test_roads_continue_straight_through_a_crossing_at_low_zoom(tmp_path: Any) -> None:
    """Hand-built '+' crossing: the pyramid draws two straight primary lines (west-east and
    south-north), not four arms or two bent ones; the stub is another class and stays apart."""
    from corridor.network import import_osm

    net = import_osm(_crossing_osm(tmp_path / "cross.osm"))
    assert net.n_segments == 6  # the ways split at C and at E1 (where the stub starts)
    z = 13  # every class drawn, still cut from the pyramid
    x, y = tile_of(15.625, 48.385, z)  # the tile holds the whole '+'
    lines = by_class(road_tile(net, z, x, y)["features"])
    assert set(lines) == {"primary", "residential"}
    w, s, e, n = tile_bounds(z, x, y)
    pixel = max(e - w, n - s) / 256
    drawn = sorted(
        (tuple(np.round(g.coords[0], 3)), tuple(np.round(g.coords[-1], 3)))
        for g in lines["primary"].geoms
    )
    ends = sorted(tuple(sorted(pair)) for pair in drawn)
    assert ends == [((15.61, 48.385), (15.64, 48.385)), ((15.62, 48.375), (15.62, 48.395))]
    for g in lines["primary"].geoms:  # straight: every point on the line between its ends
        import shapely

        chord = shapely.LineString([g.coords[0], g.coords[-1]])
        assert all(chord.distance(shapely.Point(p)) <= pixel for p in g.coords)


def test_a_pyramid_build_in_progress_holds_up_no_built_zoom_and_no_street_tile(
    krems_network: Any,
) -> None:
    """While one thread joins a class band (here: the pyramid's lock held by the test),
    tiles of zooms already built and street-zoom tiles are still cut."""
    import threading

    index = TileIndex(krems_network)
    x, y = tile_of(15.6, 48.41, 10)
    built = road_tile(krems_network, 10, x, y, index)
    answers: dict[str, Any] = {}

    def cut() -> None:
        answers["built"] = road_tile(krems_network, 10, x, y, index)
        sx, sy = tile_of(15.6, 48.41, 16)
        answers["street"] = road_tile(krems_network, 16, sx, sy, index)

    with index._pyramid_lock:  # a band being built elsewhere
        worker = threading.Thread(target=cut, daemon=True)
        worker.start()
        worker.join(30)
        stuck = worker.is_alive()
    worker.join(30)
    assert not stuck, "a built zoom or a street tile waited for the pyramid's build"
    assert answers["built"] == built and answers["street"]["features"]
