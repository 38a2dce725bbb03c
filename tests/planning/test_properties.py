"""Properties on random small instances, checked by an independent schedule checker.

Every instance has at least one bus, singles in some class and a first window long enough for a
trip, so every example plans something (asserted): none is filtered away.
"""

from __future__ import annotations

import itertools
import math
from collections import defaultdict
from datetime import timedelta
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from corridor.planning import PEOPLE_CLASSES, PlanInput, Schedule, plan_evacuation
from corridor.planning._travel import TravelTimes
from tests.planning._instances import T0, plan_data, travel

EPS = timedelta(seconds=1)


@st.composite
def instances(draw: Any) -> tuple[PlanInput, TravelTimes]:
    from corridor.planning import plan_from_data

    n_g = draw(st.integers(1, 3))
    people = []
    families = []
    for g in range(n_g):
        counts = {c: draw(st.integers(0, 40)) for c in PEOPLE_CLASSES}
        counts["general"] += 1
        fams = []
        for i in range(draw(st.integers(0, 3))):
            cls = draw(st.sampled_from(PEOPLE_CLASSES))
            size = draw(st.integers(1, 14))
            counts[cls] += size
            fams.append({"id": f"f{g}-{i}", "size": size, "people_class": cls})
        people.append(counts)
        families.append(fams)
    start = draw(st.integers(0, 120))
    windows = [(float(start), float(start + draw(st.integers(100, 240))))]
    if draw(st.booleans()):
        a = windows[0][1] + draw(st.integers(10, 120))
        windows.append((a, a + draw(st.integers(30, 180))))
    n_cp = draw(st.integers(0, 2))
    checkpoints = [(draw(st.integers(4, 30)), float(draw(st.integers(0, 5)))) for _ in range(n_cp)]
    data = plan_data(
        people=people,
        families=families,
        buses=draw(st.lists(st.integers(8, 50), min_size=1, max_size=4)),
        ambulances=draw(
            st.lists(st.tuples(st.integers(1, 2), st.integers(0, 2)), min_size=0, max_size=1)
        ),
        capacities=draw(st.lists(st.integers(20, 200), min_size=1, max_size=2)),
        windows=windows,
        checkpoints=checkpoints,
        cars=[float(draw(st.integers(0, 1))) for _ in range(n_g)],
        convoy={
            "max_convoy_size": draw(st.integers(1, 5)),
            "min_spacing_minutes": draw(st.integers(0, 15)),
            "loading_minutes": 10,
            "unloading_minutes": 5,
        },
    )
    data["step_minutes"] = 5  # small models: the bound solves quickly even on a busy machine
    plan = plan_from_data(data)
    n_r = len(plan.reception_points)
    tt = travel(
        plan,
        to_entry=[draw(st.integers(0, 20)) for _ in range(n_g)],
        legs=[draw(st.integers(1, 10)) for _ in range(n_cp + 1)],
        exit_to_reception=[draw(st.integers(1, 20)) for _ in range(n_r)],
        back=[[draw(st.integers(5, 40)) for _ in range(n_g)] for _ in range(n_r)],
        depot=[draw(st.integers(0, 20)) for _ in range(n_g)],
    )
    return plan, tt


def check_schedule(plan: PlanInput, s: Schedule) -> None:
    """Independent of the planner: every rule a schedule must keep, from the input alone."""
    cap = {b.id: b.seats for b in plan.vehicles.buses}
    cap |= {a.id: a.places for a in plan.vehicles.ambulances}
    amb = {a.id for a in plan.vehicles.ambulances}
    cor = plan.corridors[0]
    windows = sorted((w.start_utc, w.end_utc) for w in cor.windows)
    received: dict[str, int] = defaultdict(int)
    moved_from: dict[tuple[str, str], int] = defaultdict(int)
    families_seen: dict[str, int] = {}
    fam_size = {f.id: f.size for g in plan.gathering_points for f in g.families}
    by_vehicle: dict[str, list[Any]] = defaultdict(list)
    for t in s.trips:
        assert 0 < t.people <= cap[t.vehicle_id], t.trip_id
        assert t.people == sum(p.people for p in t.passengers)
        if t.vehicle_id in amb:
            assert all(p.people_class == "medical" for p in t.passengers)
        received[t.reception_point_id] += t.people
        for p in t.passengers:
            moved_from[(p.gathering_point_id, p.people_class)] += p.people
            if p.family_id is not None:
                assert p.family_id not in families_seen, "a family split over trips"
                assert p.people == fam_size[p.family_id], "a family split"
                families_seen[p.family_id] = p.people
        ws, we = windows[t.window_index]
        assert ws - EPS <= t.entry_utc and t.exit_utc <= we + EPS, t.trip_id
        assert t.load_start_utc <= t.depart_utc <= t.entry_utc <= t.exit_utc <= t.arrive_utc
        prev = t.entry_utc
        for c in t.checkpoints:
            assert prev <= c.arrive_utc <= c.pass_utc
            prev = c.pass_utc
        by_vehicle[t.vehicle_id].append(t)
    for trips in by_vehicle.values():  # a vehicle does one thing at a time
        trips.sort(key=lambda t: t.load_start_utc)
        for a, b in itertools.pairwise(trips):
            assert a.unload_end_utc <= b.load_start_utc + EPS
            assert a.return_utc is not None and a.return_utc <= b.load_start_utc + EPS
    for r in plan.reception_points:
        assert received[r.id] <= r.capacity
    for g in plan.gathering_points:
        for c in PEOPLE_CLASSES:
            assert moved_from[(g.id, c)] <= g.people.get(c)
    cars = sum(g.private_cars_per_hour for g in plan.gathering_points)
    for k, cp in enumerate(cor.checkpoints):
        starts = sorted(
            t.checkpoints[k].pass_utc - timedelta(minutes=cp.inspection_minutes) for t in s.trips
        )
        headway = timedelta(hours=1) / (cp.max_vehicles_per_hour - cars)
        for a, b in itertools.pairwise(starts):
            assert b - a >= headway - EPS, "checkpoint throughput exceeded"
        per_hour: dict[Any, int] = defaultdict(int)
        for x in starts:
            per_hour[x.replace(minute=0, second=0, microsecond=0)] += 1
        assert all(n <= cp.max_vehicles_per_hour for n in per_hour.values())
    size = min(plan.convoy.max_convoy_size, cor.max_convoy_size or 10**9)
    entries = sorted(c.entry_utc for c in s.convoys)
    for c in s.convoys:
        assert len(c.vehicle_ids) <= size
    spacing = timedelta(minutes=plan.convoy.min_spacing_minutes)
    for a, b in itertools.pairwise(entries):
        assert b - a >= spacing - EPS
    assert s.moved + sum(x.people for x in s.left_behind) == s.total_people


@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(instances())
def test_schedules_keep_every_rule_and_never_beat_the_bound(
    inst: tuple[PlanInput, TravelTimes],
) -> None:
    plan, tt = inst
    s = plan_evacuation(plan, travel=tt, bound_time_limit_s=60, mip_max_cols=1500)
    check_schedule(plan, s)
    assert s.moved > 0  # every example exercises the planner
    # a solver stopped by its time limit falls back to a weaker valid bound; never below moved
    assert s.bound is not None
    assert s.moved <= s.bound.people + 1e-6, (s.moved, s.bound)
    assert math.isclose(s.bound.gap, max(0.0, 1 - s.moved / s.bound.people), abs_tol=1e-4)
    assert min(t.load_start_utc for t in s.trips) >= T0
