"""The project's load generator: open loop, keep-alive HTTP/1.1 on asyncio streams, per kind.

Each request is sent at its scheduled time whether or not earlier ones have returned, and its
latency is measured from that time (no coordinated omission). A minimal client because it
shares the 2-core machine with the server: httpx's async client spent ~3.7 ms of CPU per
request here, more than the server. Used by ``bench_api`` (light and heavy routes) and
``bench_soak`` (field teams and coordinators at once).
"""

from __future__ import annotations

import asyncio
import json
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import numpy as np


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def raw_request(
    method: str,
    path: str,
    *,
    port: int,
    token: str,
    body: Any = None,
    headers: dict[str, str] | None = None,
) -> bytes:
    """One HTTP/1.1 request, ready to write."""
    data = b"" if body is None else json.dumps(body).encode()
    head = (
        f"{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nAuthorization: Bearer {token}\r\n"
    )
    for name, value in (headers or {}).items():
        head += f"{name}: {value}\r\n"
    if body is not None:
        head += f"Content-Type: application/json\r\nContent-Length: {len(data)}\r\n"
    return (head + "\r\n").encode() + data


class _Conn:
    """One keep-alive HTTP/1.1 connection speaking just enough of the protocol."""

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
        chunked = False
        while True:
            line = await self.reader.readline()
            if line in (b"\r\n", b""):
                break
            name, _, value = line.partition(b":")
            key = name.strip().lower()
            if key == b"content-length":
                length = int(value)
            elif key == b"transfer-encoding" and b"chunked" in value.lower():
                chunked = True
        if chunked:
            while True:
                size = int((await self.reader.readline()).split(b";")[0], 16)
                await self.reader.readexactly(size + 2)
                if size == 0:
                    break
        else:
            await self.reader.readexactly(length)
        return int(status_line.split()[1])


@dataclass
class Outcome:
    """Latencies (ms, from the scheduled time) and statuses per request kind."""

    latencies: dict[str, list[float]] = field(default_factory=dict)
    statuses: dict[str, dict[int, int]] = field(default_factory=dict)
    wall_s: float = 0.0

    def add(self, kind: str, ms: float, status: int) -> None:
        self.latencies.setdefault(kind, []).append(ms)
        counts = self.statuses.setdefault(kind, {})
        counts[status] = counts.get(status, 0) + 1

    def count(self, kind: str | None = None) -> int:
        kinds = [kind] if kind else list(self.latencies)
        return sum(len(self.latencies.get(k, [])) for k in kinds)

    def errors(self, kind: str | None = None, *, ok: Sequence[int] = (200, 201)) -> int:
        kinds = [kind] if kind else list(self.statuses)
        return sum(n for k in kinds for s, n in self.statuses.get(k, {}).items() if s not in ok)

    def pct(self, kind: str, q: float) -> float:
        values = self.latencies.get(kind) or [float("nan")]
        return float(np.percentile(np.asarray(values), q))


async def open_loop(
    port: int,
    pick: Callable[[int], tuple[str, bytes]],
    rate: float,
    seconds: float,
    *,
    expected: dict[str, Sequence[int]] | None = None,
) -> Outcome:
    """Send ``pick(i)`` = (kind, raw request) at ``start + i / rate`` for ``seconds``."""
    n = int(rate * seconds)
    idle: list[_Conn] = []
    out = Outcome()
    expected = expected or {}

    async def connection() -> _Conn:
        if idle:
            return idle.pop()
        return _Conn(*await asyncio.open_connection("127.0.0.1", port))

    async def one(i: int, due: float) -> None:
        kind, raw = pick(i)
        delay = due - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        try:
            conn = await connection()
            status = await conn.request(raw)
            if status == 0:  # closed after the keep-alive timeout: resend on a new connection
                conn.writer.close()
                conn = _Conn(*await asyncio.open_connection("127.0.0.1", port))
                status = await conn.request(raw)
            idle.append(conn)
        except (OSError, asyncio.IncompleteReadError, ValueError, IndexError) as exc:
            status = 0
            print(f"request {i} ({kind}): {type(exc).__name__}: {exc}", file=sys.stderr)
        out.add(kind, (time.perf_counter() - due) * 1000, status)
        if status not in expected.get(kind, (200, 201)) and status != 503:
            print(f"request {i} ({kind}): HTTP {status}", file=sys.stderr)

    start = time.perf_counter() + 0.05
    await asyncio.gather(*(one(i, start + i / rate) for i in range(n)))
    out.wall_s = time.perf_counter() - start
    for conn in idle:
        conn.writer.close()
    return out


def rss_kib(pid: int) -> int:
    """Resident set size of a process and its children (uvicorn workers), KiB, from /proc."""
    total = 0
    pids = [pid]
    children = Path(f"/proc/{pid}/task/{pid}/children")
    if children.exists():
        pids += [int(p) for p in children.read_text().split()]
    for p in pids:
        try:
            for line in Path(f"/proc/{p}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except OSError:
            pass
    return total


class RssSampler:
    """Samples a server's RSS every ``every_s`` seconds in a thread while the load runs."""

    def __init__(self, pid: int, every_s: float = 1.0) -> None:
        self.pid, self.every_s = pid, every_s
        self.samples: list[tuple[float, int]] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        t0 = time.monotonic()
        while not self._stop.is_set():
            self.samples.append((time.monotonic() - t0, rss_kib(self.pid)))
            self._stop.wait(self.every_s)

    def __enter__(self) -> RssSampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


@contextmanager
def running_server(
    db_url: str, network: Path, *, workers: int = 1, extra: Sequence[str] = ()
) -> Iterator[tuple[int, subprocess.Popen[bytes]]]:
    """A real `corridor serve` on a free loopback port, until the block ends (then SIGINT)."""
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "corridor", "serve", "--port", str(port), "--db", db_url,
         "--network", str(network), "--quiet", "--workers", str(workers), *extra],
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
                if time.monotonic() > deadline or proc.poll() is not None:
                    raise
            time.sleep(0.2)
        yield port, proc
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
