"""Same-process A/B of unpacking a route on the 1M-node region: the older kernels (an arc's
middle node noted, its two lower arcs searched for while unpacking, an original arc's edge
list read) against this checkout's (the lower arc (x, lo) and the original edge noted by the
customisation).

    nice -n 10 .venv/bin/python -m benchmarks.ab_unpack [runs] [repeats] [REV]

(REV: ``6d21fde`` by default, main before branch ``movefast``.) Per run, as
``bench_routing.bench_change`` (its seeds and pairs): 200 zones held, 100 added, then the same
100 moved; after each change, with the inputs ``Metric.shortest`` would see while the
hierarchy lags, the older picture's route check (``unchanged_route``), alternating old and new
``repeats`` times each after a 64 MB sweep; once the background customisation is done, the
hierarchy's own query (``path_query``) on the same pair the same way. The old kernels read
the same customisation with its notes turned back into middle nodes (x is the noted arc's
tail; -1 for an original arc). Thread CPU; both must give the same cost and route.
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from benchmarks._lagging import STEPS, change, pictures, region_router
from benchmarks._lagging import rng as lagging_rng
from benchmarks.ab_floor_search import _old_kernels
from corridor.routing import _cch_kernels as ck

#: main before branch ``movefast``
OLD_REV = "6d21fde"
_SWEEP = np.ones(64 << 20, np.uint8)


def _as_nodes(mid: Any, tail: Any) -> Any:
    """The older notes: the middle node x (the noted arc's tail), -1 for an original arc."""
    return np.where(mid >= 0, tail[np.maximum(mid, 0)], -1).astype(np.int32)


def _route_check(kernels: Any, args: tuple[Any, ...]) -> Callable[[], tuple[float, int]]:
    def go() -> tuple[float, int]:
        total, count, _, _ = kernels.unchanged_route(*args)
        return total, count

    return go


def _query(kernels: Any, args: tuple[Any, ...]) -> Callable[[], tuple[float, int]]:
    def go() -> tuple[float, int]:
        total, count, _ = kernels.path_query(*args)
        return total, count

    return go


def _ab(
    variants: dict[str, Callable[[], tuple[float, int]]], buf: Any, repeats: int
) -> dict[str, list[float]]:
    times: dict[str, list[float]] = {}
    ref: tuple[float, Any] | None = None
    for k in range(2 * repeats + 2):
        items = list(variants.items())
        for name, fn in items if k % 2 == 0 else items[::-1]:
            _SWEEP[::64] += 1
            c0 = time.thread_time_ns()
            total, count = fn()
            took = (time.thread_time_ns() - c0) / 1e6
            got = (total, buf[: max(count, 0)].copy())
            if ref is None:
                ref = got
            assert got[0] == ref[0] and np.array_equal(got[1], ref[1]), name
            if k >= 2:
                times.setdefault(name, []).append(took)
    return times


def main(runs: int, repeats: int, rev: str) -> None:
    net, router = region_router()
    floor = router.floor
    h = floor.metric.hierarchy
    n, na = h.rank.shape[0], h.n_arcs
    tmp = tempfile.TemporaryDirectory()
    old = _old_kernels(rev, Path(tmp.name))
    rng = lagging_rng()
    sf = np.full(2 * n, np.inf)
    si = np.full(2 * n, -1, np.int32)
    buf = np.empty(1 << 16, np.int32)
    medians: dict[tuple[str, str], list[float]] = {}
    for run, model, cost, metric in pictures(net, router, runs):
        for step, seed in STEPS:
            s, t = rng.integers(net.n_nodes, size=2).tolist()
            change(net, model, cost, metric, seed=seed, run=run)
            with metric._lock:
                lowered = metric._n_dirty > 0 or metric._everywhere or bool(metric._pending)
                if metric._ex_cost is not None and not lowered:
                    rc = (metric.w_up, metric.w_dn, metric._ex_cost, metric.mid_up, metric.mid_dn)
                else:
                    assert metric._prior is not None and not metric._below_prior
                    rc = metric._prior
                held = metric.cost.copy()
            metric.wait()
            w_up, w_dn, old_cost, mu, md = rc
            ou, od = _as_nodes(mu, h.tail), _as_nodes(md, h.tail)
            head = (h.rank, h.parent, h.up_ptr, h.up_head, h.tail, h.arc_eptr, h.arc_edges,
                    h.edge_down, w_up, w_dn)  # fmt: skip
            work = (old_cost, held, s, t, sf[:n], sf[n:], si[:n], si[n:], buf)

            times = _ab(
                {
                    "old": _route_check(old, (*head, ou, od, *work)),
                    "new": _route_check(ck, (*head, mu, md, *work)),
                },
                buf,
                repeats,
            )
            # the hierarchy's own query, caught up: the new customisation's notes
            ints_old = metric._ints.copy()
            ints_old[:na] = _as_nodes(metric.mid_up, h.tail)
            ints_old[na : 2 * na] = _as_nodes(metric.mid_dn, h.tail)

            at_q = (metric._floats, metric.cost, s, t, buf, False)
            q = _ab(
                {
                    "old": _query(old, (h.packed, ints_old, *at_q)),
                    "new": _query(ck, (h.packed, metric._ints, *at_q)),
                },
                buf,
                repeats,
            )
            line = f"run {run} {step:5}"
            for what, got in (("route check", times), ("query", q)):
                for variant in ("old", "new"):
                    med = statistics.median(got[variant])
                    medians.setdefault((what, variant), []).append(med)
                    line += f" | {what} {variant} {med:.3f}"
            print(line, flush=True)
        rng.integers(net.n_nodes, size=2)  # (the benchmark's pair for the removal)
    print("median over the states of the per-state medians, ms thread CPU (after a sweep):")
    for what in ("route check", "query"):
        cells = [f"{v} {statistics.median(medians[what, v]):.3f}" for v in ("old", "new")]
        print(f"  {what:12} ({len(medians[what, 'old'])} states): " + ", ".join(cells))


if __name__ == "__main__":
    main(
        int(sys.argv[1]) if len(sys.argv) > 1 else 7,
        int(sys.argv[2]) if len(sys.argv) > 2 else 7,
        sys.argv[3] if len(sys.argv) > 3 else OLD_REV,
    )
