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
import sys
import tempfile
from dataclasses import replace
from pathlib import Path

from benchmarks._ab import ab_row, run_child
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
    failing = args[0] == "!"
    argv = [sys.executable, "-m", "corridor", *args[failing:]]
    return run_child(argv, src, label=args, importtime=importtime, failing=failing)


def _row(name: str, where: str, runs: list[list[str]], old_src: str, reps: int) -> None:
    ab_row(name, where, runs, old_src=old_src, reps=reps, run=_run, watch="shapely")


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
