"""Incident records as arrays for the assessment: where, when known, how heavy, how uncertain.

Built once per record (a few thousand rows) and shared by every proposal of a batch. Each
hazard becomes one point: a Point's own position, else its representative point with the
geometry's extent added to the location uncertainty (a line or area hazard is as uncertain as
it is wide).
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cached_property

import numpy as np
import shapely
from numpy.typing import NDArray
from scipy.spatial import cKDTree

from corridor.assessment._knox import unit_vectors
from corridor.assessment._params import RiskParameters
from corridor.hazards import BELLINGCAT_SOURCE, Hazard, distance_km

F64 = NDArray[np.float64]
_REGION = re.compile(
    r"\b(oblast|region|vicinity|outskirts|district|raion|rayon|area|near|between|north|south|"
    r"east|west|province)\b",
    re.IGNORECASE,
)
_SITE = re.compile(r"\d|\b(street|st\.|avenue|ave|prospekt|square|hospital|school|station|"
                   r"bridge|plant|factory|market|theatre|theater|church|port)\b",
                   re.IGNORECASE)  # fmt: skip


def location_level(location: str | None) -> str:
    """How exactly a record's free-text location places it: ``region`` (an oblast, a direction
    from a town), ``town`` (only a town's name, or nothing: the pin is the town, or unknown),
    ``site`` (a street, a building, a district of a town)."""
    if location is None:
        return "site"  # a hazard without a location text is a mapped feature, not a report
    text = " ".join(location.split())
    if not text:
        return "town"
    if _REGION.search(text):
        return "region"
    if "," in text or _SITE.search(text):
        return "site"
    return "town"


def _location(h: Hazard) -> str | None:
    """The record's location text: its ``location`` property, or for a Bellingcat record read
    back from the store (which keeps no extra properties) the first part of its notes."""
    if "location" in h.extra:
        return str(h.extra["location"] or "")
    if h.source == BELLINGCAT_SOURCE:
        return h.notes.split(" | ", 1)[0] if " | " in h.notes else ""
    return None


def _day_dated(h: Hazard, start: datetime) -> bool:
    """Whether the record gives only a day: it says so, or (saying nothing) its time is
    exactly 00:00 UTC, which an importer writes for a date. Read as known at the day's end, so
    a midnight report is delayed, never an afternoon's record seen in the morning."""
    precision = h.extra.get("time_precision")
    if precision is not None:
        return bool(precision == "day")
    return start.hour == start.minute == start.second == start.microsecond == 0


def _epoch_s(at: datetime) -> float:
    return at.timestamp()


@dataclass(frozen=True)  # not slots: the tree is a cached property
class IncidentSet:
    """Incidents as parallel arrays (one row per hazard), sorted by the time they are known."""

    hazards: tuple[Hazard, ...]
    lat: F64
    lon: F64
    event_s: F64  # when it happened (observed_at, else valid_from), epoch seconds
    known_s: F64  # when the record can be known: event + report lag for day-dated records
    weight: F64  # severity x confidence
    acute_radius_km: F64
    acute_half_life_h: F64
    sigma_km: F64
    level: tuple[str, ...]

    def __len__(self) -> int:
        return len(self.hazards)

    @property
    def n(self) -> int:
        return len(self.hazards)

    @classmethod
    def from_hazards(cls, hazards: Sequence[Hazard], params: RiskParameters) -> IncidentSet:
        """Every hazard with a time; closing hazards (roadblocks, destroyed bridges...) are no
        record of violence and stay out, as do hazards with neither observed_at nor
        valid_from (no time, so no place in a look-ahead-free record)."""
        rows = []
        for h in hazards:
            start = h.observed_at or h.valid_from
            if start is None or h.effective_closes:
                continue
            if h.geometry.geom_type == "Point":
                lon, lat = float(h.geometry.x), float(h.geometry.y)
                extent = 0.0
            else:
                lon, lat = h.lonlat
                ring = shapely.get_coordinates(h.geometry)
                extent = max(distance_km(lat, lon, float(y), float(x)) for x, y in ring)
            location = _location(h)
            level = location_level(location)
            sigma = {"site": params.site_km, "town": params.town_km,
                     "region": params.region_km}[level]  # fmt: skip
            if location is None:
                sigma = 0.0
            sigma = math.hypot(sigma, extent)
            day_dated = _day_dated(h, start)
            lag = timedelta(hours=params.report_lag_h) if day_dated else timedelta(0)
            rows.append((h, lat, lon, _epoch_s(start), _epoch_s(start + lag),
                         h.severity * h.confidence, h.effective_radius_m / 1000.0,
                         h.effective_half_life_h, sigma, level))  # fmt: skip
        rows.sort(key=lambda r: (r[4], r[0].id))
        cols = list(zip(*rows, strict=True)) if rows else [()] * 10

        def arr(k: int) -> F64:
            return np.asarray(cols[k], dtype=np.float64)

        return cls(
            tuple(cols[0]), arr(1), arr(2), arr(3), arr(4), arr(5), arr(6), arr(7), arr(8),
            tuple(cols[9]),
        )  # fmt: skip

    @cached_property
    def tree(self) -> cKDTree:
        """A k-d tree of the incidents' unit vectors (chord distance), built on first use."""
        return cKDTree(unit_vectors(self.lat, self.lon) if self.n else np.zeros((0, 3)))

    def known_before(self, at_s: float) -> int:
        """How many incidents are known at or before ``at_s`` (a prefix, the rows are sorted)."""
        return int(np.searchsorted(self.known_s, at_s, side="right"))
