"""REST API under load: route requests against a real `corridor serve` on loopback.

Workload: the bundled Krems extract imported to a temporary network file, the demo hazard
scenario (``data/demo/krems-hazards.geojson``, 8 hazards incl. a bridge closure) stored in a
temporary SQLite database, one coordinator token. 400 origin/destination pairs are drawn with
a fixed seed from the network's nodes and kept only if they route under the hazards at the
scenario time (so every request should succeed: any non-200, 503 included, is an error). The
open-loop generator (``benchmarks._loadgen``) sends ``POST /routes`` at a fixed rate, each
request at its scheduled time, latency measured from that time (no coordinated omission).
Each run mixes in heavy requests (explanations and the Pareto set) at a given share: none,
1 in 50 and 1 in 10; light and heavy latencies are reported apart.

Peer, side by side: the same route computed in-process (``corridor.routing.route`` with the
same risk model), i.e. what HTTP, auth, the store and JSON add. Target: light p99 < 50 ms at
200 requests/s with 1 in 10 heavy and zero errors on the reference machine (2 cores).
Run: ``python -m benchmarks api`` (env ``BENCH_API_RATE``, ``BENCH_API_SECONDS``,
``BENCH_API_WORKERS``, e.g. ``1,2``, and ``BENCH_API_HEAVY``, e.g. ``0,0.1``, override the
defaults).
"""

from __future__ import annotations

import asyncio
import os
import random
import tempfile
import time
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np

from benchmarks._loadgen import Outcome, open_loop, raw_request, running_server

REPO = Path(__file__).resolve().parents[1]
OSM = REPO / "data" / "krems.osm.gz"
DEMO_HAZARDS = REPO / "data" / "demo" / "krems-hazards.geojson"
AT_UTC = "2022-03-08T12:00:00Z"  # inside the demo scenario's hazard windows
SEED = 20260301
N_PAIRS = 400
RATE = float(os.environ.get("BENCH_API_RATE", "200"))
SECONDS = float(os.environ.get("BENCH_API_SECONDS", "20"))
WARMUP_REQUESTS = int(os.environ.get("BENCH_API_WARMUP", "200"))
# One process, and one per core of the reference machine.
WORKERS = tuple(int(w) for w in os.environ.get("BENCH_API_WORKERS", "1,2").split(","))
# Share of heavy requests (explanations and the Pareto set) per run: alone, 1 in 50, 1 in 10.
HEAVY = tuple(float(h) for h in os.environ.get("BENCH_API_HEAVY", "0,0.02,0.1").split(","))


def _setup(folder: Path) -> tuple[Path, str, str, list[dict[str, Any]], Any, Any]:
    """Network file, DB URL, token, routable request bodies, network and risk model."""
    from corridor.api import add_user
    from corridor.hazards import RiskModel, load_hazards
    from corridor.network import import_osm, write_network
    from corridor.routing import RouteOptions, route
    from corridor.store import add_hazards, open_store

    net = import_osm(OSM)
    net_path = folder / "krems.net"
    write_network(net, net_path)
    db_url = f"sqlite:///{folder / 'bench.db'}"
    hazards = load_hazards(DEMO_HAZARDS) if DEMO_HAZARDS.exists() else []
    with open_store(db_url) as store:
        token = add_user(store, name="bench", role="coordinator", party=None, actor="bench")
        with store.session() as session:
            add_hazards(session, hazards, actor="bench")
    at = datetime.fromisoformat(AT_UTC.replace("Z", "+00:00"))
    model = RiskModel(net, hazards, at=at) if hazards else None
    rng = random.Random(SEED)
    bodies: list[dict[str, Any]] = []
    while len(bodies) < N_PAIRS:
        a, b = rng.randrange(net.n_nodes), rng.randrange(net.n_nodes)
        o = (float(net.node_lat[a]), float(net.node_lon[a]))
        d = (float(net.node_lat[b]), float(net.node_lon[b]))
        try:
            route(net, origin=o, destination=d, risk_model=model, options=RouteOptions(at=at))
        except Exception:  # blocked by a closure: not a fair request for an error count
            continue
        bodies.append({
            "network": "krems",
            "origin": {"lat": o[0], "lon": o[1]},
            "destination": {"lat": d[0], "lon": d[1]},
            "at_utc": AT_UTC,
        })  # fmt: skip
    return net_path, db_url, token, bodies, net, model


def _in_process(net: Any, model: Any, bodies: list[dict[str, Any]]) -> list[float]:
    from corridor.routing import RouteOptions, route

    at = datetime.fromisoformat(AT_UTC.replace("Z", "+00:00"))
    out = []
    for body in bodies:
        o, d = body["origin"], body["destination"]
        t = time.perf_counter()
        route(net, origin=(o["lat"], o["lon"]), destination=(d["lat"], d["lon"]),
              risk_model=model, options=RouteOptions(at=at))  # fmt: skip
        out.append((time.perf_counter() - t) * 1000)
    return out


