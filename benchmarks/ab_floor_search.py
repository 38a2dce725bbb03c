"""Same-process A/B of the answer while the hierarchy lags a 100-zone change on the 1M-node
region (issue 15's ``change`` workload, ``bench_routing.bench_change``'s seeds and pairs): the
older picture's route check and, when the route changed, the floor search, with the kernels of
an older commit ("old", loaded from ``git show REV:src/corridor/routing/_cch_kernels.py``)
against this checkout's ("new").

    nice -n 10 .venv/bin/python -m benchmarks.ab_floor_search [runs] [repeats] [REV]

(REV: ``10b37df`` by default, main before branch ``potent``; ``aa4f704``, main before branch
``potent2``, for the read-ahead of a chain's arcs.)

Per run: 200 random 300-600 m zones held, 100 added (customised), then the same 100 moved, as
the benchmark; after each change the kernels' inputs are taken (under the metric's lock, as
``Metric.shortest`` would see them) and, once the background customisation is done, the
benchmark's pair is answered ``repeats`` times each way, alternating which goes first, each
after a 64 MB sweep (the caches as after the update and the customisation beside it) and once
more without (warm). Thread CPU; both must give the same cost (not always the same route: a
search that stops on the older route may take another as cheap).
"""

from __future__ import annotations

import importlib.util
import math
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np

from benchmarks._lagging import STEPS, change, pictures, region_router
from benchmarks._lagging import rng as lagging_rng
from corridor.routing import _cch_kernels as ck
from corridor.routing._cch import Floor

#: main before branch ``potent`` (the floor search's loop and the route check's unpacking)
OLD_REV = "10b37df"
_SWEEP = np.ones(64 << 20, np.uint8)


