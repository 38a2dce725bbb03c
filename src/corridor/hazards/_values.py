"""A hazard's values checked, and shown as GeoJSON, without shapely.

Showing or changing a stored hazard needs no geometry operation: its geometry is stored as the
GeoJSON that shapely wrote. Building a :class:`~corridor.hazards.Hazard` for it imported shapely
and numpy, most of the start-up of ``corridor hazards show`` and ``update`` (issue 14,
defect 10). Here are the checks a Hazard makes of its values (the Hazard makes them through
these same functions), the Feature a hazard is written as, and its geometry as shapely's
``mapping(shape(...))`` gives it, where that can be told without shapely.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from corridor.errors import HazardInputError
from corridor.hazards._kinds import KIND_DEFAULTS, HazardKind

GEOMETRY_TYPES = ("Point", "LineString", "Polygon", "MultiPolygon")

#: The largest integer a float holds exactly (a coordinate beyond it is left to shapely).
_EXACT_INT = 2**53


def as_utc(at: datetime, *, field: str = "at") -> datetime:
    """``at`` converted to UTC; a naive datetime is refused because its zone is a guess."""
    if at.tzinfo is None or at.utcoffset() is None:
        raise HazardInputError("time has no UTC offset", field=field, hint="add Z or +00:00")
    return at.astimezone(UTC)


def format_time(at: datetime | None) -> str | None:
    return None if at is None else at.astimezone(UTC).isoformat().replace("+00:00", "Z")


def check_values(
    item: str,
    *,
    severity: float,
    confidence: float,
    observed_at: datetime | None,
    valid_from: datetime | None,
    valid_until: datetime | None,
    radius_m: float | None,
    half_life_h: float | None,
) -> tuple[datetime | None, datetime | None, datetime | None]:
    """The rules a hazard's values obey beyond its id, kind and geometry, in the order a
    Hazard checks them (HazardInputError naming ``item`` for the first one broken); returns
    ``(observed_at, valid_from, valid_until)`` in UTC."""
    for name, value in (("severity", severity), ("confidence", confidence)):
        if not 0.0 <= value <= 1.0:
            raise HazardInputError(f"{name} {value} is outside 0..1", item=item, field=name)
    observed, start, end = (
        None if value is None else as_utc(value, field=name)
        for name, value in (
            ("observed_at", observed_at), ("valid_from", valid_from), ("valid_until", valid_until)
        )
    )  # fmt: skip
    if start is not None and end is not None and end <= start:
        raise HazardInputError("valid_until is not after valid_from", item=item)
    if radius_m is not None and not (radius_m >= 0 and math.isfinite(radius_m)):
        raise HazardInputError("radius_m must be >= 0", item=item, field="radius_m")
    if half_life_h is not None and not half_life_h > 0:
        raise HazardInputError("half_life_h must be > 0", item=item, field="half_life_h")
    return observed, start, end


def feature_of(
    *,
    id: str,
    kind: str,
    geometry: Mapping[str, Any],
    severity: float,
    confidence: float,
    observed_at: datetime | None,
    valid_from: datetime | None,
    valid_until: datetime | None,
    source: str,
    notes: str,
    source_links: Sequence[str],
    radius_m: float | None,
    closes: bool | None,
    half_life_h: float | None,
    extra: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """A hazard as a normalised Feature: every field explicit, the kind's defaults resolved
    (what ``corridor hazards import`` writes and ``hazards show`` prints)."""
    defaults = KIND_DEFAULTS[HazardKind(kind)]
    props: dict[str, Any] = {
        "id": id,
        "kind": str(kind),
        "severity": severity,
        "confidence": confidence,
        "observed_at": format_time(observed_at),
        "valid_from": format_time(valid_from),
        "valid_until": format_time(valid_until),
        "source": source,
        "notes": notes,
        "source_links": list(source_links),
        "radius_m": defaults.radius_m if radius_m is None else radius_m,
        "closes": defaults.closes if closes is None else closes,
    }
    if half_life_h is not None:
        props["half_life_h"] = half_life_h
    props.update({k: v for k, v in (extra or {}).items() if k not in props})
    return {"type": "Feature", "id": id, "geometry": geometry, "properties": props}


# ---- geometry ---------------------------------------------------------------------------------


def _position(value: Any) -> tuple[float, ...] | None:
    if type(value) is not list or len(value) not in (2, 3):
        return None
    out = []
    for c in value:
        if type(c) is float and math.isfinite(c):
            out.append(c)
        elif type(c) is int and abs(c) <= _EXACT_INT:
            out.append(float(c))
        else:
            return None
    return tuple(out)


def _positions(value: Any, minimum: int) -> tuple[tuple[float, ...], ...] | None:
    if type(value) is not list or len(value) < minimum:
        return None
    out = tuple(_position(p) for p in value)
    return None if any(p is None for p in out) else out  # type: ignore[return-value]


def _polygon(value: Any) -> tuple[tuple[tuple[float, ...], ...], ...] | None:
    """A polygon's rings: each closed, of four positions at least (shapely would close an open
    ring and refuse a short one; both are left to it)."""
    if type(value) is not list or not value:
        return None
    rings = tuple(_positions(ring, 4) for ring in value)
    if any(r is None or r[0] != r[-1] for r in rings):
        return None
    return rings  # type: ignore[return-value]


def _dimensions(coordinates: Any) -> set[int]:
    if coordinates and isinstance(coordinates[0], float):
        return {len(coordinates)}
    return set().union(*(_dimensions(c) for c in coordinates))


def plain_geometry(value: Any) -> dict[str, Any] | None:
    """``shapely.geometry.mapping(shape(value))`` for a GeoJSON geometry a hazard may have,
    made without shapely: the same types and the same nesting of tuples and lists, coordinates
    as floats. None where only shapely can tell: any other type, an empty or open ring, too few
    positions, mixed 2D and 3D positions, a value that is no finite number."""
    if type(value) is not dict:
        return None
    kind, given = value.get("type"), value.get("coordinates")
    coordinates: Any
    if kind == "Point":
        coordinates = _position(given)
    elif kind == "LineString":
        coordinates = _positions(given, 2)
    elif kind == "Polygon":
        coordinates = _polygon(given)
    elif kind == "MultiPolygon" and type(given) is list and given:
        polygons = [_polygon(p) for p in given]
        coordinates = None if any(p is None for p in polygons) else polygons
    else:
        return None
    if coordinates is None or len(_dimensions(coordinates)) != 1:
        return None
    return {"type": kind, "coordinates": coordinates}
