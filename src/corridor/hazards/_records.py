"""One validation path for every input format: GeoJSON-like feature dicts -> Hazards + Problems.

Each importer turns its rows into feature dicts (or a Problem when a row cannot even be read);
this module checks them against the published JSON Schema and the rules a schema cannot say
(dates that parse, interval order, unique ids), and reports every unusable record once, with its
index, id and the most telling reason.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from importlib import resources
from typing import TYPE_CHECKING, Any

import shapely
from shapely.geometry import mapping, shape

from corridor.errors import HazardInputError
from corridor.hazards._kinds import KIND_DEFAULTS, HazardKind
from corridor.hazards._model import Hazard, hazard_id_problem
from corridor.hazards._values import GEOMETRY_TYPES, feature_of

if TYPE_CHECKING:
    from collections.abc import Callable

    from jsonschema import Draft202012Validator

# Reasons, most telling first: a record with several faults is reported under the first.
REASONS = (
    "unreadable",
    "missing_id",
    "missing_coordinates",
    "coordinates_out_of_range",
    "bad_geometry",
    "unknown_kind",
    "severity_out_of_range",
    "confidence_out_of_range",
    "bad_date",
    "invalid_interval",
    "invalid_field",
    "duplicate_id",
    # incident files (Bellingcat): suspicious positions, and records that are no hazard at all
    "null_island",
    "outside_region",
    "contradicts_place",
    "not_a_hazard",
)
SUSPECT_REASONS = ("null_island", "outside_region", "contradicts_place")
_RANK = {r: i for i, r in enumerate(REASONS)}
_TIME_FIELDS = ("observed_at", "valid_from", "valid_until")
_KNOWN = {
    "id", "kind", "severity", "confidence", *_TIME_FIELDS, "source", "notes", "source_links",
    "radius_m", "buffer_m", "closes", "half_life_h",
}  # fmt: skip


@dataclass(frozen=True, slots=True)
class Problem:
    """A record that cannot be used: where it is (0-based index, and line for CSV), why."""

    index: int
    id: str | None
    reason: str
    detail: str
    line: int | None = None

    def as_dict(self) -> dict[str, Any]:
        return {"index": self.index, "line": self.line, "id": self.id, "reason": self.reason,
                "detail": self.detail}  # fmt: skip


@dataclass(frozen=True, slots=True)
class RawRecord:
    """A record as read from a file, before validation; ``feature`` is a GeoJSON Feature dict."""

    index: int
    feature: Mapping[str, Any] | None
    id: str | None = None
    line: int | None = None
    problem: tuple[str, str] | None = None  # (reason, detail) when the row could not be read
    # (reason, detail) of what was kept but is worth saying (an unmapped weapon, a fixed link)
    warnings: tuple[tuple[str, str], ...] = ()


@cache
def hazard_schema() -> dict[str, Any]:
    """The published JSON Schema of a hazards FeatureCollection (``hazard.schema.json``)."""
    text = resources.files("corridor.hazards").joinpath("hazard.schema.json").read_text("utf-8")
    return json.loads(text)  # type: ignore[no-any-return]


def _feature_schema() -> dict[str, Any]:
    return {"$ref": "#/$defs/feature", "$defs": hazard_schema()["$defs"]}


@cache
def _feature_validator() -> Draft202012Validator:
    from jsonschema import Draft202012Validator

    return Draft202012Validator(_feature_schema())


@cache
def _schema_accepts() -> Callable[[Any], bool]:
    """Whether the schema has nothing to say about a feature, decided by jsonschema-rs.

    jsonschema (Python) words the faults; it costs a tenth of a second to import and checks
    a record in tens of microseconds, so valid records (nearly all of a real file) are passed
    by the Rust validator of the same schema, and only those it refuses, or cannot take (a NaN,
    an integer beyond 64 bits), go to jsonschema. Safe because the Rust validator never accepts
    what jsonschema refuses (``tests/hazards/test_schema_fast.py``, over mutated records); where
    it is stricter (a pattern's ``$`` before a final newline) jsonschema decides, as before.
    """
    import jsonschema_rs

    is_valid = jsonschema_rs.Draft202012Validator(_feature_schema()).is_valid

    def accepts(feature: Any) -> bool:
        try:
            return bool(is_valid(feature))
        except (ValueError, TypeError, OverflowError):
            return False

    return accepts


def _schema_faults(feature: Any) -> list[Any]:
    """jsonschema's errors for ``feature``, or none when the fast check accepts it."""
    if _schema_accepts()(feature):
        return []
    return list(_feature_validator().iter_errors(feature))


def _coordinate_fault(coords: Any, depth: int = 0) -> str | None:
    """missing_coordinates / coordinates_out_of_range / None, for nested coordinate arrays."""
    if not isinstance(coords, list) or not coords:
        return "missing_coordinates"
    if all(not isinstance(c, list) for c in coords):
        if len(coords) < 2 or not all(
            isinstance(c, int | float) and not isinstance(c, bool) and math.isfinite(c)
            for c in coords
        ):
            return "missing_coordinates"
        lon, lat = coords[0], coords[1]
        return None if -180 <= lon <= 180 and -90 <= lat <= 90 else "coordinates_out_of_range"
    faults = [_coordinate_fault(c, depth + 1) for c in coords]
    found = [f for f in faults if f is not None]
    return min(found, key=_RANK.__getitem__) if found else None


def _schema_reason(path: list[Any], validator: str, instance: Any) -> str:
    if path[:1] == ["geometry"]:
        return "bad_geometry"
    field = path[1] if len(path) > 1 and path[0] == "properties" else None
    if validator == "required" and path == ["properties"]:
        field = "kind" if "kind" not in (instance or {}) else "id"
    elif field == "id" and validator in ("pattern", "maxLength"):
        return "invalid_field"  # present but not a plain identifier
    return {
        "id": "missing_id",
        "kind": "unknown_kind",
        "severity": "severity_out_of_range",
        "confidence": "confidence_out_of_range",
        "observed_at": "bad_date",
        "valid_from": "bad_date",
        "valid_until": "bad_date",
    }.get(str(field), "invalid_field")


def parse_time(value: Any) -> datetime | None:
    """An ISO 8601 time with offset -> aware UTC datetime; None stays None; raises ValueError."""
    if value is None:
        return None
    at = datetime.fromisoformat(str(value).replace("z", "Z"))
    if at.tzinfo is None:
        raise ValueError(f"{value!r} has no UTC offset")
    try:
        return at.astimezone(UTC)
    except OverflowError:  # e.g. 9999-12-31T23:59-14:00 is in the year 10000 in UTC
        raise ValueError(f"{value!r} is outside the years 1 to 9999 in UTC") from None


def _check(raw: RawRecord) -> tuple[Hazard | None, list[tuple[str, str]]]:  # noqa: PLR0911 (one return per fault class keeps the order of reasons readable)
    """The hazard a record describes, or the faults that stop it being one."""
    problem = raw.problem
    given = raw.feature.get("properties") if isinstance(raw.feature, Mapping) else None
    if not isinstance(raw.feature, Mapping | None) or not isinstance(given, Mapping | None):
        problem = problem or ("unreadable", "the feature or its properties is not a JSON object")
    if problem is not None:
        return None, [problem]
    feature = dict(raw.feature or {})
    props = dict(given or {})
    hid = props.get("id", feature.get("id", raw.id))
    if isinstance(hid, int) and not isinstance(hid, bool):
        hid = str(hid)
    if hid is not None:
        props["id"] = hid
    feature["properties"] = props
    faults: list[tuple[str, str]] = []
    geometry = feature.get("geometry")
    if not isinstance(geometry, Mapping):
        faults.append(("missing_coordinates", "feature has no geometry"))
    elif geometry.get("type") not in GEOMETRY_TYPES:
        faults.append(("bad_geometry", f"geometry type {geometry.get('type')!r} is not one of "
                                       f"{', '.join(GEOMETRY_TYPES)}"))  # fmt: skip
    else:
        fault = _coordinate_fault(geometry.get("coordinates"))
        if fault is not None:
            faults.append((fault, f"{fault.replace('_', ' ')}: {geometry.get('coordinates')!r}"))
    for err in _schema_faults(feature):
        path = list(err.absolute_path)
        if path[:1] == ["geometry"] and faults:
            continue  # already reported more precisely above
        if path == ["properties", "id"] and err.validator in ("pattern", "maxLength"):
            continue  # the id rule above says it in words
        where = ".".join(str(p) for p in path) or "feature"
        reason = _schema_reason(path, str(err.validator), err.instance)
        message = err.message
        if reason == "unknown_kind" and err.validator == "enum":
            message = f"{err.instance!r} is not a hazard kind (kinds: docs/risk-model.md)"
        elif reason == "bad_date" and path[-1] in _TIME_FIELDS:
            message = f"{err.instance!r} is not an ISO 8601 time with a UTC offset (…T10:00:00Z)"
        faults.append((reason, f"{where}: {message}"))
    if isinstance(hid, str) and hid and (why := hazard_id_problem(hid)) is not None:
        faults.append(("invalid_field", f"properties.id: {why}"))
    faults.extend(_non_finite(props))
    if faults:
        return None, faults
    times: dict[str, datetime | None] = {}
    for name in _TIME_FIELDS:
        try:
            times[name] = parse_time(props.get(name))
        except ValueError as exc:
            faults.append(("bad_date", f"{name}: {exc}"))
    if faults:
        return None, faults
    start, end = times["valid_from"], times["valid_until"]
    if start is not None and end is not None and end <= start:
        return None, [("invalid_interval", f"valid_until {props['valid_until']} is not after "
                                           f"valid_from {props['valid_from']}")]  # fmt: skip
    try:
        geom = shape(geometry)
    except (ValueError, TypeError, shapely.errors.ShapelyError) as exc:
        # What the schema allows but shapely cannot build: a ring or line mixing 2D and 3D
        # positions (found by the fuzzer), too few distinct points for a ring.
        return None, [("bad_geometry", f"the geometry cannot be built: {exc}")]
    if not shapely.is_valid(geom):
        return None, [
            ("bad_geometry", f"invalid {geom.geom_type}: {shapely.is_valid_reason(geom)}")
        ]
    kind = HazardKind(props["kind"])
    try:
        hazard = _hazard(hid, kind, geom, props, times)
    except (HazardInputError, ValueError, TypeError) as exc:  # a rule the schema cannot say
        return None, [("invalid_field", str(exc))]
    return hazard, []


_NUMBERS = {"severity": "severity_out_of_range", "confidence": "confidence_out_of_range",
            "radius_m": "invalid_field", "buffer_m": "invalid_field",
            "half_life_h": "invalid_field"}  # fmt: skip


def _non_finite(props: Mapping[str, Any]) -> list[tuple[str, str]]:
    """NaN and infinities pass JSON Schema's minimum/maximum (every comparison with NaN is
    false), so they are caught here, per record, instead of aborting the whole import."""
    return [
        (reason, f"properties.{name}: {props[name]!r} is not a finite number")
        for name, reason in _NUMBERS.items()
        if isinstance(props.get(name), float) and not math.isfinite(props[name])
    ]


def _hazard(
    hid: Any,
    kind: HazardKind,
    geom: Any,
    props: Mapping[str, Any],
    times: Mapping[str, datetime | None],
) -> Hazard:
    start, end = times["valid_from"], times["valid_until"]
    radius = props.get("radius_m", props.get("buffer_m"))
    return Hazard(
        id=str(hid),
        kind=kind,
        geometry=geom,
        severity=float(props.get("severity", KIND_DEFAULTS[kind].severity)),
        confidence=float(props.get("confidence", KIND_DEFAULTS[kind].confidence)),
        observed_at=times["observed_at"],
        valid_from=start,
        valid_until=end,
        source=str(props.get("source", "")),
        notes=str(props.get("notes", "")),
        source_links=tuple(props.get("source_links", ())),
        radius_m=None if radius is None else float(radius),
        closes=props.get("closes"),
        half_life_h=None if props.get("half_life_h") is None else float(props["half_life_h"]),
        extra={k: v for k, v in props.items() if k not in _KNOWN},
    )


def validate_records(records: Iterable[RawRecord]) -> tuple[list[Hazard], list[Problem]]:
    """Hazards from every usable record and one Problem per unusable one; the first of several
    records with one id is kept and the later ones reported as duplicate_id."""
    hazards: list[Hazard] = []
    problems: list[Problem] = []
    seen: dict[str, RawRecord] = {}
    for raw in records:
        hazard, faults = _check(raw)
        if hazard is not None and hazard.id in seen:
            first = seen[hazard.id]
            where = f"record {first.index}" + (f" (line {first.line})" if first.line else "")
            faults = [("duplicate_id", f"id {hazard.id!r} already used by {where}")]
        if hazard is None or faults:
            faults.sort(key=lambda f: _RANK[f[0]])
            rid = raw.id
            if rid is None and raw.feature is not None:
                props = raw.feature.get("properties") or {}
                rid = props.get("id", raw.feature.get("id")) if isinstance(props, Mapping) else None
            problems.append(Problem(raw.index, None if rid is None else str(rid), faults[0][0],
                                    "; ".join(d for _, d in faults), raw.line))  # fmt: skip
            continue
        seen[hazard.id] = raw
        hazards.append(hazard)
    return hazards, problems


def hazard_to_feature(h: Hazard) -> dict[str, Any]:
    """A hazard as a normalised Feature: every field explicit, defaults resolved."""
    return feature_of(
        id=h.id, kind=h.kind.value, geometry=mapping(h.geometry), severity=h.severity,
        confidence=h.confidence, observed_at=h.observed_at, valid_from=h.valid_from,
        valid_until=h.valid_until, source=h.source, notes=h.notes, source_links=h.source_links,
        radius_m=h.radius_m, closes=h.closes, half_life_h=h.half_life_h, extra=h.extra,
    )  # fmt: skip
