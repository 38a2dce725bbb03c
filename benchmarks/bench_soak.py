"""Load and soak on loopback: field teams report while coordinators route and read.

Workload against a real `corridor serve` (one process) on the bundled Krems network with the
demo hazards, SQLite by default (``BENCH_SOAK_DB=postgresql`` for the local PostgreSQL):
``BENCH_SOAK_TEAMS`` field teams (one token each) post incident reports and check-ins (each
with its own Idempotency-Key, and one in 20 sent twice, as a team whose answer was lost
would), and now and then a new hazard; coordinators compute routes (one in 10 with
explanations and the Pareto set) and list hazards and reports; an observer checks the audit
chain. Requests are scheduled open loop at ``BENCH_SOAK_RATE`` per second for
``BENCH_SOAK_SECONDS`` (latency from the scheduled time), and the server's resident memory
(RSS, from /proc) is sampled every second.

Reported: throughput, p50/p99/max per request type, errors (any non-2xx; a 503 from the heavy
pool counts too), and memory: RSS after warm-up, at the end, and the growth per 10,000
requests, from a least-squares line over the second half of the run (the part after caches
have filled). Run: ``python -m benchmarks soak``.
"""

from __future__ import annotations

import asyncio
import itertools
import os
import random
import tempfile
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from benchmarks._loadgen import RssSampler, open_loop, raw_request, running_server
from benchmarks.bench_api import AT_UTC, _setup

RATE = float(os.environ.get("BENCH_SOAK_RATE", "150"))
SECONDS = float(os.environ.get("BENCH_SOAK_SECONDS", "120"))
TEAMS = int(os.environ.get("BENCH_SOAK_TEAMS", "40"))
DB = os.environ.get("BENCH_SOAK_DB", "sqlite")
SEED = 20260302

#: (kind, share of requests): field teams write, coordinators route and read.
MIX: tuple[tuple[str, float], ...] = (
    ("field POST /reports/incidents", 0.30),
    ("field POST /reports/checkins", 0.25),
    ("field POST /hazards", 0.01),
    ("coord POST /routes", 0.27),
    ("coord POST /routes explain+pareto", 0.03),
    ("coord GET /hazards", 0.07),
    ("coord GET /reports", 0.06),
    ("observer GET /audit/verify", 0.01),
)


def _pg_url() -> tuple[str, str]:
    """A fresh schema in the local PostgreSQL (dropped after the run) and its URL."""
    import psycopg

    schema = f"corridor_soak_{uuid.uuid4().hex[:10]}"
    with psycopg.connect("host=127.0.0.1 port=5432 user=postgres dbname=test",
                         autocommit=True) as conn:  # fmt: skip
        conn.execute(f"CREATE SCHEMA {schema}")
    url = ("postgresql+psycopg://postgres@127.0.0.1:5432/test"
           f"?options=-csearch_path%3D{schema}")  # fmt: skip
    return schema, url


def _tokens(db_url: str) -> tuple[list[str], list[str], str]:
    from corridor.api import add_user
    from corridor.store import open_store

    with open_store(db_url) as store:
        field = [
            add_user(store, name=f"team-{i}", role="field", party=None, actor="bench")
            for i in range(TEAMS)
        ]
        coords = [
            add_user(store, name=f"coord-{i}", role="coordinator", party=None, actor="bench")
            for i in range(2)
        ]
        observer = add_user(store, name="observer", role="observer", party=None, actor="bench")
    return field, coords, observer


