"""Each area's `__all__` is sorted (ruff RUF022), unique, complete, and every name resolves."""

from __future__ import annotations

import importlib
from types import ModuleType

import pytest

AREAS = ["network", "hazards", "routing", "agreements", "audit", "store", "api", "ensembles"]


def _ruff_order(name: str) -> tuple[int, str]:
    """RUF022's order: CONSTANTS, then Classes, then functions, each alphabetical."""
    kind = 0 if name.isupper() else 1 if name[:1].isupper() else 2
    return kind, name


@pytest.fixture(params=AREAS)
def area(request: pytest.FixtureRequest) -> ModuleType:
    return importlib.import_module(f"corridor.{request.param}")


def test_all_is_sorted_unique_and_resolves(area: ModuleType) -> None:
    names = list(area.__all__)
    assert names == sorted(names, key=_ruff_order)
    assert len(set(names)) == len(names)
    for name in names:
        assert getattr(area, name) is not None


def test_every_public_name_is_exported(area: ModuleType) -> None:
    for name in area.__all__:  # resolve names a package loads on first use (PEP 562)
        getattr(area, name)
    public = {n for n in vars(area) if not n.startswith("_")} - {"annotations"}
    assert public == set(area.__all__), f"public but not in __all__: {public - set(area.__all__)}"


def test_api_names_are_in_plain_order() -> None:
    """The API's own test asked for plain order as well; its names satisfy both orders."""
    names = importlib.import_module("corridor.api").__all__
    assert names == sorted(names)
