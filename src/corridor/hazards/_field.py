"""Bounds on what a field team may report on its own authority.

A field team sees one place. Its report must not be able to shut a region: the footprint
(geometry extent plus radius) is capped per kind, and a report that would close roads is kept
*provisional* (it adds risk but closes nothing) until a coordinator confirms it. Coordinators
and imports are not bounded here: they answer for the whole picture.
"""

from __future__ import annotations

import math

from corridor.errors import HazardInputError
from corridor.hazards._kinds import HazardKind
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


def footprint_radius_m(hazard: Hazard) -> float:
    """Half the diagonal of the geometry's bounding box (equirectangular, in metres) plus the
    hazard's radius: a radius of a circle that holds the whole footprint."""
    minx, miny, maxx, maxy = hazard.geometry.bounds
    mid_lat = math.radians((miny + maxy) / 2)
    dx = (maxx - minx) * _M_PER_DEG_LON_EQUATOR * math.cos(mid_lat)
    dy = (maxy - miny) * _M_PER_DEG_LAT
    return math.hypot(dx, dy) / 2 + hazard.effective_radius_m


def check_field_report(hazard: Hazard) -> None:
    """HazardInputError when a field report is larger than one team can observe."""
    limit = FIELD_MAX_RADIUS_M[hazard.kind]
    size = footprint_radius_m(hazard)
    if size > limit:
        raise HazardInputError(
            f"a field report of {hazard.kind.value} may cover at most {limit:g} m around its "
            f"geometry; this one covers {size:,.0f} m",
            item=f"hazard {hazard.id!r}",
            field="radius_m",
            hint="report what the team sees; a coordinator can widen it",
        )


def needs_confirmation(hazard: Hazard) -> bool:
    """A field report that would close roads waits for a coordinator before it does."""
    return hazard.effective_closes
