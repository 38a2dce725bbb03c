"""RFC 9457 problem+json: the one place where errors become HTTP responses."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import SQLAlchemyError
from starlette.exceptions import HTTPException as StarletteHTTPException

from corridor._records import model_message
from corridor.errors import (
    AuditError,
    CorridorError,
    InputError,
    NotFoundError,
    StateError,
    StoreError,
)

log = logging.getLogger("corridor.api")

PROBLEM_JSON = "application/problem+json"

#: CorridorError class -> (status, type slug, title). Most specific class first; the first
#: isinstance match wins, and CorridorError itself is the catch-all.
ERROR_STATUS: list[tuple[type[CorridorError], int, str, str]] = [
    (NotFoundError, 404, "not-found", "Not found"),
    (StateError, 409, "conflict", "Conflict with the current state"),
    (InputError, 422, "invalid-input", "Invalid input"),
    (AuditError, 500, "audit-broken", "The audit chain does not verify"),
    (StoreError, 503, "store-unavailable", "The database is unavailable"),
    (CorridorError, 500, "internal", "Internal error"),
]

_HTTP_SLUGS = {
    400: ("bad-request", "Bad request"),
    401: ("unauthenticated", "Authentication required"),
    403: ("forbidden", "Forbidden"),
    404: ("not-found", "Not found"),
    405: ("method-not-allowed", "Method not allowed"),
    406: ("not-acceptable", "Not acceptable"),
    409: ("conflict", "Conflict with the current state"),
    412: ("precondition-failed", "Precondition failed"),
    413: ("too-large", "Request body too large"),
    415: ("unsupported-media-type", "Unsupported media type"),
    422: ("invalid-input", "Invalid input"),
    428: ("precondition-required", "Precondition required"),
    500: ("internal", "Internal error"),
    503: ("unavailable", "Service unavailable"),
}


class ApiError(Exception):  # not a CorridorError: raised by the HTTP layer only
    """An HTTP-level refusal raised by the API layer itself (auth, preconditions, limits)."""

    def __init__(
        self,
        status: int,
        detail: str,
        *,
        headers: dict[str, str] | None = None,
        extra: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.headers = headers or {}
        self.extra = extra or {}


def problem_body(
    status: int, detail: str, *, instance: str, slug: str | None = None, title: str | None = None
) -> dict[str, Any]:
    default_slug, default_title = _HTTP_SLUGS.get(status, ("error", "Error"))
    return {
        "type": f"/problems/{slug or default_slug}",
        "title": title or default_title,
        "status": status,
        "detail": detail,
        "instance": instance,
    }


def problem_response(
    status: int,
    detail: str,
    *,
    instance: str,
    slug: str | None = None,
    title: str | None = None,
    headers: dict[str, str] | None = None,
    extra: dict[str, Any] | None = None,
) -> JSONResponse:
    body = problem_body(status, detail, instance=instance, slug=slug, title=title)
    body.update(extra or {})
    return JSONResponse(body, status_code=status, headers=headers, media_type=PROBLEM_JSON)


def status_of(exc: CorridorError) -> tuple[int, str, str]:
    for cls, status, slug, title in ERROR_STATUS:
        if isinstance(exc, cls):
            return status, slug, title
    raise AssertionError("CorridorError is the last entry")  # pragma: no cover


def _instance(request: Request) -> str:
    return request.url.path


def _field_path(loc: tuple[int | str, ...] | list[int | str]) -> str:
    """`("body", "terms", "parties", 0)` -> `body.terms.parties[0]`."""
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


async def _on_corridor_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, CorridorError)
    status, slug, title = status_of(exc)
    extra: dict[str, Any] = {}
    if exc.field is not None:
        extra["field"] = exc.field
    if exc.hint:
        extra["hint"] = exc.hint
    problems = getattr(exc, "problems", None)
    if problems:
        extra["errors"] = [{"message": str(p)} for p in problems]
    if status >= 500:
        log.error("%s %s: %s", request.method, request.url.path, exc.one_line())
    return problem_response(
        status, exc.one_line(), instance=_instance(request), slug=slug, title=title, extra=extra
    )


async def _on_validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = [
        {"path": _field_path(err.get("loc", ())), "message": model_message(err)}
        for err in exc.errors()
    ]
    bad_json = any(err.get("type") == "json_invalid" for err in exc.errors())
    detail = "; ".join(f"{e['path']}: {e['message']}" for e in errors[:5])
    if len(errors) > 5:
        detail += f"; and {len(errors) - 5} more"
    return problem_response(
        400 if bad_json else 422,
        detail or "the request is invalid",
        instance=_instance(request),
        extra={"errors": errors},
    )


async def _on_api_problem(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ApiError)
    return problem_response(
        exc.status, exc.detail, instance=_instance(request), headers=exc.headers, extra=exc.extra
    )


async def _on_http_exception(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    detail = exc.detail if isinstance(exc.detail, str) else "request refused"
    return problem_response(
        exc.status_code, detail, instance=_instance(request), headers=dict(exc.headers or {})
    )


async def _on_db_error(request: Request, exc: Exception) -> JSONResponse:
    """Database errors that reach the edge: a lost race on a unique key is a conflict the
    client can retry; a value the database refuses is the caller's input (422); anything
    else means the database is unreachable or failing."""
    from sqlalchemy.exc import DataError, IntegrityError

    if isinstance(exc, IntegrityError):
        return problem_response(
            409,
            "a concurrent request changed the same data; read it again and retry",
            instance=_instance(request),
        )
    if isinstance(exc, DataError):
        # The database refused a value the caller sent (PostgreSQL: a NUL byte in text, a
        # string longer than its column): the caller's input, not an outage.
        return problem_response(
            422,
            "a value in the request cannot be stored: text must not contain NUL bytes and "
            "must fit its field's length",
            instance=_instance(request),
        )
    log.error("database error on %s %s: %s", request.method, request.url.path, exc)
    return problem_response(
        503, "the database is unavailable; try again shortly", instance=_instance(request)
    )


async def _on_unexpected(request: Request, exc: Exception) -> JSONResponse:
    log.exception("unhandled error on %s %s", request.method, request.url.path)
    return problem_response(
        500, "an internal error occurred; it has been logged", instance=_instance(request)
    )


def install_problem_handlers(app: FastAPI) -> None:
    app.add_exception_handler(CorridorError, _on_corridor_error)
    app.add_exception_handler(RequestValidationError, _on_validation_error)
    app.add_exception_handler(ApiError, _on_api_problem)
    app.add_exception_handler(StarletteHTTPException, _on_http_exception)
    app.add_exception_handler(SQLAlchemyError, _on_db_error)
    app.add_exception_handler(Exception, _on_unexpected)


#: OpenAPI description of a problem response, for `responses=` on routes.
PROBLEM_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["type", "title", "status", "detail", "instance"],
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "instance": {"type": "string"},
        "errors": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {"path": {"type": "string"}, "message": {"type": "string"}},
            },
        },
    },
}


def problem_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    return {
        s: {
            "description": _HTTP_SLUGS.get(s, ("", "Error"))[1],
            "content": {PROBLEM_JSON: {"schema": PROBLEM_SCHEMA}},
        }
        for s in statuses
    }
