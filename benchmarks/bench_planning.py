"""Planning: the fast planner against the exact time-expanded solver (HiGHS), time and gap.

Workload (seed 20260301): instances of growing size on the shared OSM extracts (Krems,
Aguascalientes) and the synthetic grid (``benchmarks/_synthetic.py``, side ``SYNTH_SIDE``):
gathering points at random road nodes with 20-300 people of mixed classes and a few families,
one reception point per 25 gathering points (capacity 1.1x demand in all), buses of 50 and 30
seats from three depots, one ambulance per ten buses, two corridors between random nodes with
one or two checkpoints of 8-30 vehicles/h (plus one per four buses), private cars (about
five an hour in all) from a few points, and 1-6 ceasefire windows of 60-150 minutes.
Travel times come from the route matrix (timed apart as "route").

For each instance, as ``plan_evacuation`` does it: the greedy planner (median of three), the
reported bound (``exact_bound``: models from coarse to fine within ``BENCH_PLANNING_WORK``
simplex iterations, deterministic; ``BENCH_PLANNING_EXACT_S`` is its wall-clock safety net),
and the MIP guide only when the greedy gap is above 5 %. Printed: planner time (greedy plus
guide when used; wall and CPU seconds), people moved, clearance (hours after the start), the
bound, its kind and model, and the gap (bound - moved) / bound.

With ``BENCH_PLANNING_FULL=1`` the exact solver itself is also run on each instance: the
time-expanded model on every gathering point at the plan's step (1 minute), a MIP when it
has at most 4,000 columns, else its LP relaxation, as the issue describes, with no coarsening
and no work limit, stopped only after ``BENCH_PLANNING_FULL_S`` seconds of wall time (default
3,600: on a shared machine wall time runs several times the CPU time). Its CPU seconds are
what it needs on a free core, and "speedup" is its CPU time over the planner's.
``BENCH_PLANNING_SIZES`` picks instances by index (comma list).
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

import numpy as np

from benchmarks._synthetic import synthetic_network
from corridor.network import Network, import_osm
from corridor.planning import (
    PlannerInput,
    exact_bound,
    mip_guide,
    plan_from_data,
    plan_schedule,
    resolve_corridors,
    travel_times,
)
from corridor.planning._api import GUIDE_GAP
from corridor.planning._exact import BOUND_SAFETY_S, BOUND_WORK
from corridor.planning._planner import initial_demand, initial_vehicles

SEED = 20260301
T = TypeVar("T")
REPO = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("CORRIDOR_SHARED_DATA", REPO / ".." / "shared" / "data")) / "osm"
EXACT_S = float(os.environ.get("BENCH_PLANNING_EXACT_S", str(BOUND_SAFETY_S)))
WORK = int(os.environ.get("BENCH_PLANNING_WORK", str(BOUND_WORK)))
FULL = os.environ.get("BENCH_PLANNING_FULL", "") not in ("", "0")
FULL_S = float(os.environ.get("BENCH_PLANNING_FULL_S", "3600"))
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


def _timed(fn: Callable[[], T]) -> tuple[T, float, float]:
    """``fn()``, its wall and its CPU seconds (this process; HiGHS runs on one thread)."""
    t, c = time.perf_counter(), time.process_time()
    out = fn()
    return out, time.perf_counter() - t, time.process_time() - c


def main() -> None:
    picked = os.environ.get("BENCH_PLANNING_SIZES")
    # the seed follows the instance's index in SIZES, so a picked instance is the same one
    # as in a full run (it followed the position in the picked list before)
    index = [int(i) for i in picked.split(",")] if picked else list(range(len(SIZES)))
    sizes = [SIZES[i] for i in index]
    nets = _networks({s[0] for s in sizes})
    print(
        f"bound: work {WORK} simplex iterations, safety net {EXACT_S:.0f} s; full exact "
        f"solver: {'on, ' + format(FULL_S, '.0f') + ' s wall' if FULL else 'off'}; synthetic "
        f"grid side {SYNTH_SIDE}; {os.cpu_count()} cores (shared machine); load "
        f"{_load()}"
    )
    head = (
        f"{'network':15} {'G':>4} {'B':>4} {'W':>2} {'people':>7} {'route s':>8} "
        f"{'plan s':>7} {'plan cpu':>8} {'moved':>7} {'clearance':>9} {'bound s':>8} "
        f"{'bound':>9} {'kind':>14} {'gap':>6}"
    )
    print(head)
    for i, (name, n_g, n_b, n_w) in zip(index, sizes, strict=True):
        net = nets[name]
        plan = plan_from_data(instance(net, n_g, n_b, n_w, SEED + i))
        cors = resolve_corridors(plan)
        tt, route_s, _ = _timed(lambda: travel_times(plan, cors, net))  # noqa: B023

        def fresh() -> PlannerInput:
            return PlannerInput(
                plan=plan,  # noqa: B023
                corridors=cors,  # noqa: B023
                travel=tt,  # noqa: B023
                vehicles=initial_vehicles(plan),  # noqa: B023
                demand=initial_demand(plan),  # noqa: B023
                reception_left=[r.capacity for r in plan.reception_points],  # noqa: B023
            )

        runs = [_timed(lambda: plan_schedule(fresh())) for _ in range(3)]
        sched = runs[0][0]
        plan_s = float(np.median([r[1] for r in runs]))
        plan_cpu = float(np.median([r[2] for r in runs]))
        res, bound_s, _ = _timed(
            lambda: exact_bound(
                fresh(),
                time_limit_s=EXACT_S,
                work_limit=WORK,
                moved=sched.moved,  # noqa: B023
                by_step=False,
                max_cols=MAX_COLS,
            )
        )
        b = res.bound
        guide_note = "not needed"
        if b.gap > GUIDE_GAP:  # as plan_evacuation: the MIP guide only above a 5 % gap
            guide, g_s, g_cpu = _timed(lambda: mip_guide(fresh()))
            guide_note = guide.status
            if guide.chains is not None:
                chains = guide.chains
                guided, t_s, t_cpu = _timed(
                    lambda: plan_schedule(fresh(), chains=chains, greedy=False)  # noqa: B023
                )
                g_s, g_cpu = g_s + t_s, g_cpu + t_cpu
                guide_note += f", {guided.moved} people (greedy {sched.moved})"
                if guided.moved > sched.moved:
                    sched = guided
            plan_s, plan_cpu = plan_s + g_s, plan_cpu + g_cpu
            guide_note += f", {g_s:.1f} s wall, {g_cpu:.2f} s CPU"
        gap = 0.0 if b.people <= 0 else max(0.0, (b.people - sched.moved) / b.people)
        clear = (
            "-"
            if sched.clearance_utc is None
            else f"{(sched.clearance_utc - T0).total_seconds() / 3600:8.2f}h"
        )
        print(
            f"{name:15} {n_g:4d} {n_b:4d} {n_w:2d} {sched.total_people:7d} {route_s:8.2f} "
            f"{plan_s:7.3f} {plan_cpu:8.3f} {sched.moved:7d} {clear:>9} {bound_s:8.1f} "
            f"{b.people:9.1f} {b.kind:>14} {gap:6.1%}"
            f"  ({b.status}; {res.n_cols} cols, step {b.step_minutes} min, "
            f"{b.gathering_groups or 'every'} points; guide {guide_note}; load {_load()})",
            flush=True,
        )
        if FULL:
            full, full_s, full_cpu = _timed(
                lambda: exact_bound(
                    fresh(),
                    groups=n_g,  # noqa: B023
                    time_limit_s=FULL_S,
                    work_limit=2**31 - 1,
                    mip_max_nodes=2**31 - 1,
                    moved=sched.moved,  # noqa: B023
                    by_step=False,
                    max_cols=2**62,
                )
            )
            fb = full.bound
            done = fb.status == "optimal" and fb.step_minutes == plan.step_minutes
            print(
                f"  exact solver (every point, {fb.step_minutes}-min step, {full.n_cols} cols, "
                f"{full.n_rows} rows): {fb.kind} {fb.people:.1f}, {fb.status}, "
                f"{full_s:.1f} s wall, {full_cpu:.1f} s CPU; "
                + (
                    f"finished; speedup {full_cpu / plan_cpu:.0f}x CPU, {full_s / plan_s:.0f}x wall"
                    if done
                    else "did not finish"
                )
                + f" (load {_load()})",
                flush=True,
            )


def _load() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


if __name__ == "__main__":
    main()
