"""A/B/C start-up of the commands moved onto plain SQL (movements, convoys, rules, db upgrade).

    mkdir -p /tmp/ab/before && git archive main src | tar -x -C /tmp/ab/before
    nice -n 10 .venv/bin/python -m benchmarks.ab_sql_commands --db sqlite:////tmp/ab/c.db \\
        --files /tmp/ab/files before=/tmp/ab/before/src after=src [lean=/tmp/ab/lean/src]

Each variant is a ``src`` folder put first on PYTHONPATH (the venv stays the same). The
database is filled once (krems-demo agreed by its three parties, 12 movements submitted) with
this checkout; each round runs every command once per variant, the variants interleaved so
that they see the same load. The first round runs under ``-X importtime`` to tell whether
SQLAlchemy, psycopg 3 or Alembic loaded, and is not timed; the medians of the other rounds'
``/usr/bin/time`` user+sys CPU and wall are printed as JSON. The writes consume a movement
file, a movement to acknowledge and a convoy file per run: 12 suffice for 3 variants x 4 rounds.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
from datetime import timedelta
from pathlib import Path
from typing import Any

N = 12
WATCHED = ("sqlalchemy", "psycopg", "alembic")


def fill(db: str, folder: Path) -> None:
    """krems-demo in force with movements pre-0..11; keys, movement and convoy files."""
    import yaml
    from tests.agreements.conftest import PARTIES
    from tests.conftest import BUNDLED_OSM
    from tests.notices.conftest import SIGNED_AT, demo_key, demo_terms, write_key
    from tests.notices.test_movements import movement_data

    from corridor.agreements import public_key_b64, terms_from_data
    from corridor.network import import_osm
    from corridor.store import (
        add_party,
        open_store,
        propose_agreement,
        sign_agreement,
        submit_movement,
    )

    folder.mkdir(parents=True, exist_ok=True)
    net = import_osm(BUNDLED_OSM)
    with open_store(db) as store, store.session() as s:
        for name, role in PARTIES:
            add_party(s, name=name, role=role, public_key=public_key_b64(demo_key(name)), actor="t")
        rec = propose_agreement(s, terms_from_data(demo_terms(net)), actor="t", at_utc=SIGNED_AT)
        for name, _ in PARTIES:
            sign_agreement(s, "krems-demo", key=demo_key(name), actor=name, at_utc=SIGNED_AT)
        for i in range(N):
            submit_movement(s, movement_data(rec.digest, movement_id=f"pre-{i}"),
                            key=demo_key("icrc"), actor="icrc",
                            at_utc=SIGNED_AT + timedelta(hours=2))  # fmt: skip
    for name, _ in PARTIES:
        write_key(name, folder)
    for i in range(N):
        data = movement_data(rec.digest, movement_id=f"new-{i}")
        (folder / f"m{i}.yaml").write_text(yaml.safe_dump(data), encoding="utf-8")
        stops = [{"place": "CP1", "at_utc": "2027-03-01T07:30:00Z"},
                 {"place": "destination", "at_utc": "2027-03-01T08:30:00Z"}]  # fmt: skip
        convoy = {"id": f"cv-{i}", "corridor_id": "krems-demo", "vehicles": 3, "people": 40,
                  "depart_utc": "2027-03-01T07:00:00Z", "stops": stops}  # fmt: skip
        (folder / f"cv{i}.yaml").write_text(yaml.safe_dump([convoy]), encoding="utf-8")
    (folder / "rules.yaml").write_text("version: 1\nmargin_minutes: 20\nrules: []\n")


def commands(f: Path, k: int) -> dict[str, list[str]]:
    return {
        "movement sign": ["movement", "sign", f"{f}/m{k}.yaml", "--key", f"{f}/icrc.key"],
        "movement ack": ["movement", "ack", f"pre-{k}", "--key", f"{f}/army-north.key"],
        "movement status": ["movement", "status", "pre-0"],
        "movement list": ["movement", "list"],
        "movement export": ["movement", "export", "pre-0"],
        "convoys add": ["convoys", "add", f"{f}/cv{k}.yaml"],
        "convoys list": ["convoys", "list", "-c", "krems-demo"],
        "rules set": ["rules", "set", f"{f}/rules.yaml"],
        "rules show": ["rules", "show"],
        "db upgrade": ["db", "upgrade"],
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", required=True)
    parser.add_argument("--files", type=Path, required=True)
    parser.add_argument("--rounds", type=int, default=4)
    parser.add_argument("variants", nargs="+", help="name=src folder")
    args = parser.parse_args()
    variants = dict(v.split("=", 1) for v in args.variants)
    if len(variants) * args.rounds > N:
        raise SystemExit(f"at most {N} variant-rounds: the writes consume their inputs")
    fill(args.db, args.files)
    res: dict[str, dict[str, dict[str, Any]]] = {}
    k = 0
    for r in range(args.rounds):
        for name, src in variants.items():
            env = dict(os.environ, PYTHONPATH=str(Path(src).resolve()))
            for cmd_name, argv in commands(args.files, k).items():
                cmd = ["/usr/bin/time", "-f", "TIME %U %S %e", sys.executable]
                cmd += ["-X", "importtime"] if r == 0 else []
                cmd += ["-m", "corridor", *argv, "--db", args.db]
                p = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False)
                d = res.setdefault(cmd_name, {}).setdefault(name, {"cpu": [], "wall": []})
                if p.returncode != 0:
                    raise SystemExit(f"{name} {cmd_name}: exit {p.returncode}\n{p.stderr[-500:]}")
                if r == 0:
                    d["loads"] = [m for m in WATCHED if re.search(rf"\| +{m}$", p.stderr, re.M)]
                    continue
                t = re.search(r"TIME ([\d.]+) ([\d.]+) ([\d.]+)", p.stderr)
                assert t is not None
                d["cpu"].append(float(t[1]) + float(t[2]))
                d["wall"].append(float(t[3]))
            k += 1
    for per in res.values():
        for d in per.values():
            d["cpu"] = round(statistics.median(d["cpu"]), 2)
            d["wall"] = round(statistics.median(d["wall"]), 2)
    print(json.dumps(res, indent=1))


if __name__ == "__main__":
    main()