def _requests(
    port: int, field: list[str], coords: list[str], observer: str, routes: list[dict[str, Any]]
) -> Callable[[int], tuple[str, bytes]]:
    rng = random.Random(SEED)
    kinds = [k for k, _ in MIX]
    weights = [w for _, w in MIX]
    counter = itertools.count()
    last: dict[str, bytes] = {}

    def point() -> dict[str, float]:
        return {"lat": 48.40 + rng.random() * 0.03, "lon": 15.58 + rng.random() * 0.06}

    def pick(i: int) -> tuple[str, bytes]:
        kind = rng.choices(kinds, weights)[0]
        team = field[rng.randrange(len(field))]
        coord = coords[i % len(coords)]
        n = next(counter)
        if kind.startswith("field POST /reports") and kind in last and rng.random() < 0.05:
            return kind, last[kind]  # a retry of the last one: same key, same body
        if kind == "field POST /reports/incidents":
            body: Any = {**point(), "kind": "shelling", "severity": round(rng.random(), 2),
                         "notes": f"report {n}"}  # fmt: skip
            raw = raw_request("POST", "/reports/incidents", port=port, token=team, body=body,
                              headers={"Idempotency-Key": f"soak-{n}"})  # fmt: skip
            last[kind] = raw
        elif kind == "field POST /reports/checkins":
            body = {**point(), "status": rng.choice(["ok", "delayed", "blocked"]),
                    "people": rng.randrange(1, 60)}  # fmt: skip
            raw = raw_request("POST", "/reports/checkins", port=port, token=team, body=body,
                              headers={"Idempotency-Key": f"soak-{n}"})  # fmt: skip
            last[kind] = raw
        elif kind == "field POST /hazards":
            p = point()
            body = {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [p["lon"], p["lat"]]},
                "properties": {"kind": "checkpoint", "severity": 0.2, "radius_m": 50,
                               "valid_from": "2022-03-08T00:00:00Z"},
            }  # fmt: skip
            raw = raw_request("POST", "/hazards", port=port, token=team, body=body)
        elif kind == "coord POST /routes":
            raw = raw_request("POST", "/routes", port=port, token=coord,
                              body=routes[n % len(routes)])  # fmt: skip
        elif kind == "coord POST /routes explain+pareto":
            body = {**routes[n % len(routes)], "explain": True, "pareto": True}
            raw = raw_request("POST", "/routes", port=port, token=coord, body=body)
        elif kind == "coord GET /hazards":
            raw = raw_request("GET", "/hazards?limit=50", port=port, token=coord)
        elif kind == "coord GET /reports":
            raw = raw_request("GET", "/reports?limit=20", port=port, token=coord)
        else:
            raw = raw_request("GET", "/audit/verify", port=port, token=observer)
        return kind, raw

    return pick


def _growth_per_10k(samples: list[tuple[float, int]], rate: float) -> float:
    """KiB of RSS per 10,000 requests, fitted over the second half of the samples."""
    half = samples[len(samples) // 2 :]
    if len(half) < 3:
        return float("nan")
    t = np.array([s[0] for s in half])
    rss = np.array([s[1] for s in half], dtype=np.float64)
    slope_per_s = float(np.polyfit(t, rss, 1)[0])
    return slope_per_s / rate * 10_000


def main() -> None:
    schema = None
    with tempfile.TemporaryDirectory(prefix="corridor-bench-soak-") as tmp:
        net_path, sqlite_url, _, routes, _, _ = _setup(Path(tmp))
        db_url = sqlite_url
        if DB == "postgresql":
            schema, db_url = _pg_url()
            from benchmarks.bench_api import DEMO_HAZARDS
            from corridor.hazards import load_hazards
            from corridor.store import add_hazards, open_store

            with open_store(db_url) as store, store.session() as session:
                add_hazards(session, load_hazards(DEMO_HAZARDS), actor="bench")
        try:
            field, coords, observer = _tokens(db_url)
            with running_server(db_url, net_path) as (port, proc):
                pick = _requests(port, field, coords, observer, routes)
                asyncio.run(open_loop(port, pick, RATE, 2.0))  # warm-up
                with RssSampler(proc.pid) as rss:
                    out = asyncio.run(open_loop(port, pick, RATE, SECONDS))
        finally:
            if schema is not None:
                import psycopg

                with psycopg.connect("host=127.0.0.1 port=5432 user=postgres dbname=test",
                                     autocommit=True) as conn:  # fmt: skip
                    conn.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
    total = out.count()
    print(
        f"soak on {DB}: {TEAMS} field teams + 2 coordinators + 1 observer, "
        f"{RATE:.0f} req/s open loop for {SECONDS:.0f} s, routes at {AT_UTC} (seed {SEED})"
    )
    print(f"{'request':<36}{'count':>7}{'req/s':>8}{'errors':>7}{'p50 ms':>9}{'p99 ms':>9}"
          f"{'max ms':>9}")  # fmt: skip
    for kind, _ in MIX:
        n = out.count(kind)
        if not n:
            continue
        print(f"{kind:<36}{n:>7d}{n / out.wall_s:>8.1f}{out.errors(kind):>7d}"
              f"{out.pct(kind, 50):>9.2f}{out.pct(kind, 99):>9.2f}"
              f"{max(out.latencies[kind]):>9.2f}")  # fmt: skip
    print(f"{'all':<36}{total:>7d}{total / out.wall_s:>8.1f}{out.errors():>7d}")
    first, last = rss.samples[0][1], rss.samples[-1][1]
    peak = max(s[1] for s in rss.samples)
    print(
        f"server RSS: {first / 1024:.1f} MiB after warm-up, {last / 1024:.1f} MiB at the end "
        f"(peak {peak / 1024:.1f}); growth over the second half: "
        f"{_growth_per_10k(rss.samples, total / out.wall_s):.0f} KiB per 10,000 requests"
    )
    for kind, statuses in out.statuses.items():
        odd = {s: c for s, c in statuses.items() if s not in (200, 201)}
        if odd:
            print(f"  non-2xx for {kind}: {odd}")


if __name__ == "__main__":
    main()
