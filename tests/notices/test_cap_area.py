"""The CAP area (the route buffered by 300 m) against an independent buffer drawn in UTM.

The notice draws the buffer on a plane tangent at the route's middle, without pyproj. The
oracle is the buffer of the same route in its UTM zone through pyproj, as the notice drew it
before: the two polygons must cover nearly the same ground (symmetric difference under 1% of
the area), and the ring must hold the route. A buffer of the wrong size (metres taken for
degrees, a forgotten cos(latitude)) differs by far more than that.
"""

from __future__ import annotations

from typing import Any

import pytest

from corridor.notices._cap import AREA_BUFFER_M, area_polygon


def _ring(text: str) -> list[tuple[float, float]]:
    """CAP's "lat,lon ..." back to (lon, lat)."""
    out = []
    for pair in text.split():
        lat, lon = pair.split(",")
        out.append((float(lon), float(lat)))
    return out


def _utm_buffer(coords: list[list[float]], buffer_m: float) -> Any:
    from pyproj import Transformer
    from shapely.geometry import LineString

    zone = int((coords[0][0] + 180) // 6) + 1
    epsg = (32600 if coords[0][1] >= 0 else 32700) + zone
    fwd = Transformer.from_crs(4326, epsg, always_xy=True)
    xs, ys = fwd.transform([c[0] for c in coords], [c[1] for c in coords])
    line = LineString(list(zip(xs, ys, strict=True)))
    return line.buffer(buffer_m, quad_segs=4).simplify(buffer_m / 10), fwd


@pytest.mark.parametrize("buffer_m", [AREA_BUFFER_M, 1000.0])
def test_cap_area_is_the_route_buffered_in_metres(demo_facts: Any, buffer_m: float) -> None:
    import numpy as np
    import shapely
    from shapely.geometry import LineString, Polygon

    coords = demo_facts.terms.route.geometry.coordinates
    ring = _ring(area_polygon(demo_facts, buffer_m))
    assert ring[0] == ring[-1] and len(ring) >= 4
    oracle, fwd = _utm_buffer(coords, buffer_m)

    def to_utm(points: Any) -> Any:
        return np.column_stack(fwd.transform(points[:, 0], points[:, 1]))

    ours = shapely.transform(Polygon(ring), to_utm)
    assert ours.is_valid
    route = shapely.transform(LineString(coords), to_utm)
    assert ours.contains(route)
    assert ours.symmetric_difference(oracle).area < 0.01 * oracle.area
    assert abs(ours.area - oracle.area) < 0.01 * oracle.area


def test_the_area_is_drawn_once_per_route_and_kept(
    demo_facts: Any, tmp_path: Any, monkeypatch: Any
) -> None:
    """The ring is kept in the cache folder (drawn in pure Python now, but in milliseconds to
    tenths of a second with the route's length); a damaged or unusable cache costs the
    drawing, never a wrong ring."""
    from corridor.notices import _cap

    drawn: list[float] = []
    draw = _cap._draw_area

    def counted(coords: Any, buffer_m: float) -> str:
        drawn.append(buffer_m)
        return draw(coords, buffer_m)

    monkeypatch.setattr(_cap, "_draw_area", counted)
    monkeypatch.setenv("CORRIDOR_CACHE_DIR", str(tmp_path / "cache"))
    first = area_polygon(demo_facts)
    assert area_polygon(demo_facts) == first and drawn == [AREA_BUFFER_M]
    assert area_polygon(demo_facts, 1000.0) != first and drawn == [AREA_BUFFER_M, 1000.0]
    (kept,) = [p for p in (tmp_path / "cache" / "cap-areas").iterdir() if p.read_text() == first]
    kept.write_text("48.0,15.0 <script>")
    assert area_polygon(demo_facts) == first and len(drawn) == 3
    monkeypatch.setenv("CORRIDOR_CACHE_DIR", str(kept))  # a file: no cache folder to be had
    assert area_polygon(demo_facts) == first and len(drawn) == 4


def _walk(n: int, seed: int, turn: float, steps: tuple[float, float]) -> list[tuple[float, float]]:
    """A wandering line in metres: headings drift by ``turn`` radians (sd) a step."""
    import math
    import random

    rng = random.Random(seed)
    x = y = heading = 0.0
    out = [(x, y)]
    for _ in range(n):
        heading += rng.gauss(0, turn)
        step = rng.uniform(*steps)
        x, y = x + step * math.cos(heading), y + step * math.sin(heading)
        out.append((x, y))
    return out


LINES = {
    "straight": [(0.0, 0.0), (1000.0, 0.0)],
    "a point": [(5.0, 5.0), (5.0, 5.0)],
    "right angle": [(0.0, 0.0), (1000.0, 0.0), (1000.0, 1000.0)],
    "hairpin": [(0.0, 0.0), (1000.0, 0.0), (0.0, 10.0)],
    "back on itself": [(0.0, 0.0), (1000.0, 0.0), (0.0, 0.0)],
    "crossing itself": [(0.0, 0.0), (1000.0, 0.0), (1000.0, 1000.0), (500.0, -500.0)],
    "a loop with a hole": [(0.0, 0.0), (2000.0, 0.0), (2000.0, 2000.0), (0.0, 2000.0), (0, 100)],
    "zigzag": [(0.0, 0.0), (2000.0, 0.0), (2000.0, 700.0), (0.0, 700.0), (0.0, 1400.0)],
    "collinear points": [(0.0, 0.0), (300.0, 0.0), (600.0, 0.0), (600.0, 0.0), (900.0, 0.0)],
    "a road": _walk(400, 1, 0.08, (8.0, 40.0)),
    "a wandering walk": _walk(300, 2, 0.6, (5.0, 200.0)),
}


@pytest.mark.parametrize("distance", [300.0, 1000.0])
@pytest.mark.parametrize("name", list(LINES))
def test_the_pure_python_buffer_is_geos_buffer(name: str, distance: float) -> None:
    """The outline drawn without shapely is the outer ring of GEOS's buffer (round caps and
    joins, 4 segments a quarter circle), whatever the line does (bends back, crosses itself,
    encloses a hole, repeats a point): the same ground to a thousandth, no point more than a
    fiftieth of the buffer away (GEOS first drops vertices of the line within a hundredth of
    the buffer, where the bend does not show; on the demo route and on a smooth one the two
    agree to a metre). Simplified by a tenth of the buffer it is a simple ring that holds the
    line and strays from GEOS's outline by at most a tenth."""
    from shapely.geometry import LineString, Point, Polygon

    from corridor.notices._buffer import buffer_outline, simplify_ring

    line = LINES[name]
    shape = LineString(line) if len(set(line)) > 1 else Point(line[0])
    geos = Polygon(shape.buffer(distance, quad_segs=4).exterior)
    outline = buffer_outline(line, distance, quad_segs=4)
    assert outline[0] == outline[-1]
    ours = Polygon(outline)
    assert ours.is_valid and not ours.exterior.is_ccw  # clockwise, as GEOS's shells
    assert ours.symmetric_difference(geos).area < 1e-3 * geos.area
    assert ours.hausdorff_distance(geos) <= distance / 50
    simple = simplify_ring(outline, distance / 10)
    area = Polygon(simple)
    assert simple[0] == simple[-1] and len(simple) >= 4 and len(simple) <= len(outline)
    assert area.is_valid and area.contains(shape)
    assert area.hausdorff_distance(geos) <= distance / 10 + 1e-6
    assert area.symmetric_difference(geos).area < distance / 10 * geos.length


def test_drawing_the_area_imports_no_geometry_library(demo_facts: Any, tmp_path: Any) -> None:
    """The first notice of a route draws its area without shapely, NumPy or pyproj (their
    import was two thirds of that notice's start-up; issue 14, defect 10)."""
    import json
    import subprocess
    import sys

    coords = json.dumps(demo_facts.terms.route.geometry.coordinates)
    probe = (
        "import json, sys\n"
        "from corridor.notices._cap import _draw_area\n"
        f"ring = _draw_area(json.loads({coords!r}), 300.0)\n"
        "assert ring.count(' ') >= 3, ring\n"
        "print(sorted(m for m in ('shapely', 'numpy', 'pyproj') if m in sys.modules))\n"
    )
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]", out.stdout


