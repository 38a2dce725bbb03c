"""Same-process A/B of the next query after a 100-zone change on the 1M-node region (issue
15's ``change`` workload, ``bench_routing.bench_change``'s seeds): while the hierarchy
re-customises, the answer by the older picture's route when it still holds, else the floor
search ("new", ``Metric.shortest``), against the floor search alone ("old", the answer before).

    nice -n 10 .venv/bin/python -m benchmarks.ab_change [runs] [queries per change]

Per run: 200 random 300-600 m zones held, then 100 added, moved and removed; after each
change (taken by ``Metric.update``, timed once) a few random pairs are answered both ways,
alternating which goes first, on the same lagging state. Thread CPU per answer; both must
give the same cost (and networkx-free: the floor search is exact, tested in tests/routing).
"""

from __future__ import annotations

import statistics
import sys
import time

import numpy as np

from benchmarks._lagging import pictures, region_router
from benchmarks._lagging import rng as lagging_rng
from benchmarks.bench_routing import SEED, _zones
from corridor.routing import update_costs


def main(runs: int, per_change: int) -> None:
    net, router = region_router()
    floor = router.floor
    rng = lagging_rng()
    labels = ("added", "moved", "removed")
    update_ms: dict[str, list[float]] = {k: [] for k in labels}
    old_ms: dict[str, list[float]] = {k: [] for k in labels}
    new_ms: dict[str, list[float]] = {k: [] for k in labels}
    kept: dict[str, int] = dict.fromkeys(labels, 0)
    settled_old: dict[str, list[int]] = {k: [] for k in labels}
    # the new query's CPU ms by how it answered (the older picture's route, or a search)
    kept_ms: dict[str, list[float]] = {k: [] for k in labels}
    searched_ms: dict[str, list[float]] = {k: [] for k in labels}
    for run, model, cost, metric in pictures(net, router, runs):
        metric.update(np.zeros(1, np.int64), cost)
        added = _zones(net, 100, seed=SEED + 40 + run, prefix="n")
        moved = _zones(net, 100, seed=SEED + 50 + run, prefix="n")
        steps = {
            "added": lambda m=model, z=added: m.add(z),
            "moved": lambda m=model, z=moved: m.add(z),
            "removed": lambda m=model: m.remove([f"n{i}" for i in range(100)]),
        }
        for label, step in steps.items():
            changed = step()
            update_costs(cost, net, changed, risk=model.risk, closed=model.closed)
            c0 = time.thread_time()
            metric.update(changed, cost)
            update_ms[label].append((time.thread_time() - c0) * 1000)
            for q in range(per_change):
                s, t = rng.integers(net.n_nodes, size=2).tolist()
                got: dict[str, tuple[float, int]] = {}
                for variant in ("old", "new") if q % 2 == 0 else ("new", "old"):
                    c0 = time.thread_time()
                    if variant == "new":
                        found, _, n_settled = metric.shortest(s, t)
                        how = metric.answered_by
                    else:
                        with metric._lock:
                            found, _, n_settled = floor.search(
                                metric.cost, s, t, metric._lower_weights()
                            )
                        how = "floor"
                    ms = (time.thread_time() - c0) * 1000
                    (new_ms if variant == "new" else old_ms)[label].append(ms)
                    got[variant] = (found, n_settled)
                    if variant == "new":
                        (kept_ms if how == "unchanged" else searched_ms)[label].append(ms)
                        kept[label] += how == "unchanged"
                assert got["old"][0] == got["new"][0] or abs(got["old"][0] - got["new"][0]) <= (
                    1e-9 * got["old"][0]
                ), (label, s, t, got)
                settled_old[label].append(got["old"][1])
            if metric.current:
                print(f"  (run {run} {label}: the hierarchy caught up during the queries)")
            metric.wait()
    for label in labels:
        o, n = old_ms[label], new_ms[label]
        print(
            f"{label:<8} update CPU median {statistics.median(update_ms[label]):.2f} ms | "
            f"query CPU median old {statistics.median(o):.2f} new {statistics.median(n):.2f} ms, "
            f"mean old {statistics.mean(o):.2f} new {statistics.mean(n):.2f}, p90 old "
            f"{np.percentile(o, 90):.2f} new {np.percentile(n, 90):.2f} | route kept "
            f"{kept[label]}/{len(n)} (new query median when kept "
            f"{statistics.median(kept_ms[label] or [np.nan]):.2f}, when searched "
            f"{statistics.median(searched_ms[label] or [np.nan]):.2f}) | "
            f"floor settled median {statistics.median(settled_old[label])}"
        )


if __name__ == "__main__":
    main(
        int(sys.argv[1]) if len(sys.argv) > 1 else 7,
        int(sys.argv[2]) if len(sys.argv) > 2 else 4,
    )
