"""Typer's parameter coercion for plain values, without pydantic (issue 14, defect 10).

Typer 0.29 turns every given command-line value into its Python type through a pydantic
``TypeAdapter`` built per parameter: importing pydantic and ``typer._adapters`` and building
the adapters is 0.07-0.1 s of a command's start-up, most of the budget of a database read.
Nearly every value corridor takes is a string, a path, a bounded number or a choice, whose
conversion is one line. :func:`plain_value` does those and answers :data:`MISS` for anything
else (a value it would have to judge: an out-of-range number, a bad path, a date, a file
option, a typo in a choice), which then goes to Typer's own coercion: so every error a user
sees is still Typer's, word for word. ``tests/test_cli_coerce.py`` holds each conversion to
Typer's own result for every parameter of every command.
"""

from __future__ import annotations

import math
import re
from enum import Enum
from pathlib import Path
from typing import Any, Final, Literal, get_args, get_origin

MISS: Final = object()
"""No plain answer: Typer's own coercion decides (and words any error)."""

#: Digits with an optional sign, and a decimal number: what pydantic reads the same way as
#: ``int()``/``float()`` do. Anything else (spaces, ``_``, ``nan``, ``1e3`` for an int) misses.
_INT = re.compile(r"[+-]?[0-9]{1,18}")
_FLOAT = re.compile(r"[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]{1,3})?")


def _in_range(number: float, info: Any) -> bool:
    return (info.min is None or number >= info.min) and (info.max is None or number <= info.max)


def _number(annotation: Any, info: Any, value: Any) -> Any:
    if info.clamp is True or isinstance(value, bool):
        return MISS
    number: float
    if isinstance(value, str):
        if annotation is int and _INT.fullmatch(value):
            number = int(value)
        elif annotation is float and _FLOAT.fullmatch(value):
            number = float(value)
        else:
            return MISS
    elif isinstance(value, int) or (isinstance(value, float) and annotation is float):
        number = value if annotation is int else float(value)  # a default such as ``4``
        if not math.isfinite(number):
            return MISS
    else:
        return MISS
    return number if _in_range(number, info) else MISS


def _path(info: Any, value: Any, param: Any, ctx: Any) -> Any:
    if info.path_type is not None or info.allow_dash or not isinstance(value, str | Path):
        return MISS
    if not str(value):
        return MISS
    from typer._click.exceptions import BadParameter
    from typer._param_types import coerce_cli_path

    try:  # given a Path, Typer's own checks (exists, file or directory...) need no pydantic
        return coerce_cli_path(Path(value), info, path_type=Path, param=param, ctx=ctx)
    except (BadParameter, ValueError):  # ValueError: a NUL byte in the path
        return MISS


def _choice(choices: tuple[Any, ...], info: Any, value: Any, ctx: Any) -> Any:
    from typer._param_types import coerce_cli_choice

    try:
        return coerce_cli_choice(
            value, choices=choices, case_sensitive=info.case_sensitive, ctx=ctx
        )
    except ValueError:
        return MISS


def _leaf(annotation: Any, info: Any, value: Any, param: Any, ctx: Any) -> Any:
    """One value: a string from the command line, or a default in its own type."""
    if annotation is str:
        return value if isinstance(value, str) else MISS
    if annotation is int or annotation is float:
        return _number(annotation, info, value)
    if annotation is Path:
        return _path(info, value, param, ctx)
    choices: tuple[Any, ...] | None = None
    if isinstance(annotation, type) and issubclass(annotation, Enum):
        choices = tuple(annotation)
    elif get_origin(annotation) is Literal:
        choices = get_args(annotation)
    return MISS if choices is None else _choice(choices, info, value, ctx)


def plain_value(param: Any, value: Any, ctx: Any) -> Any:
    """``value`` as Typer would coerce it for ``param``, or :data:`MISS`."""
    descriptor = getattr(param, "type_descriptor", None)
    if descriptor is None or descriptor.file_annotation is not None:
        return MISS
    annotation, info = descriptor.annotation, descriptor.parameter_info
    if info.parser is not None or info.resolve_path:
        return MISS
    if get_origin(annotation) is list:
        if not isinstance(value, (list, tuple)) or not (param.multiple or param.nargs == -1):
            return MISS
        (item,) = get_args(annotation)
        items = [_leaf(item, info, v, param, ctx) for v in value]
        return MISS if any(x is MISS for x in items) else items
    if param.multiple or param.nargs != 1:
        return MISS
    return _leaf(annotation, info, value, param, ctx)
