"""Small hand-made instances with travel times given directly (no road network needed)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np

from corridor.planning import PlanInput, plan_from_data
from corridor.planning._travel import TravelTimes

T0 = datetime(2022, 3, 8, 8, 0, tzinfo=UTC)


def at(minutes: float) -> str:
    return (T0 + timedelta(minutes=minutes)).isoformat()


def plan_data(
    *,
    people: list[dict[str, int]],
    families: list[list[dict[str, Any]]] | None = None,
    buses: list[int] = (),  # type: ignore[assignment]
    ambulances: list[tuple[int, int]] = (),  # type: ignore[assignment]
    capacities: list[int] | None = None,
    windows: list[tuple[float, float]] = ((60.0, 300.0),),  # type: ignore[assignment]
    checkpoints: list[tuple[int, float]] = (),  # type: ignore[assignment]
    cars: list[float] | None = None,
    convoy: dict[str, Any] | None = None,
) -> dict[str, Any]:
    n = len(people)
    return {
        "id": "hand",
        "start_utc": T0.isoformat(),
        "gathering_points": [
            {
                "id": f"g{i}",
                "name": f"Point {i}",
                "lat": 48.4,
                "lon": 15.6 + i * 0.01,
                "people": people[i],
                "families": (families or [[] for _ in range(n)])[i],
                "private_cars_per_hour": (cars or [0.0] * n)[i],
            }
            for i in range(n)
        ],
        "reception_points": [
            {"id": f"r{j}", "name": f"Hall {j}", "lat": 48.5, "lon": 15.7, "capacity": cap}
            for j, cap in enumerate(capacities or [10_000])
        ],
        "vehicles": {
            "buses": [
                {"id": f"bus{i}", "seats": s, "depot": {"lat": 48.4, "lon": 15.6}}
                for i, s in enumerate(buses)
            ],
            "ambulances": [
                {"id": f"amb{i}", "stretchers": a, "seats": b, "depot": {"lat": 48.4, "lon": 15.6}}
                for i, (a, b) in enumerate(ambulances)
            ],
        },
        "corridors": [
            {
                "id": "c1",
                "entry": {"lat": 48.41, "lon": 15.62},
                "exit": {"lat": 48.45, "lon": 15.66},
                "checkpoints": [
                    {
                        "name": f"K{k}",
                        "lat": 48.43,
                        "lon": 15.64,
                        "max_vehicles_per_hour": rate,
                        "inspection_minutes": insp,
                    }
                    for k, (rate, insp) in enumerate(checkpoints)
                ],
                "windows": [{"start_utc": at(a), "end_utc": at(b)} for a, b in windows],
            }
        ],
        "convoy": convoy
        or {
            "max_convoy_size": 10,
            "min_spacing_minutes": 10,
            "loading_minutes": 15,
            "unloading_minutes": 10,
        },
    }


def travel(
    plan: PlanInput,
    *,
    to_entry: list[float],
    legs: list[float],
    exit_to_reception: list[float] | None = None,
    back: list[list[float]] | None = None,
    depot: list[float] | None = None,
) -> TravelTimes:
    """Times in minutes: gathering->entry, corridor legs, exit->receptions, back, depot->gp."""
    g = len(plan.gathering_points)
    r = len(plan.reception_points)
    v = len(plan.vehicles.buses) + len(plan.vehicles.ambulances)
    e2r = exit_to_reception or [10.0] * r
    return TravelTimes(
        to_entry=np.array(to_entry, dtype=float).reshape(g, 1) * 60,
        legs=[np.array(legs, dtype=float) * 60],
        exit_to_reception=np.array(e2r, dtype=float).reshape(1, r) * 60,
        reception_to_gathering=(np.array(back) if back is not None else np.full((r, g), 30.0)) * 60,
        depot_to_gathering=np.tile(np.array(depot or [0.0] * g, dtype=float), (v, 1)) * 60,
    )


def make(**kw: Any) -> PlanInput:
    return plan_from_data(plan_data(**kw))
