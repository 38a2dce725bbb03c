"""Packages that load their modules on first use (PEP 562).

Importing a package's every module up front made a database-only command pay for pydantic
models, cryptography, Jinja or FastAPI it never used (issue 14, defect 10). A package lists
where each public name lives and hands the two module hooks this builds to Python; type
checkers read the same names from the package's ``TYPE_CHECKING`` imports.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable, Mapping
from typing import Any


def exports(
    package: str, where: Mapping[str, str | tuple[str, str]]
) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """(``__getattr__``, ``__dir__``) for ``package``: each public name is imported from the
    module ``where`` names (or ``(module, name there)``) when first asked for, then kept in
    the package's namespace; ``dir()`` lists the package's ``__all__``."""

    def get(name: str) -> Any:
        target = where.get(name)
        if target is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        module, attr = (target, name) if isinstance(target, str) else target
        value = getattr(importlib.import_module(module), attr)
        setattr(sys.modules[package], name, value)
        return value

    def listing() -> list[str]:
        return sorted(sys.modules[package].__all__)

    return get, listing
