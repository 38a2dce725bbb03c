"""Monitoring's records against the pydantic models they replaced (tests/monitoring/_old_models):
the same data is accepted or refused alike, refusals are worded and located alike, and what is
stored or signed (the JSON forms) is byte for byte the same; the committed schemas are what
pydantic generates."""

from __future__ import annotations

import json
from datetime import UTC
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from corridor._records import adapter, to_data
from corridor.monitoring import Checkin, ConvoyPlan, Incident, RuleSet, report_body
from corridor.monitoring._checked import SCHEMA_FILES, checked, checked_plans, first_problem
from tests.monitoring import _old_models as old

_DIR = Path(__file__).resolve().parents[2] / "src" / "corridor" / "monitoring"
_PAIRS = [(Checkin, old.Checkin), (Incident, old.Incident), (ConvoyPlan, old.ConvoyPlan),
          (RuleSet, old.RuleSet)]  # fmt: skip


@pytest.mark.parametrize(("new", "was"), _PAIRS)
def test_committed_schema_is_what_pydantic_generates(new: type[Any], was: Any) -> None:
    committed = json.loads((_DIR / SCHEMA_FILES[new.__name__]).read_text(encoding="utf-8"))
    assert committed == adapter(new).json_schema()
    # What the API documented before, but for the descriptions (the copy leaves them out).
    assert _bare(committed) == _bare(was.model_json_schema())


def _bare(schema: Any) -> Any:
    if isinstance(schema, dict):
        return {k: _bare(v) for k, v in schema.items() if k != "description"}
    if isinstance(schema, list):
        return [_bare(v) for v in schema]
    return schema


def _mostly(valid: Any, bad: Any) -> Any:
    """Valid values three times in four, so that most examples are read, not refused."""
    return st.sampled_from([True, True, True, False]).flatmap(lambda ok: valid if ok else bad)


_OFTEN = st.sampled_from([True] * 9 + [False])
_TIMES = _mostly(
    st.one_of(
        st.sampled_from(["2030-03-01T06:00:00Z", "2030-03-01T08:00:00.123456+02:00",
                         "2030-03-01T06:00Z"]),
        st.datetimes(timezones=st.just(UTC)).map(lambda t: t.isoformat()),
    ),
    st.sampled_from(["2030-03-01 06:00:00Z", "2030-03-01T06:00:00", "0001-01-01T00:00:00+14:00",
                     "x"]),
)  # fmt: skip
_IDS = _mostly(st.sampled_from(["r1", "team7-0042", "a:b.c"]),
               st.one_of(st.sampled_from(["", "-x", "a b"]), st.text(max_size=3)))  # fmt: skip
_NUMS = _mostly(st.one_of(st.floats(-200, 200), st.integers(-200, 200)),
                st.sampled_from([float("nan"), "4", True, None]))  # fmt: skip
_SOMETIMES = st.one_of(st.none(), st.text(max_size=3), st.integers(-1, 3), st.just(""))


def _maybe(draw: st.DrawFn, data: dict[str, Any], key: str, values: Any) -> None:
    if draw(st.booleans()):
        data[key] = draw(values)


def _report(draw: st.DrawFn) -> dict[str, Any]:
    data: dict[str, Any] = {}
    corridor = _mostly(st.just("krems-1"), st.sampled_from(["K", ""]))
    for key, values in (("id", _IDS), ("corridor_id", corridor), ("at_utc", _TIMES),
                        ("lat", _NUMS), ("lon", _NUMS)):  # fmt: skip
        if draw(_OFTEN):
            data[key] = draw(values)
    if draw(st.booleans()):
        data["lat"], data["lon"] = draw(st.floats(-90, 90)), draw(st.floats(-180, 180))
    _maybe(draw, data, "notes", st.one_of(st.text(max_size=5), st.integers()))
    if not draw(_OFTEN):
        data["unknown"] = 1
    return data


@st.composite
def _checkins(draw: st.DrawFn) -> dict[str, Any]:
    data = _report(draw)
    if draw(_OFTEN):
        data["convoy_id"] = draw(_IDS)
    if draw(_OFTEN):
        data["status"] = draw(st.sampled_from(["en_route", "en_route", "held", "released", "x"]))
    _maybe(draw, data, "checkpoint", st.one_of(st.none(), st.just(""), st.just("Bridge")))
    _maybe(draw, data, "vehicles", _NUMS)
    _maybe(draw, data, "people", st.one_of(_NUMS, st.integers(0, 2_000_000)))
    return data


_B64 = st.sampled_from(["aGVsbG8=", "", "!!", "aGVsbG8", 5])


@st.composite
def _incidents(draw: st.DrawFn) -> dict[str, Any]:
    data = _report(draw)
    if draw(_OFTEN):
        data["kind"] = draw(st.sampled_from(["shelling", "mines", "rain"]))
    _maybe(draw, data, "severity", _NUMS)
    _maybe(draw, data, "confidence", st.floats(0, 1))
    _maybe(draw, data, "convoy_id", st.one_of(st.none(), _IDS))
    _maybe(draw, data, "attributed_to", st.one_of(st.none(), st.just(""), st.just("north")))
    if draw(st.booleans()):
        att: dict[str, Any] = {}
        _maybe(draw, att, "media_type", st.sampled_from(["image/png", "text/html", 3]))
        _maybe(draw, att, "data_base64", _B64)
        if not draw(_OFTEN):
            att["extra"] = 1
        data["attachment"] = draw(st.one_of(st.just(att), st.none(), st.just("x")))
    return data


