"""The agreement terms: one exact document every party signs (records and JSON Schema source).

The terms are records (:mod:`corridor._records`): frozen dataclasses whose annotations carry
pydantic's constraints as text, so reading stored terms imports no pydantic (issue 14, defect
10). Field order is the JSON form's key order, which is canonicalised and signed: never
reorder fields. Checks a JSON Schema cannot state live in ``__post_init__`` (the strict
builder and pydantic's adapter both run it); those pydantic used to report on a field are also
given to the field as an ``AfterValidator``, so worded problems keep naming that field.
"""

from __future__ import annotations

import base64
import binascii
import itertools
import math
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Annotated, Any, Literal, TypeAlias
from zoneinfo import ZoneInfo

from corridor._earth import EARTH_RADIUS_M

if TYPE_CHECKING:
    from pydantic import AfterValidator, Field

    from corridor._times import UtcDatetime

LOCAL_TZ = ZoneInfo("Europe/Kyiv")  # shown at the edges; everything stored and signed is UTC

Name: TypeAlias = "Annotated[str, Field(min_length=1, max_length=200)]"
Lat: TypeAlias = "Annotated[float, Field(ge=-90, le=90)]"
Lon: TypeAlias = "Annotated[float, Field(ge=-180, le=180)]"
#: No road edge is longer than half the Earth's circumference. Bounding each length keeps the
#: route's total finite: two edges of 1.7e308 m summed to infinity, and the check that the
#: edges match the drawn line (|drawn - inf| > inf is false) then let such terms through.
MAX_EDGE_M = 20_037_509.0
HOURS_RE = r"^([01]\d|2[0-3]):[0-5]\d-(([01]\d|2[0-3]):[0-5]\d|24:00)$"

#: Unknown keys are errors (a typo must never silently drop a clause); values never change.
_STRICT: dict[str, Any] = {"extra": "forbid", "frozen": True, "allow_inf_nan": False}


def _set(record: object, name: str, value: object) -> None:
    object.__setattr__(record, name, value)


def _key_decodes(value: str) -> str:
    try:
        raw = base64.b64decode(value, validate=True)
    except binascii.Error as exc:
        raise ValueError("is not valid base64") from exc
    if len(raw) != 32:
        raise ValueError("must be 32 bytes (an Ed25519 public key)")
    return value


@dataclass(frozen=True, kw_only=True)
class Party:
    """A signatory: its Ed25519 public key is the raw 32 bytes, base64 (standard alphabet)."""

    __pydantic_config__ = _STRICT
    name: Name
    role: Annotated[str, Field(min_length=1, max_length=200, description=_ROLE)]
    public_key: Annotated[
        str,
        Field(
            pattern=r"^[A-Za-z0-9+/]{43}=$", description="Ed25519 public key: 32 raw bytes, base64"
        ),
        AfterValidator(_key_decodes),
    ]

    def __post_init__(self) -> None:
        _key_decodes(self.public_key)


_ROLE = "e.g. 'government of Ukraine', 'armed forces', 'ICRC'"


@dataclass(frozen=True, kw_only=True)
class RouteEdge:
    """One directed edge of the route, with what a driver would call the road and its length."""

    __pydantic_config__ = _STRICT
    id: Annotated[
        int, Field(ge=0, description="edge id in the network file named by network_sha256")
    ]
    road: Annotated[str | None, Field(description="road name/ref; absent for unnamed roads")] = None
    length_m: Annotated[float, Field(ge=0, le=MAX_EDGE_M)]


def _in_range(coords: list[list[float]]) -> list[list[float]]:
    for i, pos in enumerate(coords):
        if not (-180 <= pos[0] <= 180 and -90 <= pos[1] <= 90):
            raise ValueError(f"position {i} {pos[:2]} is not [lon, lat] in range")
    return coords


@dataclass(frozen=True, kw_only=True)
class LineString:
    """GeoJSON LineString (RFC 7946): positions are [lon, lat] in WGS 84."""

    __pydantic_config__ = _STRICT
    type: Literal["LineString"]
    coordinates: Annotated[
        list[Annotated[list[float], Field(min_length=2, max_length=3)]],
        Field(min_length=2),
        AfterValidator(_in_range),
    ]

    def __post_init__(self) -> None:
        _in_range(self.coordinates)

    def length_m(self) -> float:
        """Great-circle length along the positions (what the edges' lengths must add up to)."""
        return sum(haversine_m(a, b) for a, b in itertools.pairwise(self.coordinates))


def haversine_m(a: list[float], b: list[float]) -> float:
    """Great-circle distance between two [lon, lat] positions."""
    p1, p2 = math.radians(a[1]), math.radians(b[1])
    dp, dl = p2 - p1, math.radians(b[0] - a[0])
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(h)))


@dataclass(frozen=True, kw_only=True)
class Route:
    """The route as computed: exact edges of one network file, plus a geometry anyone can read."""

    __pydantic_config__ = _STRICT
    network_sha256: Annotated[str, Field(pattern=r"^[0-9a-f]{64}$")]
    edges: Annotated[list[RouteEdge], Field(min_length=1)]
    geometry: LineString

    @property
    def edge_ids(self) -> list[int]:
        return [e.id for e in self.edges]

    @property
    def length_m(self) -> float:
        return sum(e.length_m for e in self.edges)


@dataclass(frozen=True, kw_only=True)
class Place:
    """A gathering or reception point."""

    __pydantic_config__ = _STRICT
    name: Name
    lat: Lat
    lon: Lon


