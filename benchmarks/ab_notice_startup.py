"""A/B start-up of the first notice of a route, ``corridor notice --format cap|html`` with an
empty cache folder, and of the same notice with a warm one (issue 14, defect 10; branch
firstnotice).

    mkdir -p /tmp/before && git archive main src | tar -x -C /tmp/before
    nice -n 10 .venv/bin/python -m benchmarks.ab_notice_startup /tmp/before/src [REPS]

The set-up is ``bench_startup``'s (through the CLI, with this checkout's code): the corridor
``krems-1`` signed, its notice details stored, on an SQLite file and a PostgreSQL schema.
Each notice runs as the console script in a fresh process, the old code (``PYTHONPATH`` at
the given ``src``) and the new one by turns, ``REPS`` times each: "empty" with a new cache
folder every run (``CORRIDOR_CACHE_DIR``; the first notice of a route, or of an account),
"warm" with one folder per side filled by a first run. Both sides are byte-compiled first,
and this checkout's templates compiled (``corridor.notices._jinja``), as ``make`` leaves them.
CPU is the child's user+system time, median; "loaded" names which of shapely, NumPy, segno's
writers and urllib.request a last empty-cache run on each side imported.
"""

from __future__ import annotations

import os
import statistics
import sys
from pathlib import Path

from benchmarks._ab import imported, run_child, startup_fixture
from benchmarks.bench_startup import _corridor

WATCHED = ("shapely", "numpy", "segno.writers", "urllib.request")


def _run(
    args: list[str], src: str | None, cache: Path, *, importtime: bool = False
) -> tuple[float, str]:
    os.environ["CORRIDOR_CACHE_DIR"] = str(cache)
    cpu, _, err = run_child([*_corridor(), *args], src, label=args, importtime=importtime)
    return cpu, err


def _row(fmt: str, where: str, url: str, tmp: Path, *, old_src: str, reps: int) -> None:
    args = ["notice", "krems-1", "--lang", "uk", "--format", fmt, "--db", url]
    sides: tuple[str | None, str | None] = (old_src, None)
    warm = {src: tmp / f"warm-{where}-{fmt}-{k}" for k, src in enumerate(sides)}
    for src in sides:
        _run(args, src, warm[src])
    cpu: dict[tuple[str | None, str], list[float]] = {}
    for i in range(reps):
        for k, src in enumerate(sides):
            c, _ = _run(args, src, tmp / f"empty-{where}-{fmt}-{i}-{k}")
            cpu.setdefault((src, "empty"), []).append(c)
            c, _ = _run(args, src, warm[src])
            cpu.setdefault((src, "warm"), []).append(c)
    seen = []
    for k, src in enumerate(sides):
        _, err = _run(args, src, tmp / f"empty-{where}-{fmt}-last-{k}", importtime=True)
        got = imported(err, WATCHED)
        seen.append(",".join(got) or "-")
    med = {key: statistics.median(v) for key, v in cpu.items()}
    cells = " | ".join(f"{med[(src, kind)]:.3f}" for kind in ("empty", "warm") for src in sides)
    print(f"| `notice --format {fmt}` | {where} | {cells} | {' / '.join(seen)} |", flush=True)


def main(old_src: str, reps: int) -> None:
    with startup_fixture(old_src) as (tmp, urls):
        print("| notice | database | empty before | empty after | warm before | warm after"
              " | loaded (empty) before / after |")  # fmt: skip
        print("|---|---|---:|---:|---:|---:|---|")
        for label, url in urls:
            for fmt in ("cap", "html"):
                _row(fmt, label, url, tmp, old_src=old_src, reps=reps)


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 10)
