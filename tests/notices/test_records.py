"""The notice area's records against the pydantic models they replaced (a copy in
``tests/notices/_pydantic_models.py``): the same data accepted, the same words for what is
refused, the same stored and signed JSON byte for byte; and the committed JSON Schemas are
the ones pydantic writes for the records."""

from __future__ import annotations

import copy
import json
import subprocess
import sys
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from corridor._records import adapter
from corridor.errors import InputError
from corridor.notices import (
    Movement,
    NoticeDetails,
    details_from_data,
    details_from_store,
    details_to_data,
    movement_from_data,
    movement_to_data,
)
from corridor.notices._validate import schema_text
from tests.conftest import REPO
from tests.notices import _pydantic_models as old


def _yaml(name: str) -> dict[str, Any]:
    from corridor._input import load_yaml

    text = (REPO / "data" / "demo" / name).read_text(encoding="utf-8")
    data = load_yaml(text, timestamps_as_text=True)
    assert isinstance(data, dict)
    return data


MOVEMENT = {**_yaml("krems-movement.yaml"), "agreement_digest": "ab" * 32}
DETAILS = _yaml("krems-notice.yaml")

#: Values that break, bend or keep a field: wrong types, lax forms pydantic coerces, bounds.
_VALUES = st.one_of(
    st.none(), st.booleans(), st.integers(-3, 130), st.sampled_from([0.5, 4.0, 1e300]),
    st.text(max_size=6),
    st.sampled_from([
        "", "x", "4", "KR-1 AB", "+43 1", "https://x.at/n", "children", "medical", "CP1",
        "2027-03-01T06:00:00Z", "2027-03-01T08:00:00+02:00", "2027-03-01T06:00:00.5Z",
        "2027-03-01T06:00:00", "2027-03-01", "2027-03-01T06:00Z", "20270301T060000Z",
        "0001-01-01T00:00:00+14:00", "a" * 201, "A" * 21, "ab" * 32, "-x",
    ]),
    st.lists(st.integers(0, 3), max_size=2),
    st.dictionaries(st.text(max_size=3), st.integers(), max_size=2),
)  # fmt: skip


def _paths(data: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [prefix] if prefix else []
    if isinstance(data, dict):
        for k, v in data.items():
            out += _paths(v, (*prefix, k))
    elif isinstance(data, list):
        for i, v in enumerate(data):
            out += _paths(v, (*prefix, i))
    return out


@st.composite
def _mutated(draw: st.DrawFn, base: dict[str, Any]) -> Any:
    """``base`` with a few values replaced, removed or added, anywhere in it."""
    data = copy.deepcopy(base)
    for _ in range(draw(st.integers(0, 3))):
        paths = _paths(data)
        if not paths:
            break
        path = draw(st.sampled_from(paths))
        *head, last = path
        parent = data
        for p in head:
            parent = parent[p]
        action = draw(st.sampled_from(["replace", "replace", "delete", "add"]))
        if action == "replace":
            parent[last] = draw(_VALUES)
        elif action == "delete":
            del parent[last]
        elif isinstance(parent, dict):
            parent[draw(st.sampled_from(["extra", "children", "name", "seats", "en"]))] = draw(
                _VALUES
            )
        else:
            parent.append(draw(_VALUES))
    return data


def _outcome(read: Any, dump: Any, data: Any) -> tuple[str, str]:
    try:
        made = read(copy.deepcopy(data))
    except InputError as exc:
        return "refused", str(exc)
    return "accepted", json.dumps(dump(made), ensure_ascii=False)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_mutated(MOVEMENT))
def test_a_movement_reads_and_signs_as_the_pydantic_model_did(data: Any) -> None:
    ours = _outcome(movement_from_data, movement_to_data, data)
    theirs = _outcome(old.movement_from_data, old.movement_to_data, data)
    assert ours == theirs


_TIMES = st.datetimes(
    min_value=datetime(1990, 1, 1), max_value=datetime(2100, 1, 1),
    timezones=st.sampled_from([UTC, timezone(timedelta(hours=2)), timezone(-timedelta(hours=5))]),
).map(lambda t: t.isoformat().replace("+00:00", "Z"))  # fmt: skip


