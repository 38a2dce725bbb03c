"""Small instances whose optimal schedules are worked out by hand (times in minutes from 08:00).

Each docstring gives the hand calculation; the planner must match it and the exact bound must
equal the optimum (the instances are small enough for the MIP).
"""

from __future__ import annotations

import itertools
import math
from datetime import timedelta

from corridor.planning import plan_evacuation
from tests.planning._instances import T0, make, travel


def _min(t: object) -> float:
    assert hasattr(t, "__sub__")
    return (t - T0) / timedelta(minutes=1)  # type: ignore[operator]


def test_one_bus_three_round_trips() -> None:
    """100 people, one 40-seat bus at the point, window 0-240, 10 min to the entry, 10 min
    through the corridor, 10 min to reception, 30 min back; load 15, unload 10.
    Trip k loads at 85(k-1): depart +15, entry +25, exit +35, arrive +45, free +55, back +85.
    So 40 + 40 + 20 people, the last arriving at 170 + 45 = 215 min (11:35)."""
    p = make(people=[{"general": 100}], buses=[40], windows=[(0, 240)])
    s = plan_evacuation(p, travel=travel(p, to_entry=[10], legs=[10]))
    assert [t.people for t in s.trips] == [40, 40, 20]
    assert [_min(t.load_start_utc) for t in s.trips] == [0, 85, 170]
    assert [_min(t.entry_utc) for t in s.trips] == [25, 110, 195]
    assert [_min(t.arrive_utc) for t in s.trips] == [45, 130, 215]
    assert [None if t.return_utc is None else _min(t.return_utc) for t in s.trips] == [
        85,
        170,
        None,
    ]
    assert s.moved == 100 and not s.left_behind
    assert s.clearance_utc is not None and _min(s.clearance_utc) == 215
    assert s.bound is not None and s.bound.people == 100  # proven by the first (coarse) LP
    assert s.bound.gap == 0


def test_window_closes_before_the_third_trip() -> None:
    """As above with the window closing at 200: the third trip would leave the corridor at
    205 > 200, so 80 people move; more vehicles would have moved the rest (reason: seats)."""
    p = make(people=[{"general": 100}], buses=[40], windows=[(0, 200)])
    s = plan_evacuation(p, travel=travel(p, to_entry=[10], legs=[10]))
    assert s.moved == 80
    assert [(x.people, x.reason) for x in s.left_behind] == [(20, "seats")]
    assert s.bound is not None and s.bound.people == 80


def test_checkpoint_throughput_binds() -> None:
    """Six 10-seat buses, 60 people, a checkpoint passing 6 vehicles/h (one per 10 min) with 2
    min inspection, 5 min legs either side, window 30-90. All enter at 30 in one convoy, reach
    the checkpoint at 35 and pass it at 35, 45, ..., 85 (+2 inspection, +5 to the exit): the
    sixth would leave at 92 > 90. Five buses, 50 people; no bus is back before 90."""
    p = make(
        people=[{"general": 60}],
        buses=[10] * 6,
        windows=[(30, 90)],
        checkpoints=[(6, 2.0)],
    )
    s = plan_evacuation(p, travel=travel(p, to_entry=[0], legs=[5, 5]))
    assert s.moved == 50
    passes = sorted(_min(t.checkpoints[0].pass_utc) for t in s.trips)
    assert passes == [37, 47, 57, 67, 77]
    assert len(s.convoys) == 1 and len(s.convoys[0].vehicle_ids) == 5
    assert [(x.people, x.reason) for x in s.left_behind] == [(10, "checkpoint_throughput")]
    assert s.bound is not None and s.bound.people == 50
    loads = {(_min(c.hour_start_utc), c.vehicles) for c in s.checkpoint_loads}
    assert loads == {(0, 3), (60, 2)}  # passes 35, 45, 55 | 65, 75


def test_families_whole_and_too_large() -> None:
    """One 10-seat bus; families of 6, 5 and 12 (no singles). Trip 1 takes the 6 (the 5 does
    not fit the 4 seats left), trip 2 the 5; the 12 never fits any vehicle and is not split."""
    fams = [{"id": "a", "size": 6}, {"id": "b", "size": 5}, {"id": "c", "size": 12}]
    p = make(people=[{"general": 23}], families=[fams], buses=[10], windows=[(0, 400)])
    s = plan_evacuation(p, travel=travel(p, to_entry=[10], legs=[10]))
    groups = [[(g.family_id, g.people) for g in t.passengers] for t in s.trips]
    assert groups == [[("a", 6)], [("b", 5)]]
    assert [(x.family_id, x.reason) for x in s.left_behind] == [("c", "family_too_large")]
    assert any("family c of 12" in line for line in s.problems)
    assert s.bound is not None and s.bound.people == 11


def test_medical_first_and_ambulances_carry_only_medical() -> None:
    """An ambulance (1 stretcher + 1 seat) and a 30-seat bus, both free at 0: the ambulance
    takes the 2 medical cases, the bus 30 of the 31 others, elderly before general."""
    p = make(
        people=[{"medical": 2, "elderly": 5, "general": 26}],
        buses=[30],
        ambulances=[(1, 1)],
        windows=[(0, 80)],
    )
    s = plan_evacuation(p, travel=travel(p, to_entry=[10], legs=[10]))
    by_vehicle = {t.vehicle_id: t.by_class() for t in s.trips}
    assert by_vehicle["amb0"] == {"medical": 2, "children": 0, "elderly": 0, "general": 0}
    assert by_vehicle["bus0"] == {"medical": 0, "children": 0, "elderly": 5, "general": 25}
    assert s.moved == 32 and s.left_behind[0].people == 1


