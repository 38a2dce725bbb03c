"""`corridor.agreements.__all__` is sorted, complete and resolvable."""

from __future__ import annotations

import corridor.agreements as pkg


def test_all_is_sorted_and_resolves() -> None:
    assert list(pkg.__all__) == sorted(
        pkg.__all__, key=lambda n: (not n.isupper(), not n[0].isupper(), n)
    )
    for name in pkg.__all__:
        assert getattr(pkg, name) is not None


def test_every_public_import_is_exported() -> None:
    public = {n for n in vars(pkg) if not n.startswith("_")}
    public -= {"annotations"}
    assert public - set(pkg.__all__) == set()