def _serve_and_load(
    net_path: Path,
    db_url: str,
    token: str,
    bodies: list[dict[str, Any]],
    *,
    workers: int,
    heavy: float,
) -> Outcome:  # fmt: skip
    """One run: every ``round(1 / heavy)``-th request asks for explanations and the Pareto set."""
    every = round(1 / heavy) if heavy > 0 else 0
    with running_server(db_url, net_path, workers=workers) as (port, _):
        light = [raw_request("POST", "/routes", port=port, token=token, body=b) for b in bodies]
        heavy_raw = [
            raw_request("POST", "/routes", port=port, token=token,
                        body={**b, "explain": True, "pareto": True})
            for b in bodies
        ]  # fmt: skip

        def pick(i: int) -> tuple[str, bytes]:
            if every and i % every == every - 1:
                return "heavy", heavy_raw[i % len(bodies)]
            return "light", light[i % len(bodies)]

        # Warm every worker (numba kernels, the cached risk models) before the clock starts.
        asyncio.run(open_loop(port, pick, RATE, WARMUP_REQUESTS / RATE))
        return asyncio.run(open_loop(port, pick, RATE, SECONDS))


def _explain_cost(net: Any, model: Any, bodies: list[dict[str, Any]]) -> tuple[float, float]:
    """Median ms of one route's explanation and of one Pareto query, in-process."""
    from corridor.routing import RouteOptions, explain, route

    at = datetime.fromisoformat(AT_UTC.replace("Z", "+00:00"))
    hazards = model.hazards if model is not None else []
    ex, pa = [], []
    for body in bodies[:100]:
        o, d = body["origin"], body["destination"]
        kw = {"origin": (o["lat"], o["lon"]), "destination": (d["lat"], d["lon"])}
        r = route(net, risk_model=model, options=RouteOptions(at=at), **kw).routes[0]
        t = time.perf_counter()
        explain(net, r, risk_model=model, hazards=hazards, at=at)
        ex.append((time.perf_counter() - t) * 1000)
        t = time.perf_counter()
        route(net, risk_model=model, options=RouteOptions(at=at, pareto=True), **kw)
        pa.append((time.perf_counter() - t) * 1000)
    return float(np.median(ex)), float(np.median(pa))


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="corridor-bench-api-") as tmp:
        net_path, db_url, token, bodies, net, model = _setup(Path(tmp))
        local = _in_process(net, model, bodies)
        explain_ms, pareto_ms = _explain_cost(net, model, bodies)
        print(f"POST /routes on Krems with {len(bodies)} routable pairs, demo hazards, "
              f"{RATE:.0f} req/s open loop for {SECONDS:.0f} s (seed {SEED}); heavy = "
              f"explain + pareto")  # fmt: skip
        print(f"in-process, median of 100: one explanation {explain_ms:.2f} ms, "
              f"one Pareto query {pareto_ms:.2f} ms")  # fmt: skip
        print(f"{'measure':<34}{'kind':>6}{'req/s':>8}{'errors':>7}{'503':>5}{'p50 ms':>9}"
              f"{'p90 ms':>9}{'p99 ms':>9}{'max ms':>9}")  # fmt: skip
        lq = [float(np.percentile(local, q)) for q in (50, 90, 99)]
        print(f"{'in-process route() (peer)':<34}{'light':>6}{'':>8}{'':>7}{'':>5}{lq[0]:>9.2f}"
              f"{lq[1]:>9.2f}{lq[2]:>9.2f}{max(local):>9.2f}", flush=True)  # fmt: skip
        verdicts = []
        for workers in WORKERS:
            for heavy in HEAVY:  # each run printed as it ends: a saturated one can take long
                out = _serve_and_load(net_path, db_url, token, bodies, workers=workers, heavy=heavy)
                _print_run(f"serve --workers {workers}, heavy {heavy:g}", out)
                ok = out.pct("light", 99) < 50 and out.errors() == 0
                verdicts.append(
                    f"--workers {workers}, heavy {heavy:g}: light p99 "
                    f"{out.pct('light', 99):.1f} ms, {out.errors()} errors; target light p99 "
                    f"< 50 ms with zero errors: {'PASS' if ok else 'FAIL'}"
                )
    print("\n".join(verdicts))


def _print_run(label: str, out: Outcome) -> None:
    for kind in ("light", "heavy"):
        if not out.count(kind):
            continue
        rate = out.count(kind) / out.wall_s
        busy = out.statuses[kind].get(503, 0)
        print(f"{label:<34}{kind:>6}{rate:>8.1f}{out.errors(kind):>7d}{busy:>5d}"
              f"{out.pct(kind, 50):>9.2f}{out.pct(kind, 90):>9.2f}{out.pct(kind, 99):>9.2f}"
              f"{max(out.latencies[kind]):>9.2f}", flush=True)  # fmt: skip


if __name__ == "__main__":
    main()
