"""`corridor.routing.__all__` is sorted, complete and every name resolves."""

from __future__ import annotations

from corridor import routing


def _isort_key(name: str) -> tuple[int, str]:
    """ruff's RUF022 order: CONSTANTS, then Classes, then functions, each alphabetical."""
    kind = 0 if name.isupper() else 1 if name[0].isupper() else 2
    return kind, name


def test_all_is_sorted_and_resolves() -> None:
    assert list(routing.__all__) == sorted(routing.__all__, key=_isort_key)
    for name in routing.__all__:
        assert getattr(routing, name) is not None


def test_public_names_are_exported() -> None:
    public = {
        name
        for name, value in vars(routing).items()
        if not name.startswith("_")
        and getattr(value, "__module__", "").startswith("corridor.routing")
    }
    assert public <= set(routing.__all__)
