"""The Rust validator that passes valid hazard records never accepts what jsonschema refuses.

``hazards._records`` lets jsonschema-rs pass records the published hazard schema accepts and
sends the rest to jsonschema, which words the faults (start-up, issue 14 defect 10). The
oracle is jsonschema itself on the same schema, over random mutations of the demo file's real
records: a value replaced by any JSON value or a near miss (a number as text, a time without
its offset, an id with a slash or a final newline, coordinates out of range), keys dropped or
added. Told to accept everything, the fast check fails this within a few examples.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from corridor.hazards._records import _feature_validator, _schema_accepts
from tests import mutations
from tests.conftest import REPO

DEMO = REPO / "data" / "demo" / "krems-hazards.geojson"

json_values = mutations.json_values(with_nan=True)


@pytest.fixture(scope="module")
def features() -> list[dict[str, Any]]:
    data = json.loads(DEMO.read_text(encoding="utf-8"))
    return list(data["features"])


def _near_miss(value: Any) -> st.SearchStrategy[Any]:
    options: list[st.SearchStrategy[Any]] = [json_values, st.just(str(value))]
    if isinstance(value, bool):
        options.append(st.sampled_from([0, 1, "true"]))
    elif isinstance(value, int | float):
        options += [st.just(-value), st.just(value * 1000), st.just(float("nan")),
                    st.floats(-1e3, 1e3)]  # fmt: skip
    elif isinstance(value, str):
        options += [st.just(value + "\n"), st.just(value + "/x"), st.just(value[:10])]
        options += [st.just(value.replace("Z", "")), st.just(""), st.just(value.upper())]
    elif isinstance(value, list):
        options += [st.just(value[:1]), st.just([]), st.just([value])]
    return st.one_of(options)


def test_fast_check_never_accepts_what_jsonschema_refuses(features: list[dict[str, Any]]) -> None:
    accepts = _schema_accepts()
    validator = _feature_validator()
    seen = {"accepted": 0, "refused": 0}

    @settings(
        max_examples=800,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(st.data())
    def check(data: st.DataObject) -> None:
        feature = mutations.mutate(
            data.draw(st.sampled_from(features)), data.draw, _near_miss, json_values
        )
        if accepts(feature):
            seen["accepted"] += 1
            assert list(validator.iter_errors(feature)) == [], json.dumps(feature)[:300]
        else:
            seen["refused"] += 1

    check()
    assert seen["accepted"] >= 50, seen
    assert seen["refused"] >= 200, seen


def test_every_demo_record_is_passed_by_the_fast_check(features: list[dict[str, Any]]) -> None:
    accepts = _schema_accepts()
    assert all(accepts(f) for f in features)
