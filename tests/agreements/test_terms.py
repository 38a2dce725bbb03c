"""Terms: schema file in sync, validation naming every bad field path at once, YAML and JSON."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

from corridor._records import adapter, build
from corridor.agreements import (
    SCHEMA_PATH,
    Terms,
    Window,
    schema_text,
    terms_from_data,
    terms_from_file,
    terms_schema,
    terms_to_data,
    terms_to_yaml,
)
from corridor.errors import TermsError


def test_committed_schema_equals_generated() -> None:
    assert json.loads(SCHEMA_PATH.read_text(encoding="utf-8")) == terms_schema()
    assert SCHEMA_PATH.read_text(encoding="utf-8") == schema_text()


def test_valid_terms_roundtrip_yaml_and_json(
    terms_data: dict[str, Any], tmp_path: Path, write_yaml: Callable[..., Path]
) -> None:
    terms = terms_from_file(write_yaml(terms_data))
    assert isinstance(terms, Terms)
    assert len(terms.route.edges) == len(terms_data["route"]["edges"])
    as_json = tmp_path / "t.json"
    as_json.write_text(json.dumps(terms_data), encoding="utf-8")
    assert terms_from_file(as_json) == terms
    again = tmp_path / "again.yaml"
    again.write_text(terms_to_yaml(terms), encoding="utf-8")
    assert terms_from_file(again) == terms
    assert terms_to_data(terms_from_data(terms_to_data(terms))) == terms_to_data(terms)


def test_every_problem_is_listed_with_its_field_path(terms_data: dict[str, Any]) -> None:
    bad = copy.deepcopy(terms_data)
    bad["checkpoints"][1]["max_vehicles_per_hour"] = 0
    bad["checkpoints"][0]["hours_utc"] = "6am-8pm"
    bad["windows"][1]["end_utc"] = bad["windows"][1]["start_utc"]
    bad["parties"][2]["public_key"] = "not-a-key"
    del bad["origin"]["lat"]
    bad["max_convoy_size"] = -3
    bad["colour"] = "blue"
    with pytest.raises(TermsError) as info:
        terms_from_data(bad)
    problems = info.value.problems
    text = "\n".join(problems)
    assert "checkpoints[1].max_vehicles_per_hour: must be > 0" in problems
    assert "checkpoints[0].hours_utc: must be HH:MM-HH:MM" in text
    assert "windows[1]: end_utc must be after start_utc" in problems
    assert "parties[2].public_key:" in text
    assert "origin.lat: is required" in problems
    assert "max_convoy_size: must be > 0" in problems
    assert "colour: unknown field" in problems
    assert len(problems) == 7
    assert "7 problems" in info.value.one_line()


def test_cross_field_rules(terms_data: dict[str, Any]) -> None:
    bad = copy.deepcopy(terms_data)
    bad["checkpoints"][0]["operated_by"] = "nobody"
    bad["parties"][1]["name"] = bad["parties"][0]["name"]
    bad["windows"][1]["start_utc"] = bad["windows"][0]["start_utc"]
    with pytest.raises(TermsError) as info:
        terms_from_data(bad)
    text = "\n".join(info.value.problems)
    assert "checkpoints[0].operated_by: 'nobody' is not a listed party" in text
    assert "parties[1].name: duplicate party" in text
    assert "overlaps" in text


def test_naive_times_are_refused_and_offsets_become_utc(terms_data: dict[str, Any]) -> None:
    bad = copy.deepcopy(terms_data)
    bad["windows"][0]["start_utc"] = "2030-01-01T06:00:00"
    with pytest.raises(TermsError, match=r"windows\[0\]\.start_utc"):
        terms_from_data(bad)
    given = {"start_utc": "2030-01-01T08:00:00+02:00", "end_utc": "2030-01-01T10:00:00+02:00"}
    w = adapter(Window).validate_python(given)
    assert w.start_utc == datetime(2030, 1, 1, 6, tzinfo=UTC)
    assert w.local_text() == "2030-01-01 08:00-10:00 EET"
    assert build(Window, given) == w  # the strict builder converts to UTC as well
    eet = timezone(timedelta(hours=2))
    made = Window(
        start_utc=datetime(2030, 1, 1, 8, tzinfo=eet), end_utc=datetime(2030, 1, 1, 10, tzinfo=eet)
    )
    assert made == w and made.start_utc.tzinfo is UTC  # and so does code making one
    with pytest.raises(ValueError, match="start_utc must have a UTC offset"):
        Window(start_utc=datetime(2030, 1, 1, 8), end_utc=datetime(2030, 1, 1, 10, tzinfo=UTC))
    summer = adapter(Window).validate_python(
        {"start_utc": "2030-07-01T05:00:00Z", "end_utc": "2030-07-01T07:00:00Z"}
    )
    assert summer.local_text() == "2030-07-01 08:00-10:00 EEST"


def test_yaml_syntax_error_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "broken.yaml"
    path.write_text("corridor_id: x\nparties: [\n  - a\n", encoding="utf-8")
    with pytest.raises(TermsError) as info:
        terms_from_file(path)
    assert info.value.line is not None
    assert str(path) in info.value.one_line()


def test_wrong_shapes_are_reported_not_raised(tmp_path: Path) -> None:
    for text in ("- just\n- a list\n", "42\n", ""):
        path = tmp_path / "odd.yaml"
        path.write_text(text, encoding="utf-8")
        with pytest.raises(TermsError):
            terms_from_file(path)
