"""A/B start-up of the database commands moved onto plain SQL (issue 14, defect 10).

    git archive 3abad31 src | tar -x -C /tmp/before      # the code before
    nice -n 10 .venv/bin/python -m benchmarks.ab_sql_users /tmp/before/src [REPS]

Each command runs as a fresh ``python -m corridor`` process, old code (``PYTHONPATH`` set to
the given ``src``) and new code one after the other, ``REPS`` times each, so both see the
same load. CPU is the child's user+system time (``getrusage(RUSAGE_CHILDREN)``), the figure
to trust on a shared machine; wall is printed beside it. "ORM" says whether SQLAlchemy was
imported (``-X importtime``). Both an SQLite file and a PostgreSQL schema are set up at the
head revision with a party, users, hazards (some provisional) and a short audit log; every
write gets its own target (a new user name, an unexpired hazard), so each run does real work.
"""

from __future__ import annotations

import os
import sys
import tempfile
import uuid
from dataclasses import replace
from pathlib import Path

from benchmarks._ab import ab_row, run_child

PG_DSN = os.environ.get("CORRIDOR_TEST_PG", "host=127.0.0.1 port=5432 user=postgres dbname=test")
DEMO_HAZARDS = Path(__file__).resolve().parents[1] / "data" / "demo" / "krems-hazards.geojson"


def _pg_schema() -> tuple[str, str]:
    import psycopg

    schema = f"corridor_bench_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(PG_DSN, autocommit=True) as conn:
        conn.execute(f"CREATE SCHEMA {schema}")
    url = ("postgresql+psycopg://postgres@127.0.0.1:5432/test"
           f"?options=-csearch_path%3D{schema}")  # fmt: skip
    return schema, url


def _drop(schema: str) -> None:
    import psycopg

    with psycopg.connect(PG_DSN, autocommit=True) as conn:
        conn.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")


def _fill(url: str, reps: int, key_dir: Path) -> Path:
    """Party p1 (its private key returned), users d0..dN to disable, hazards x0..xN to expire
    and c0..cN (provisional) to confirm, and the demo hazards."""
    from corridor.agreements import generate_keypair
    from corridor.hazards import load_hazards
    from corridor.store import add_hazards, add_party, add_user_row, open_store

    pair = generate_keypair("p1", directory=key_dir, passphrase=None)
    demo = load_hazards(DEMO_HAZARDS)
    n = 2 * reps + 2
    with open_store(url) as store, store.session() as s:
        add_party(s, name="p1", role="test", public_key=pair.public_key, actor="bench")
        for i in range(n):
            add_user_row(s, name=f"d{i}", role="field", party=None,
                         token_hash=f"{i:064x}", actor="bench")  # fmt: skip
        add_hazards(s, demo, actor="bench")
        add_hazards(s, [replace(demo[0], id=f"x{i}") for i in range(n)], actor="bench")
        add_hazards(s, [replace(demo[0], id=f"c{i}") for i in range(n)], actor="bench",
                    provisional=True)  # fmt: skip
    return Path(pair.private_path)


def _commands(url: str, key: Path, out: Path) -> dict[str, list[list[str]]]:
    """name -> argv for run 0, 1, ... (the writes each get a fresh target)."""
    return {
        "(python -c pass, for scale)": [["@pass"]] * 99,
        "users add": [["users", "add", f"u{i}", "--role", "field", "--db", url] for i in range(99)],
        "users disable": [["users", "disable", f"d{i}", "--db", url] for i in range(99)],
        "users list (Typer twin)": [["@typer", "users", "list", "--db", url]] * 99,
        "hazards show": [["hazards", "show", "demo-bridge", "--db", url]] * 99,
        "hazards expire": [["hazards", "expire", f"x{i}", "--db", url] for i in range(99)],
        "hazards confirm": [["hazards", "confirm", f"c{i}", "--db", url] for i in range(99)],
        "hazards update": [
            ["hazards", "update", "demo-bridge", "--severity", f"0.{i % 9 + 1}", "--db", url]
            for i in range(99)
        ],
        "audit verify": [["audit", "verify", "--db", url]] * 99,
        "audit checkpoint": [
            ["audit", "checkpoint", "--key", str(key), "--db", url, "-o", str(out / f"cp{i}")]
            for i in range(99)
        ],
    }


def _argv(args: list[str]) -> list[str]:
    if args[0] == "@pass":
        return [sys.executable, "-c", "pass"]
    if args[0] == "@typer":  # the Typer twin of a lean read (``main`` would go lean)
        code = f"import sys; from corridor.cli._app import run; run({args[1:]!r})"
        return [sys.executable, "-c", code]
    return [sys.executable, "-m", "corridor", *args]


def _run(args: list[str], src: str | None, *, importtime: bool = False) -> tuple[float, float, str]:
    return run_child(_argv(args), src, label=args, importtime=importtime)


def main(old_src: str, reps: int) -> None:
    print(f"load average {os.getloadavg()}", flush=True)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        schema, pg_url = _pg_schema()
        try:
            dbs = {"SQLite": f"sqlite:///{folder / 'c.db'}", "PostgreSQL": pg_url}
            print("| command | DB | before CPU s | after CPU s | before wall s | after wall s"
                  " | ORM before / after |")  # fmt: skip
            print("|---|---|---:|---:|---:|---:|---|")
            for db_name, url in dbs.items():
                keys = folder / db_name
                keys.mkdir()
                key = _fill(url, reps, keys)
                for name, runs in _commands(url, key, keys).items():
                    ab_row(
                        name,
                        db_name,
                        runs,
                        old_src=old_src,
                        reps=reps,
                        run=_run,
                        watch="sqlalchemy",
                    )
        finally:
            _drop(schema)
    print(f"load average {os.getloadavg()}", flush=True)


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 5)
