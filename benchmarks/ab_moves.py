"""Same-process A/B of the next query after a 100-zone move on the 1M-node region (issue 15's
``change`` workload, ``bench_routing.bench_change``'s seeds): the potentials from the prior
picture's arcs on every node ("new", what ``Metric.update`` now chooses for a move) against
the level-1 marks above every lowered cost, walked up the elimination tree before the search
("old", what it chose before: the walk is paid by the first search after the change, so it
is charged to every "old" answer here, as to the benchmark's one next query).

    nice -n 10 .venv/bin/python -m benchmarks.ab_moves [runs] [queries per move]

Per run: 200 random 300-600 m zones held, 100 added (customised), then the same 100 moved;
on the lagging state after the move a few random pairs are answered both ways, alternating
which goes first. Thread CPU per answer (the older picture's route check included in both);
both must give the same cost. Also prints the share of the raised edges the move left up.
"""

from __future__ import annotations

import math
import statistics
import sys
import time

import numpy as np

from benchmarks._lagging import STEPS, change, pictures, region_router
from benchmarks._lagging import rng as lagging_rng
from corridor.routing import _cch_kernels as ck


def main(runs: int, per_move: int) -> None:
    net, router = region_router()
    floor = router.floor
    hierarchy = floor.metric.hierarchy
    rng = lagging_rng()
    ms: dict[str, list[float]] = {"old": [], "new": []}
    searched: dict[str, list[float]] = {"old": [], "new": []}
    walk_ms: list[float] = []
    settled: dict[str, list[int]] = {"old": [], "new": []}
    everywhere = 0
    for run, model, cost, metric in pictures(net, router, runs):
        for step, seed in STEPS:
            before = cost.copy()
            changed = change(net, model, cost, metric, seed=seed, run=run)
            if step == "added":
                metric.wait()
        prior = metric._prior
        assert prior is not None
        up = before > prior[2]
        left = int((cost[up] > prior[2][up]).sum())
        print(f"run {run}: {left} of {int(up.sum())} raised edges left up by the move")
        everywhere += metric._everywhere
        lowered = changed[cost[changed] < before[changed]]
        for q in range(per_move):
            s, t = rng.integers(net.n_nodes, size=2).tolist()
            got: dict[str, float] = {}
            for variant in ("old", "new") if q % 2 == 0 else ("new", "old"):
                with metric._lock:
                    c0 = time.thread_time()
                    kept = metric._unchanged_locked(s, t)
                    if len(kept) == 2:  # (the route changed: the search, stopping on it)
                        lower = metric._lower_weights()
                        assert lower is not None
                        if variant == "old":
                            c1 = time.thread_time()
                            marked = np.zeros_like(lower[2])  # (the walk, on a copy)
                            ck.mark_dirty(hierarchy.parent, hierarchy.edge_low, lowered, marked, 1)
                            walk_ms.append((time.thread_time() - c1) * 1000)
                            lower = (*lower[:2], marked, *lower[3:5], 0)
                        found, _, n = floor.search(
                            metric.cost, s, t, lower, backward=kept[0], route=kept[1]
                        )
                        settled[variant].append(n)
                    else:
                        found = kept[0]
                    took = (time.thread_time() - c0) * 1000
                ms[variant].append(took)
                if len(kept) == 2:
                    searched[variant].append(took)
                got[variant] = found
            # (the same cost; the stop on the old route may take another route as cheap)
            assert math.isclose(got["old"], got["new"], rel_tol=1e-9), (s, t, got)
        metric.wait()
    print(f"prior's arcs everywhere after {everywhere} of {runs} moves")
    for v in ("old", "new"):
        print(
            f"{v}: next query CPU median {statistics.median(ms[v]):.2f} ms (mean "
            f"{statistics.mean(ms[v]):.2f}); searched {len(searched[v])}: median "
            f"{statistics.median(searched[v] or [np.nan]):.2f} ms, settled median "
            f"{statistics.median(settled[v] or [0])}"
        )
    print(f"the marks' walk alone: median {statistics.median(walk_ms or [np.nan]):.2f} ms")


if __name__ == "__main__":
    main(
        int(sys.argv[1]) if len(sys.argv) > 1 else 7,
        int(sys.argv[2]) if len(sys.argv) > 2 else 6,
    )
