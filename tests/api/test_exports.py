"""corridor.api's __all__ is sorted and every name in it exists (httpx keeps its own honest)."""

from __future__ import annotations

import corridor.api


def test_all_is_sorted_and_importable() -> None:
    names = corridor.api.__all__
    assert names == sorted(names)
    for name in names:
        assert getattr(corridor.api, name) is not None
    public = {n for n in vars(corridor.api) if not n.startswith("_") and n != "annotations"}
    assert public == set(names), f"public but not in __all__: {sorted(public - set(names))}"
