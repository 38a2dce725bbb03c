"""The example in docs/agreements.md is valid terms, and its offline recipe verifies a bundle."""

from __future__ import annotations

import re
from pathlib import Path

from corridor.agreements import parse_terms_text, terms_digest, terms_from_data

DOC = Path(__file__).resolve().parents[2] / "docs" / "agreements.md"
FROZEN = Path(__file__).parent / "fixtures" / "krems-demo.bundle.json"


def _blocks(lang: str) -> list[str]:
    return re.findall(rf"```{lang}\n(.*?)```", DOC.read_text(encoding="utf-8"), flags=re.S)


def test_doc_example_terms_are_valid() -> None:
    terms = terms_from_data(parse_terms_text(_blocks("yaml")[0]))
    assert terms.corridor_id == "krems-east" and len(terms.windows) == 2
    assert len(terms_digest(terms)) == 64


def test_doc_offline_recipe_verifies_the_frozen_bundle() -> None:
    code = _blocks("python")[0].replace('"krems-east.bundle.json"', repr(str(FROZEN)))
    assert str(FROZEN) in code
    exec(compile(code, str(DOC), "exec"), {})  # raises if any check in the recipe fails
