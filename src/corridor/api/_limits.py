"""Request body size limit, enforced before a handler reads anything (413 problem+json)."""

from __future__ import annotations

import json

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from corridor.api._problems import PROBLEM_JSON, problem_body

#: Default cap on a request body; bulk hazard imports are the largest legitimate bodies.
DEFAULT_MAX_BODY_BYTES = 4 * 1024 * 1024


class _BodyTooLargeError(Exception):
    pass


class BodySizeLimit:
    """Refuse bodies over ``max_bytes``: at once when Content-Length says so, else while streaming.

    A pure ASGI middleware, so a chunked upload is cut off after ``max_bytes`` have arrived rather
    than after the whole body has been buffered.
    """

    def __init__(self, app: ASGIApp, *, max_bytes: int = DEFAULT_MAX_BODY_BYTES) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        for name, value in scope.get("headers", []):
            if name == b"content-length":
                try:
                    declared = int(value)
                except ValueError:
                    declared = 0
                if declared > self.max_bytes:
                    await self._refuse(scope, send)
                    return
        seen = 0
        started = False
        too_large = False

        async def limited_receive() -> Message:
            nonlocal seen, too_large
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.max_bytes:
                    too_large = True
                    raise _BodyTooLargeError
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if too_large:
                # The framework may have caught the error while parsing the body and answered
                # 400 "error parsing the body": the caller must hear 413, so that is dropped.
                if message["type"] == "http.response.start" and not started:
                    started = True
                    await self._refuse(scope, send)
                return
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, limited_receive, tracking_send)
        except _BodyTooLargeError:
            if not started:
                started = True
                await self._refuse(scope, send)

    async def _refuse(self, scope: Scope, send: Send) -> None:
        body = problem_body(
            413,
            f"the request body is larger than the limit of {self.max_bytes} bytes",
            instance=scope.get("path", ""),
        )
        raw = json.dumps(body).encode()
        await send(
            {
                "type": "http.response.start",
                "status": 413,
                "headers": [
                    (b"content-type", PROBLEM_JSON.encode()),
                    (b"content-length", str(len(raw)).encode()),
                    (b"connection", b"close"),
                ],
            }
        )
        await send({"type": "http.response.body", "body": raw})