def _old_kernels(rev: str, where: Path) -> ModuleType:
    text = subprocess.run(
        ["git", "show", f"{rev}:src/corridor/routing/_cch_kernels.py"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    path = where / f"old_cch_kernels_{rev}.py"
    path.write_text(text)
    spec = importlib.util.spec_from_file_location(path.stem, path)
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def _cpu(fn: Callable[[], Any], sweep: bool) -> tuple[float, Any]:
    if sweep:
        _SWEEP[::64] += 1
    c0 = time.thread_time_ns()
    got = fn()
    return (time.thread_time_ns() - c0) / 1e6, got


def _ab(  # noqa: PLR0917
    floor: Floor, old: ModuleType, rc: Any, lower: Any, held: Any, s: int, t: int, repeats: int
) -> tuple[str, dict[tuple[str, str], list[float]]]:
    """("kept" or "searched", thread CPU ms by (variant, cold|warm)) of one lagging state."""
    fl, f = floor, floor.metric
    h = f.hierarchy
    n = h.rank.shape[0]
    scratch_f = np.full(2 * n, np.inf)
    scratch_i = np.full(2 * n, -1, np.int32)
    buf = np.empty(1 << 16, np.int32)
    head = (h.rank, h.parent, h.up_ptr, h.up_head, h.tail, h.arc_eptr, h.arc_edges)
    rc_args = (*head, h.edge_down, rc[0], rc[1], rc[3], rc[4], rc[2], held, s, t,
               scratch_f[:n], scratch_f[n:], scratch_i[:n], scratch_i[n:])  # fmt: skip
    w_up, w_dn, dirty, b_up, b_dn, least = lower

    # (kernels from ``5740df9`` on stop on the older route, when given it)
    takes_route = {k: k.potential_astar.py_func.__code__.co_argcount > 30 for k in (old, ck)}

    def search(kernels: ModuleType, backward: bool, route: Any) -> tuple[float, Any, int]:
        more = (route, fl._on_route) if takes_route[kernels] else ()
        if backward:
            return kernels.potential_astar(  # type: ignore[no-any-return]
                h.rank, h.parent, h.up_ptr, h.up_head, w_dn, w_up, b_dn, b_up, f.w_dn,
                f.w_up, dirty, least, fl._r_indptr, fl._r_node, fl._r_edge, fl._target,
                held, t, s, True, fl._dist, fl._pred, fl._touched, fl._pot, fl._dist_b,
                fl._pred_b, fl._chain, fl._done, fl._hkey, fl._hval, *more,
            )  # fmt: skip
        return kernels.potential_astar(  # type: ignore[no-any-return]
            h.rank, h.parent, h.up_ptr, h.up_head, w_up, w_dn, b_up, b_dn, f.w_up, f.w_dn,
            dirty, least, fl._indptr, fl._target, fl._edge_id, fl._source, held, s, t,
            False, fl._dist, fl._pred, fl._touched, fl._pot, fl._dist_b, fl._pred_b,
            fl._chain, fl._done, fl._hkey, fl._hval, *more,
        )  # fmt: skip

    # (kernels from before branch ``potent`` return the route; later ones fill a buffer)
    old_buf = old.unchanged_route.py_func.__code__.co_argcount > len(rc_args)
    old_args = rc_args
    if not hasattr(old, "_upper_arc"):  # (before branch ``movefast``: middle nodes noted)
        notes = [np.where(m >= 0, h.tail[np.maximum(m, 0)], -1).astype(np.int32) for m in rc[3:]]
        old_args = (*rc_args[:10], *notes, *rc_args[12:])

    def route_old() -> tuple[float, Any, int, bool]:
        if not old_buf:
            return old.unchanged_route(*old_args)  # type: ignore[no-any-return]
        found, count, scanned, backward = old.unchanged_route(*old_args, buf)
        assert count >= 0
        return found, buf[:count].copy(), scanned, backward

    def answer_old() -> tuple[float, Any, int]:
        found, edges, scanned, backward = route_old()
        if scanned >= 0:
            return found, edges, scanned
        return search(old, bool(backward), edges)

    def answer_new() -> tuple[float, Any, int]:
        found, count, scanned, backward = ck.unchanged_route(*rc_args, buf)
        assert count >= 0
        if scanned >= 0:
            return found, buf[:count].copy(), scanned
        return search(ck, bool(backward), buf[:count])

    how = "kept" if route_old()[2] >= 0 else "searched"
    times: dict[tuple[str, str], list[float]] = {}
    got: dict[str, Any] = {}
    for k in range(2 * repeats + 2):
        order = (("old", answer_old), ("new", answer_new))
        for variant, fn in order if k % 2 == 0 else order[::-1]:
            sweep = k < 2 * repeats
            took, got[variant] = _cpu(fn, sweep)
            times.setdefault((variant, "cold" if sweep else "warm"), []).append(took)
        # (the same cost; a search that stops on the older route may take another as cheap)
        # (inf for a pair the change cut off: inf - inf is NaN, which no bound admits)
        assert math.isclose(got["old"][0], got["new"][0], rel_tol=1e-9), (s, t, got)
    return how, times


def main(runs: int, repeats: int, rev: str) -> None:
    net, router = region_router()
    floor = router.floor
    tmp = tempfile.TemporaryDirectory()
    old = _old_kernels(rev, Path(tmp.name))
    rng = lagging_rng()
    ms: dict[tuple[str, str, str], list[float]] = {}  # (step, variant, cold|warm) -> medians
    for run, model, cost, metric in pictures(net, router, runs):
        for step, seed in STEPS:
            s, t = rng.integers(net.n_nodes, size=2).tolist()
            change(net, model, cost, metric, seed=seed, run=run)
            with metric._lock:
                lower = metric._lower_weights()
                assert lower is not None
                lowered = metric._n_dirty > 0 or metric._everywhere
                if metric._ex_cost is not None and not lowered:
                    rc = (metric.w_up, metric.w_dn, metric._ex_cost, metric.mid_up, metric.mid_dn)
                else:
                    assert metric._prior is not None and not metric._below_prior
                    rc = metric._prior
                held = metric.cost.copy()
                lower = (*lower[:2], lower[2].copy(), *lower[3:])
            metric.wait()
            how, times = _ab(floor, old, rc, lower, held, s, t, repeats)
            line = f"run {run} {step:5} {how:8}"
            for variant in ("old", "new"):
                for heat in ("cold", "warm"):
                    med = statistics.median(times[variant, heat])
                    ms.setdefault((f"{step} {how}", variant, heat), []).append(med)
                    line += f" {variant} {heat} {med:.3f}"
            print(line, flush=True)
        rng.integers(net.n_nodes, size=2)  # (the benchmark's pair for the removal)
    print("median over the runs of the per-pair medians, ms thread CPU (cold: after a sweep):")
    for key in sorted({k[0] for k in ms}):
        cells = [
            f"{v} {heat} {statistics.median(ms[key, v, heat]):.3f}"
            for v in ("old", "new")
            for heat in ("cold", "warm")
        ]
        print(f"  {key:15} ({len(ms[key, 'old', 'cold'])}): " + ", ".join(cells))


if __name__ == "__main__":
    main(
        int(sys.argv[1]) if len(sys.argv) > 1 else 7,
        int(sys.argv[2]) if len(sys.argv) > 2 else 7,
        sys.argv[3] if len(sys.argv) > 3 else OLD_REV,
    )
