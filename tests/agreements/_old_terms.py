"""The terms' pydantic models and their reading as they were before the terms became records
(``git show aa4f704:src/corridor/agreements/_terms.py`` and ``_load.py``), kept only as the
oracle ``test_terms_records.py`` holds the records to: same acceptance, same problems, same
bytes. Not to be changed with the records: it is the old behaviour, frozen."""

# ruff: noqa
# mypy: ignore-errors
from __future__ import annotations

import base64
import binascii
import itertools
import json
import math
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Annotated, Literal
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from corridor._input import render_path
from corridor._times import UtcDatetime
from corridor.agreements._load import _covered, _schema_problems, _validator
from corridor.agreements._terms import cross_field_problems
from corridor.errors import TermsError

EARTH_RADIUS_M = 6_371_008.8  # IUGG mean radius, as corridor.network uses
LOCAL_TZ = ZoneInfo("Europe/Kyiv")  # shown at the edges; everything stored and signed is UTC

Name = Annotated[str, Field(min_length=1, max_length=200)]
Lat = Annotated[float, Field(ge=-90, le=90)]
Lon = Annotated[float, Field(ge=-180, le=180)]
#: No road edge is longer than half the Earth's circumference. Bounding each length keeps the
#: route's total finite: two edges of 1.7e308 m summed to infinity, and the check that the
#: edges match the drawn line (|drawn - inf| > inf is false) then let such terms through.
MAX_EDGE_M = 20_037_509.0
HOURS_RE = r"^([01]\d|2[0-3]):[0-5]\d-(([01]\d|2[0-3]):[0-5]\d|24:00)$"


class _Strict(BaseModel):
    """Unknown keys are errors (a typo must never silently drop a clause); values never change."""

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


class Party(_Strict):
    """A signatory: its Ed25519 public key is the raw 32 bytes, base64 (standard alphabet)."""

    name: Name
    role: Name = Field(description="e.g. 'government of Ukraine', 'armed forces', 'ICRC'")
    public_key: str = Field(
        pattern=r"^[A-Za-z0-9+/]{43}=$",
        description="Ed25519 public key: 32 raw bytes, base64",
    )

    @field_validator("public_key")
    @classmethod
    def _decodes(cls, value: str) -> str:
        try:
            raw = base64.b64decode(value, validate=True)
        except binascii.Error as exc:
            raise ValueError("is not valid base64") from exc
        if len(raw) != 32:
            raise ValueError("must be 32 bytes (an Ed25519 public key)")
        return value


class RouteEdge(_Strict):
    """One directed edge of the route, with what a driver would call the road and its length."""

    id: int = Field(ge=0, description="edge id in the network file named by network_sha256")
    road: str | None = Field(default=None, description="road name/ref; absent for unnamed roads")
    length_m: float = Field(ge=0, le=MAX_EDGE_M)


class LineString(_Strict):
    """GeoJSON LineString (RFC 7946): positions are [lon, lat] in WGS 84."""

    type: Literal["LineString"]
    coordinates: list[Annotated[list[float], Field(min_length=2, max_length=3)]] = Field(
        min_length=2
    )

    def length_m(self) -> float:
        """Great-circle length along the positions (what the edges' lengths must add up to)."""
        return sum(haversine_m(a, b) for a, b in itertools.pairwise(self.coordinates))

    @field_validator("coordinates")
    @classmethod
    def _in_range(cls, coords: list[list[float]]) -> list[list[float]]:
        for i, pos in enumerate(coords):
            if not (-180 <= pos[0] <= 180 and -90 <= pos[1] <= 90):
                raise ValueError(f"position {i} {pos[:2]} is not [lon, lat] in range")
        return coords


def haversine_m(a: list[float], b: list[float]) -> float:
    """Great-circle distance between two [lon, lat] positions."""
    p1, p2 = math.radians(a[1]), math.radians(b[1])
    dp, dl = p2 - p1, math.radians(b[0] - a[0])
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(h)))


class Route(_Strict):
    """The route as computed: exact edges of one network file, plus a geometry anyone can read."""

    network_sha256: str = Field(pattern=r"^[0-9a-f]{64}$")
    edges: list[RouteEdge] = Field(min_length=1)
    geometry: LineString

    @property
    def edge_ids(self) -> list[int]:
        return [e.id for e in self.edges]

    @property
    def length_m(self) -> float:
        return sum(e.length_m for e in self.edges)


class Place(_Strict):
    """A gathering or reception point."""

    name: Name
    lat: Lat
    lon: Lon


