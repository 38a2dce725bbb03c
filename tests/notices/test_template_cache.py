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
def fresh(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[Any]:
    """``fresh(folder)``: the next render uses cache folder ``folder``, as a new process
    would; without the build's compiled templates unless a test puts them in place."""
    from corridor.notices import _jinja

    monkeypatch.setattr(_jinja, "SHIPPED", tmp_path / "no-build")

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


def test_templates_compiled_at_build_time_spare_the_first_notice_compiling(
    demo_facts: Any, fresh: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With the build's compiled templates (``make templates``) an empty cache folder costs
    no compiling: every template is read from the build, and the notices are the same. Code
    the build wrote for another source is not used (the template is compiled instead)."""
    import marshal
    import pickle

    import jinja2
    from jinja2.bccache import Bucket, bc_magic

    from corridor.notices import _jinja

    monkeypatch.setattr(_jinja, "SHIPPED", tmp_path / "built")
    fresh(tmp_path / "reference")
    cold = {fmt: render_notice(demo_facts, lang="uk", fmt=fmt).content for fmt in ("html", "cap")}
    built = _jinja.build(tmp_path / "built")
    assert (
        len(built) == len(set(built)) >= len(list((tmp_path / "reference" / "templates").iterdir()))
    )

    compiled: list[str] = []
    compile_ = jinja2.Environment.compile

    def counted(self: jinja2.Environment, source: str, name: str | None = None, *a: Any) -> Any:
        compiled.append(str(name))
        return compile_(self, source, name, *a)

    monkeypatch.setattr(jinja2.Environment, "compile", counted)
    fresh(tmp_path / "empty")
    for fmt, content in cold.items():
        assert render_notice(demo_facts, lang="uk", fmt=fmt).content == content
    assert compiled == []
    assert not list((tmp_path / "empty" / "templates").iterdir())  # nothing to keep

    for path in built:  # the build of another version of the templates: the same code
        with path.open("rb") as f:  # under the hash of another source
            assert f.read(len(bc_magic)) == bc_magic
            pickle.load(f)
            code = marshal.load(f)
        stale = Bucket(jinja2.Environment(), "", "0" * 40)
        stale.code = code
        with path.open("wb") as f:
            stale.write_bytecode(f)
    fresh(tmp_path / "empty-again")
    assert render_notice(demo_facts, lang="uk", fmt="cap").content == cold["cap"]
    assert "cap_headline.txt.j2" in compiled


@pytest.mark.parametrize("setting", ["trimmed", "newstyle"])
def test_code_compiled_with_other_i18n_settings_is_never_served(
    fresh: Any, tmp_path: Path, setting: str
) -> None:
    """The i18n extension compiles ``trimmed`` (whitespace folded inside ``{% trans %}``) and
    new-style gettext into the code: a template compiled under other settings, kept in the
    cache folder or the build, must not be served when ``_render.py`` changes them (the key
    once held neither, so an edit there printed notices with the old whitespace)."""
    import jinja2

    source = "{% trans %}\n  Hello   {{ name }}\n{% endtrans %}"

    def env(changed: bool) -> jinja2.Environment:
        from corridor.notices._jinja import template_cache

        e = jinja2.Environment(
            extensions=["jinja2.ext.i18n"], bytecode_cache=template_cache(), autoescape=False
        )
        trimmed, newstyle = True, True
        if changed:
            trimmed, newstyle = (False, True) if setting == "trimmed" else (True, False)
        e.policies["ext.i18n.trimmed"] = trimmed
        e.install_null_translations(newstyle=newstyle)  # type: ignore[attr-defined]
        e.loader = jinja2.DictLoader({"t.j2": source})
        return e

    fresh(tmp_path / "cache")
    before = env(False).get_template("t.j2").render(name="A")
    fresh(tmp_path / "cache")  # a later process, the same cache folder
    expected = jinja2.Environment(extensions=["jinja2.ext.i18n"])
    expected.policies["ext.i18n.trimmed"] = setting != "trimmed"
    expected.install_null_translations(newstyle=setting == "trimmed")  # type: ignore[attr-defined]
    assert env(True).get_template("t.j2").render(name="A") == expected.from_string(source).render(
        name="A"
    )
    assert before == "Hello   A"
