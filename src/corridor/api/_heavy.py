"""Heavy requests off the event loop: one bounded pool, and 503 + Retry-After when it is full.

Light work (a route search, ~1 ms of compiled code) runs on the event loop: a thread would not
run it in parallel (the GIL) and the hand-over costs more than the work. Heavy work (a route
with explanations, alternatives or the Pareto set; a hazard import) runs here instead, so one
slow request cannot hold up the light ones queued behind it on the loop. The pool is small
(CPU-bound Python gains nothing from more threads than cores, and each extra one takes GIL
time from the loop), and the queue in front of it is bounded: a server that is behind answers
at once with 503 and a ``Retry-After`` rather than letting latency grow without limit.
"""

from __future__ import annotations

import functools
import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

import anyio.to_thread
from anyio import CapacityLimiter
from fastapi import Request

from corridor.api._problems import ApiError
from corridor.api._state import state_of

T = TypeVar("T")

#: Threads running heavy work at once (the reference machine has 2 cores; the loop is one).
HEAVY_THREADS = 1
#: Heavy requests admitted at once, running or waiting for a thread; more get 503.
HEAVY_ADMITTED = 16


@dataclass
class HeavyPool:
    """Admission count and thread limiter of one app (made on the loop, on first use)."""

    threads: int = HEAVY_THREADS
    admitted: int = HEAVY_ADMITTED
    in_flight: int = 0
    mean_s: float = 0.02  # running mean of one job's time, for Retry-After
    _limiter: CapacityLimiter | None = field(default=None, repr=False)

    @property
    def limiter(self) -> CapacityLimiter:
        if self._limiter is None:  # anyio wants a running loop to make one
            self._limiter = CapacityLimiter(self.threads)
        return self._limiter

    def retry_after_s(self) -> int:
        """Seconds until the queue now admitted should have drained (at least 1)."""
        return max(1, math.ceil(self.in_flight * self.mean_s / self.threads))


def heavy_pool(request: Request) -> HeavyPool:
    pool: HeavyPool = state_of(request).caches.setdefault("heavy", HeavyPool())
    return pool


async def run_heavy(request: Request, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """``fn(*args, **kwargs)`` on the heavy pool; ApiError 503 at once if the pool is full.

    Only the event loop touches ``in_flight`` (no lock needed); the thread does the work.
    """
    pool = heavy_pool(request)
    if pool.in_flight >= pool.admitted:
        retry = pool.retry_after_s()
        raise ApiError(
            503,
            f"the server is busy with {pool.in_flight} heavy requests; retry in {retry} s",
            headers={"Retry-After": str(retry)},
        )
    job = functools.partial(fn, *args, **kwargs)

    def timed() -> tuple[T, float]:
        started = time.perf_counter()
        return job(), time.perf_counter() - started

    pool.in_flight += 1
    try:
        out, took = await anyio.to_thread.run_sync(timed, limiter=pool.limiter)
    finally:
        pool.in_flight -= 1
    pool.mean_s = 0.9 * pool.mean_s + 0.1 * took
    return out