class Checkpoint(_Strict):
    name: Name
    lat: Lat
    lon: Lon
    operated_by: Name = Field(description="name of the party that operates it")
    hours_utc: str = Field(pattern=HOURS_RE, description="daily opening hours, UTC, HH:MM-HH:MM")
    max_vehicles_per_hour: int = Field(gt=0)
    inspection_minutes: float = Field(ge=0, le=24 * 60, description="per vehicle, at most a day")


class Window(_Strict):
    """A ceasefire window [start_utc, end_utc); any offset is accepted and stored as UTC."""

    start_utc: UtcDatetime
    end_utc: UtcDatetime

    @field_validator("start_utc", "end_utc")
    @classmethod
    def _to_utc(cls, value: datetime) -> datetime:
        return value.astimezone(UTC)

    @model_validator(mode="after")
    def _ordered(self) -> Window:
        if self.end_utc <= self.start_utc:
            raise ValueError("end_utc must be after start_utc")
        return self

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


class Vehicles(_Strict):
    permitted: list[Name] = Field(min_length=1, description="e.g. 'bus', 'ambulance'")
    markings: str = Field(min_length=1, description="how vehicles are marked, e.g. white flags")


class Contact(_Strict):
    party: Name
    channel: Name = Field(description="e.g. 'phone', 'radio', 'signal'")
    address: Name = Field(description="number, frequency or handle")


class Terms(_Strict):
    """Everything the parties agree to; its RFC 8785 canonical JSON is what gets signed."""

    corridor_id: str = Field(pattern=r"^[a-z0-9][a-z0-9._-]{0,63}$")
    version: int = Field(ge=1)
    title: str | None = None
    parties: list[Party] = Field(min_length=1)
    route: Route
    origin: Place
    destination: Place
    checkpoints: list[Checkpoint] = Field(default_factory=list)
    windows: list[Window] = Field(min_length=1)
    vehicles: Vehicles
    max_convoy_size: int = Field(gt=0, description="vehicles per convoy")
    escort: str | None = None
    observers: list[Name] = Field(default_factory=list, description="e.g. 'ICRC', 'UN OCHA'")
    contacts: list[Contact] = Field(default_factory=list)
    notes: str = ""

    def party(self, name: str) -> Party | None:
        return next((p for p in self.parties if p.name == name), None)

    def windows_sorted(self) -> list[Window]:
        return sorted(self.windows, key=lambda w: w.start_utc)


def old_accepted(data: object) -> Terms | None:
    """The terms, when the model in strict JSON mode accepts ``data`` with no cross-field
    problem; else None.

    Strict JSON mode takes no string for a number, no number for a string, no unknown field,
    and every bound and pattern the published schema has (the schema is generated from this
    model), so what it accepts the JSON Schema accepts as well (``tests/agreements/
    test_terms_fast.py`` holds the two to that over mutated terms). Valid terms, which is
    every stored agreement and nearly every file, are then read without importing and running
    jsonschema (a tenth of a second, issue 14 defect 10); invalid ones go through both, which
    word every problem.
    """
    try:
        text = json.dumps(data, allow_nan=False, ensure_ascii=False)
        terms = Terms.model_validate_json(text, strict=True)
    except (TypeError, ValueError):  # not JSON (a YAML set or date...), NaN, or not accepted
        return None
    return None if cross_field_problems(terms) else terms


def old_terms_from_data(data: object, *, source: str | Path | None = None) -> Terms:
    """Validate parsed YAML/JSON; raises TermsError listing every problem with its field path."""
    accepted = old_accepted(data)
    if accepted is not None:
        return accepted
    schema_errors = sorted(pm for e in _validator().iter_errors(data) for pm in _schema_problems(e))
    problems = [f"{p}: {m}" for p, m in dict.fromkeys(schema_errors)]
    seen = {p for p, _ in schema_errors}
    terms: Terms | None = None
    try:
        terms = Terms.model_validate(data)
    except ValidationError as exc:
        for e in exc.errors(include_url=False):
            path = render_path(x for x in e["loc"] if not str(x).startswith("function-"))
            if not _covered(path, seen):
                msg = str(e["msg"]).removeprefix("Value error, ")
                problems.append(f"{path}: {msg}")
                seen.add(path)
    if terms is not None:
        problems.extend(cross_field_problems(terms))
    if problems or terms is None:
        n = len(problems)
        raise TermsError(
            f"{n} problem{'s' if n != 1 else ''} in the terms: " + "; ".join(problems),
            problems=problems,
            path=source,
        )
    return terms
