"""Same-run A/B of a command's start-up, old code against new, for the ``ab_*`` harnesses.

The old side runs the same interpreter with ``PYTHONPATH`` at an older checkout's ``src``;
the two alternate, each on its own fresh target (a write can happen once), and a last run on
each side with ``-X importtime`` says whether the command still imports a module watched.
"""

from __future__ import annotations

import os
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

#: ``run(args, src, importtime=...) -> (CPU s, wall s, stderr)``; ``src`` None is the new code.
Run = Callable[..., tuple[float, float, str]]


def run_child(
    argv: list[str], src: str | None, *, label: object, importtime: bool = False,
    failing: bool = False,
) -> tuple[float, float, str]:  # fmt: skip
    """(CPU s, wall s, stderr) of one child; SystemExit when its exit is not as expected."""
    env = dict(os.environ, COLUMNS="200")
    if src is not None:
        env["PYTHONPATH"] = src
    if importtime:
        env["PYTHONPROFILEIMPORTTIME"] = "1"
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t = time.perf_counter()
    done = subprocess.run(argv, env=env, capture_output=True, text=True, check=False)
    wall = time.perf_counter() - t
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if (done.returncode != 0) != failing:
        raise SystemExit(f"{label} exit {done.returncode} ({src or 'new'}): {done.stderr[-2000:]}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return cpu, wall, done.stderr


def imported(importtime: str, modules: Iterable[str]) -> list[str]:
    """Those of ``modules`` that ``-X importtime``'s report (a child's stderr) shows loaded."""
    return [m for m in modules if re.search(rf"\|\s+{re.escape(m)}$", importtime, re.M)]


def ab_row(
    name: str, where: str, runs: list[list[str]], *, old_src: str, reps: int, run: Run, watch: str
) -> None:
    """Print one table row: median CPU and wall, old and new, and whether each side imported
    ``watch``. ``runs`` holds ``2 * reps + 2`` invocations, each used once."""
    old_cpu: list[float] = []
    new_cpu: list[float] = []
    old_wall: list[float] = []
    new_wall: list[float] = []
    for i in range(reps):
        sides = ((old_src, old_cpu, old_wall, runs[2 * i]),
                 (None, new_cpu, new_wall, runs[2 * i + 1]))  # fmt: skip
        for src, cpus, walls, argv in sides:
            cpu, wall, _ = run(argv, src)
            cpus.append(cpu)
            walls.append(wall)
    seen = []  # one more run each, on the next fresh targets
    for src, argv in ((old_src, runs[2 * reps]), (None, runs[2 * reps + 1])):
        _, _, err = run(argv, src, importtime=True)
        seen.append("yes" if imported(err, [watch]) else "no")
    med = [statistics.median(v) for v in (old_cpu, new_cpu, old_wall, new_wall)]
    cells = " | ".join(f"{m:.2f}" for m in med)
    print(f"| {name} | {where} | {cells} | {' / '.join(seen)} |", flush=True)


@contextmanager
def startup_fixture(old_src: str) -> Iterator[tuple[Path, list[tuple[str, str]]]]:
    """``(folder, [(database label, url), ...])`` set up as the start-up benchmark sets them
    up (parties, the signed ``krems-1``, its notice details...), both sides byte-compiled
    first; the load average is printed before and after."""
    from benchmarks.bench_startup import _compile_sources, _databases, _prepare

    subprocess.run([sys.executable, "-m", "compileall", "-q", old_src], check=True)
    print(f"byte-compiled {_compile_sources()} and {old_src}")
    print(f"load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}", flush=True)
    with tempfile.TemporaryDirectory() as tmp_name, _databases(Path(tmp_name)) as urls:
        tmp = Path(tmp_name)
        (tmp / "new-keys").mkdir()
        _prepare(tmp, urls, 0)
        yield tmp, urls
    print(f"load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}", flush=True)
