"""`GET /events`: server-sent events from the events table, resumable by Last-Event-ID.

Every server process reads the same table, so every subscriber of every process gets every
event; on PostgreSQL each stream also LISTENs on the channel that writers NOTIFY at commit, so
it wakes at once instead of polling (SQLite has one host, and polls twice a second).
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import time
from collections.abc import AsyncIterator
from typing import Any

from fastapi import Request
from starlette.concurrency import run_in_threadpool

from corridor.api._adapters import session_of

log = logging.getLogger("corridor.api")

POLL_S = 0.5  # SQLite, or PostgreSQL when LISTEN is not possible
#: PostgreSQL: re-read anyway this often (what a lost notification costs at most).
LISTEN_WAIT_S = float(os.environ.get("CORRIDOR_EVENTS_RECHECK_S", "5"))
KEEPALIVE_S = 15.0
DISCONNECT_CHECK_S = 1.0
BATCH = 500
MAX_SUBSCRIBERS = 200  # per process: each PostgreSQL stream holds one connection

_subscribers = 0


def latest_id(store: Any) -> int:
    from sqlalchemy import func, select

    from corridor.store import EventRow

    with session_of(store, write=False) as session:
        return int(session.scalar(select(func.max(EventRow.id))) or 0)


def _fetch(store: Any, after: int, corridor_id: str | None) -> list[dict[str, Any]]:
    from corridor.monitoring import events_after

    with session_of(store, write=False) as session:
        return events_after(session, after, BATCH, corridor_id=corridor_id)


async def _listen(store: Any) -> Any:
    """An autocommit psycopg connection LISTENing on the event channel, or None."""
    if store.dialect != "postgresql":
        return None
    import psycopg

    from corridor.monitoring import EVENT_CHANNEL

    url = store.engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
    try:
        conn = await psycopg.AsyncConnection.connect(url, autocommit=True)
        await conn.execute(f"LISTEN {EVENT_CHANNEL}")
    except psycopg.Error as exc:  # fall back to polling; the stream still works
        log.warning("events: LISTEN not possible (%s); polling instead", exc)
        return None
    return conn


async def _wait(conn: Any, timeout: float) -> bool:
    """Sleep up to ``timeout`` s; True when woken by a notification."""
    if conn is None:
        await asyncio.sleep(min(timeout, POLL_S))
        return False
    async for _ in conn.notifies(timeout=timeout, stop_after=1):
        return True
    return False


async def _until_news(request: Request, conn: Any, timeout: float) -> None:
    """Wait for a notification (or ``timeout``), noticing a hung-up client within a second."""
    deadline = time.monotonic() + timeout
    while (left := deadline - time.monotonic()) > 0:
        if await _wait(conn, min(left, DISCONNECT_CHECK_S)) or await request.is_disconnected():
            return
        if conn is None:
            return  # no notifications to wait for: re-read the table every POLL_S


def frame(event: dict[str, Any]) -> str:
    data = json.dumps(event, separators=(",", ":"), ensure_ascii=False)
    return f"id: {event['id']}\nevent: {event['kind']}\ndata: {data}\n\n"


async def stream(
    request: Request,
    store: Any,
    *,
    after: int,
    corridor_id: str | None,
    max_events: int | None,
    idle_s: float | None,
) -> AsyncIterator[str]:
    global _subscribers  # noqa: PLW0603 - a per-process count of open streams
    _subscribers += 1
    conn = None
    try:
        conn = await _listen(store)
        last, sent = after, 0
        quiet_since = heard = time.monotonic()
        # The opening frame carries the id the stream starts after, so a client that loses
        # the connection before the first event resumes from here (Last-Event-ID), not from
        # whatever is latest when it reconnects: events in between would be lost.
        yield f"retry: 2000\nid: {after}\n\n"
        while not await request.is_disconnected():
            batch = await run_in_threadpool(_fetch, store, last, corridor_id)
            for event in batch:
                yield frame(event)
                last, sent = event["id"], sent + 1
                if max_events is not None and sent >= max_events:
                    return
            now = time.monotonic()
            if batch:
                quiet_since = heard = now
                continue
            if idle_s is not None and now - quiet_since >= idle_s:
                return
            if now - heard >= KEEPALIVE_S:
                yield ": keep-alive\n\n"
                heard = now
            wait = LISTEN_WAIT_S if idle_s is None else min(LISTEN_WAIT_S, idle_s)
            await _until_news(request, conn, wait)
    except Exception:
        # The 200 and its headers are sent: an error now can only end the stream. End it
        # cleanly (the client resumes with Last-Event-ID) rather than break the connection.
        log.exception("events: stream ended by an error")
    finally:
        _subscribers -= 1
        if conn is not None:
            await conn.close()


def too_many() -> bool:
    return _subscribers >= MAX_SUBSCRIBERS
