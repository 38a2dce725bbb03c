"""The one way corridor writes canonical JSON (RFC 8785, JCS): what digests and signatures cover.

RFC 8785 cannot hold every value a JSON parser hands over: a lone surrogate (``"\\ud800"``,
which is valid JSON text but not Unicode), a non-finite number (``Infinity``, or a float that
overflowed while the caller's numbers were added up) or an integer beyond 2**53. ``rfc8785``
raises its own CanonicalizationError (or TypeError for non-JSON values); where that escaped
uncaught, a caller's request became a 500. Here each becomes a corridor ``InputError`` (or the
subclass the caller names) with a message saying what to change: 422 in the API, one line in
the CLI.
"""

from __future__ import annotations

from typing import Any

import rfc8785

from corridor.errors import InputError

__all__ = ["canonical_json"]


def _why(exc: BaseException) -> tuple[str, str | None]:
    if isinstance(exc, rfc8785.FloatDomainError):
        return str(exc), "numbers must be finite (no Infinity or NaN, no overflowing values)"
    if isinstance(exc, rfc8785.IntegerDomainError):
        return str(exc), "whole numbers must lie within +-2**53"
    if isinstance(exc, rfc8785.CanonicalizationError) and "UTF-8" in str(exc):
        return "text contains a lone surrogate (\\ud800..\\udfff)", "send valid Unicode text"
    if isinstance(exc, RecursionError):
        return "nested too deeply", None
    return str(exc), None


def canonical_json(data: Any, *, what: str = "data", error: type[InputError] = InputError) -> bytes:
    """RFC 8785 bytes of ``data``; ``error`` (an InputError) says why it cannot be written."""
    try:
        return bytes(rfc8785.dumps(data))
    except (rfc8785.CanonicalizationError, TypeError, ValueError, RecursionError) as exc:
        reason, hint = _why(exc)
        raise error(f"{what} cannot be written as canonical JSON: {reason}", hint=hint) from exc
