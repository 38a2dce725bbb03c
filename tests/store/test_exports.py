"""Every public name of store and audit exists and is listed once (ruff RUF022 keeps order)."""

from __future__ import annotations

import importlib

import pytest


@pytest.mark.parametrize("module", ["corridor.store", "corridor.audit"])
def test_all_is_honest(module: str) -> None:
    mod = importlib.import_module(module)
    missing = [name for name in mod.__all__ if not hasattr(mod, name)]
    assert missing == []
    assert len(set(mod.__all__)) == len(mod.__all__)
