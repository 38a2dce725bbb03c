"""The exact bound against an independent brute force on tiny instances.

One gathering point, one corridor with one checkpoint, one reception point, buses of mixed
sizes. Every time is a whole number of 5-minute units and the checkpoint's headway is too, so
an optimal schedule exists with every checkpoint pass on the 5-minute grid (given the order of
passes, taking each as early as its constraints allow keeps it feasible and on the grid). The
brute force below enumerates those schedules directly: which bus passes the checkpoint at
which grid time, each bus cycling back after its round trip. It knows nothing of the
time-expanded network, so the MIP at a 5-minute step (where no duration is rounded) must find
exactly its optimum, and the LP can only be above it.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from corridor.planning import PlannerInput, exact_bound, plan_evacuation, resolve_corridors
from corridor.planning._planner import initial_demand, initial_vehicles
from tests.planning._instances import make, travel

U = 5  # minutes per grid unit


@dataclass(frozen=True)
class Tiny:
    """Times in grid units (5 minutes)."""

    people: int
    seats: tuple[int, ...]
    depot: int  # depot -> gathering point
    to_entry: int
    leg_a: int  # entry -> checkpoint
    inspection: int
    leg_b: int  # checkpoint -> exit
    e2r: int
    back: int  # reception -> gathering point
    rate: int  # vehicles an hour: 12, 6, 4 or 3 (headway 1, 2, 3 or 4 units)
    window: tuple[int, int]
    load: int = 2  # 10 minutes
    unload: int = 1  # 5 minutes

    @property
    def headway(self) -> int:
        return 12 // self.rate


def brute_force(t: Tiny) -> int:
    """Most people through the corridor: a search over (bus, pass time) in time order."""
    ws, we = t.window
    first_pass = ws + t.leg_a  # nobody passes before the window opens and the first leg
    last_pass = we - t.inspection - t.leg_b  # the exit must be inside the window
    cycle = t.inspection + t.leg_b + t.e2r + t.unload + t.back + t.load + t.to_entry + t.leg_a
    ready0 = t.depot + t.load + t.to_entry + t.leg_a  # earliest pass of a bus's first trip

    @functools.cache
    def best(ready: tuple[int, ...], earliest: int) -> int:
        out = 0
        for p in range(earliest, last_pass + 1):
            for v, r in enumerate(ready):
                if r <= p and (v == 0 or r != ready[v - 1] or t.seats[v] != t.seats[v - 1]):
                    nxt = list(ready)
                    nxt[v] = p + cycle
                    out = max(out, t.seats[v] + best(tuple(nxt), p + t.headway))
        return out

    return min(t.people, best(tuple([max(ready0, first_pass)] * len(t.seats)), first_pass))


def to_plan(t: Tiny) -> tuple[Any, Any]:
    ws, we = t.window
    p = make(
        people=[{"general": t.people}],
        buses=list(t.seats),
        windows=[(ws * U, we * U)],
        checkpoints=[(t.rate, float(t.inspection * U))],
        convoy={
            "max_convoy_size": 50,
            "min_spacing_minutes": 0,
            "loading_minutes": t.load * U,
            "unloading_minutes": t.unload * U,
        },
    )
    tt = travel(
        p,
        to_entry=[t.to_entry * U],
        legs=[t.leg_a * U, t.leg_b * U],
        exit_to_reception=[t.e2r * U],
        back=[[t.back * U]],
        depot=[t.depot * U],
    )
    return p, tt


def bound_of(t: Tiny, *, mip: bool) -> float:
    p, tt = to_plan(t)
    inp = PlannerInput(
        plan=p,
        corridors=resolve_corridors(p),
        travel=tt,
        vehicles=initial_vehicles(p),
        demand=initial_demand(p),
        reception_left=[r.capacity for r in p.reception_points],
    )
    res = exact_bound(
        inp, step_minutes=U, mip_max_cols=10**6 if mip else 0, by_step=False, time_limit_s=120
    )
    assert res.bound.method == ("mip" if mip else "lp")
    assert res.bound.status == "optimal"
    return res.bound.people


def test_hand_instance_brute_force_and_bound_agree() -> None:
    """Two buses (40 and 20 seats) at the point; 100 people; checkpoint 6/h (10 min headway),
    window 0-120 min. A bus passes the checkpoint 10 + 10 + 5 = 25 min after it starts
    loading; exit 10 min later (5 inspection, 5 leg); round trip back to the next pass is
    10 + 5 + 5 + 15 + ... = 60 min. By hand: passes at 25 (40-seat), 35 (20-seat),
    85 (40-seat), 95 (20-seat); the window allows passes until 110, so no third round:
    40 + 20 + 40 + 20 = 120 > 100 people: all 100."""
    t = Tiny(
        people=100,
        seats=(40, 20),
        depot=0,
        to_entry=2,
        leg_a=1,
        inspection=1,
        leg_b=1,
        e2r=1,
        back=3,
        rate=6,
        window=(0, 24),
    )
    assert brute_force(t) == 100
    assert bound_of(t, mip=True) == 100
    # fewer people than seats is not what binds with 300 waiting: 4 passes, 120 people
    t2 = Tiny(**{**t.__dict__, "people": 300})
    assert brute_force(t2) == 120
    assert bound_of(t2, mip=True) == 120


tiny = st.builds(
    Tiny,
    people=st.integers(10, 400),
    seats=st.lists(st.sampled_from([10, 20, 30, 50]), min_size=1, max_size=3).map(tuple),
    depot=st.integers(0, 3),
    to_entry=st.integers(0, 3),
    leg_a=st.integers(1, 3),
    inspection=st.integers(0, 1),
    leg_b=st.integers(1, 3),
    e2r=st.integers(1, 3),
    back=st.integers(1, 6),
    rate=st.sampled_from([12, 6, 4, 3]),
    # at least 16 units: the first pass (at most 11 units after the start) always fits
    window=st.tuples(st.integers(0, 12), st.integers(16, 30)).map(lambda w: (w[0], w[0] + w[1])),
)


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(tiny)
def test_mip_bound_is_the_brute_force_optimum_and_the_lp_is_above(t: Tiny) -> None:
    opt = brute_force(t)
    assert opt > 0  # the window always fits a first pass: every example is exercised
    assert bound_of(t, mip=True) == opt
    assert bound_of(t, mip=False) >= opt - 1e-6
    p, tt = to_plan(t)
    s = plan_evacuation(p, travel=tt, bound=False)
    assert s.moved <= opt  # no schedule beats the optimum


def test_brute_force_is_not_trivially_the_demand() -> None:
    """The oracle itself: seats and the window bind, not only the people waiting."""
    t = Tiny(
        people=1000,
        seats=(30,),
        depot=0,
        to_entry=1,
        leg_a=1,
        inspection=0,
        leg_b=1,
        e2r=1,
        back=2,
        rate=12,
        window=(0, 20),
    )
    # one bus, first pass at 2+1+1 = 4 units, cycle 0+1+1+1+2+2+1+1 = 9 units: passes at 4
    # and 13; the next (22) is after the last possible pass (20 - 0 - 1 = 19): 60 people
    assert brute_force(t) == 60
    assert math.isclose(bound_of(t, mip=True), 60)
