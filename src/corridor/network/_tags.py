"""OSM tag interpretation for motor-vehicle profiles: which ways are roads, speeds, one-way."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Literal, Protocol

Profile = Literal["car", "bus"]


class Tags(Protocol):
    """What the rules need from a way's tags: a dict or pyosmium's ``TagList``."""

    def get(self, key: str, default: str | None = None, /) -> str | None: ...


PROFILES: tuple[Profile, ...] = ("car", "bus")

# Order matters: the index is the class code stored per edge (uint8). Append only.
HIGHWAY_CLASSES: tuple[str, ...] = (
    "motorway",
    "motorway_link",
    "trunk",
    "trunk_link",
    "primary",
    "primary_link",
    "secondary",
    "secondary_link",
    "tertiary",
    "tertiary_link",
    "unclassified",
    "residential",
    "living_street",
    "service",
    "track",
    "road",
    "busway",
)
HIGHWAY_CODE: dict[str, int] = {name: i for i, name in enumerate(HIGHWAY_CLASSES)}

# Default speeds (km/h) where no usable maxspeed is tagged. Values follow common routing
# profiles (OSRM car.lua, GraphHopper) rounded to what a loaded civilian car actually drives.
DEFAULT_SPEED_KMH: dict[str, float] = {
    "motorway": 110.0,
    "motorway_link": 60.0,
    "trunk": 90.0,
    "trunk_link": 50.0,
    "primary": 70.0,
    "primary_link": 40.0,
    "secondary": 60.0,
    "secondary_link": 35.0,
    "tertiary": 50.0,
    "tertiary_link": 30.0,
    "unclassified": 40.0,
    "residential": 30.0,
    "living_street": 10.0,
    "service": 15.0,
    "track": 15.0,
    "road": 30.0,
    "busway": 40.0,
}
# A bus never exceeds this, whatever the sign says (EU limit for buses on motorways is 100).
BUS_MAX_SPEED_KMH = 80.0

# Implicit limits for "CC:zone" maxspeed values (km/h); unknown countries use the "*" row.
_ZONE_SPEEDS: dict[str, dict[str, float]] = {
    "*": {
        "urban": 50,
        "rural": 90,
        "trunk": 100,
        "motorway": 130,
        "living_street": 20,
        "pedestrian_zone": 10,
        "bicycle_road": 30,
        "walk": 7,
    },
    "UA": {"urban": 50, "rural": 90, "trunk": 110, "motorway": 130, "living_street": 20},
    "RU": {"urban": 60, "rural": 90, "trunk": 90, "motorway": 110, "living_street": 20},
    "BY": {"urban": 60, "rural": 90, "motorway": 110, "living_street": 20},
    "AT": {"urban": 50, "rural": 100, "motorway": 130, "living_street": 5},
    "DE": {"urban": 50, "rural": 100, "motorway": 130, "living_street": 7},
    "PL": {"urban": 50, "rural": 90, "trunk": 120, "motorway": 140, "living_street": 20},
    "MX": {"urban": 40, "rural": 80, "motorway": 110},
}
_NUMBER = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(mph|km/h|kmh|kph|knots)?\s*$")
_ZONE = re.compile(r"^([A-Za-z]{2}):(?:zone:?)?([A-Za-z_]+?)?(\d+)?$")
_MPH = 1.609344
_KNOT = 1.852

ONEWAY_FORWARD = frozenset({"yes", "true", "1"})
ONEWAY_BACKWARD = frozenset({"-1", "reverse"})
_ACCESS_DENIED = frozenset({"no", "private", "agricultural", "forestry", "delivery", "military"})
_ACCESS_GRANTED = frozenset({"yes", "permissive", "designated", "destination", "customers"})


def parse_maxspeed(value: str | None) -> float | None:
    """Speed in km/h from an OSM ``maxspeed`` value, or None when it says nothing usable.

    Handles numbers ("50"), units ("30 mph", "10 knots"), lists ("50;70", lowest wins, as a
    driver must obey the lowest sign), country zones ("UA:urban", "DE:zone30", "RU:rural") and
    "walk". "none" and "signals" give None so the class default applies.

    >>> parse_maxspeed("30 mph")
    48.28032
    >>> parse_maxspeed("UA:urban")
    50.0
    """
    if value is None:
        return None
    speeds: list[float] = []
    for raw in value.split(";"):
        part = raw.strip().lower()
        if not part:
            continue
        m = _NUMBER.match(part)
        if m:
            speed = float(m.group(1))
            unit = m.group(2)
            if unit == "mph":
                speed *= _MPH
            elif unit == "knots":
                speed *= _KNOT
            if speed > 0:
                speeds.append(speed)
            continue
        if part == "walk":
            speeds.append(7.0)
            continue
        z = _ZONE.match(part)
        if z:
            country = z.group(1).upper()
            zone = (z.group(2) or "").strip("_:")
            if z.group(3):
                speeds.append(float(z.group(3)))
                continue
            table = _ZONE_SPEEDS.get(country, {})
            speed_z = table.get(zone, _ZONE_SPEEDS["*"].get(zone))
            if speed_z is not None:
                speeds.append(float(speed_z))
    return min(speeds) if speeds else None


@dataclass(frozen=True, slots=True)
class WayRule:
    """What a way is for routing: class, direction and speed, decided once per way."""

    highway: int
    forward: bool
    backward: bool
    speed_kmh: float
    maxspeed_kmh: float  # NaN when not tagged or not parseable


def _access_allows(tags: Tags, profile: Profile) -> bool:
    """OSM access hierarchy: the most specific tag present decides (wiki: Key:access)."""
    keys = ["access", "vehicle", "motor_vehicle"]
    keys += ["motorcar"] if profile == "car" else ["psv", "bus"]
    verdict = True
    for key in keys:
        value = tags.get(key)
        if value is None:
            continue
        value = value.split(";")[0].strip().lower()
        if value in _ACCESS_DENIED:
            verdict = False
        elif value in _ACCESS_GRANTED:
            verdict = True
    return verdict


def classify_way(tags: Tags, profile: Profile) -> WayRule | None:
    """The routing rule for a way under ``profile``, or None when the way is not a road for it."""
    highway = tags.get("highway")
    if highway is None or highway not in HIGHWAY_CODE:
        return None
    if highway == "busway" and profile != "bus":
        return None
    if tags.get("area") == "yes":
        return None
    if not _access_allows(tags, profile):
        return None
    oneway = (tags.get("oneway") or "").strip().lower()
    if oneway == "reversible":
        return None  # direction changes by time of day; unusable for a plan
    if oneway in ONEWAY_FORWARD:
        forward, backward = True, False
    elif oneway in ONEWAY_BACKWARD:
        forward, backward = False, True
    elif oneway == "no":
        forward, backward = True, True
    elif tags.get("junction") in ("roundabout", "circular") or highway == "motorway":
        forward, backward = True, False
    else:
        forward, backward = True, True
    if profile == "bus" and "no" in (tags.get("oneway:bus"), tags.get("oneway:psv")):
        forward, backward = True, True  # contraflow bus lane
    tagged = parse_maxspeed(tags.get("maxspeed"))
    speed = tagged if tagged is not None else DEFAULT_SPEED_KMH[highway]
    if profile == "bus":
        speed = min(speed, BUS_MAX_SPEED_KMH)
    return WayRule(
        highway=HIGHWAY_CODE[highway],
        forward=forward,
        backward=backward,
        speed_kmh=float(speed),
        maxspeed_kmh=float(tagged) if tagged is not None else math.nan,
    )


def parse_layer(value: str | None) -> int:
    """OSM ``layer`` as a small int; garbage and out-of-range values count as ground level."""
    if not value:
        return 0
    try:
        layer = int(value.strip().split(";")[0])
    except ValueError:
        return 0
    return layer if -5 <= layer <= 5 else 0


def parse_lanes(value: str | None) -> int:
    """OSM ``lanes`` as a count (0 = unknown)."""
    if not value:
        return 0
    try:
        lanes = int(float(value.strip().split(";")[0]))
    except ValueError:
        return 0
    return lanes if 0 < lanes < 20 else 0


def is_truthy(value: str | None) -> bool:
    """OSM yes-like values (``bridge=viaduct`` is a bridge; ``bridge=no`` is not)."""
    return value is not None and value.strip().lower() not in ("no", "false", "0", "")
