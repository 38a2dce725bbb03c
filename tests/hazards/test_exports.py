"""The public names of corridor.hazards are sorted, unique and importable."""

from __future__ import annotations

from corridor import hazards


def _isort_key(name: str) -> tuple[int, str]:
    # ruff's RUF022 order: CONSTANTS, then Classes, then functions
    kind = 0 if name.isupper() else 1 if name[:1].isupper() else 2
    return kind, name


def test_all_is_sorted_and_importable() -> None:
    names = hazards.__all__
    assert list(names) == sorted(names, key=_isort_key)
    assert len(set(names)) == len(names)
    for name in names:
        assert getattr(hazards, name) is not None


def test_every_public_object_is_exported() -> None:
    public = {n for n in vars(hazards) if not n.startswith("_")}
    assert public - set(hazards.__all__) == set()
