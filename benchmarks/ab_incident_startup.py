"""A/B start-up of ``corridor incident|checkin|confirm|watch --once`` (issue 14, defect 10;
branch incident).

    mkdir -p /tmp/before && git archive main src | tar -x -C /tmp/before
    nice -n 10 .venv/bin/python -m benchmarks.ab_incident_startup /tmp/before/src [REPS]

The set-up is ``bench_startup``'s (through the CLI, with this checkout's code): keys, the
Krems network and a route, and on an SQLite file and a PostgreSQL schema the corridor
``krems-1`` signed by its three parties, a convoy, an incident. Each command runs as the
console script in a fresh process, the old code (``PYTHONPATH`` at the given ``src``) and the
new one by turns, ``REPS`` times each, each write on a target of its own (a new report id, an
incident of its own to confirm); both sides are byte-compiled first, as ``pip install`` leaves
them. CPU is the child's user+system time, median; "loaded" names which of shapely, PyYAML
and Rich's tables a last run on each side imported (``-X importtime``).
"""

from __future__ import annotations

import statistics
import sys
from pathlib import Path

from benchmarks._ab import imported, run_child, startup_fixture
from benchmarks.bench_startup import _corridor


def _run(args: list[str], src: str | None, *, importtime: bool = False) -> tuple[float, float, str]:
    return run_child([*_corridor(), *args], src, label=args, importtime=importtime)


def _commands(tmp: Path, url: str, n: int) -> dict[str, list[list[str]]]:
    net = ["--network", str(tmp / "krems.net"), "--db", url]
    near = ["--lat", "48.405", "--lon", "15.61"]
    return {
        "incident": [["incident", "-c", "krems-1", "--kind", "shelling", *near,
                      "--id", f"ab-inc-{i}", *net] for i in range(n)],
        "incident --kind route_blocked": [["incident", "-c", "krems-1", "--kind",
                                           "route_blocked", *near, "--id", f"ab-blk-{i}", *net]
                                          for i in range(n)],
        "checkin": [["checkin", "-c", "krems-1", "--convoy", "cv-base", "--status", "en_route",
                     "--lat", "48.4105", "--lon", "15.6030", "--id", f"ab-ck-{i}", *net]
                    for i in range(n)],
        "confirm": [["confirm", f"ab-cinc-{i}", *net] for i in range(n)],
        "watch --once": [["watch", "--once", "-c", "krems-1", "--db", url]] * n,
        "watch --once --json": [["watch", "--once", "--json", "-c", "krems-1", "--db", url]] * n,
    }  # fmt: skip


WATCHED = ("shapely", "yaml", "rich.table")


def _row(name: str, where: str, runs: list[list[str]], old_src: str, reps: int) -> None:
    """One table row: median CPU and wall of each side (3 decimals), old and new by turns,
    and which of :data:`WATCHED` a last run on each side imported."""
    cpu: dict[str | None, list[float]] = {old_src: [], None: []}
    wall: dict[str | None, list[float]] = {old_src: [], None: []}
    for i in range(reps):
        for k, src in enumerate((old_src, None)):
            c, w, _ = _run(runs[2 * i + k], src)
            cpu[src].append(c)
            wall[src].append(w)
    seen = []
    for k, src in enumerate((old_src, None)):
        _, _, err = _run(runs[2 * reps + k], src, importtime=True)
        got = imported(err, WATCHED)
        seen.append(",".join(got) or "-")
    med = [statistics.median(v) for v in (cpu[old_src], cpu[None], wall[old_src], wall[None])]
    cells = " | ".join(f"{m:.3f}" for m in med)
    print(f"| {name} | {where} | {cells} | {med[1] - med[0]:+.3f} | {' / '.join(seen)} |",
          flush=True)  # fmt: skip


def main(old_src: str, reps: int) -> None:
    n = 2 * reps + 2
    with startup_fixture(old_src) as (tmp, urls):
        print("| command | database | before CPU s | after CPU s | before wall s | after wall s"
              " | CPU change | loaded before / after |")  # fmt: skip
        print("|---|---|---:|---:|---:|---:|---:|---|")
        for label, url in urls:
            for i in range(n):  # the incidents to confirm, one per run
                _run(["incident", "-c", "krems-1", "--kind", "shelling", "--lat", "48.405",
                      "--lon", "15.61", "--id", f"ab-cinc-{i}", "--network",
                      str(tmp / "krems.net"), "--db", url], None)  # fmt: skip
            for name, runs in _commands(tmp, url, n).items():
                _row(name, label, runs, old_src, reps)


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 10)
