"""Re-planning from a state mid-day, by hand and on the bundled network."""

from __future__ import annotations

from datetime import timedelta

import numpy as np
import pytest

from corridor.errors import PlanError
from corridor.network import Network
from corridor.planning import (
    ReplanState,
    load_plan,
    plan_evacuation,
    replan,
    resolve_corridors,
    travel_times,
)
from corridor.routing import RouteOptions, route
from tests.planning._instances import T0, make, travel
from tests.planning.test_cli import DEMO_PLAN


def test_replan_after_the_first_trip_continues_the_plan() -> None:
    """The one-bus instance of test_hand: at 55 min the first 40 have left and the bus is free
    at the reception (30 min from the point). Re-planning the rest must give the original
    trips 2 and 3 exactly (load at 85 and 170, arrive at 130 and 215)."""
    p = make(people=[{"general": 100}], buses=[40], windows=[(0, 240)])
    full = plan_evacuation(p, travel=travel(p, to_entry=[10], legs=[10]))
    state = ReplanState.model_validate(
        {
            "at_utc": (T0 + timedelta(minutes=55)).isoformat(),
            "departed": [{"gathering_point_id": "g0", "people_class": "general", "people": 40}],
            "vehicles": [
                {
                    "vehicle_id": "bus0",
                    "lat": 48.5,
                    "lon": 15.7,
                    "available_utc": (T0 + timedelta(minutes=55)).isoformat(),
                }
            ],
            "reception_used": {"r0": 40},
        }
    )
    # the caller's travel table gives the bus's row from where it now is (the reception)
    rest = replan(p, state, travel=travel(p, to_entry=[10], legs=[10], depot=[30]))
    assert rest.total_people == 60 and rest.moved == 60
    assert [(t.load_start_utc, t.arrive_utc, t.people) for t in rest.trips] == [
        (t.load_start_utc, t.arrive_utc, t.people) for t in full.trips[1:]
    ]
    assert rest.bound is not None and rest.bound.people == 60
    assert rest.start_utc == T0 + timedelta(minutes=55)


def test_closed_corridor_out_of_service_vehicle_and_bad_state() -> None:
    p = make(people=[{"general": 30}], buses=[40, 40], windows=[(0, 240)])
    tt = travel(p, to_entry=[10], legs=[10])
    at = (T0 + timedelta(minutes=5)).isoformat()
    closed = replan(p, ReplanState(at_utc=at, closed_corridors=["c1"]), travel=tt)  # type: ignore[arg-type]
    assert closed.moved == 0 and {x.reason for x in closed.left_behind} == {"no_open_route"}
    assert "corridor c1: closed" in closed.problems
    one = replan(
        p,
        ReplanState.model_validate(
            {
                "at_utc": at,
                "vehicles": [
                    {
                        "vehicle_id": "bus0",
                        "lat": 0,
                        "lon": 0,
                        "available_utc": at,
                        "out_of_service": True,
                    }
                ],
            }
        ),
        travel=tt,
    )
    assert {t.vehicle_id for t in one.trips} == {"bus1"} and one.moved == 30
    assert min(t.load_start_utc for t in one.trips) >= T0 + timedelta(minutes=5)
    for bad, field in (
        (
            {"vehicles": [{"vehicle_id": "zz", "lat": 0, "lon": 0, "available_utc": at}]},
            "vehicles[0]",
        ),
        (
            {"departed": [{"gathering_point_id": "g0", "people_class": "general", "people": 31}]},
            "departed[0]",
        ),
        ({"closed_corridors": ["nope"]}, "closed_corridors[0]"),
    ):
        with pytest.raises(PlanError) as err:
            replan(p, ReplanState.model_validate({"at_utc": at, **bad}), travel=tt)
        assert err.value.field == field


def test_travel_times_come_from_the_router(krems_network: Network) -> None:
    """The condensed network's times equal single routed queries (a second implementation)."""
    plan = load_plan(DEMO_PLAN)
    cors = resolve_corridors(plan)
    tt = travel_times(plan, cors, krems_network)
    for g, gp in enumerate(plan.gathering_points):
        c = cors[0]
        one = route(
            krems_network,
            origin=(gp.lat, gp.lon),
            destination=(c.entry.lat, c.entry.lon),
            options=RouteOptions(risk_weight=0.0),
        ).best
        assert tt.to_entry[g, 0] == pytest.approx(one.time_s, rel=1e-9, abs=1e-6)
    assert tt.legs[0].shape == (2,) and np.isfinite(tt.legs[0]).all()
    # closing every edge makes every point unreachable: no trips, one line per point
    closed = np.arange(krems_network.n_edges)
    shut = travel_times(plan, cors, krems_network, closed_edges=closed)
    assert not np.isfinite(shut.to_entry).any()
    s = plan_evacuation(plan, travel=shut, bound=False)
    assert s.moved == 0
    assert sum("no open route" in x for x in s.problems) == 3
