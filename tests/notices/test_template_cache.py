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


@pytest.mark.parametrize("first", [False, True])
def test_a_template_compiled_for_one_escaping_is_never_served_to_the_other(
    fresh: Any, tmp_path: Path, first: bool
) -> None:
    """``_common.j2`` is imported by the HTML page (autoescaped) and by the text and CAP
    notices (not): Jinja2 compiles the escaping into the code, so one compiled for text and
    served to the page would print a name from the terms unescaped into it (and one compiled
    for the page would print ``&amp;`` into an SMS). Each escaping has its own cached code."""
    source = '{%- import "_common.j2" as common with context -%}{{ common.change(c) }}'
    c = {"kind": "checkpoint_added", "new": "<b>A&B</b>"}
    fresh(tmp_path / "cache")
    environment("en", autoescape=first).from_string(source).render(c=c)  # compiles _common.j2
    fresh(tmp_path / "cache")  # a later process, the same cache folder
    later = environment("en", autoescape=not first).from_string(source).render(c=c)
    assert ("&lt;b&gt;A&amp;B&lt;/b&gt;" if not first else "<b>A&B</b>") in later
