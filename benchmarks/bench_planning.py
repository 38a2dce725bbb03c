"""Planning: the fast planner against the exact time-expanded bound (HiGHS), time and gap.

Workload (seed 20260301): instances of growing size on the shared OSM extracts (Krems,
Aguascalientes) and the synthetic grid (``benchmarks/_synthetic.py``, side ``SYNTH_SIDE``):
gathering points at random road nodes with 20-300 people of mixed classes and a few families,
one reception point per 25 gathering points (capacity 1.1x demand in all), buses of 50 and 30
seats from three depots, one ambulance per ten buses, two corridors between random nodes with
one or two checkpoints of 8-30 vehicles/h (plus one per four buses), private cars (about
five an hour in all) from a few points, and 1-6 ceasefire windows of 60-150 minutes.
Travel times come from the route matrix (timed apart as "route"). For each instance: planner
time, exact bound time (LP, or MIP when small; models from coarse to fine while
``BENCH_PLANNING_EXACT_S`` seconds last, the smallest optimum is the bound), people moved,
clearance (hours after the start), the bound, and the gap (bound - moved) / bound.
``BENCH_PLANNING_SIZES`` picks instances by index (comma list).
"""

from __future__ import annotations

import os
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np

from benchmarks._synthetic import synthetic_network
from corridor.network import Network, import_osm
from corridor.planning import (
    PlannerInput,
    exact_bound,
    mip_trips,
    plan_from_data,
    plan_schedule,
    resolve_corridors,
    travel_times,
)
from corridor.planning._planner import initial_demand, initial_vehicles

SEED = 20260301
REPO = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("CORRIDOR_SHARED_DATA", REPO / ".." / "shared" / "data")) / "osm"
EXACT_S = float(os.environ.get("BENCH_PLANNING_EXACT_S", "120"))
SYNTH_SIDE = int(os.environ.get("BENCH_PLANNING_SYNTH_SIDE", "320"))
#: Models over this many columns are skipped (the coarsest is always solved).
MAX_COLS = int(os.environ.get("BENCH_PLANNING_MAX_COLS", "300000"))
T0 = datetime(2027, 3, 1, 6, 0, tzinfo=UTC)
#: (network, gathering points, buses, windows)
SIZES: list[tuple[str, int, int, int]] = [
    ("krems", 10, 10, 1),
    ("krems", 25, 20, 2),
    ("krems", 50, 40, 3),
    ("aguascalientes", 100, 60, 3),
    ("aguascalientes", 200, 120, 4),
    ("synthetic", 300, 200, 5),
    ("synthetic", 500, 300, 6),
]


