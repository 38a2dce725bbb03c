"""A/B of a 100-zone hazard change on the 1M-node region: an older hazards package against
the current one, in one process, on the same changes (issue 15's ``change`` workload).

    nice -n 10 .venv/bin/python -m benchmarks.ab_hazchange 4d12ed9 [runs]

The older ``src/corridor/hazards`` is read with ``git show`` into a temporary package (its
``corridor.hazards`` imports renamed), so both models run side by side. Per run: 200 random
300-600 m zones held (``bench_routing``'s seeds), then 100 added, the same 100 moved and then
removed; each step on both models, the older first on even runs and the newer first on odd
ones, so both see the same load. Thread CPU and wall per step; after every step both models'
risk, closures and changed edges must be identical, and equal to a full recompute.
"""

from __future__ import annotations

import importlib
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from benchmarks._synthetic import synthetic_network
from benchmarks.bench_routing import SEED, _zones
from corridor.hazards import RiskModel, segment_index

REPO = Path(__file__).resolve().parents[1]
PACKAGE = "src/corridor/hazards"


def _old_hazards(rev: str, into: Path) -> Any:
    """The hazards package at ``rev`` as module ``old_hazards`` (imports renamed)."""
    names = subprocess.run(
        ["git", "ls-tree", "--name-only", f"{rev}:{PACKAGE}"],
        cwd=REPO, check=True, capture_output=True, text=True,
    ).stdout.split()  # fmt: skip
    pkg = into / "old_hazards"
    pkg.mkdir()
    for name in names:
        text = subprocess.run(
            ["git", "show", f"{rev}:{PACKAGE}/{name}"],
            cwd=REPO, check=True, capture_output=True, text=True,
        ).stdout  # fmt: skip
        (pkg / name).write_text(text.replace("corridor.hazards", "old_hazards"))
    sys.path.insert(0, str(into))
    return importlib.import_module("old_hazards")


def _step(model: Any, label: str, zones: dict[str, Any]) -> tuple[float, float, Any]:
    t0, c0 = time.perf_counter(), time.thread_time()
    changed = model.remove(zones[label]) if label == "removed" else model.add(zones[label])
    t1, c1 = time.perf_counter(), time.thread_time()
    return (t1 - t0) * 1000, (c1 - c0) * 1000, changed


def main(rev: str, runs: int) -> None:
    net, _ = synthetic_network(region_nodes=1_000_000)
    at = datetime(2026, 3, 1, tzinfo=UTC)
    with tempfile.TemporaryDirectory() as tmp:
        old = _old_hazards(rev, Path(tmp))
        old.segment_index(net)
        segment_index(net)
        cpu: dict[tuple[str, str], list[float]] = {}
        wall: dict[tuple[str, str], list[float]] = {}
        for run in range(runs + 1):  # run 0 loads the compiled kernels, not counted
            held = _zones(net, 200, seed=SEED + 30 + run, prefix="h")
            zones = {
                "added": _zones(net, 100, seed=SEED + 40 + run, prefix="n"),
                "moved": _zones(net, 100, seed=SEED + 50 + run, prefix="n"),
                "removed": [f"n{i}" for i in range(100)],
            }
            models = {"old": old.RiskModel(net, held, at=at), "new": RiskModel(net, held, at=at)}
            order = ["old", "new"] if run % 2 == 0 else ["new", "old"]
            for label in zones:
                out = {}
                for side in order:
                    w, c, changed = _step(models[side], label, zones)
                    out[side] = changed
                    if run:
                        cpu.setdefault((side, label), []).append(c)
                        wall.setdefault((side, label), []).append(w)
                a, b = models["old"], models["new"]
                assert np.array_equal(a.risk, b.risk) and np.array_equal(a.closed, b.closed)
                assert np.array_equal(np.sort(out["old"]), np.sort(out["new"]))
                full = RiskModel(net, b.hazards, at=at)
                assert np.array_equal(full.risk, b.risk) and np.array_equal(full.closed, b.closed)
            print(
                f"run {run}: {', '.join(f'{k} {v.size}' for k, v in out.items())} edges", flush=True
            )
    print(f"\nrisk model update, {runs} runs, median (min) ms; old = {rev}, new = working tree")
    cols = ["old CPU", "new CPU"]
    head = f"  {'change':<8} | {cols[0]:>14} {cols[1]:>14} {'CPU x':>6} | "
    print(head + f"{'old wall':>9} {'new wall':>9}")
    for label in ("added", "moved", "removed"):
        oc, nc = cpu["old", label], cpu["new", label]
        ow, nw = wall["old", label], wall["new", label]
        print(
            f"  {label:<8} | {statistics.median(oc):7.2f} ({min(oc):5.2f}) "
            f"{statistics.median(nc):7.2f} ({min(nc):5.2f}) "
            f"{statistics.median(oc) / statistics.median(nc):6.1f} | "
            f"{statistics.median(ow):9.2f} {statistics.median(nw):9.2f}"
        )


if __name__ == "__main__":
    if len(sys.argv) not in (2, 3):
        sys.exit("usage: python -m benchmarks.ab_hazchange OLD_REV [RUNS]")
    main(sys.argv[1], int(sys.argv[2]) if len(sys.argv) == 3 else 7)