@settings(max_examples=200, deadline=None)
@given(st.lists(_TIMES, min_size=5, max_size=5))
def test_times_sign_as_before(times: list[str]) -> None:
    """Every time of a movement, fractions of a second and offsets included."""
    data = copy.deepcopy(MOVEMENT)
    data["departure_utc"], data["arrival_utc"], data["ack_deadline_utc"] = times[:3]
    for cp, at in zip(data["checkpoints"], times[3:], strict=True):
        cp["planned_utc"] = at
    ours = _outcome(movement_from_data, movement_to_data, data)
    assert ours == _outcome(old.movement_from_data, old.movement_to_data, data)
    signed = json.loads(ours[1])
    assert all(len(signed[k]) == 20 for k in ("departure_utc", "arrival_utc", "ack_deadline_utc"))
    assert all(len(cp["planned_utc"]) == 20 for cp in signed["checkpoints"])


def _old_details_data(details: old.NoticeDetails) -> Any:
    return details.model_dump(mode="json", exclude_none=True)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_mutated(DETAILS))
def test_notice_details_read_and_store_as_the_pydantic_model_did(data: Any) -> None:
    ours = _outcome(details_from_data, details_to_data, data)
    theirs = _outcome(old.details_from_data, _old_details_data, data)
    assert ours == theirs


@pytest.mark.parametrize(
    ("data", "words"),
    [
        ({**MOVEMENT, "passenger_names": ["Olena K."]},
         "passenger_names: Extra inputs are not permitted"),
        ([MOVEMENT], ": Input should be a valid dictionary or instance of Movement"),
        ({**MOVEMENT, "vehicles": [3]},
         "vehicles.0: Input should be a valid dictionary or instance of Vehicle"),
        ({**MOVEMENT, "contacts": []},
         "contacts: List should have at least 1 item after validation"),
    ],
)  # fmt: skip
def test_refusals_keep_the_models_words(data: Any, words: str) -> None:
    with pytest.raises(InputError) as ours:
        movement_from_data(data)
    with pytest.raises(InputError) as theirs:
        old.movement_from_data(data)
    assert words in str(ours.value) and str(ours.value) == str(theirs.value)


def test_the_demo_files_give_the_same_json_as_before() -> None:
    moved = movement_to_data(movement_from_data(MOVEMENT))
    assert moved == old.movement_to_data(old.movement_from_data(MOVEMENT))
    assert moved["departure_utc"] == "2027-03-01T06:00:00Z"
    details = details_to_data(details_from_data(DETAILS))
    assert details == _old_details_data(old.details_from_data(DETAILS))


@pytest.mark.parametrize(
    ("cls", "name"),
    [(Movement, "movement.schema.json"), (NoticeDetails, "notice_details.schema.json")],
)  # fmt: skip
def test_the_committed_schema_is_the_records_schema(cls: type[Any], name: str) -> None:
    """Regenerate with ``json.dumps(adapter(cls).json_schema(), indent=2, ensure_ascii=False)``."""
    assert json.loads(schema_text(name)) == adapter(cls).json_schema()


@pytest.mark.parametrize(
    ("cls", "model"), [(Movement, old.Movement), (NoticeDetails, old.NoticeDetails)]
)  # fmt: skip
def test_the_schema_is_the_models_schema(cls: type[Any], model: type[Any]) -> None:
    """What the API publishes for these bodies does not change."""
    assert adapter(cls).json_schema() == model.model_json_schema()


def test_reading_a_movement_and_details_does_not_import_pydantic() -> None:
    code = (
        "import sys, json\n"
        "from corridor.notices import movement_from_data, details_from_data\n"
        f"movement_from_data(json.loads({json.dumps(json.dumps(MOVEMENT))}))\n"
        f"details_from_data(json.loads({json.dumps(json.dumps(DETAILS))}))\n"
        "print('pydantic' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_mutated(DETAILS))
def test_stored_details_read_back_as_validated_details(data: Any) -> None:
    """The store reads details with the strict builder alone: what was stored after validation
    reads back equal. A row of another shape (unknown field, wrong type) falls back to the
    worded validation and is refused in the same words as a file; lengths and patterns are
    the schema's, checked when the row was written (as for stored terms)."""
    from corridor._records import RecordError, build

    try:
        valid = details_from_data(data)
    except InputError as exc:
        try:
            build(NoticeDetails, data)
        except RecordError:
            with pytest.raises(InputError) as stored:
                details_from_store(data)
            assert str(stored.value) == str(exc)
    else:
        again = details_from_store(details_to_data(valid))
        assert again == valid
        assert details_to_data(again) == details_to_data(valid)


def test_reading_stored_details_needs_no_schema_check() -> None:
    code = (
        "import sys, json\n"
        "from corridor.notices import details_from_store\n"
        f"details_from_store(json.loads({json.dumps(json.dumps(DETAILS))}))\n"
        "print(sorted(m for m in ('jsonschema_rs', 'pydantic') if m in sys.modules))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
