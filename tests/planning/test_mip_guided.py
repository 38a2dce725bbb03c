"""The second planner: the exact MIP's trips, timed under the real rules (issue 9).

The MIP relaxes the rules (durations rounded down to steps, classes pooled, convoys counted
per window, not timed), so its trips are only a guide: each vehicle makes its MIP trips in
order when the planner's own timing code lets it, and the schedule is checked with the same
independent checker as every other schedule.
"""

from __future__ import annotations

import copy
import json
import subprocess
import sys

from hypothesis import HealthCheck, given, settings

from corridor.planning import (
    PlanInput,
    PlannerInput,
    Schedule,
    exact_bound,
    mip_guide,
    plan_evacuation,
    plan_schedule,
    resolve_corridors,
)
from corridor.planning._planner import initial_demand, initial_vehicles
from corridor.planning._travel import TravelTimes
from tests.planning._instances import plan_data, travel
from tests.planning.test_properties import check_schedule, instances


def _input(plan: PlanInput, tt: TravelTimes) -> PlannerInput:
    return PlannerInput(
        plan=plan,
        corridors=resolve_corridors(plan),
        travel=tt,
        vehicles=initial_vehicles(plan),
        demand=initial_demand(plan),
        reception_left=[r.capacity for r in plan.reception_points],
    )


def _one_bus() -> tuple[PlanInput, TravelTimes]:
    """One 42-seat bus, two points, two windows, a 14/h and a 24/h checkpoint in a row.

    Found by comparing the two planners on the property test's instances: the greedy planner
    takes the trip that arrives first each time; the MIP's order fits in one more load.
    """
    from corridor.planning import plan_from_data

    data = plan_data(
        people=[
            {"medical": 14, "children": 32, "elderly": 2, "general": 19},
            {"medical": 30, "children": 13, "elderly": 13, "general": 19},
        ],
        families=[
            [],
            [
                {"id": "f1-0", "size": 11, "people_class": "elderly"},
                {"id": "f1-1", "size": 13, "people_class": "general"},
                {"id": "f1-2", "size": 11, "people_class": "children"},
            ],
        ],
        buses=[42],
        capacities=[121, 100],
        windows=[(100.0, 326.0), (386.0, 552.0)],
        checkpoints=[(14, 2.0), (24, 4.0)],
        cars=[0.0, 1.0],
        convoy={
            "max_convoy_size": 1,
            "min_spacing_minutes": 8,
            "loading_minutes": 10,
            "unloading_minutes": 5,
        },
    )
    data["step_minutes"] = 5
    plan = plan_from_data(data)
    tt = travel(
        plan,
        to_entry=[18, 20],
        legs=[2, 10, 6],
        exit_to_reception=[16, 12],
        back=[[30, 37], [32, 31]],
        depot=[4, 10],
    )
    return plan, tt


def test_mip_guide_trips_beat_the_greedy_planner_on_a_small_instance() -> None:
    plan, tt = _one_bus()
    greedy = plan_schedule(_input(plan, tt))
    chains = mip_guide(_input(plan, tt), time_limit_s=30).chains
    assert chains is not None
    assert set(chains) == {0}  # the one bus, with the MIP's trips in order
    guided = plan_schedule(_input(plan, tt), chains=copy.deepcopy(chains), greedy=False)
    check_schedule(plan, guided)
    assert guided.method == "ccrp-bish+mip"
    assert guided.moved > greedy.moved, (guided.moved, greedy.moved)
    # the same four round trips, fuller: the greedy key sent the bus to a 25-person leftover
    assert len(guided.trips) == len(greedy.trips) == 4
    assert min(t.people for t in guided.trips) > min(t.people for t in greedy.trips)
    bound = exact_bound(_input(plan, tt), time_limit_s=30).bound
    assert guided.moved <= bound.people + 1e-6
    # and plan_evacuation keeps the better of the two
    best = plan_evacuation(plan, travel=tt, bound_time_limit_s=30)
    check_schedule(plan, best)
    assert best.moved == guided.moved
    assert best.method == "ccrp-bish+mip"


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(instances())
def test_a_mip_derived_schedule_never_breaks_a_rule(inst: tuple[PlanInput, TravelTimes]) -> None:
    plan, tt = inst
    # the guide's own safety net (120 s): a shorter one fired on a loaded machine
    chains = mip_guide(_input(plan, tt)).chains
    assert chains is not None  # the property test's instances are all small
    s: Schedule = plan_schedule(_input(plan, tt), chains=chains, greedy=False)
    check_schedule(plan, s)
    bound = exact_bound(_input(plan, tt), by_step=False).bound
    assert s.moved <= bound.people + 1e-6, (s.moved, bound)
    # trips the rules cannot allow (each vehicle asked for its MIP trips three times over, in
    # every window) are dropped, never made
    asked = {
        v: [(g, c, w) for g, c, w in trips for _ in range(3)]
        + [(g, 0, w) for g in range(len(plan.gathering_points)) for w in range(2)]
        for v, trips in chains.items()
    }
    check_schedule(plan, plan_schedule(_input(plan, tt), chains=asked, greedy=False))


def _without_timing(s: Schedule) -> str:
    data = json.loads(s.to_json())
    for key in ("created_utc", "plan_s"):
        data.pop(key)
    data["bound"].pop("solve_s")
    return json.dumps(data, sort_keys=True)


def test_the_guided_schedule_does_not_depend_on_machine_speed() -> None:
    plan, tt = _one_bus()
    quiet = plan_evacuation(plan, travel=tt, bound_time_limit_s=30)
    # the same plan with the CPU kept busy by another process and a shorter safety net that
    # is still not hit: byte-identical apart from the timing fields
    busy = subprocess.Popen([sys.executable, "-c", "while True: pass"])
    try:
        loaded = plan_evacuation(plan, travel=tt, bound_time_limit_s=30, guide_time_limit_s=20)
    finally:
        busy.kill()
        busy.wait()
    assert quiet.guide in ("optimal", "node_limit")
    assert quiet.method == "ccrp-bish+mip"
    assert _without_timing(loaded) == _without_timing(quiet)


def test_the_guide_is_discarded_when_the_safety_net_stops_it() -> None:
    plan, tt = _one_bus()
    greedy = plan_schedule(_input(plan, tt))
    # the wall-clock safety net fires before HiGHS finishes: no incumbent is used
    g = mip_guide(_input(plan, tt), time_limit_s=1e-9)
    assert (g.status, g.chains) == ("time_limit", None)
    s = plan_evacuation(plan, travel=tt, bound_time_limit_s=30, guide_time_limit_s=1e-9)
    assert s.guide == "time_limit"
    assert s.method == "ccrp-bish"
    assert s.moved == greedy.moved < plan_evacuation(plan, travel=tt).moved
    assert [t.model_dump() for t in s.trips] == [t.model_dump() for t in greedy.trips]


def test_the_node_limit_stops_the_guide_the_same_way_each_time() -> None:
    plan, tt = _one_bus()
    runs = [mip_guide(_input(plan, tt), max_nodes=1) for _ in range(2)]
    assert runs[0].status in ("node_limit", "optimal")
    assert runs[0].nodes <= 1 or runs[0].status == "optimal"
    assert runs[0] == runs[1]
