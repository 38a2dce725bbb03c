"""The plain coercion (:mod:`corridor.cli._coerce`) against Typer's own, on every parameter.

The oracle is Typer's pydantic coercion (``build_runtime_param``), run on the same parameter
of every command of the real application with the same value: where the plain path answers,
the answer must be Typer's (same value, same type); where Typer refuses a value, the plain
path must not answer (so the user sees Typer's error, word for word).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from typer._click import Context
from typer._coercion import build_runtime_param

from corridor.cli._app import COMMANDS, app, load_command
from corridor.cli._coerce import MISS, plain_value


def _commands() -> list[tuple[str, Any]]:
    root = app  # the LazyGroup is built by typer.main.get_command
    import typer.main

    group = typer.main.get_command(root)
    out = []
    for name in COMMANDS:
        command = load_command(name, group)  # type: ignore[arg-type]
        subs = getattr(command, "commands", None)
        if subs:
            out += [(f"{name} {sub}", cmd) for sub, cmd in subs.items()]
        else:
            out.append((name, command))
    return out


COMMAND_LIST = _commands()


def _samples(tmp: Path) -> list[str]:
    (tmp / "file.txt").write_text("x", encoding="utf-8")
    (tmp / "dir").mkdir(exist_ok=True)
    return [
        "", "a", "krems-1", " 5", "5", "+5", "-5", "05", "0", "5_0", "1.5", "-1.5", ".5", "5.",
        "1e3", "1E-2", "1e999", "nan", "inf", "0x10", "99999999999999999999", "true", "TRUE",
        "json", "JSON", "geojson", "html", "-", str(tmp / "file.txt"), str(tmp / "dir"),
        str(tmp / "missing.txt"), "a\x00b", "٣",
    ]  # fmt: skip


def _typer(param: Any, value: Any, ctx: Context) -> tuple[bool, Any]:
    try:
        return True, build_runtime_param(param.type_descriptor).coerce(value, param, ctx)
    except Exception:  # any refusal (BadParameter, ValueError...) counts
        return False, None


@pytest.mark.parametrize(("name", "command"), COMMAND_LIST, ids=[n for n, _ in COMMAND_LIST])
def test_plain_coercion_is_typers(name: str, command: Any, tmp_path: Path) -> None:
    ctx = Context(command)
    answered = 0
    for param in command.params:
        if not hasattr(param, "type_descriptor"):
            continue
        multi = param.multiple or param.nargs == -1
        defaults = [] if param.default is None else [param.default]  # coerced like a value
        for sample in [*_samples(tmp_path), *defaults]:
            value: Any = (sample, sample) if multi and isinstance(sample, str) else sample
            fast = plain_value(param, value, ctx)
            ok, typer_value = _typer(param, value, ctx)
            if fast is MISS:
                continue
            answered += 1
            where = f"{name} {param.name}={value!r}"
            assert ok, f"{where}: Typer refuses it, the plain path gave {fast!r}"
            assert fast == typer_value, where
            assert type(fast) is type(typer_value), where
    if any(getattr(p, "type_descriptor", None) for p in command.params):
        assert answered > 0, f"{name}: no parameter took the plain path"


def test_every_kind_of_parameter_is_seen() -> None:
    """The commands cover the kinds the plain path handles (else the test above proves less)."""
    kinds = set()
    for _, command in COMMAND_LIST:
        for param in command.params:
            descriptor = getattr(param, "type_descriptor", None)
            if descriptor is not None:
                annotation = descriptor.annotation
                kinds.add(getattr(annotation, "__name__", str(annotation)))
    assert {"str", "int", "float", "Path", "Literal", "list"} <= kinds, kinds