@dataclass(frozen=True, kw_only=True)
class Checkpoint:
    __pydantic_config__ = _STRICT
    name: Name
    lat: Lat
    lon: Lon
    operated_by: Annotated[
        str, Field(min_length=1, max_length=200, description="name of the party that operates it")
    ]
    hours_utc: Annotated[
        str, Field(pattern=HOURS_RE, description="daily opening hours, UTC, HH:MM-HH:MM")
    ]
    max_vehicles_per_hour: Annotated[int, Field(gt=0)]
    inspection_minutes: Annotated[
        float, Field(ge=0, le=24 * 60, description="per vehicle, at most a day")
    ]


@dataclass(frozen=True, kw_only=True)
class Window:
    """A ceasefire window [start_utc, end_utc); any offset is accepted and stored as UTC."""

    __pydantic_config__ = _STRICT
    start_utc: UtcDatetime
    end_utc: UtcDatetime

    def __post_init__(self) -> None:
        for name in ("start_utc", "end_utc"):  # made in code: aware times only, kept in UTC
            at: datetime = getattr(self, name)
            if at.tzinfo is None or at.utcoffset() is None:
                raise ValueError(f"{name} must have a UTC offset")
            _set(self, name, at.astimezone(UTC))
        if self.end_utc <= self.start_utc:
            raise ValueError("end_utc must be after start_utc")

    @property
    def duration(self) -> timedelta:
        return self.end_utc - self.start_utc

    def contains(self, at_utc: datetime) -> bool:
        return self.start_utc <= at_utc < self.end_utc

    def local_text(self, tz: ZoneInfo = LOCAL_TZ) -> str:
        """The window as people on the ground read it (Europe/Kyiv by default)."""
        a, b = self.start_utc.astimezone(tz), self.end_utc.astimezone(tz)
        end = b.strftime("%H:%M") if a.date() == b.date() else b.strftime("%Y-%m-%d %H:%M")
        return f"{a:%Y-%m-%d %H:%M}-{end} {a.tzname()}"

    def utc_text(self) -> str:
        a, b = self.start_utc, self.end_utc
        end = b.strftime("%H:%M") if a.date() == b.date() else b.strftime("%Y-%m-%d %H:%M")
        return f"{a:%Y-%m-%d %H:%M}-{end} UTC"


@dataclass(frozen=True, kw_only=True)
class Vehicles:
    __pydantic_config__ = _STRICT
    permitted: Annotated[list[Name], Field(min_length=1, description="e.g. 'bus', 'ambulance'")]
    markings: Annotated[
        str, Field(min_length=1, description="how vehicles are marked, e.g. white flags")
    ]


@dataclass(frozen=True, kw_only=True)
class Contact:
    __pydantic_config__ = _STRICT
    party: Name
    channel: Annotated[
        str, Field(min_length=1, max_length=200, description="e.g. 'phone', 'radio', 'signal'")
    ]
    address: Annotated[
        str, Field(min_length=1, max_length=200, description="number, frequency or handle")
    ]


@dataclass(frozen=True, kw_only=True)
class Terms:
    """Everything the parties agree to; its RFC 8785 canonical JSON is what gets signed."""

    __pydantic_config__ = _STRICT
    corridor_id: Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9._-]{0,63}$")]
    version: Annotated[int, Field(ge=1)]
    title: str | None = None
    parties: Annotated[list[Party], Field(min_length=1)]
    route: Route
    origin: Place
    destination: Place
    checkpoints: list[Checkpoint] = field(default_factory=list)
    windows: Annotated[list[Window], Field(min_length=1)]
    vehicles: Vehicles
    max_convoy_size: Annotated[int, Field(gt=0, description="vehicles per convoy")]
    escort: str | None = None
    observers: Annotated[list[Name], Field(description="e.g. 'ICRC', 'UN OCHA'")] = field(
        default_factory=list
    )
    contacts: list[Contact] = field(default_factory=list)
    notes: str = ""

    def party(self, name: str) -> Party | None:
        return next((p for p in self.parties if p.name == name), None)

    def windows_sorted(self) -> list[Window]:
        return sorted(self.windows, key=lambda w: w.start_utc)


def cross_field_problems(terms: Terms) -> list[str]:
    """Rules a JSON Schema cannot state: names that refer to parties, unique names, overlaps."""
    problems: list[str] = []
    names = [p.name for p in terms.parties]
    keys = [p.public_key for p in terms.parties]
    for i, p in enumerate(terms.parties):
        if names.index(p.name) != i:
            problems.append(f"parties[{i}].name: duplicate party {p.name!r}")
        if keys.index(p.public_key) != i:
            other = names[keys.index(p.public_key)]
            problems.append(f"parties[{i}].public_key: same key as party {other!r}")
    cp_names = [c.name for c in terms.checkpoints]
    for i, c in enumerate(terms.checkpoints):
        if c.operated_by not in names:
            problems.append(
                f"checkpoints[{i}].operated_by: {c.operated_by!r} is not a listed party"
            )
        if cp_names.index(c.name) != i:
            problems.append(f"checkpoints[{i}].name: duplicate checkpoint {c.name!r}")
    for i, contact in enumerate(terms.contacts):
        if contact.party not in names:
            problems.append(f"contacts[{i}].party: {contact.party!r} is not a listed party")
    drawn_m, listed_m = terms.route.geometry.length_m(), terms.route.length_m
    if abs(drawn_m - listed_m) > max(50.0, 0.02 * listed_m):
        problems.append(
            f"route.geometry: its length {drawn_m:.0f} m does not match the edges' "
            f"{listed_m:.0f} m; regenerate the route block from one route"
        )
    order = sorted(range(len(terms.windows)), key=lambda k: terms.windows[k].start_utc)
    for a, b in itertools.pairwise(order):
        if terms.windows[b].start_utc < terms.windows[a].end_utc:
            problems.append(f"windows[{b}]: overlaps windows[{a}]")
    return problems