def _awkward(seed: int) -> list[tuple[float, float]]:
    """A line that goes out of its way to meet itself: corners of a coarse grid (offsets that
    coincide, arcs drawn twice), moves along grid lines that turn back, or sharp wandering."""
    import math
    import random

    rng = random.Random(seed)
    kind, n = seed % 3, rng.choice([3, 5, 8, 20, 40])
    out, x, y, heading = [], 0.0, 0.0, 0.0
    for _ in range(n):
        if kind == 0:
            x, y = rng.randint(-3, 3) * 200.0, rng.randint(-3, 3) * 200.0
        elif kind == 1:
            dx, dy = rng.choice([(1, 0), (-1, 0), (0, 1), (0, -1)])
            step = rng.choice([0, 100, 250, 600])
            x, y = x + dx * step, y + dy * step
        else:
            heading += rng.gauss(0, 2.0)
            step = rng.uniform(0.5, 400)
            x, y = x + step * math.cos(heading), y + step * math.sin(heading)
        out.append((x, y))
    return out if len(set(out)) > 1 else [(0.0, 0.0), (1.0, 0.0)]


@pytest.mark.parametrize("seed", range(45))
def test_an_awkward_line_gets_a_true_outline_or_an_error(seed: int) -> None:
    """Whatever the line, the pure-Python outline is right or refused (OutlineError, and the
    notice draws that buffer with shapely): never a ring that strays inside the buffer or
    outside it. Right: a valid ring, every corner at the buffer distance from the line (or
    a chord's corner), inside the true buffer and holding GEOS's but where GEOS's chords
    cut an arc at other angles than ours (at most a chord's depth apart)."""
    import math

    from shapely.geometry import LineString, Point, Polygon

    from corridor.notices._buffer import OutlineError, buffer_outline

    line, distance = _awkward(seed), [50.0, 300.0, 1000.0][seed % 3]
    try:
        outline = buffer_outline(line, distance, quad_segs=4)
    except OutlineError:
        return
    shape = LineString(line)
    ours = Polygon(outline)
    assert ours.is_valid and ours.contains(shape)
    low = distance * math.cos(0.75 * math.pi / 8) - 1e-6
    assert all(low <= shape.distance(Point(p)) <= distance + 1e-6 for p in outline)
    geos = Polygon(shape.buffer(distance, quad_segs=4).exterior)
    assert ours.buffer(distance - low).contains(geos)  # chords may cut an arc elsewhere
    assert ours.within(Polygon(shape.buffer(distance * 1.001, quad_segs=32).exterior))


