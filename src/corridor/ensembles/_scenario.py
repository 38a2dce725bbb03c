"""The ensemble scenario file (YAML or JSON), validated against its published JSON Schema.

A scenario names a network, a hazard picture and the places that matter (gathering points and
exits), and says how uncertain each part is: every hazard occurs with its confidence, its
position moves within ``location_uncertainty_m`` (strikes also within their radius), and each
checkpoint is open with ``p_open``. Paths are relative to the scenario file. The schema
(``scenario.schema.json`` beside this file) is generated from the model; a test keeps them equal.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import Annotated, Any, Literal

from jsonschema import Draft202012Validator
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator
from pydantic import ValidationError as ModelViolation

from corridor._input import load_yaml, read_input_text, schema_problem
from corridor._input import render_path as _render
from corridor._times import UtcDatetime
from corridor.errors import ScenarioError
from corridor.routing import DEFAULT_RISK_WEIGHT

SCHEMA_PATH = Path(__file__).with_name("scenario.schema.json")
SCHEMA_ID = "urn:corridor:ensemble-scenario:v1"
MAX_SCENARIO_BYTES = 4 * 1024 * 1024
#: Far above a region's real count, low enough that one scenario cannot ask for a cube of work
#: (routes x samples) no cluster finishes.
MAX_PLACES = 1000
MAX_CHECKPOINTS = 1000
#: Each route (gathering point x exit) keeps two histograms (~4 kB) in every partial sum; this
#: caps a partial at ~40 MB, so a scenario cannot exhaust a worker's memory by its shape alone.
MAX_ROUTES = 10_000
MAX_UNCERTAINTY_M = 50_000.0

Id = Annotated[str, Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")]
HazardId = Annotated[str, Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$")]
Lat = Annotated[float, Field(ge=-90, le=90)]
Lon = Annotated[float, Field(ge=-180, le=180)]
Metres = Annotated[float, Field(ge=0, le=MAX_UNCERTAINTY_M)]
Probability = Annotated[float, Field(ge=0, le=1)]
RelPath = Annotated[str, Field(min_length=1, max_length=1000)]


class _Strict(BaseModel):
    """Unknown keys are errors (a typo must not silently drop a hazard); no NaN/inf."""

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


class Place(_Strict):
    """A gathering point or an exit."""

    id: Id
    name: str = Field(default="", max_length=200)
    lat: Lat
    lon: Lon


class Checkpoint(_Strict):
    """A checkpoint that may be closed on the day: closed, it blocks the roads within radius."""

    id: Id
    lat: Lat
    lon: Lon
    p_open: Probability = Field(description="probability that the checkpoint lets people pass")
    radius_m: Metres = Field(default=30.0, description="roads within this distance are blocked")


class HazardUncertainty(_Strict):
    """Per-hazard overrides of the scenario defaults."""

    location_uncertainty_m: Metres | None = Field(
        default=None, description="how far the reported position may be off"
    )
    confidence: Probability | None = Field(
        default=None, description="probability that the hazard is real (else the record's)"
    )


class Scenario(_Strict):
    """An uncertainty ensemble over one network and one hazard picture at one time."""

    scenario_format: Literal[1] = 1
    id: Id
    title: str = Field(default="", max_length=200)
    network: RelPath = Field(description="network file or OSM extract, relative to this file")
    hazards: RelPath | None = Field(
        default=None, description="hazard file (GeoJSON/CSV as `corridor hazards` reads)"
    )
    at: UtcDatetime = Field(description="the time the hazard picture is evaluated at (UTC)")
    risk_weight: float = Field(
        default=DEFAULT_RISK_WEIGHT,
        ge=0,
        le=1e6,
        description="hours of travel worth one unit of -log survival (routing's risk weight)",
    )
    location_uncertainty_m: Metres = Field(
        default=0.0, description="default position uncertainty of every hazard report"
    )
    uncertainty: dict[HazardId, HazardUncertainty] = Field(
        default_factory=dict, description="per-hazard overrides, by hazard id"
    )
    gathering_points: list[Place] = Field(min_length=1, max_length=MAX_PLACES)
    exits: list[Place] = Field(min_length=1, max_length=MAX_PLACES)
    checkpoints: list[Checkpoint] = Field(default_factory=list, max_length=MAX_CHECKPOINTS)

    @field_validator("at")
    @classmethod
    def _utc(cls, value: datetime) -> datetime:
        return value.astimezone(UTC)

    @model_validator(mode="after")
    def _unique_ids(self) -> Scenario:
        routes = len(self.gathering_points) * len(self.exits)
        if routes > MAX_ROUTES:
            raise ValueError(
                f"{len(self.gathering_points)} gathering points x {len(self.exits)} exits is "
                f"{routes:,} routes, more than {MAX_ROUTES:,}; split the region into scenarios"
            )
        for name in ("gathering_points", "exits", "checkpoints"):
            seen: set[str] = set()
            for item in getattr(self, name):
                if item.id in seen:
                    raise ValueError(f"{name}: id {item.id!r} appears twice")
                seen.add(item.id)
        return self


def scenario_schema() -> dict[str, Any]:
    """The JSON Schema of the scenario file, generated from the model."""
    schema = Scenario.model_json_schema(mode="validation")
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", "$id": SCHEMA_ID, **schema}


def schema_text() -> str:
    """The schema as the committed file holds it."""
    return json.dumps(scenario_schema(), indent=2, ensure_ascii=False) + "\n"


@cache
def _validator() -> Draft202012Validator:
    return Draft202012Validator(json.loads(SCHEMA_PATH.read_text(encoding="utf-8")))


def _fail(problems: list[str], source: str | Path | None) -> ScenarioError:
    more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
    return ScenarioError(problems[0] + more, problems=problems, path=source)


def scenario_from_data(data: object, *, source: str | Path | None = None) -> Scenario:
    """Validate parsed data against the schema, then the model (cross-field rules)."""
    problems = sorted(
        f"{p}: {m}" for p, m in dict.fromkeys(map(schema_problem, _validator().iter_errors(data)))
    )
    if problems:
        raise _fail(problems, source)
    try:
        return Scenario.model_validate(data)
    except ModelViolation as exc:
        for e in exc.errors(include_url=False):
            where = _render(x for x in e["loc"] if not str(x).startswith("function-"))
            problems.append(f"{where}: {str(e['msg']).removeprefix('Value error, ')}")
        raise _fail(problems, source) from None


def parse_scenario_text(text: str, *, source: str | Path | None = None) -> Scenario:
    """A scenario from YAML or JSON text (aliases and deep nesting refused)."""
    data = load_yaml(
        text, timestamps_as_text=True, path=source, what="YAML/JSON", error=ScenarioError
    )
    return scenario_from_data(data, source=source)


def load_scenario(path: str | Path) -> Scenario:
    """A scenario file from disk; any problem is one ScenarioError line naming file and field."""
    path = Path(path)
    text = read_input_text(
        path, what="scenario file", max_bytes=MAX_SCENARIO_BYTES, error=ScenarioError
    )
    return parse_scenario_text(text, source=path)


def resolve(scenario_path: str | Path, relative: str) -> Path:
    """A path named in the scenario, relative to the scenario file's folder."""
    p = Path(relative)
    return p if p.is_absolute() else Path(scenario_path).resolve().parent / p
