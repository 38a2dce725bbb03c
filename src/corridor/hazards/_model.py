"""The Hazard record: what, where, how bad, how sure, and when it is valid (UTC)."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, NamedTuple

import shapely
from shapely.geometry.base import BaseGeometry

from corridor.errors import HazardInputError
from corridor.hazards._kinds import KIND_DEFAULTS, HazardKind, KindDefaults
from corridor.hazards._values import GEOMETRY_TYPES, check_values

#: A hazard id is a plain identifier: it appears in URLs (``/hazards/{id}``), file names and
#: command lines, so no slash, space, control character or leading punctuation, at most 128.
HAZARD_ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$"
_HAZARD_ID = re.compile(HAZARD_ID_PATTERN)


def hazard_id_problem(value: object) -> str | None:
    """Why ``value`` cannot be a hazard id, or None when it can."""
    if not isinstance(value, str) or not value:
        return "hazard id is empty"
    if _HAZARD_ID.fullmatch(value) is None:
        shown = value if len(value) <= 40 else value[:40] + "..."
        return (
            f"hazard id {shown!r} is not a plain identifier (letters, digits and . _ : -, "
            "starting with a letter or digit, at most 128 characters)"
        )
    return None


def check_hazard_id(value: object, *, field: str = "id") -> str:
    """``value`` if it is a valid hazard id; HazardInputError naming the rule otherwise."""
    problem = hazard_id_problem(value)
    if problem is not None:
        raise HazardInputError(problem, field=field)
    return str(value)


@dataclass(frozen=True, slots=True)
class Hazard:
    """One hazard in lon/lat (WGS84); times in UTC, valid in [valid_from, valid_until).

    ``None`` bounds are open. ``radius_m`` is the radius around a point or the buffer around a
    line or polygon; ``None`` takes the kind's default, as do ``closes`` and ``half_life_h``.
    Decay starts at ``observed_at`` (else ``valid_from``; with neither it does not decay).
    """

    id: str
    kind: HazardKind
    geometry: BaseGeometry
    severity: float
    confidence: float
    observed_at: datetime | None = None
    valid_from: datetime | None = None
    valid_until: datetime | None = None
    source: str = ""
    notes: str = ""
    source_links: tuple[str, ...] = ()
    radius_m: float | None = None
    closes: bool | None = None
    half_life_h: float | None = None
    extra: dict[str, Any] = field(default_factory=dict, compare=False)

    def __post_init__(self) -> None:
        # New ids are checked where they enter (validate_records: files, the API, the CLI);
        # rows stored before that rule must stay readable, so only emptiness is refused here.
        if not self.id:
            raise HazardInputError("hazard id is empty", field="id")
        item = f"hazard {self.id!r}"
        object.__setattr__(self, "kind", HazardKind(self.kind))
        if self.geometry.geom_type not in GEOMETRY_TYPES or self.geometry.is_empty:
            raise HazardInputError(
                f"geometry must be one of {', '.join(GEOMETRY_TYPES)}", item=item, field="geometry"
            )
        times = check_values(
            item, severity=self.severity, confidence=self.confidence,
            observed_at=self.observed_at, valid_from=self.valid_from,
            valid_until=self.valid_until, radius_m=self.radius_m, half_life_h=self.half_life_h,
        )  # fmt: skip
        for name, value in zip(("observed_at", "valid_from", "valid_until"), times, strict=True):
            object.__setattr__(self, name, value)

    @property
    def defaults(self) -> KindDefaults:
        return KIND_DEFAULTS[self.kind]

    @property
    def effective_radius_m(self) -> float:
        return self.defaults.radius_m if self.radius_m is None else self.radius_m

    @property
    def effective_closes(self) -> bool:
        return self.defaults.closes if self.closes is None else self.closes

    @property
    def effective_half_life_h(self) -> float:
        return self.defaults.half_life_h if self.half_life_h is None else self.half_life_h

    def valid_at(self, at: datetime) -> bool:
        """True when ``at`` lies in the half-open interval [valid_from, valid_until)."""
        return (self.valid_from is None or self.valid_from <= at) and (
            self.valid_until is None or at < self.valid_until
        )

    def decay(self, at: datetime) -> float:
        """Share of the initial risk left at ``at``: 0.5 ** (age / half-life); 1 before start."""
        start = self.observed_at or self.valid_from
        half_life_h = self.effective_half_life_h
        if start is None or math.isinf(half_life_h) or at <= start:
            return 1.0
        age_h = (at - start) / timedelta(hours=1)
        return float(0.5 ** (age_h / half_life_h))

    def weight(self, at: datetime) -> float:
        """severity x confidence x decay at ``at``, or 0 when not valid then."""
        if not self.valid_at(at):
            return 0.0
        return self.severity * self.confidence * self.decay(at)

    @property
    def lonlat(self) -> tuple[float, float]:
        """A representative point (for tables and maps)."""
        p = shapely.get_coordinates(self.geometry.representative_point())[0]
        return float(p[0]), float(p[1])


class Contribution(NamedTuple):
    """One hazard's share of one edge's risk at the model's time; closes=True means impassable."""

    hazard_id: str
    kind: HazardKind
    edge: int
    probability: float
    closes: bool
