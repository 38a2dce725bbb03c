"""A/B start-up of the ``corridor hazards`` commands (issue 14, defect 10; branch hazstart).

    git archive main src | tar -x -C /tmp/before      # the code before
    nice -n 10 .venv/bin/python -m benchmarks.ab_hazards_startup /tmp/before/src [REPS]

Each command runs as a fresh ``python -m corridor`` process, old code (``PYTHONPATH`` set to
the given ``src``) and new code one after the other, ``REPS`` times each, so both see the
same load. CPU is the child's user+system time (``getrusage(RUSAGE_CHILDREN)``), the figure
to trust on a shared machine; the median is printed, wall beside it. "shapely" says whether
the command imported it (``-X importtime``, one extra run on each side). The store commands
run on an SQLite file and a PostgreSQL schema holding the demo hazards and a point, a line,
a polygon with a hole and a multipolygon; each write gets its own unexpired target. The city
list's join is made once before timing, so the new code reads it from its cache (the old one
joins on every run, as it did).
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
from dataclasses import replace
from pathlib import Path

from benchmarks.ab_sql_users import _drop, _pg_schema

DEMO_HAZARDS = Path(__file__).resolve().parents[1] / "data" / "demo" / "krems-hazards.geojson"


def _fill(url: str, n: int) -> None:
    """The demo hazards, one of each geometry kind, and x0.. to expire, c0.. (provisional) to
    confirm, u0.. to update."""
    from shapely.geometry import LineString, MultiPolygon, Point, Polygon

    from corridor.hazards import Hazard, load_hazards
    from corridor.store import add_hazards, open_store, transaction

    square = [(0.0, 0.0), (4.0, 0.0), (4.0, 4.0), (0.0, 4.0), (0.0, 0.0)]
    shapes = {
        "point": Point(15.61, 48.41),
        "line": LineString([(15.6, 48.4), (15.62, 48.401)]),
        "hole": Polygon(square, [[(1, 1), (2, 1), (2, 2), (1, 1)]]),
        "multi": MultiPolygon([Polygon(square), Polygon([(5, 5), (6, 5), (6, 6), (5, 5)])]),
    }
    kinds = [Hazard(id=k, kind="shelling", geometry=g, severity=0.5, confidence=0.5)
             for k, g in shapes.items()]  # fmt: skip
    demo = load_hazards(DEMO_HAZARDS)
    open_store(url).close()
    with transaction(url) as tx:
        add_hazards(tx, [*demo, *kinds], actor="bench")
        add_hazards(tx, [replace(demo[0], id=f"{p}{i}") for p in "xu" for i in range(n)],
                    actor="bench")  # fmt: skip
        add_hazards(tx, [replace(demo[0], id=f"c{i}") for i in range(n)], actor="bench",
                    provisional=True)  # fmt: skip


def _store_commands(url: str) -> dict[str, list[list[str]]]:
    """name -> argv for run 0, 1, ... (the writes each get a fresh target)."""
    return {
        "hazards show (point)": [["hazards", "show", "point", "--db", url]] * 999,
        "hazards show (polygon with hole)": [["hazards", "show", "hole", "--db", url]] * 999,
        "hazards show (multipolygon)": [["hazards", "show", "multi", "--db", url]] * 999,
        "hazards show no-such": [["!", "hazards", "show", "no-such", "--db", url]] * 999,
        "hazards update --severity": [
            ["hazards", "update", f"u{i}", "--severity", "0.25", "--db", url] for i in range(999)
        ],
        "hazards expire": [["hazards", "expire", f"x{i}", "--db", url] for i in range(999)],
        "hazards confirm": [["hazards", "confirm", f"c{i}", "--db", url] for i in range(999)],
    }


def _file_commands(out: Path) -> dict[str, list[list[str]]]:
    demo = str(DEMO_HAZARDS)
    return {
        "hazards validate demo --gazetteer none": [
            ["hazards", "validate", demo, "--gazetteer", "none"]
        ]
        * 999,
        "hazards validate demo": [["hazards", "validate", demo]] * 999,
        "hazards import demo -o FILE": [["hazards", "import", demo, "-o", str(out)]] * 999,
    }


def _run(args: list[str], src: str | None, *, importtime: bool = False) -> tuple[float, float, str]:
    env = dict(os.environ, COLUMNS="200")
    if src is not None:
        env["PYTHONPATH"] = src
    if importtime:
        env["PYTHONPROFILEIMPORTTIME"] = "1"
    failing = args[0] == "!"
    argv = [sys.executable, "-m", "corridor", *args[failing:]]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t = time.perf_counter()
    done = subprocess.run(argv, env=env, capture_output=True, text=True, check=False)
    wall = time.perf_counter() - t
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if (done.returncode != 0) != failing:
        raise SystemExit(f"{args} exit {done.returncode} ({src or 'new'}): {done.stderr[-2000:]}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return cpu, wall, done.stderr


def _row(name: str, where: str, runs: list[list[str]], old_src: str, reps: int) -> None:
    old_cpu: list[float] = []
    new_cpu: list[float] = []
    old_wall: list[float] = []
    new_wall: list[float] = []
    for i in range(reps):
        sides = ((old_src, old_cpu, old_wall, runs[2 * i]),
                 (None, new_cpu, new_wall, runs[2 * i + 1]))  # fmt: skip
        for src, cpus, walls, argv in sides:
            cpu, wall, _ = _run(argv, src)
            cpus.append(cpu)
            walls.append(wall)
    seen = []  # one more run each, on the next fresh targets
    for src, argv in ((old_src, runs[2 * reps]), (None, runs[2 * reps + 1])):
        _, _, err = _run(argv, src, importtime=True)
        seen.append("yes" if re.search(r"\|\s+shapely$", err, re.M) else "no")
    med = [statistics.median(v) for v in (old_cpu, new_cpu, old_wall, new_wall)]
    cells = " | ".join(f"{m:.2f}" for m in med)
    print(f"| {name} | {where} | {cells} | {' / '.join(seen)} |", flush=True)


def main(old_src: str, reps: int) -> None:
    from corridor.hazards import shared_data_dir

    # The old code finds the shared data beside its own checkout; point both at this one's.
    os.environ.setdefault("CORRIDOR_SHARED_DATA", str(shared_data_dir()))
    print(f"load average {os.getloadavg()}", flush=True)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        _run(["hazards", "validate", str(DEMO_HAZARDS)], None)  # the join, kept for the rest
        print("| command | where | before CPU s | after CPU s | before wall s | after wall s"
              " | shapely before / after |")  # fmt: skip
        print("|---|---|---:|---:|---:|---:|---|")
        for name, runs in _file_commands(folder / "out.geojson").items():
            _row(name, "file", runs, old_src, reps)
        schema, pg_url = _pg_schema()
        try:
            dbs = {"SQLite": f"sqlite:///{folder / 'c.db'}", "PostgreSQL": pg_url}
            for db_name, url in dbs.items():
                _fill(url, 2 * reps + 2)
                for name, runs in _store_commands(url).items():
                    _row(name, db_name, runs, old_src, reps)
        finally:
            _drop(schema)
    print(f"load average {os.getloadavg()}", flush=True)


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 7)
