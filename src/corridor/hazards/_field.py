"""Bounds on what a field team may report on its own authority.

A field team sees one place. Its report must not be able to shut a region: the footprint
(geometry extent plus radius) is capped per kind, and a report that would close roads is kept
*provisional* (it adds risk but closes nothing) until a coordinator confirms it. Coordinators
and imports are not bounded here: they answer for the whole picture.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any

from corridor.errors import HazardInputError
from corridor.hazards._kinds import KIND_DEFAULTS, HazardKind

if TYPE_CHECKING:
    # Only its type: a report given by its values (monitoring's incidents) is bounded without
    # building a Hazard, which imports shapely and numpy (issue 14, defect 10).
    from corridor.hazards._model import Hazard

#: The largest footprint radius (metres, geometry extent included) a field report may have,
#: per kind: a few times the kind's default radius (docs/risk-model.md), enough for what one
#: team can observe, never a region.
FIELD_MAX_RADIUS_M: dict[HazardKind, float] = {
    HazardKind.SHELLING: 1_000.0,
    HazardKind.AIRSTRIKE: 1_000.0,
    HazardKind.MISSILE: 1_000.0,
    HazardKind.MINES: 300.0,
    HazardKind.CHECKPOINT: 200.0,
    HazardKind.ROADBLOCK: 100.0,
    HazardKind.DESTROYED_BRIDGE: 200.0,
    HazardKind.DAMAGED_ROAD: 200.0,
    HazardKind.FRONT_LINE: 3_000.0,
    HazardKind.NO_GO_ZONE: 500.0,
    HazardKind.ACTIVE_FIGHTING: 2_000.0,
}

_M_PER_DEG_LAT = 110_574.0
_M_PER_DEG_LON_EQUATOR = 111_320.0


Bounds = tuple[float, float, float, float]  # min x, min y, max x, max y


def _footprint_m(bounds: Bounds, radius_m: float) -> float:
    minx, miny, maxx, maxy = bounds
    mid_lat = math.radians((miny + maxy) / 2)
    dx = (maxx - minx) * _M_PER_DEG_LON_EQUATOR * math.cos(mid_lat)
    dy = (maxy - miny) * _M_PER_DEG_LAT
    return math.hypot(dx, dy) / 2 + radius_m


def footprint_radius_m(hazard: Hazard) -> float:
    """Half the diagonal of the geometry's bounding box (equirectangular, in metres) plus the
    hazard's radius: a radius of a circle that holds the whole footprint."""
    return _footprint_m(hazard.geometry.bounds, hazard.effective_radius_m)


def _check_size(hazard_id: str, kind: HazardKind, size: float) -> None:
    limit = FIELD_MAX_RADIUS_M[kind]
    if size > limit:
        raise HazardInputError(
            f"a field report of {kind.value} may cover at most {limit:g} m around its "
            f"geometry; this one covers {size:,.0f} m",
            item=f"hazard {hazard_id!r}",
            field="radius_m",
            hint="report what the team sees; a coordinator can widen it",
        )


def check_field_report(hazard: Hazard) -> None:
    """HazardInputError when a field report is larger than one team can observe."""
    _check_size(hazard.id, hazard.kind, footprint_radius_m(hazard))


def needs_confirmation(hazard: Hazard) -> bool:
    """A field report that would close roads waits for a coordinator before it does."""
    return hazard.effective_closes


# ---- the same, of a hazard's values (no shapely) ----------------------------------------------


def _xy(coordinates: Any) -> Iterator[tuple[float, float]]:
    if coordinates and not isinstance(coordinates[0], (list, tuple)):
        yield coordinates[0], coordinates[1]
        return
    for part in coordinates:
        yield from _xy(part)


def _bounds(geometry: Mapping[str, Any]) -> Bounds:
    """The bounding box of a plain GeoJSON geometry's positions (shapely's ``bounds`` for the
    geometries :func:`corridor.hazards.plain_geometry` gives: its envelope is its vertices')."""
    xs, ys = zip(*_xy(geometry["coordinates"]), strict=True)
    return min(xs), min(ys), max(xs), max(ys)


def check_field_values(values: Mapping[str, Any]) -> None:
    """:func:`check_field_report` of the Hazard that ``values`` (a hazard's values as
    :func:`corridor.hazards.feature_of` takes them, geometry as ``plain_geometry`` or
    ``mapping`` gives it) make: the same bound and the same error, without building it."""
    kind = HazardKind(values["kind"])
    radius = values["radius_m"]
    radius_m = KIND_DEFAULTS[kind].radius_m if radius is None else radius
    _check_size(values["id"], kind, _footprint_m(_bounds(values["geometry"]), radius_m))


def values_need_confirmation(values: Mapping[str, Any]) -> bool:
    """:func:`needs_confirmation` of the Hazard that ``values`` make (see
    :func:`check_field_values`): whether it would close roads."""
    closes = values["closes"]
    return bool(KIND_DEFAULTS[HazardKind(values["kind"])].closes if closes is None else closes)
