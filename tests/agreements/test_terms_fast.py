"""Terms the fast path accepts are terms the published JSON Schema and pydantic accept.

``terms_from_data`` reads valid terms without pydantic or jsonschema (start-up, issue 14
defect 10): ``jsonschema_rs`` checks them against the committed schema and the strict record
builder reads them; only terms either refuses go through jsonschema and pydantic as well, to
word every problem. That is safe only if the fast path is never laxer than the schema. The
oracle here is jsonschema itself, run on the published ``terms.schema.json`` over random
mutations of real terms (a leaf replaced by any JSON value or by its text, numbers turned into
strings, floats or booleans, keys dropped or added); the fast path must refuse everything the
schema refuses, and what it accepts must be the record pydantic makes. Without the schema
check, the builder takes an empty name or a negative count and this fails within a few
examples.
"""

from __future__ import annotations

import copy
import json
import subprocess
import sys
from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from corridor._records import adapter
from corridor.agreements import KeyPair, Terms, terms_from_data
from corridor.agreements._load import SCHEMA_PATH, _accepted
from corridor.network import Network
from tests import mutations
from tests.agreements.conftest import make_terms

json_values = mutations.json_values(with_nan=False)


@pytest.fixture(scope="module")
def base(krems_network: Network, session_keys: dict[str, KeyPair]) -> dict[str, Any]:
    return make_terms(
        krems_network, session_keys, first_window_utc=datetime(2030, 5, 1, 6, tzinfo=UTC)
    )


@pytest.fixture(scope="module")
def schema_errors() -> Any:
    from jsonschema import Draft202012Validator

    validator = Draft202012Validator(json.loads(SCHEMA_PATH.read_text(encoding="utf-8")))
    return lambda data: list(validator.iter_errors(data))


def _near_miss(value: Any) -> st.SearchStrategy[Any]:
    """Values a careless or hostile writer puts where ``value`` belongs."""
    options: list[st.SearchStrategy[Any]] = [json_values, st.just(str(value))]
    if isinstance(value, bool):
        options.append(st.sampled_from([0, 1, "true", None]))
    elif isinstance(value, int):
        options += [st.just(float(value)), st.just(value == 1), st.integers(-(10**6), 10**6)]
    elif isinstance(value, float):
        options += [st.just(int(value)), st.floats(-1e9, 1e9, allow_nan=False)]
    elif isinstance(value, str):
        options += [st.just(value + " "), st.just(value[:-1]), st.just(value.upper()),
                    st.just(value + "\n"), st.just("")]  # fmt: skip
    elif isinstance(value, list):
        options += [st.just(value[:1]), st.just([]), st.just(value + value[:1])]
    return st.one_of(options)


def test_strict_model_never_accepts_what_the_schema_refuses(
    base: dict[str, Any], schema_errors: Any
) -> None:
    seen = {"accepted": 0, "refused": 0}

    @settings(
        max_examples=600,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(st.data())
    def check(data: st.DataObject) -> None:
        mutated = mutations.mutate(base, data.draw, _near_miss, json_values)
        fast = _accepted(mutated)
        if fast is None:
            seen["refused"] += 1
            return
        seen["accepted"] += 1
        assert schema_errors(mutated) == [], json.dumps(mutated)[:400]
        assert fast == adapter(Terms).validate_python(mutated)

    check()
    # Both sides exercised: many mutations keep terms valid (notes, counts), most do not.
    assert seen["accepted"] >= 30, seen
    assert seen["refused"] >= 200, seen


def test_refused_terms_still_name_every_problem(base: dict[str, Any]) -> None:
    """The fast path refusing hands over to the full check: its wording is unchanged."""
    from corridor.errors import TermsError

    bad = copy.deepcopy(base)
    bad["max_convoy_size"] = "30"
    bad["origin"]["lat"] = 95
    bad["typo"] = 1
    with pytest.raises(TermsError) as err:
        terms_from_data(bad)
    assert err.value.problems == [
        "max_convoy_size: must be of type integer, got str",
        "origin.lat: must be <= 90",
        "typo: unknown field",
    ]


def test_valid_terms_read_without_jsonschema(base: dict[str, Any]) -> None:
    code = (
        "import json, sys\n"
        "from corridor.agreements import terms_from_data\n"
        f"terms_from_data(json.loads({json.dumps(json.dumps(base))}))\n"
        "print('jsonschema' in sys.modules, 'yaml' in sys.modules)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.split() == ["False", "False"]