def instance(net: Network, n_g: int, n_b: int, n_w: int, seed: int) -> dict[str, Any]:
    """A plan file's data for ``net`` (random nodes; fixed seed)."""
    rng = np.random.default_rng(seed)
    lat, lon = net.node_lat, net.node_lon

    def node() -> dict[str, float]:
        i = int(rng.integers(net.n_nodes))
        return {"lat": float(lat[i]), "lon": float(lon[i])}

    gps = []
    total = 0
    for g in range(n_g):
        counts = {
            "medical": int(rng.integers(0, 10)),
            "children": int(rng.integers(5, 80)),
            "elderly": int(rng.integers(5, 60)),
            "general": int(rng.integers(10, 150)),
        }
        fams = []
        for f in range(int(rng.integers(0, 4))):
            size = int(rng.integers(2, 7))
            counts["general"] += size
            fams.append({"id": f"f{f}", "size": size, "people_class": "general"})
        total += sum(counts.values())
        gps.append(
            {
                "id": f"g{g}",
                "name": f"Gathering point {g}",
                **node(),
                "people": counts,
                "families": fams,
                "private_cars_per_hour": float(rng.random() < 5.0 / n_g),  # ~5 cars/h in all
            }
        )
    n_r = max(2, n_g // 25)
    recs = [
        {"id": f"r{r}", "name": f"Reception {r}", **node(), "capacity": int(1.1 * total / n_r)}
        for r in range(n_r)
    ]
    depots = [node() for _ in range(3)]
    buses = [
        {"id": f"bus{b}", "seats": 50 if b % 3 else 30, "depot": depots[b % 3]} for b in range(n_b)
    ]
    ambs = [
        {"id": f"amb{a}", "stretchers": 2, "seats": 2, "depot": depots[a % 3]}
        for a in range(max(1, n_b // 10))
    ]
    corridors = []
    for c in range(2):
        t = 60.0 + 30.0 * c
        windows = []
        for _ in range(n_w):
            length = float(rng.integers(60, 151))
            windows.append(
                {
                    "start_utc": (T0 + timedelta(minutes=t)).isoformat(),
                    "end_utc": (T0 + timedelta(minutes=t + length)).isoformat(),
                }
            )
            t += length + float(rng.integers(60, 180))
        corridors.append(
            {
                "id": f"c{c}",
                "entry": node(),
                "exit": node(),
                "checkpoints": [
                    {
                        "name": f"c{c}-cp{k}",
                        **node(),
                        "max_vehicles_per_hour": int(rng.integers(8, 31)) + n_b // 4,
                        "inspection_minutes": float(rng.integers(1, 6)),
                    }
                    for k in range(int(rng.integers(1, 3)))
                ],
                "windows": windows,
                "max_convoy_size": 10,
            }
        )
    return {
        "id": f"bench-{n_g}-{n_b}-{n_w}",
        "start_utc": T0.isoformat(),
        "gathering_points": gps,
        "reception_points": recs,
        "vehicles": {"buses": buses, "ambulances": ambs},
        "corridors": corridors,
        "convoy": {"max_convoy_size": 10, "min_spacing_minutes": 5},
    }


def _networks(names: set[str]) -> dict[str, Network]:
    out: dict[str, Network] = {}
    if "krems" in names:
        out["krems"] = import_osm(REPO / "data" / "krems.osm.gz")  # the same extract, bundled
    if "aguascalientes" in names:
        out["aguascalientes"] = import_osm(SHARED / "aguascalientes.osm.pbf")
    if "synthetic" in names:
        out["synthetic"] = synthetic_network(side=SYNTH_SIDE)[0]
    return out


def main() -> None:
    picked = os.environ.get("BENCH_PLANNING_SIZES")
    sizes = [SIZES[int(i)] for i in picked.split(",")] if picked else SIZES
    nets = _networks({s[0] for s in sizes})
    print(
        f"exact bound capped at {EXACT_S:.0f} s; synthetic grid side {SYNTH_SIDE}; "
        f"{os.cpu_count()} cores (shared machine)"
    )
    head = (
        f"{'network':15} {'G':>4} {'B':>4} {'W':>2} {'people':>7} {'route s':>8} "
        f"{'plan s':>7} {'moved':>7} {'clearance':>9} {'exact s':>8} {'method':>6} "
        f"{'bound':>9} {'gap':>6} {'speedup':>8}"
    )
    print(head)
    for i, (name, n_g, n_b, n_w) in enumerate(sizes):
        net = nets[name]
        plan = plan_from_data(instance(net, n_g, n_b, n_w, SEED + i))
        cors = resolve_corridors(plan)
        t = time.perf_counter()
        tt = travel_times(plan, cors, net)
        route_s = time.perf_counter() - t

        def fresh() -> PlannerInput:
            return PlannerInput(
                plan=plan,  # noqa: B023
                corridors=cors,  # noqa: B023
                travel=tt,  # noqa: B023
                vehicles=initial_vehicles(plan),  # noqa: B023
                demand=initial_demand(plan),  # noqa: B023
                reception_left=[r.capacity for r in plan.reception_points],  # noqa: B023
            )

        plan_times = []
        for _ in range(3):
            t = time.perf_counter()
            sched = plan_schedule(fresh())
            plan_times.append(time.perf_counter() - t)
        plan_s = float(np.median(plan_times))
        # the second planner on small instances: the MIP's trips timed under the real rules
        t = time.perf_counter()
        chains = mip_trips(fresh())  # deterministic node limit, as in plan_evacuation
        if chains is not None:
            guided = plan_schedule(fresh(), chains=chains)
            print(
                f"  mip-guided: {guided.moved} people ({guided.method}; greedy alone "
                f"{sched.moved}) in {time.perf_counter() - t:.1f} s",
                flush=True,
            )
            sched = guided
        t = time.perf_counter()
        res = exact_bound(
            fresh(), time_limit_s=EXACT_S, moved=sched.moved, by_step=False, max_cols=MAX_COLS
        )
        exact_s = time.perf_counter() - t
        b = res.bound
        clear = (
            "-"
            if sched.clearance_utc is None
            else f"{(sched.clearance_utc - T0).total_seconds() / 3600:8.2f}h"
        )
        print(
            f"{name:15} {n_g:4d} {n_b:4d} {n_w:2d} {sched.total_people:7d} {route_s:8.2f} "
            f"{plan_s:7.3f} {sched.moved:7d} {clear:>9} {exact_s:8.1f} {b.method:>6} "
            f"{b.people:9.1f} {b.gap:6.1%} {exact_s / plan_s:7.0f}x"
            f"  ({b.status}; {res.n_cols} cols, step {b.step_minutes} min, "
            f"{b.gathering_groups} groups)",
            flush=True,
        )


if __name__ == "__main__":
    main()