def test_a_line_the_drawing_refuses_is_drawn_by_shapely(demo_facts: Any, monkeypatch: Any) -> None:
    """An OutlineError (a wrong outline refused, or one that would take longer than GEOS) costs
    the shapely import, never the notice."""
    from shapely.geometry import LineString, Polygon

    from corridor.notices import _buffer, _cap
    from corridor.notices._buffer import OutlineError

    awkward = [(600.0, 0.0), (200.0, -200.0), (200.0, -400.0), (200.0, 400.0), (-400.0, 600.0),
               (0.0, 400.0), (600.0, -600.0)]  # fmt: skip
    with pytest.raises(OutlineError, match=r"did not close|not a simple ring|lies"):
        _buffer.buffer_outline(awkward, 1000.0)
    # A long winding route with a wide buffer: GEOS draws it sooner than this would.
    with pytest.raises(OutlineError, match="faster drawn by GEOS"):
        _buffer.buffer_outline(_walk(3000, 3, 0.08, (8.0, 40.0)), 1000.0)

    def refuse(*_args: Any, **_kw: Any) -> Any:
        raise OutlineError("refused")

    monkeypatch.setattr(_buffer, "buffer_outline", refuse)
    coords = demo_facts.terms.route.geometry.coordinates
    ring = _ring(_cap._draw_area(coords, AREA_BUFFER_M))
    area = Polygon(ring)
    assert ring[0] == ring[-1] and area.is_valid and area.contains(LineString(coords))


def test_one_long_edge_does_not_make_the_outline_check_quadratic(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A winding road with one long straight stretch: the simplicity check filed every edge in
    cells as wide as the longest one, so it tested nearly every pair (4.7 million crossings,
    seconds, where GEOS takes 0.06 s); a grid with more pairs than drawing by GEOS costs is
    refused like the offsets' grid, and its edges are not tested at all."""
    from corridor.notices import _buffer
    from corridor.notices._buffer import MAX_PAIRS, OutlineError

    tested = 0
    crossing = _buffer._crossing

    def counted(*args: Any) -> Any:
        nonlocal tested
        tested += 1
        return crossing(*args)

    monkeypatch.setattr(_buffer, "_crossing", counted)
    road = _walk(1200, 3, 0.08, (8.0, 40.0))
    road.append((road[-1][0] + 60_000.0, road[-1][1]))
    try:
        outline = _buffer.buffer_outline(road, AREA_BUFFER_M)
    except OutlineError as exc:
        assert "faster drawn by GEOS" in str(exc)
    else:
        assert outline[0] == outline[-1]
    assert tested <= 2 * MAX_PAIRS, tested
