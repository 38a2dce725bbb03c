"""The schedule from corridor.planning: departures per gathering point, checkpoint times.

A planner schedule names gathering points by id; the plan file (optional) gives their names,
addresses and positions. Only trips through this agreement's corridor are announced.
"""

from __future__ import annotations

import dataclasses
from collections import defaultdict
from datetime import datetime

from corridor.agreements import Terms
from corridor.errors import InputError
from corridor.notices._details import NoticeDetails, PlaceDetails
from corridor.notices._schedule import CheckpointPass, Departure, Schedule
from corridor.planning import PlanInput
from corridor.planning import Schedule as PlanSchedule


def _corridor_ids(terms: Terms, plan: PlanInput | None) -> set[str]:
    ids = {terms.corridor_id}
    if plan is not None:
        ids |= {c.id for c in plan.corridors if c.agreement == terms.corridor_id}
    return ids


def schedule_from_plan(
    terms: Terms, schedule: PlanSchedule, plan: PlanInput | None = None
) -> Schedule:
    """Departures grouped by (gathering point, departure time), with vehicles and seats."""
    wanted = _corridor_ids(terms, plan)
    trips = [t for t in schedule.trips if t.corridor_id in wanted]
    if not trips:
        raise InputError(
            f"the schedule of plan {schedule.plan_id!r} has no trip through corridor "
            f"{terms.corridor_id!r}",
            field="plan",
            hint="plan with this agreement as a corridor, or leave out --plan",
        )
    points = {g.id: g for g in plan.gathering_points} if plan is not None else {}
    groups: dict[tuple[str, int], list[tuple[datetime, int]]] = defaultdict(list)
    passes: list[CheckpointPass] = []
    passengers: dict[str, int] = defaultdict(int)
    for t in trips:
        groups[(t.gathering_point_id, t.window_index)].append((t.depart_utc, t.capacity))
        passes += [CheckpointPass(c.checkpoint, t.depart_utc, c.arrive_utc) for c in t.checkpoints]
        for cls, n in t.by_class().items():
            passengers[cls] += n
    departures = []
    # one announced departure per gathering point and window: people come for the first
    # vehicle; the notice says until when vehicles keep leaving
    for (gp, _window), trips_here in sorted(groups.items(), key=lambda kv: (min(kv[1]), kv[0][0])):
        g = points.get(gp)
        first, last = min(t for t, _ in trips_here), max(t for t, _ in trips_here)
        departures.append(
            Departure(
                place=g.name if g is not None else gp,
                lat=g.lat if g is not None else terms.origin.lat,
                lon=g.lon if g is not None else terms.origin.lon,
                at_utc=first,
                vehicles=len(trips_here),
                seats=sum(c for _, c in trips_here),
                last_utc=last if last != first else None,
            )
        )
    return Schedule(
        source=f"plan {schedule.plan_id}",
        departures=departures,
        passes=passes,
        passengers=dict(passengers),
    )


def details_with_plan(details: NoticeDetails, plan: PlanInput | None) -> NoticeDetails:
    """Addresses the plan file gives fill places the notice details leave out."""
    if plan is None:
        return details
    places = dict(details.places)
    named = [(g.name, g.address) for g in plan.gathering_points]
    named += [(r.name, r.address) for r in plan.reception_points]
    for name, address in named:
        if name not in places and address:
            places[name] = PlaceDetails(address=address)
    return dataclasses.replace(details, places=places)
