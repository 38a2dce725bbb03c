"""Start-up of the agreement commands, old tree against new, on SQLite and PostgreSQL.

    nice -n 10 .venv/bin/python -m benchmarks.ab_agreement_startup OLD_SRC [ROUNDS]

OLD_SRC is an exported ``src`` of the tree to compare with (``git archive COMMIT src | tar -x
-C /tmp/old``, then ``/tmp/old/src``): it goes first on ``PYTHONPATH``. Each round gives each
tree a fresh database (an SQLite file, or a throwaway PostgreSQL schema) and runs one
agreement's whole life as command lines (tests/agreements/sql_commands.py: party add x3,
propose, sign x3, verify, show, list, export, suspend, propose, diff, close) as separate
``python -m corridor`` processes, old and new alternating by round. Each process's user +
system CPU is the kernel's accounting of the reaped child (``os.wait4``, what
``/usr/bin/time`` reports), wall a monotonic clock around it. Prints medians per command and
whether the new tree's process imported SQLAlchemy (``-X importtime`` on one extra run).
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
HEADER = (
    "| command | old cpu s | new cpu s | new/old | old wall s | new wall s | SQLAlchemy old/new |\n"
    "|---|---:|---:|---:|---:|---:|---|"
)


def _run(argv: list[str], env: dict[str, str]) -> tuple[float, float, int]:
    start = time.monotonic()
    proc = subprocess.Popen(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _pid, status, usage = os.wait4(proc.pid, 0)
    wall = time.monotonic() - start
    proc.returncode = os.waitstatus_to_exitcode(status)  # reaped here: Popen must not wait
    return usage.ru_utime + usage.ru_stime, wall, proc.returncode


def _label(cmd: list[str]) -> str:
    return " ".join(cmd[:2])


def _fresh_db(kind: str, folder: Path) -> tuple[str, str | None]:
    """(URL of an empty database at the head revision, the PostgreSQL schema to drop)."""
    from corridor.store import open_store

    if kind == "sqlite":
        url = f"sqlite:///{folder / f'{uuid.uuid4().hex}.db'}"
        open_store(url).close()
        return url, None
    import psycopg
    from tests.conftest import PG_DSN, _pg_url

    schema = f"corridor_bench_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(PG_DSN, autocommit=True) as conn:
        conn.execute(f"CREATE SCHEMA {schema}")
    url = _pg_url(schema)
    open_store(url).close()
    return url, schema


def _drop(schema: str | None) -> None:
    if schema is None:
        return
    import psycopg
    from tests.conftest import PG_DSN

    with psycopg.connect(PG_DSN, autocommit=True) as conn:
        conn.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")


def _loads_sqlalchemy(cmd: list[str], env: dict[str, str]) -> bool:
    out = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "corridor", *cmd],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    return any(line.rstrip().endswith("| sqlalchemy") for line in out.stderr.splitlines())


def main() -> None:
    from tests.agreements.sql_commands import agreement_commands

    old_src = sys.argv[1]
    rounds = int(sys.argv[2]) if len(sys.argv) > 2 else 5
    base = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "CORRIDOR_DB")}
    envs = {"old": {**base, "PYTHONPATH": old_src}, "new": dict(base)}
    python = [sys.executable, "-m", "corridor"]
    print(f"load average at start: {os.getloadavg()}")
    for kind in ("sqlite", "postgresql"):
        cpu: dict[tuple[str, str], list[float]] = {}
        wall: dict[tuple[str, str], list[float]] = {}
        order: list[str] = []
        loads: dict[tuple[str, str], bool] = {}
        with tempfile.TemporaryDirectory() as tmp:
            # round 0 is a warm-up, run under -X importtime to see what each command imports
            for r in range(rounds + 1):
                for tree in ("old", "new") if r % 2 == 0 else ("new", "old"):
                    folder = Path(tmp) / f"{tree}{r}"
                    folder.mkdir()
                    url, schema = _fresh_db(kind, folder)
                    try:
                        for cmd in agreement_commands(url, folder):
                            label = _label(cmd)
                            if r == 0:
                                loads[label, tree] = _loads_sqlalchemy(cmd, envs[tree])
                                if label not in order:
                                    order.append(label)
                                continue
                            c, w, code = _run([*python, *cmd], envs[tree])
                            if code != 0:
                                raise SystemExit(f"{tree} {cmd} exited {code}")
                            cpu.setdefault((label, tree), []).append(c)
                            wall.setdefault((label, tree), []).append(w)
                    finally:
                        _drop(schema)
        print(f"\n{kind}: medians of {rounds} rounds (a command run 2-3 times a round counts each)")
        print(HEADER)
        for label in order:
            oc, nc = (statistics.median(cpu[label, t]) for t in ("old", "new"))
            ow, nw = (statistics.median(wall[label, t]) for t in ("old", "new"))
            yes = "/".join("yes" if loads[label, t] else "no" for t in ("old", "new"))
            print(
                f"| `{label}` | {oc:.3f} | {nc:.3f} | {nc / oc:.2f} | {ow:.3f} | {nw:.3f} | {yes} |"
            )
        print(f"load average now: {os.getloadavg()}")


if __name__ == "__main__":
    sys.path.insert(0, str(REPO))
    main()