def test_reception_capacity_below_demand() -> None:
    p = make(people=[{"general": 40}], buses=[50], capacities=[25], windows=[(0, 300)])
    s = plan_evacuation(p, travel=travel(p, to_entry=[10], legs=[10]))
    assert s.moved == 25
    assert [(x.people, x.reason) for x in s.left_behind] == [(15, "reception_capacity")]
    assert "reception points take 25 people in all but 40 wait" in s.problems
    assert s.bound is not None and s.bound.people == 25


def test_unreachable_point_no_vehicles_past_and_overlapping_windows() -> None:
    p = make(people=[{"general": 10}, {"children": 7}], buses=[20], windows=[(0, 300)])
    s = plan_evacuation(p, travel=travel(p, to_entry=[10, math.inf], legs=[10]))
    assert s.moved == 10
    assert [(x.gathering_point_id, x.reason) for x in s.left_behind] == [("g1", "no_open_route")]
    assert "gathering point g1: no open route to any corridor" in s.problems

    p = make(people=[{"general": 10}], buses=[], windows=[(0, 300)])
    s = plan_evacuation(p, travel=travel(p, to_entry=[10], legs=[10]))
    assert s.moved == 0 and s.trips == []
    assert "no vehicles: nobody can be moved" in s.problems
    assert [x.reason for x in s.left_behind] == ["seats"]
    assert s.bound is not None and s.bound.people == 0

    p = make(people=[{"general": 10}], buses=[20], windows=[(-120, -60)])
    s = plan_evacuation(p, travel=travel(p, to_entry=[10], legs=[10]))
    assert s.moved == 0
    assert any("ends before the plan starts" in x for x in s.problems)
    assert [x.reason for x in s.left_behind] == ["window_length"]

    p = make(people=[{"general": 10}], buses=[20], windows=[(0, 100), (50, 200)])
    s = plan_evacuation(p, travel=travel(p, to_entry=[10], legs=[10]))
    assert any("overlaps" in x for x in s.problems) and s.moved == 10
    assert len(s.windows) == 1 and _min(s.windows[0].end_utc) == 200


def test_private_cars_share_the_checkpoint() -> None:
    """A checkpoint of 6/h with 4 private cars/h from the point leaves 2/h (one per 30 min):
    buses load 0-15 and reach the checkpoint at 20 (5 min leg): passes at 20, 50, 80, 110
    (exit +5 <= 120); a fifth at 140 would not fit. Four 10-seat buses move 40 of 50."""
    p = make(
        people=[{"general": 50}],
        buses=[10] * 5,
        windows=[(0, 120)],
        checkpoints=[(6, 0.0)],
        cars=[4.0],
    )
    s = plan_evacuation(p, travel=travel(p, to_entry=[0], legs=[5, 5]))
    assert s.moved == 40
    assert sorted(_min(t.checkpoints[0].arrive_utc) for t in s.trips)[0] == 20
    passes = sorted(_min(t.checkpoints[0].pass_utc) for t in s.trips)
    assert [b - a for a, b in itertools.pairwise(passes)] == [30, 30, 30]
    assert {c.private_cars for c in s.checkpoint_loads} == {4.0}


def test_a_full_load_before_a_leftover_nearby() -> None:
    """One 50-seat bus, 10 people at g0 (at the entry) and 100 at g1 (5 min from it), window
    0-95, 10 min through the corridor, 10 to reception, unload 10, 30 back: a first trip loads
    0-15 and leaves the corridor at 25 (g0) or 30 (g1); the bus is back at 75 at the earliest
    and a second trip would leave the corridor at 100 > 95. One trip: 50 people from g1 beat
    10 from g0 arriving 5 minutes earlier (a minute per empty seat: 40 > 5)."""
    p = make(people=[{"general": 10}, {"general": 100}], buses=[50], windows=[(0, 95)])
    s = plan_evacuation(p, travel=travel(p, to_entry=[0, 5], legs=[10]))
    assert [(t.gathering_point_id, t.people) for t in s.trips] == [("g1", 50)]
    assert s.bound is not None and s.bound.people == 50 and s.bound.gap == 0


def test_largest_vehicle_takes_the_first_checkpoint_slot() -> None:
    """A 10-seat and a 40-seat bus, both free at 0 at the point, 100 people, window 0-125,
    10 min to the entry, a checkpoint passing one vehicle per 10 min (6/h, no inspection)
    5 min either side of it. Both load 0-15 and enter at 25 in one convoy; the first passes
    the checkpoint at 30 (exit 35), the second at 40 (exit 45). Arrive +10, unload +10, 30
    back, load 15: the first is at the entry again at 110 and leaves the corridor at 120, the
    second would leave at 130 > 125. So the first slot decides which bus goes twice: the
    40-seat one gives 40 + 10 + 40 = 90 (the 10-seat one first gave 10 + 40 + 10 = 60)."""
    p = make(people=[{"general": 100}], buses=[10, 40], windows=[(0, 125)], checkpoints=[(6, 0.0)])
    s = plan_evacuation(p, travel=travel(p, to_entry=[10], legs=[5, 5]))
    assert [(t.vehicle_id, t.people, _min(t.exit_utc)) for t in s.trips] == [
        ("bus1", 40, 35),
        ("bus0", 10, 45),
        ("bus1", 40, 120),
    ]
    assert s.moved == 90
    assert s.bound is not None and s.bound.people == 90 and s.bound.gap == 0
