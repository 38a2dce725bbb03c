"""corridor._records against pydantic itself: the strict builder accepts only what pydantic's
validator accepts and gives the same record; the JSON form is byte for byte pydantic's."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from corridor._records import (
    RecordError,
    adapter,
    build,
    error_message,
    parse_utc,
    to_data,
    validate,
)
from tests._record_samples import Colour, Stop, Trip

_TIMES = st.datetimes(
    min_value=datetime(1990, 1, 1), max_value=datetime(2100, 1, 1),
    timezones=st.sampled_from(
        [UTC, timezone(timedelta(hours=2)), timezone(timedelta(hours=-5, minutes=-30))]
    ),
)  # fmt: skip
_STOPS = st.builds(
    lambda n, t, lat: {"name": n, "at_utc": t, "lat": lat},
    st.text(max_size=22), _TIMES.map(lambda t: t.isoformat().replace("+00:00", "Z")),
    st.one_of(st.floats(-100, 100), st.integers(-100, 100)),
)  # fmt: skip
_SCALARS = st.one_of(st.none(), st.booleans(), st.integers(-3, 3), st.floats(allow_nan=False),
                     st.text(max_size=3))  # fmt: skip


@st.composite
def _trips(draw: st.DrawFn) -> dict[str, Any]:
    trip: dict[str, Any] = {
        "kind": draw(st.sampled_from(["bus", "walk", "car"])),
        "stops": draw(st.lists(_STOPS, max_size=3)),
        "seats": draw(st.one_of(st.integers(-2, 60), st.just(True), st.just("4"), st.just(4.0))),
    }
    for key, values in {
        "colour": st.sampled_from(["red", "blue", "green"]),
        "note": st.one_of(st.none(), st.text(max_size=4), st.integers()),
        "tags": st.lists(st.text(max_size=22), max_size=3),
        "extra": st.dictionaries(
            st.text(max_size=3), st.one_of(st.integers(), st.text(max_size=2)), max_size=2
        ),
        "ok": st.one_of(st.booleans(), st.integers(0, 1)),
        "unknown": _SCALARS,
    }.items():  # fmt: skip
        if draw(st.booleans()):
            trip[key] = draw(values)
    return trip


@settings(max_examples=400, deadline=None)
@given(_trips())
def test_build_accepts_only_what_pydantic_accepts_and_gives_the_same_record(
    data: dict[str, Any],
) -> None:
    try:
        expected: Trip | None = adapter(Trip).validate_json(json.dumps(data), strict=True)
    except ValidationError:
        expected = None
    try:
        got: Trip | None = build(Trip, data)
    except RecordError:
        got = None
    if got is not None:  # never accepts what pydantic refuses (length/bounds are the schema's)
        assert expected is not None or _only_constraints_broken(data)
        if expected is not None:
            assert got == expected
    elif expected is not None:  # refusing what pydantic accepts is allowed only for times
        assert any(not _plain_time(s["at_utc"]) for s in data["stops"])


def _only_constraints_broken(data: dict[str, Any]) -> bool:
    """Bounds and lengths are left to the JSON Schema check before ``build``."""
    return (
        not data["stops"] or data["seats"] < 0
        or any(not 1 <= len(s["name"]) <= 20 or not -90 <= s["lat"] <= 90 for s in data["stops"])
        or any(not 1 <= len(t) <= 20 for t in data.get("tags", []))
    )  # fmt: skip


def _plain_time(text: str) -> bool:
    try:
        parse_utc(text)
    except RecordError:
        return False
    return True


@settings(max_examples=200, deadline=None)
@given(_trips())
def test_the_json_form_is_pydantics(data: dict[str, Any]) -> None:
    try:
        trip = adapter(Trip).validate_json(json.dumps(data), strict=True)
    except ValidationError:
        return
    for exclude_none in (False, True):
        ours = to_data(trip, exclude_none=exclude_none)
        theirs = adapter(Trip).dump_python(trip, mode="json", exclude_none=exclude_none)
        assert json.dumps(ours) == json.dumps(theirs)


def test_a_worked_example_by_hand() -> None:
    trip = build(Trip, {
        "kind": "bus", "seats": 3, "colour": "blue", "tags": ["a"],
        "stops": [{"name": "Krems", "at_utc": "2026-03-01T08:00:00.25+02:00", "lat": 48}],
    })  # fmt: skip
    stop = trip.stops[0]
    assert stop.at_utc == datetime(2026, 3, 1, 6, 0, 0, 250000, tzinfo=UTC)
    assert isinstance(stop.lat, float) and trip.colour is Colour.BLUE and trip.note is None
    assert to_data(trip, exclude_none=True) == {
        "kind": "bus",
        "stops": [{"name": "Krems", "at_utc": "2026-03-01T06:00:00.250000Z", "lat": 48.0}],
        "seats": 3, "colour": "blue", "tags": ["a"], "extra": {}, "ok": True,
    }  # fmt: skip


def _one_stop(at_utc: str) -> dict[str, Any]:
    return {"kind": "bus", "seats": 3, "stops": [{"name": "a", "at_utc": at_utc, "lat": 1}]}


@pytest.mark.parametrize(
    ("data", "why"),
    [
        ({"kind": "bus", "seats": "3", "stops": []}, "string for a number"),
        ({"kind": "bus", "seats": True, "stops": []}, "bool for a number"),
        ({"kind": "bus", "seats": 3, "stops": [], "x": 1}, "unknown field"),
        ({"kind": "bus", "stops": []}, "missing field"),
        ({"kind": "car", "seats": 3, "stops": []}, "not a literal"),
        (_one_stop("1999-12-31T23:00:00Z"), "post-init check"),
        (_one_stop("2026-03-01T06:00:00"), "naive time"),
        (_one_stop("20260301T060000Z"), "basic ISO format"),
    ],
)  # fmt: skip
def test_build_refuses(data: dict[str, Any], why: str) -> None:
    with pytest.raises(RecordError):
        build(Trip, data)


def test_importing_a_record_module_does_not_import_pydantic() -> None:
    code = "import sys, tests._record_samples, corridor._records; print('pydantic' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_stop_alone_validates_through_the_adapter() -> None:
    with pytest.raises(ValidationError):
        adapter(Stop).validate_python({"name": "", "at_utc": "2026-03-01T06:00:00Z", "lat": 1})


@pytest.mark.parametrize(
    "text", ["2030-05-01T06:00Z", "2030-05-01T08:00+02:00", "2030-05-01T06:00:07.5-01:30"]
)
def test_times_without_seconds_read_as_pydantic_reads_them(text: str) -> None:
    theirs = adapter(Stop).validate_json(
        json.dumps({"name": "a", "at_utc": text, "lat": 1}), strict=True
    )
    assert parse_utc(text) == theirs.at_utc


def _stop_schema() -> str:
    return json.dumps(adapter(Stop).json_schema())


def test_validate_reads_what_the_adapter_reads() -> None:
    good = {"name": "Krems", "at_utc": "2026-03-01T08:00Z", "lat": 48}
    assert validate(Stop, good, schema_json=_stop_schema()) == adapter(Stop).validate_python(good)
    lax = {"name": "Krems", "at_utc": "2026-03-01T08:00Z", "lat": "48"}  # the adapter's leniency
    assert validate(Stop, lax, schema_json=_stop_schema()).lat == 48.0


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"name": "", "at_utc": "2026-03-01T08:00Z", "lat": 1}, "String should have at least 1"),
        (
            {"name": "a", "at_utc": "2026-03-01T08:00Z", "lat": 91},
            "Input should be less than or equal to 90",
        ),
        ({"name": "a", "at_utc": "1999-03-01T08:00Z", "lat": 1}, "before 2000"),
    ],
)
def test_validate_refuses_with_pydantics_words(data: dict[str, Any], message: str) -> None:
    """The builder alone takes an empty name and lat 91 (bounds are the schema's): the schema
    check in front of it refuses them, and the adapter words why."""
    with pytest.raises(ValueError) as info:
        validate(Stop, data, schema_json=_stop_schema())
    assert isinstance(info.value, ValidationError)
    assert error_message(info.value).startswith(message)
    assert not error_message(info.value).startswith("Value error")


def test_error_message_of_a_plain_value_error() -> None:
    assert error_message(ValueError("no good")) == "no good"
