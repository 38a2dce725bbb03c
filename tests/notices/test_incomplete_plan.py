"""A plan whose schedule leaves things out: the notice says so, it never crashes.

A planner schedule may give no time at a checkpoint (a trip with an empty ``checkpoints``
list, a checkpoint the planner did not reach); before the fix the templates looked the time
up with a strict Jinja lookup and raised UndefinedError (a traceback in the CLI, a 500 in
the API). The oracle for "not set" is the sentence in each language's .po catalogue, read
here with Babel's own .po reader rather than through the renderer.
"""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from corridor.cli import app
from corridor.notices import notice_facts, render_notice
from corridor.notices._i18n import read_catalog
from corridor.notices._schedule import CheckpointPass, Departure, Schedule
from tests.notices.conftest import DETAILS_FILE

NOT_SET = "time not set"


def not_set(lang: str) -> str:
    """The catalogue's own sentence (English is the msgid)."""
    if lang == "en":
        return NOT_SET
    msg = read_catalog(lang).get(NOT_SET)
    assert msg is not None and msg.string, f"{lang}: {NOT_SET!r} is not translated"
    return str(msg.string)


def _facts_missing_cp(demo_record: Any, details: Any) -> Any:
    terms = demo_record.terms
    first, *rest = terms.checkpoints
    at = terms.windows_sorted()[0].start_utc + timedelta(minutes=5)
    origin = terms.origin
    departures = [Departure(origin.name, origin.lat, origin.lon, at, vehicles=3, seats=150)]
    # the planner gave a time for the first checkpoint only
    passes = [CheckpointPass(first.name, at, at + timedelta(minutes=20))]
    assert rest, "the demo corridor has more than one checkpoint"
    schedule = Schedule(source="plan partial", departures=departures, passes=passes)
    return notice_facts(demo_record, details=details, schedule=schedule)


@pytest.mark.parametrize("lang", ["uk", "ru", "en"])
@pytest.mark.parametrize("fmt", ["text", "html", "sms", "cap"])
def test_a_checkpoint_without_a_time_is_said_to_be_not_set(
    demo_record: Any, details: Any, lang: str, fmt: str
) -> None:
    facts = _facts_missing_cp(demo_record, details)
    out = render_notice(facts, lang=lang, fmt=fmt).content
    if fmt in ("text", "html", "cap"):
        assert not_set(lang) in out
    second = demo_record.terms.checkpoints[1].name
    if fmt == "text":
        line = next(x for x in out.splitlines() if x.startswith(f"- {second}"))
        assert not_set(lang) in line, line


def _partial_plan_json(rec: Any, *, checkpoints: bool) -> dict[str, Any]:
    """A planner schedule (the JSON `corridor plan -o` writes) with one trip and, unless
    ``checkpoints``, no checkpoint times at all."""
    terms = rec.terms
    w = terms.windows_sorted()[0]
    iso = lambda t: t.strftime("%Y-%m-%dT%H:%M:%SZ")  # noqa: E731
    dep = w.start_utc + timedelta(minutes=10)
    trip = {
        "trip_id": "bus-1/1",
        "vehicle_id": "bus-1",
        "vehicle_kind": "bus",
        "convoy_id": "c1",
        "corridor_id": terms.corridor_id,
        "window_index": 0,
        "gathering_point_id": terms.origin.name,
        "load_start_utc": iso(dep - timedelta(minutes=15)),
        "depart_utc": iso(dep),
        "entry_utc": iso(dep),
        "checkpoints": [
            {
                "checkpoint": terms.checkpoints[0].name,
                "arrive_utc": iso(dep + timedelta(minutes=9)),
                "pass_utc": iso(dep + timedelta(minutes=14)),
            }
        ]
        if checkpoints
        else [],
        "exit_utc": iso(dep + timedelta(minutes=40)),
        "reception_point_id": terms.destination.name,
        "arrive_utc": iso(dep + timedelta(minutes=45)),
        "unload_end_utc": iso(dep + timedelta(minutes=55)),
        "passengers": [],
        "people": 0,
        "capacity": 50,
    }
    return {
        "plan_id": "partial",
        "method": "hand",
        "created_utc": iso(w.start_utc - timedelta(days=1)),
        "start_utc": iso(w.start_utc),
        "windows": [],
        "trips": [trip],
        "convoys": [],
        "window_loads": [],
        "checkpoint_loads": [],
        "total_people": 0,
        "moved": 0,
        "moved_by_class": {},
        "left_behind": [],
    }


@pytest.mark.parametrize("lang", ["uk", "ru", "en"])
@pytest.mark.parametrize("fmt", ["text", "html", "sms", "cap"])
def test_corridor_notice_with_a_plan_missing_checkpoint_times(
    demo_db: str, demo_record: Any, tmp_path: Path, lang: str, fmt: str
) -> None:
    plan = tmp_path / "schedule.json"
    plan.write_text(json.dumps(_partial_plan_json(demo_record, checkpoints=False)), "utf-8")
    args = ["notice", "krems-demo", "--lang", lang, "--format", fmt, "--plan", str(plan)]
    result = CliRunner().invoke(app, [*args, "--details", str(DETAILS_FILE), "--db", demo_db])
    assert result.exit_code == 0, result.output
    assert result.exception is None
    if fmt != "sms":
        assert not_set(lang) in result.output


def test_a_schedule_with_bad_fields_is_one_line_and_exit_2(
    demo_db: str, demo_record: Any, tmp_path: Path
) -> None:
    """Hostile plan files: a missing required field, a wrong type, a naive time."""
    good = _partial_plan_json(demo_record, checkpoints=True)
    broken: list[dict[str, Any]] = []
    no_trips = {k: v for k, v in good.items() if k != "trips"}
    broken.append(no_trips)
    wrong_type = json.loads(json.dumps(good))
    wrong_type["trips"][0]["checkpoints"] = "CP1"
    broken.append(wrong_type)
    no_depart = json.loads(json.dumps(good))
    del no_depart["trips"][0]["depart_utc"]
    broken.append(no_depart)
    cp_null = json.loads(json.dumps(good))
    cp_null["trips"][0]["checkpoints"][0]["arrive_utc"] = None
    broken.append(cp_null)
    for i, data in enumerate(broken):
        plan = tmp_path / f"bad{i}.json"
        plan.write_text(json.dumps(data), "utf-8")
        args = ["notice", "krems-demo", "--lang", "uk", "--format", "html", "--plan", str(plan)]
        result = CliRunner().invoke(app, [*args, "--details", str(DETAILS_FILE), "--db", demo_db])
        assert result.exit_code == 2, (i, result.output)
        assert "Traceback" not in result.output
