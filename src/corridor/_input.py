"""The one way corridor reads a user's file: size-capped, decoded, and parsed defensively.

Every file a user (or a hostile party) hands corridor goes through :func:`read_input` or
:func:`read_input_text`, so no input can exhaust memory by sheer size; JSON goes through
:func:`loads_json` and YAML through :func:`load_yaml`, so deep nesting and YAML alias bombs
("billion laughs") are refused with one clear line instead of a traceback, a hang or 1 GB of
memory. The caps are generous for real data and can be raised with ``CORRIDOR_MAX_INPUT_MB``.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from corridor.errors import InputError

__all__ = [
    "MAX_DEPTH",
    "check_depth",
    "load_yaml",
    "loads_json",
    "max_input_bytes",
    "read_input",
    "read_input_text",
]

#: Text inputs (hazard files, terms, bundles, audit exports): far above any real one.
DEFAULT_TEXT_MB = 64
#: Nesting deeper than this is refused; the deepest real input (a GeoJSON MultiPolygon inside
#: a FeatureCollection) has 8 levels.
MAX_DEPTH = 64
ENV_VAR = "CORRIDOR_MAX_INPUT_MB"


def max_input_bytes(default_mb: float = DEFAULT_TEXT_MB) -> int:
    """The size cap in bytes: ``$CORRIDOR_MAX_INPUT_MB`` if set (and positive), else the default."""
    text = os.environ.get(ENV_VAR, "").strip()
    try:
        mb = float(text) if text else default_mb
    except ValueError:
        mb = default_mb
    return int((mb if mb > 0 else default_mb) * 1024 * 1024)


def read_input(
    path: str | Path,
    *,
    what: str = "input file",
    max_bytes: int | None = None,
    error: type[InputError] = InputError,
) -> bytes:
    """The bytes of ``path``, or ``error`` naming the file when it is missing, unreadable, a
    folder, or larger than ``max_bytes`` (default :func:`max_input_bytes`). Reads at most one
    byte past the cap, so a pipe or a growing file cannot exhaust memory either."""
    path = Path(path)
    limit = max_input_bytes() if max_bytes is None else max_bytes
    try:
        with path.open("rb") as fh:
            data = fh.read(limit + 1)
    except FileNotFoundError:
        raise error(f"{what} not found", path=path) from None
    except IsADirectoryError:
        raise error(f"{what} is a folder", path=path, hint="give a file") from None
    except PermissionError:
        raise error(f"{what} is not readable (permission denied)", path=path) from None
    except OSError as exc:
        raise error(f"{what} cannot be read: {exc.strerror or exc}", path=path) from None
    if len(data) > limit:
        raise error(
            f"{what} is larger than {_mb(limit)}",
            path=path,
            hint=f"set {ENV_VAR} to allow larger files",
        )
    return data


def read_input_text(
    path: str | Path,
    *,
    what: str = "input file",
    max_bytes: int | None = None,
    error: type[InputError] = InputError,
) -> str:
    """:func:`read_input` decoded as UTF-8 (a byte-order mark is dropped)."""
    data = read_input(path, what=what, max_bytes=max_bytes, error=error)
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise error(f"{what} is not UTF-8 text (byte {exc.start})", path=Path(path)) from None


def _mb(n: int) -> str:
    return f"{n / (1024 * 1024):g} MB"


def check_depth(obj: Any, *, max_depth: int = MAX_DEPTH) -> int | None:
    """None when ``obj`` nests lists/dicts at most ``max_depth`` deep, else the depth reached.

    Iterative, so it cannot itself overflow the stack, and it visits containers only."""
    stack: list[tuple[Any, int]] = [(obj, 1)]
    while stack:
        item, depth = stack.pop()
        if depth > max_depth:
            return depth
        children = item.values() if isinstance(item, dict) else item
        for child in children:
            if isinstance(child, dict | list):
                stack.append((child, depth + 1))
    return None


def loads_json(
    text: str | bytes,
    *,
    path: str | Path | None = None,
    line: int | None = None,
    what: str = "JSON",
    max_depth: int = MAX_DEPTH,
    allow_nan: bool = True,
    error: type[InputError] = InputError,
) -> Any:
    """Parse JSON; malformed or too deeply nested (stack-exhausting) input, and NaN/Infinity
    unless ``allow_nan`` (record-level validators report those per record), is ``error`` with
    the line, never a traceback."""
    not_what = "not JSON" if what == "JSON" else f"not a {what}"
    try:
        data = json.loads(text) if allow_nan else json.loads(text, parse_constant=_no_constant)
    except json.JSONDecodeError as exc:
        raise error(
            f"{not_what}: {exc.msg} at line {exc.lineno + (line or 1) - 1}",
            path=path,
            line=line,
        ) from None
    except RecursionError:
        raise error(f"{what} is nested too deeply", path=path, line=line) from None
    except ValueError as exc:  # NaN/Infinity, or an integer too long to convert
        raise error(f"{not_what}: {exc}", path=path, line=line) from None
    if isinstance(data, dict | list) and check_depth(data, max_depth=max_depth) is not None:
        raise error(f"{what} is nested more than {max_depth} levels deep", path=path, line=line)
    return data


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


def load_yaml(
    text: str,
    *,
    loader: type[Any] | None = None,
    timestamps_as_text: bool = False,
    path: str | Path | None = None,
    what: str = "YAML",
    max_depth: int = MAX_DEPTH,
    error: type[InputError] = InputError,
) -> Any:
    """Parse YAML with ``loader`` (a SafeLoader; by default PyYAML's, or with
    ``timestamps_as_text`` one that keeps timestamps as text), refusing aliases and deep
    nesting. PyYAML is imported here, not with this module: most commands read no YAML."""
    import yaml

    from corridor._yaml import AliasRefusedError, safe_loader

    try:
        data = yaml.load(text, Loader=safe_loader(loader, timestamps_as_text=timestamps_as_text))
    except AliasRefusedError as exc:
        raise error(
            "YAML aliases (*name) are not allowed",
            path=path,
            line=exc.line,
            hint="write the value out in full",
        ) from None
    except RecursionError:
        raise error(f"{what} is nested too deeply", path=path) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise error(
            f"not valid {what}: {getattr(exc, 'problem', None) or exc}",
            path=path,
            line=mark.line + 1 if mark is not None else None,
        ) from None
    if isinstance(data, dict | list) and check_depth(data, max_depth=max_depth) is not None:
        raise error(f"{what} is nested more than {max_depth} levels deep", path=path)
    return data


def render_path(parts: Iterable[str | int]) -> str:
    """A field path as a user reads it: ``("checkpoints", 1, "name")`` ->
    ``checkpoints[1].name``; errors name the field this way in every file format."""
    out = ""
    for p in parts:
        out += f"[{p}]" if isinstance(p, int) else (f".{p}" if out else str(p))
    return out or "(top level)"


def schema_problem(err: Any) -> tuple[str, str]:
    """(field path, what is wrong) for one JSON Schema error (a ``jsonschema`` ValidationError),
    in words a user acts on; plan and scenario files report their problems this way."""
    parts = list(err.absolute_path)
    kind, expected = err.validator, err.validator_value
    if kind == "required":
        missing = err.message.split("'")[1] if "'" in err.message else "?"
        return render_path([*parts, missing]), "is required"
    if kind == "additionalProperties" and isinstance(err.instance, dict):
        # YAML keys may be bool or int (`on:` is true), so they are compared and named as text
        extra = sorted(map(str, set(err.instance) - set(err.schema.get("properties", {}))))
        return render_path([*parts, *(extra[:1] or ["?"])]), "unknown field"
    messages = {
        "exclusiveMinimum": f"must be > {expected}",
        "minimum": f"must be >= {expected}",
        "exclusiveMaximum": f"must be < {expected}",
        "maximum": f"must be <= {expected}",
        "minItems": f"must have at least {expected} item(s)",
        "maxItems": f"must have at most {expected} item(s)",
        "minLength": "must not be empty",
        "maxLength": f"must be at most {expected} characters",
        "const": f"must be {expected!r}",
        "enum": f"must be one of {expected!r}",
        "type": f"must be of type {expected}, got {type(err.instance).__name__}",
        "pattern": f"must match {expected}",
        "format": f"must be a {expected}",
    }
    if kind == "anyOf":
        types = [s.get("type") for s in expected if isinstance(s, dict)]
        return render_path(parts), "must be " + " or ".join(str(t) for t in types if t)
    return render_path(parts), messages.get(str(kind), err.message)
