"""`corridor.network.__all__` is sorted, complete and every name resolves."""

from __future__ import annotations

from corridor import network


def test_all_is_sorted_and_resolves() -> None:
    assert list(network.__all__) == sorted(network.__all__)
    for name in network.__all__:
        assert getattr(network, name) is not None


def test_public_names_are_exported() -> None:
    public = {
        name
        for name, value in vars(network).items()
        if not name.startswith("_")
        and getattr(value, "__module__", "").startswith("corridor.network")
    }
    assert public <= set(network.__all__)
