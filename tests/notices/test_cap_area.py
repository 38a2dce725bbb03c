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
    """The ring is kept in the cache folder (drawing it imports shapely and NumPy, a tenth of
    a second of start-up); a damaged or unusable cache costs the drawing, never a wrong ring."""
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
