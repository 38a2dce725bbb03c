"""The field bounds of a hazard given by its values (``check_field_values``,
``values_need_confirmation``) judge as those of the Hazard the values make
(``check_field_report``, ``needs_confirmation``): the same pass or error, word for word, for
every kind, each geometry kind and radii below, at and beyond each kind's bound."""

from __future__ import annotations

import json
from typing import Any

import pytest
from shapely.geometry import LineString, MultiPolygon, Point, Polygon, mapping

from corridor.errors import HazardInputError
from corridor.hazards import (
    FIELD_MAX_RADIUS_M,
    Hazard,
    HazardKind,
    check_field_report,
    check_field_values,
    needs_confirmation,
    values_need_confirmation,
)

SQUARE = [(15.6, 48.4), (15.601, 48.4), (15.601, 48.401), (15.6, 48.401), (15.6, 48.4)]
GEOMETRIES = {
    "point": Point(15.61, 48.405),
    "point 3D": Point(15.61, 48.405, 200.0),
    "west": Point(-0.0, -33.9),
    "line": LineString([(15.6, 48.4), (15.603, 48.4012)]),
    "polygon with a hole": Polygon(SQUARE, [[(15.6002, 48.4002), (15.6004, 48.4002),
                                             (15.6004, 48.4004), (15.6002, 48.4002)]]),
    "multipolygon": MultiPolygon([Polygon(SQUARE),
                                  Polygon([(15.7, 48.5), (15.71, 48.5), (15.7, 48.51)])]),
}  # fmt: skip


def _radii(kind: HazardKind) -> list[float | None]:
    limit = FIELD_MAX_RADIUS_M.get(kind)
    return [None, 0.0] if limit is None else [None, 0.0, limit / 2, limit, limit + 0.01, 5e4]


def _outcome(check: Any, value: Any) -> Any:
    try:
        check(value)
    except (HazardInputError, KeyError) as exc:
        return type(exc).__name__, str(exc)
    return "ok"


@pytest.mark.parametrize("kind", list(HazardKind))
def test_field_bounds_of_values_are_the_hazards(kind: HazardKind) -> None:
    seen = set()
    for name, geometry in GEOMETRIES.items():
        for radius in _radii(kind):
            for closes in (None, True, False):
                hazard = Hazard(id=f"h-{name}", kind=kind, geometry=geometry, severity=0.5,
                                confidence=0.5, radius_m=radius, closes=closes)  # fmt: skip
                mapped = {"id": hazard.id, "kind": kind.value, "geometry": mapping(geometry),
                          "radius_m": radius, "closes": closes}  # fmt: skip
                as_json = {**mapped, "geometry": json.loads(json.dumps(mapping(geometry)))}
                want = _outcome(check_field_report, hazard)
                seen.add(want if want == "ok" else "error")
                for values in (mapped, as_json):
                    assert _outcome(check_field_values, values) == want, (name, radius)
                    assert values_need_confirmation(values) is needs_confirmation(hazard)
    # every kind a field team may report is both kept and refused by some case
    assert seen == ({"ok", "error"} if kind in FIELD_MAX_RADIUS_M else {"error"})