@st.composite
def _plans(draw: st.DrawFn) -> dict[str, Any]:
    data: dict[str, Any] = {}
    for key, values in (
        ("id", _IDS),
        ("corridor_id", _mostly(st.just("krems-1"), st.just("K"))),
        ("vehicles", _mostly(st.integers(1, 20), st.just(0))),
        ("people", _mostly(st.integers(0, 1000), _NUMS)),
        ("depart_utc", _TIMES),
    ):
        if draw(_OFTEN):
            data[key] = draw(values)  # fmt: skip
    _maybe(draw, data, "label", _SOMETIMES)
    _maybe(draw, data, "kind", _SOMETIMES)
    _maybe(draw, data, "movement_id", st.one_of(st.none(), _IDS))
    if draw(st.booleans()):
        stops = st.fixed_dictionaries({"place": st.sampled_from(["Bridge", "", "destination"]),
                                       "at_utc": _TIMES})  # fmt: skip
        data["stops"] = draw(st.lists(stops, max_size=3))
    if not draw(_OFTEN):
        data["unknown"] = 1
    return data


@st.composite
def _rule_sets(draw: st.DrawFn) -> dict[str, Any]:
    data: dict[str, Any] = {}
    _maybe(draw, data, "version", st.sampled_from([1, 2, 1.0, "1"]))
    _maybe(draw, data, "margin_minutes", _NUMS)
    _maybe(draw, data, "near_route_m", _NUMS)
    whens = st.fixed_dictionaries({}, optional={
        "incident": st.lists(st.sampled_from(["shelling", "mines", "rain"]), max_size=2),
        "violation": st.lists(st.sampled_from(["hold", "turned_back", "x"]), max_size=2),
        "confirmed": st.one_of(st.booleans(), st.none(), st.just("yes")),
        "within_m": _NUMS, "min_severity": _NUMS, "min_minutes": _NUMS,
        "incidnet": st.just(["shelling"]),
    })  # fmt: skip
    rules = st.fixed_dictionaries(
        {"name": st.sampled_from(["r1", "R", "x-y"]), "when": whens,
         "then": st.lists(st.sampled_from(["alert", "suspend", "explode"]), max_size=5)}
    )  # fmt: skip
    _maybe(draw, data, "rules", st.lists(rules, max_size=2))
    return data


def _same(new: type[Any], was: Any, data: Any, dump: dict[str, Any]) -> Any:
    """The record from ``data`` (None when refused), after checking it against the old model."""
    try:
        expected = was.model_validate(data)
    except ValidationError as exc:
        with pytest.raises(ValueError) as got:
            checked(new, data)
        first = exc.errors()[0]
        assert first_problem(got.value) == (
            first["msg"],
            ".".join(str(p) for p in first["loc"]),
            exc.error_count(),
        )
        return None
    record = checked(new, data)
    assert json.dumps(to_data(record, **dump)) == json.dumps(
        expected.model_dump(mode="json", **dump)
    )
    return record


_SETTINGS = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@_SETTINGS
@given(_checkins())
def test_checkins_read_as_before(data: dict[str, Any]) -> None:
    record = _same(Checkin, old.Checkin, data, {})
    if record is not None:
        body = old.Checkin.model_validate(data).model_dump(mode="json", exclude={"attachment"})
        assert json.dumps(report_body(record)) == json.dumps(body)


@_SETTINGS
@given(_incidents())
def test_incidents_read_as_before(data: dict[str, Any]) -> None:
    record = _same(Incident, old.Incident, data, {})
    if record is not None and record.attachment is not None:
        assert report_body(record)["attachment_type"] == record.attachment.media_type
        assert "attachment" not in report_body(record)


@_SETTINGS
@given(_plans())
def test_convoy_plans_read_and_stored_as_before(data: dict[str, Any]) -> None:
    _same(ConvoyPlan, old.ConvoyPlan, data, {"exclude_none": True})


@_SETTINGS
@given(st.lists(_plans(), max_size=3))
def test_a_convoys_file_reads_as_before(items: list[dict[str, Any]]) -> None:
    from pydantic import TypeAdapter

    try:
        expected = TypeAdapter(list[old.ConvoyPlan]).validate_python(items)
    except ValidationError as exc:
        with pytest.raises(ValueError) as got:
            checked_plans(items)
        first = exc.errors()[0]
        assert first_problem(got.value)[:2] == (first["msg"],
                                                ".".join(str(p) for p in first["loc"]))  # fmt: skip
        return
    got_plans = checked_plans(items)
    assert [to_data(p, exclude_none=True) for p in got_plans] == [
        p.model_dump(mode="json", exclude_none=True) for p in expected
    ]


@_SETTINGS
@given(_rule_sets())
def test_rule_sets_read_as_before(data: dict[str, Any]) -> None:
    _same(RuleSet, old.RuleSet, data, {})


def test_the_examples_are_mostly_read() -> None:
    """The comparisons above mean something only if most examples are accepted by both."""
    read = {"checkin": 0, "incident": 0, "plan": 0}

    @settings(max_examples=200, deadline=None, database=None, derandomize=True,
              suppress_health_check=[HealthCheck.too_slow])  # fmt: skip
    @given(_checkins(), _incidents(), _plans())
    def count(c: dict[str, Any], i: dict[str, Any], p: dict[str, Any]) -> None:
        for name, model, data in (("checkin", old.Checkin, c), ("incident", old.Incident, i),
                                  ("plan", old.ConvoyPlan, p)):  # fmt: skip
            try:
                model.model_validate(data)
                read[name] += 1
            except ValidationError:
                pass

    count()
    assert all(n >= 5 for n in read.values()), read
