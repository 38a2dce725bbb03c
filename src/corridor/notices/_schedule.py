"""The schedule a notice announces: departures per gathering point, times per checkpoint.

Everything is UTC here; only the renderers turn it into Kyiv time. A plan from
corridor.planning supplies the schedule when there is one; without a plan, the agreement
alone gives one convoy per ceasefire window, leaving the origin at the window's start and
reaching each checkpoint at the convoy's speed plus the inspections before it.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from corridor.agreements import Terms, haversine_m

CONVOY_SPEED_KMH = 30.0  # loaded buses in a marked convoy, checkpoint queues excluded


@dataclass(frozen=True)
class Departure:
    """One convoy leaving a gathering point."""

    place: str
    lat: float
    lon: float
    at_utc: datetime
    vehicles: int | None = None  # None: not planned per convoy (up to the agreed size)
    seats: int | None = None
    last_utc: datetime | None = None  # the last vehicle of this group leaves then


@dataclass(frozen=True)
class CheckpointPass:
    """When a convoy is planned to reach a checkpoint."""

    checkpoint: str
    departure_utc: datetime
    at_utc: datetime


@dataclass(frozen=True)
class Schedule:
    """The departures and checkpoint times a notice or movement announces; ``source`` says
    where they came from ("agreement" or the plan's id)."""

    source: str
    departures: list[Departure]
    passes: list[CheckpointPass] = field(default_factory=list)
    passengers: dict[str, int] = field(default_factory=dict)  # by class, counts only

    def passes_for(self, departure_utc: datetime) -> list[CheckpointPass]:
        return [p for p in self.passes if p.departure_utc == departure_utc]


def _along_m(coords: list[list[float]], lat: float, lon: float) -> float:
    """Distance along the line to its vertex nearest (lat, lon): where a checkpoint sits."""
    best_i = min(range(len(coords)), key=lambda i: haversine_m(coords[i], [lon, lat]))
    return sum(haversine_m(a, b) for a, b in itertools.pairwise(coords[: best_i + 1]))


def schedule_from_agreement(terms: Terms, *, speed_kmh: float = CONVOY_SPEED_KMH) -> Schedule:
    """One convoy per window from the origin; checkpoint times at ``speed_kmh`` plus the
    inspection minutes of every checkpoint passed before (checkpoints ordered along the route)."""
    coords = terms.route.geometry.coordinates
    order = sorted(terms.checkpoints, key=lambda c: _along_m(coords, c.lat, c.lon))
    departures, passes = [], []
    for w in terms.windows_sorted():
        departures.append(
            Departure(
                place=terms.origin.name,
                lat=terms.origin.lat,
                lon=terms.origin.lon,
                at_utc=w.start_utc,
                vehicles=None,
            )
        )
        waited = timedelta()
        for cp in order:
            drive = timedelta(hours=_along_m(coords, cp.lat, cp.lon) / 1000 / speed_kmh)
            at = w.start_utc + drive + waited
            passes.append(CheckpointPass(cp.name, w.start_utc, _to_minute(at)))
            waited += timedelta(minutes=cp.inspection_minutes)
    return Schedule(source="agreement", departures=departures, passes=passes)


def _to_minute(at: datetime) -> datetime:
    """Round up to the next whole minute: a convoy announced early waits, one late alarms."""
    if at.second or at.microsecond:
        at = at.replace(second=0, microsecond=0) + timedelta(minutes=1)
    return at


def schedule_for(terms: Terms, plan: object | None = None, plan_input: object = None) -> Schedule:
    """The schedule to announce: the planner's when one is given, else the agreement's own."""
    if plan is None:
        return schedule_from_agreement(terms)
    from corridor.notices._plan_input import schedule_from_plan

    return schedule_from_plan(terms, plan, plan_input)  # type: ignore[arg-type]
