"""``corridor.agreements`` loads its modules on first use: a command pays only for what it uses."""

from __future__ import annotations

import importlib
import json
import subprocess
import sys

import pytest

import corridor.agreements

_PROBE = """
import json, sys
from corridor.agreements import {names}
print(json.dumps(sorted(m for m in sys.modules
                        if m.startswith(("corridor.agreements.", "pydantic", "jsonschema")))))
"""


def _loaded_by(names: str) -> list[str]:
    out = subprocess.run(
        [sys.executable, "-c", _PROBE.format(names=names)],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


def test_a_public_key_costs_neither_the_terms_models_nor_the_bundle() -> None:
    """What ``corridor party add`` needs: the key files and the signing helpers, no pydantic."""
    assert _loaded_by("load_public_key") == [
        "corridor.agreements._keys",
        "corridor.agreements._signing",
    ]


def test_reading_a_stored_agreement_skips_the_bundle_diff_and_drafting() -> None:
    loaded = set(_loaded_by("State, terms_from_data, signature_statuses, next_state"))
    assert "corridor.agreements._terms" in loaded  # the models it does need
    assert not loaded & {
        "corridor.agreements._bundle",
        "corridor.agreements._diff",
        "corridor.agreements._draft",
        "corridor.agreements._keys",
    }
    assert "jsonschema" not in loaded  # only for validating terms read from a file


@pytest.mark.parametrize("name", corridor.agreements.__all__)
def test_every_public_name_resolves_from_its_module(name: str) -> None:
    value = getattr(corridor.agreements, name)
    home = corridor.agreements._WHERE[name]
    assert getattr(importlib.import_module(home), name) is value


def test_the_public_names_are_the_table() -> None:
    assert sorted(corridor.agreements.__all__) == sorted(corridor.agreements._WHERE)
    assert dir(corridor.agreements) == sorted(corridor.agreements.__all__)
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        corridor.agreements.nope  # noqa: B018
