"""Compiled notice templates kept in the user's cache folder (start-up, issue 14 defect 10).

The cache must never change a notice: the same text with a cold cache, a warm one, a
corrupted one and none at all (a cache folder that cannot be made).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from corridor.notices import render_notice
from corridor.notices._jinja import template_cache
from corridor.notices._render import environment


@pytest.fixture
def fresh(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    def use(folder: Path) -> None:
        monkeypatch.setenv("CORRIDOR_CACHE_DIR", str(folder))
        template_cache.cache_clear()
        environment.cache_clear()

    yield use
    template_cache.cache_clear()
    environment.cache_clear()


def _render(facts: Any) -> str:
    return render_notice(facts, lang="uk", fmt="html").content


def test_cached_templates_render_the_same_notice(
    demo_facts: Any, fresh: Any, tmp_path: Path
) -> None:
    fresh(tmp_path / "none-yet")
    cold = _render(demo_facts)
    cached = sorted((tmp_path / "none-yet" / "templates").iterdir())
    assert cached, "the compiled templates were not kept"
    fresh(tmp_path / "none-yet")
    assert _render(demo_facts) == cold  # warm: loaded, not compiled
    for path in cached:  # a torn write or a disk error
        path.write_bytes(path.read_bytes()[:20])
    fresh(tmp_path / "none-yet")
    assert _render(demo_facts) == cold
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder", encoding="utf-8")
    fresh(blocker / "cache")  # its parent is a file: the folder cannot be made
    assert template_cache() is None
    assert _render(demo_facts) == cold


def test_a_folder_others_can_write_is_not_used(demo_facts: Any, fresh: Any, tmp_path: Path) -> None:
    """Compiled templates are code: a cache folder another account could write is refused."""
    shared = tmp_path / "shared"
    (shared / "templates").mkdir(parents=True)
    (shared / "templates").chmod(0o777)
    fresh(shared)
    assert template_cache() is None
    cold = _render(demo_facts)
    assert list((shared / "templates").iterdir()) == []
    (shared / "templates").chmod(0o700)
    fresh(shared)
    assert template_cache() is not None
    assert _render(demo_facts) == cold
