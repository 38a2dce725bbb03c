"""REST API under load: route requests against a real `corridor serve` on loopback.

Workload: the bundled Krems extract imported to a temporary network file, the demo hazard
scenario (``data/demo/krems-hazards.geojson``, 8 hazards incl. a bridge closure) stored in a
temporary SQLite database, one coordinator token. 400 origin/destination pairs are drawn with
a fixed seed from the network's nodes and kept only if they route under the hazards at the
scenario time (so every request should succeed: any non-200 is an error). An open-loop
generator sends ``POST /routes`` at a fixed
rate, each request at its scheduled time whether or not earlier ones have returned, and
latency is measured from the scheduled time (no coordinated omission). The generator is a
minimal HTTP/1.1 keep-alive client on asyncio streams (a new connection whenever all are busy),
light enough to share the machine with the server.

Peer, side by side: the same route computed in-process (``corridor.routing.route`` with the
same risk model), i.e. what HTTP, auth, the store and JSON add. Target: p99 < 50 ms at
200 requests/s with zero errors on the reference machine (2 cores).
Run: ``python -m benchmarks api`` (env ``BENCH_API_RATE``, ``BENCH_API_SECONDS`` and
``BENCH_API_WORKERS``, e.g. ``1,2``, override the defaults).
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import signal
import socket
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
import numpy as np

REPO = Path(__file__).resolve().parents[1]
OSM = REPO / "data" / "krems.osm.gz"
DEMO_HAZARDS = REPO / "data" / "demo" / "krems-hazards.geojson"
AT_UTC = "2022-03-08T12:00:00Z"  # inside the demo scenario's hazard windows
SEED = 20260301
N_PAIRS = 400
RATE = float(os.environ.get("BENCH_API_RATE", "200"))
SECONDS = float(os.environ.get("BENCH_API_SECONDS", "20"))
WARMUP_REQUESTS = 200
# One process, and one per core of the reference machine.
WORKERS = tuple(int(w) for w in os.environ.get("BENCH_API_WORKERS", "1,2").split(","))


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


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


class _Conn:
    """One keep-alive HTTP/1.1 connection speaking just enough of the protocol.

    A hand-rolled client because the load generator shares the 2-core machine with the
    server: httpx's async client spent ~3.7 ms of CPU per request here, more than the server.
    """

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader, self.writer = reader, writer

    async def request(self, raw: bytes) -> int:
        """The response status; 0 if the server had closed this idle connection (nothing was
        read, so the request was never processed and the caller resends it)."""
        self.writer.write(raw)
        await self.writer.drain()
        status_line = await self.reader.readline()
        if not status_line:
            return 0
        length = 0
        while True:
            line = await self.reader.readline()
            if line in (b"\r\n", b""):
                break
            name, _, value = line.partition(b":")
            if name.strip().lower() == b"content-length":
                length = int(value)
        await self.reader.readexactly(length)
        return int(status_line.split()[1])


def _raw_requests(host: str, token: str, bodies: list[dict[str, Any]]) -> list[bytes]:
    out = []
    for body in bodies:
        data = json.dumps(body).encode()
        head = (
            f"POST /routes HTTP/1.1\r\nHost: {host}\r\nAuthorization: Bearer {token}\r\n"
            f"Content-Type: application/json\r\nContent-Length: {len(data)}\r\n\r\n"
        )
        out.append(head.encode() + data)
    return out


async def _open_loop(
    port: int, token: str, bodies: list[dict[str, Any]], rate: float, seconds: float
) -> tuple[list[float], int, float]:
    """Latencies (ms, from each request's scheduled time), error count, wall time."""
    n = int(rate * seconds)
    raw = _raw_requests(f"127.0.0.1:{port}", token, bodies)
    idle: list[_Conn] = []
    latencies: list[float] = []
    errors = 0

    async def connection() -> _Conn:
        if idle:
            return idle.pop()
        return _Conn(*await asyncio.open_connection("127.0.0.1", port))

    async def one(i: int, due: float) -> None:
        nonlocal errors
        delay = due - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        try:
            conn = await connection()
            status = await conn.request(raw[i % len(raw)])
            if status == 0:  # closed after the keep-alive timeout: resend on a new connection
                conn.writer.close()
                conn = _Conn(*await asyncio.open_connection("127.0.0.1", port))
                status = await conn.request(raw[i % len(raw)])
            idle.append(conn)
        except (OSError, asyncio.IncompleteReadError, ValueError, IndexError) as exc:
            status = 0
            print(f"request {i}: {type(exc).__name__}: {exc}", file=sys.stderr)
        latencies.append((time.perf_counter() - due) * 1000)
        if status != 200:
            errors += 1
            if status:
                print(f"request {i}: HTTP {status}", file=sys.stderr)

    start = time.perf_counter() + 0.05
    await asyncio.gather(*(one(i, start + i / rate) for i in range(n)))
    wall = time.perf_counter() - start
    for conn in idle:
        conn.writer.close()
    return latencies, errors, wall


def _pct(values: list[float], q: float) -> float:
    return float(np.percentile(np.asarray(values), q))


def _serve_and_load(
    net_path: Path, db_url: str, token: str, bodies: list[dict[str, Any]], workers: int
) -> tuple[list[float], int, float]:
    port = _free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "corridor", "serve", "--port", str(port), "--db", db_url,
         "--network", str(net_path), "--quiet", "--workers", str(workers)],
        stdout=subprocess.DEVNULL,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                if httpx.get(f"{base}/health", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                if time.monotonic() > deadline:
                    raise
            time.sleep(0.2)
        # Warm every worker (numba kernels, the cached risk model) before the clock starts.
        asyncio.run(_open_loop(port, token, bodies, RATE, WARMUP_REQUESTS / RATE))
        return asyncio.run(_open_loop(port, token, bodies, RATE, SECONDS))
    finally:
        proc.send_signal(signal.SIGINT)
        proc.wait(timeout=60)


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="corridor-bench-api-") as tmp:
        net_path, db_url, token, bodies, net, model = _setup(Path(tmp))
        local = _in_process(net, model, bodies)
        runs = {w: _serve_and_load(net_path, db_url, token, bodies, w) for w in WORKERS}
    lp50 = _pct(local, 50)
    print(f"POST /routes on Krems with {len(bodies)} routable pairs, demo hazards, "
          f"{RATE:.0f} req/s open loop for {SECONDS:.0f} s (seed {SEED})")  # fmt: skip
    print(f"{'measure':<30}{'req/s':>8}{'errors':>8}{'p50 ms':>9}{'p90 ms':>9}{'p99 ms':>9}"
          f"{'max ms':>9}")  # fmt: skip
    print(f"{'in-process route() (peer)':<30}{'':>8}{'':>8}{lp50:>9.2f}{_pct(local, 90):>9.2f}"
          f"{_pct(local, 99):>9.2f}{max(local):>9.2f}")  # fmt: skip
    for workers, (lat, errors, wall) in runs.items():
        label = f"corridor serve --workers {workers}"
        print(f"{label:<30}{len(lat) / wall:>8.1f}{errors:>8d}{_pct(lat, 50):>9.2f}"
              f"{_pct(lat, 90):>9.2f}{_pct(lat, 99):>9.2f}{max(lat):>9.2f}")  # fmt: skip
    for workers, (lat, errors, _) in runs.items():
        verdict = "PASS" if _pct(lat, 99) < 50 and errors == 0 else "FAIL"
        print(f"--workers {workers}: HTTP/in-process p50 {_pct(lat, 50) / lp50:.1f}x; "
              f"target p99 < 50 ms with zero errors: {verdict}")  # fmt: skip


if __name__ == "__main__":
    main()
