"""Read a plan file (YAML or JSON) against the published JSON Schema; errors name the field."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator
from pydantic import ValidationError

from corridor._input import load_yaml, read_input_text, schema_problem
from corridor._input import render_path as _render
from corridor.errors import PlanError
from corridor.planning._model import PlanInput, ReplanState, Schedule

SCHEMA_PATH = Path(__file__).with_name("plan.schema.json")
SCHEDULE_SCHEMA_PATH = Path(__file__).with_name("schedule.schema.json")
SCHEMA_ID = "urn:corridor:plan:v1"
SCHEDULE_SCHEMA_ID = "urn:corridor:schedule:v1"
MAX_PLAN_BYTES = 20 * 1024 * 1024


def plan_schema() -> dict[str, Any]:
    """The JSON Schema of the plan file, generated from the model (the committed file matches)."""
    schema = PlanInput.model_json_schema(mode="validation")
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", "$id": SCHEMA_ID, **schema}


def schedule_schema() -> dict[str, Any]:
    """The JSON Schema of the schedule JSON that ``corridor plan -o`` writes."""
    schema = Schedule.model_json_schema(mode="serialization")
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": SCHEDULE_SCHEMA_ID,
        **schema,
    }


def schema_text(schema: dict[str, Any] | None = None) -> str:
    """The plan schema (or another) as the committed file holds it."""
    return json.dumps(schema or plan_schema(), indent=2, ensure_ascii=False) + "\n"


@cache
def _validator() -> Draft202012Validator:
    return Draft202012Validator(json.loads(SCHEMA_PATH.read_text(encoding="utf-8")))


def _fail(problems: list[str], source: str | Path | None) -> PlanError:
    n = len(problems)
    more = f" (and {n - 1} more)" if n > 1 else ""
    return PlanError(problems[0] + more, problems=problems, path=source)


def plan_from_data(data: object, *, source: str | Path | None = None) -> PlanInput:
    """Validate parsed data; raises PlanError whose first line names the first bad field."""
    problems = sorted(
        f"{p}: {m}" for p, m in dict.fromkeys(map(schema_problem, _validator().iter_errors(data)))
    )
    if problems:
        raise _fail(problems, source)
    try:
        return PlanInput.model_validate(data)
    except ValidationError as exc:
        for e in exc.errors(include_url=False):
            path = _render(x for x in e["loc"] if not str(x).startswith("function-"))
            problems.append(f"{path}: {str(e['msg']).removeprefix('Value error, ')}")
        raise _fail(problems, source) from None


def parse_plan_text(text: str, *, source: str | Path | None = None) -> PlanInput:
    """A plan from YAML or JSON text (YAML is a superset of JSON; timestamps stay strings)."""
    if len(text) > MAX_PLAN_BYTES:
        raise PlanError(f"plan file larger than {MAX_PLAN_BYTES // 2**20} MiB", path=source)
    data = load_yaml(text, timestamps_as_text=True, path=source, what="YAML/JSON", error=PlanError)
    return plan_from_data(data, source=source)


def load_plan(path: str | Path) -> PlanInput:
    """A plan file from disk; any problem is one PlanError line naming the file and field."""
    path = Path(path)
    text = read_input_text(path, what="plan file", max_bytes=MAX_PLAN_BYTES, error=PlanError)
    return parse_plan_text(text, source=path)


def state_from_data(data: object, *, source: str | Path | None = None) -> ReplanState:
    """A re-plan state from parsed JSON/YAML; PlanError naming the field on bad input."""
    try:
        return ReplanState.model_validate(data)
    except ValidationError as exc:
        problems = [
            f"{_render(x for x in e['loc'] if not str(x).startswith('function-'))}: "
            f"{str(e['msg']).removeprefix('Value error, ')}"
            for e in exc.errors(include_url=False)
        ]
        raise _fail(problems, source) from None
