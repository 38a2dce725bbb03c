"""A hazard's values without shapely (``corridor.hazards._values``) against shapely itself.

The oracle is shapely: wherever ``plain_geometry`` answers, its answer must be exactly
``mapping(shape(g))`` (same types, same tuples and lists, same floats); where it cannot tell,
it must say so (None), so that the caller builds the geometry as before. The value checks are
held to the errors a Hazard raises.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st
from shapely.geometry import mapping, shape

from corridor.errors import HazardInputError
from corridor.hazards import Hazard, check_values, feature_of, hazards_to_geojson, plain_geometry

SQUARE = [[0, 0], [4, 0], [4, 4], [0, 4], [0, 0]]
HOLE = [[1, 1], [2, 1], [2, 2], [1, 1]]

#: Geometries plain_geometry reads: each must come out as shapely maps it.
READ = [
    {"type": "Point", "coordinates": [15.61, 48.41]},
    {"type": "Point", "coordinates": [15, 48]},
    {"type": "Point", "coordinates": [15.61, 48.41, 210]},
    {"type": "Point", "coordinates": [-0.0, 1e-300]},
    {"type": "LineString", "coordinates": [[15.6, 48.4], [15.62, 48.401]]},
    {"type": "LineString", "coordinates": [[0, 0], [0, 0]]},  # degenerate but buildable
    {"type": "LineString", "coordinates": [[0, 0, 1], [1, 1, 2], [2, 0, 3.5]]},
    {"type": "Polygon", "coordinates": [SQUARE]},
    {"type": "Polygon", "coordinates": [SQUARE, HOLE]},
    {"type": "Polygon", "coordinates": [[[0, 0, 1], [1, 0, 1], [1, 1, 1], [0, 0, 1]]]},
    {"type": "MultiPolygon", "coordinates": [[SQUARE, HOLE], [[[5, 5], [6, 5], [6, 6], [5, 5]]]]},
    {"type": "Point", "coordinates": [1, 2], "bbox": [1, 2, 1, 2]},  # extra members dropped
]

#: Geometries it leaves to shapely (building them may work, fail, or give something else).
LEFT = [
    None, [], "Point", {"type": "Point"}, {"coordinates": [1, 2]},
    {"type": "point", "coordinates": [1, 2]},  # shapely takes any case
    {"type": "Feature", "geometry": {"type": "Point", "coordinates": [1, 2]}},
    {"type": "MultiPoint", "coordinates": [[1, 2]]},
    {"type": "GeometryCollection", "geometries": []},
    {"type": "Point", "coordinates": []},  # empty
    {"type": "Point", "coordinates": [1]},
    {"type": "Point", "coordinates": [1, 2, 3, 4]},
    {"type": "Point", "coordinates": [True, 2]},
    {"type": "Point", "coordinates": ["1", 2]},
    {"type": "Point", "coordinates": [math.nan, 2]},
    {"type": "Point", "coordinates": [math.inf, 2]},
    {"type": "Point", "coordinates": [2**60, 2]},
    {"type": "Point", "coordinates": (1, 2)},
    {"type": "LineString", "coordinates": [[1, 2]]},
    {"type": "LineString", "coordinates": [[0, 0], [1, 1, 1]]},  # mixed 2D and 3D
    {"type": "Polygon", "coordinates": []},
    {"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [1, 1], [0, 1]]]},  # open: shapely
    {"type": "Polygon", "coordinates": [SQUARE, [[1, 1], [2, 1], [2, 2], [1, 2]]]},  # closes it
    {"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [0, 0]]]},  # too short
    {"type": "Polygon", "coordinates": [SQUARE, []]},
    {"type": "Polygon", "coordinates": [SQUARE, [[1, 1, 0], [2, 1, 0], [2, 2, 0], [1, 1, 0]]]},
    {"type": "MultiPolygon", "coordinates": []},
    {"type": "MultiPolygon", "coordinates": [[]]},
]  # fmt: skip


@pytest.mark.parametrize("geometry", READ, ids=lambda g: str(g["type"]))
def test_what_it_reads_is_what_shapely_maps(geometry: dict[str, Any]) -> None:
    got = plain_geometry(geometry)
    assert got is not None
    want = mapping(shape(geometry))
    assert got == want
    assert [type(x) for x in _leaves(got)] == [type(x) for x in _leaves(want)]
    assert repr(got) == repr(want)  # tuples where shapely gives tuples, -0.0 kept


@pytest.mark.parametrize("geometry", LEFT, ids=repr)
def test_anything_unusual_is_left_to_shapely(geometry: Any) -> None:
    assert plain_geometry(geometry) is None


def _leaves(value: Any) -> list[Any]:
    if isinstance(value, dict):
        return [x for v in value.values() for x in _leaves(v)]
    if isinstance(value, list | tuple):
        return [type(value), *(x for v in value for x in _leaves(v))]
    return [value]


numbers = st.one_of(
    st.integers(-(2**60), 2**60),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([0, 1, -0.0, 0.5]),
    st.booleans(),
    st.text(max_size=2),
)
positions = st.one_of(
    st.lists(numbers, min_size=0, max_size=4),
    st.lists(st.sampled_from([0.0, 1.0, 2.0]), min_size=2, max_size=2),
    st.lists(st.sampled_from([0.0, 1.0, 2.0]), min_size=2, max_size=2),
    st.lists(st.sampled_from([0.0, 1.0, 2.0]), min_size=3, max_size=3),
)
lines = st.lists(positions, max_size=6)
closed = lines.map(lambda ring: [*ring, ring[0]] if ring else ring)
polygons = st.lists(st.one_of(lines, closed), max_size=3)
geometries = st.one_of(
    st.builds(lambda p: {"type": "Point", "coordinates": p}, positions),
    st.builds(lambda c: {"type": "LineString", "coordinates": c}, lines),
    st.builds(lambda c: {"type": "Polygon", "coordinates": c}, polygons),
    st.builds(lambda c: {"type": "MultiPolygon", "coordinates": c}, st.lists(polygons, max_size=3)),
)


@settings(max_examples=600, deadline=None)
@given(geometries)
def test_whenever_it_answers_shapely_agrees(geometry: dict[str, Any]) -> None:
    got = plain_geometry(geometry)
    if got is None:
        return
    built = shape(geometry)
    assert not built.is_empty and built.geom_type == geometry["type"]
    assert repr(got) == repr(mapping(built))


VALUES: dict[str, Any] = {
    "severity": 0.5, "confidence": 0.5, "observed_at": None, "valid_from": None,
    "valid_until": None, "radius_m": None, "half_life_h": None,
}  # fmt: skip
T0 = datetime(2022, 3, 8, 8, tzinfo=UTC)
CASES: list[dict[str, Any]] = [
    {},
    {"severity": 1.5},
    {"severity": math.nan, "confidence": -1},
    {"confidence": 1.01},
    {"observed_at": datetime(2022, 3, 8)},  # naive
    {"valid_from": T0, "valid_until": T0},
    {"valid_from": T0.astimezone(timezone(timedelta(hours=5))), "valid_until": T0},
    {"valid_from": T0, "valid_until": T0 + timedelta(seconds=1)},
    {"radius_m": -1.0},
    {"radius_m": math.inf, "half_life_h": 0.0},
    {"half_life_h": -2.0},
    {"half_life_h": math.inf, "observed_at": T0.astimezone(timezone(timedelta(hours=-3)))},
]  # fmt: skip


def _outcome(fn: Any) -> Any:
    try:
        return fn()
    except HazardInputError as exc:
        return ("error", str(exc), exc.field, exc.item)


@pytest.mark.parametrize("change", CASES, ids=repr)
def test_the_checks_are_the_hazards(change: dict[str, Any]) -> None:
    values = {**VALUES, **change}

    def build() -> Any:
        h = Hazard(id="h", kind="shelling", geometry=shapely.Point(1, 2), **values)
        return h.observed_at, h.valid_from, h.valid_until

    want = _outcome(build)
    assert _outcome(lambda: check_values("hazard 'h'", **values)) == want
    if not isinstance(want, tuple) or want[:1] != ("error",):
        assert all(t is None or t.tzinfo is UTC for t in want)


def test_the_feature_is_the_one_a_file_gets() -> None:
    h = Hazard(id="h", kind="mines", geometry=shapely.Point(1, 2), severity=0.3, confidence=0.4,
               valid_from=T0, notes="n", source_links=("https://x",), half_life_h=3.0,
               extra={"suspect": "null_island", "id": "not this"})  # fmt: skip
    got = feature_of(
        id=h.id, kind="mines", geometry=mapping(h.geometry), severity=0.3, confidence=0.4,
        observed_at=None, valid_from=T0, valid_until=None, source="", notes="n",
        source_links=["https://x"], radius_m=None, closes=None, half_life_h=3.0,
        extra=h.extra,
    )  # fmt: skip
    assert got == hazards_to_geojson([h])["features"][0]
    assert got["properties"]["radius_m"] == 50.0 and got["properties"]["id"] == "h"
