"""`Idempotency-Key` on field-team POSTs: a retried request replays the stored response.

The key is scoped to the user. The response is stored in the same transaction as the write,
so either both exist or neither does; a concurrent duplicate loses on the unique constraint,
rolls back its write, and replays the winner's response. The same key with a different method,
path or body is refused with 422 (as the IETF httpapi idempotency-key draft suggests).

Records expire after ``IDEMPOTENCY_TTL`` (the draft's advice: keys are not kept forever).
A retry after that is a new request; expired rows are deleted as they are met and swept
at most once per ``SWEEP_EVERY`` by each process, so the table does not grow without bound
and stored responses (which may name people and places) are not kept longer than needed.
"""

from __future__ import annotations

import hashlib
import json
import threading
import time
from collections.abc import Callable
from datetime import timedelta
from typing import Annotated, Any

from fastapi import Header, Request
from fastapi.responses import JSONResponse
from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from corridor.api._adapters import session_of
from corridor.api._principal import Principal
from corridor.api._problems import ApiError
from corridor.api._state import state_of
from corridor.store import Store

REPLAYED_HEADER = "Idempotent-Replayed"
IDEMPOTENCY_TTL = timedelta(hours=24)
SWEEP_EVERY = 600.0  # seconds between sweeps of expired rows, per process
_last_sweep = [0.0]
_sweep_lock = threading.Lock()

IdempotencyKey = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        min_length=1,
        max_length=200,
        description="Any unique string per logical request; a retry with the same key and body "
        "returns the first response instead of writing again.",
    ),
]

#: A write returns (HTTP status, JSON-ready body) and must do all its work in ``session``.
Write = Callable[[Session], tuple[int, Any]]


def _digest(method: str, path: str, body: bytes) -> str:
    h = hashlib.sha256()
    for part in (method.encode(), path.encode(), body):
        h.update(len(part).to_bytes(8, "big"))
        h.update(part)
    return h.hexdigest()


async def run_idempotent(
    request: Request, principal: Principal, key: str | None, write: Write
) -> JSONResponse:
    """Run ``write`` once per (user, key); replay its stored response on a retry."""
    from starlette.concurrency import run_in_threadpool

    body = await request.body()
    return await run_in_threadpool(_run, request, principal, key, write, body)


def _run(
    request: Request, principal: Principal, key: str | None, write: Write, body: bytes
) -> JSONResponse:
    from corridor.store import IdempotencyKeyRow

    store = state_of(request).store
    method, path = request.method, request.url.path
    if key is None:
        with session_of(store) as session:
            status, payload = write(session)
        return JSONResponse(payload, status_code=status)
    digest = _digest(method, path, body)
    _sweep(store)
    replay = _lookup(store, principal, key, digest)
    if replay is not None:
        return replay
    try:
        with session_of(store) as session:
            status, payload = write(session)
            session.add(
                IdempotencyKeyRow(
                    key=key,
                    user_id=principal.user_id,
                    method=method,
                    path=path,
                    request_digest=digest,
                    status_code=status,
                    response_body=json.dumps(payload),
                )
            )
            session.flush()
    except IntegrityError:
        replay = _lookup(store, principal, key, digest)
        if replay is None:  # pragma: no cover - the unique row must exist after the conflict
            raise
        return replay
    return JSONResponse(payload, status_code=status)


def _cutoff() -> Any:
    from corridor.store import utc_now

    return utc_now() - IDEMPOTENCY_TTL


def _sweep(store: Store) -> None:
    """Delete every expired record, at most once per SWEEP_EVERY in this process."""
    from corridor.store import IdempotencyKeyRow

    now = time.monotonic()
    with _sweep_lock:
        if now - _last_sweep[0] < SWEEP_EVERY:
            return
        _last_sweep[0] = now
    with session_of(store) as session:
        session.execute(delete(IdempotencyKeyRow).where(IdempotencyKeyRow.created_at < _cutoff()))


def _lookup(store: Store, principal: Principal, key: str, digest: str) -> JSONResponse | None:
    from corridor.store import IdempotencyKeyRow

    with session_of(store) as session:
        row = session.scalar(
            select(IdempotencyKeyRow).where(
                IdempotencyKeyRow.user_id == principal.user_id, IdempotencyKeyRow.key == key
            )
        )
        if row is None:
            return None
        if row.created_at < _cutoff():
            session.delete(row)  # expired: the key may be used afresh
            return None
        if row.request_digest != digest:
            raise ApiError(
                422,
                f"Idempotency-Key {key!r} was already used for a different request "
                f"({row.method} {row.path}); use a new key for a new request",
            )
        return JSONResponse(
            json.loads(row.response_body),
            status_code=row.status_code,
            headers={REPLAYED_HEADER: "true"},
        )
