"""The scenario file: published schema, and one clear line (exit 2) for every kind of bad input."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from corridor.cli import app
from corridor.ensembles import (
    SCHEMA_PATH,
    load_scenario,
    parse_scenario_text,
    scenario_schema,
)
from corridor.errors import ScenarioError
from tests.conftest import REPO

DEMO = REPO / "data" / "demo" / "krems-ensemble.yaml"

GOOD = """
scenario_format: 1
id: s1
network: net.net
at: "2022-03-08T10:00:00+02:00"
gathering_points: [{id: a, lat: 48.4, lon: 15.6}]
exits: [{id: b, lat: 48.41, lon: 15.67}]
"""


def test_committed_schema_is_the_models() -> None:
    assert json.loads(SCHEMA_PATH.read_text(encoding="utf-8")) == scenario_schema()


def test_demo_scenario_loads() -> None:
    s = load_scenario(DEMO)
    assert [p.id for p in s.gathering_points] == ["gp-centre", "gp-school", "gp-station"]
    assert s.uncertainty["demo-bridge"].confidence == 0.7
    assert s.checkpoints[0].p_open == 0.8


def test_time_is_converted_to_utc() -> None:
    s = parse_scenario_text(GOOD)
    assert s.at.isoformat() == "2022-03-08T08:00:00+00:00"
    assert s.risk_weight == 10.0


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (("exits: [{id: b, lat: 48.41, lon: 15.67}]", "exits: []"), "exits: must have at least"),
        (("lat: 48.4,", "lat: 148.4,"), "gathering_points[0].lat: must be <= 90"),
        (("id: s1", "id: s1\nsample: 3"), "sample: unknown field"),
        (("network: net.net\n", ""), "network: is required"),
        (("id: s1", "id: s1\ncheckpoints: [{id: c, lat: 1, lon: 1, p_open: 1.5}]"), "p_open"),
        (('"2022-03-08T10:00:00+02:00"', '"2022-03-08T10:00:00"'), "at:"),
        (("exits: [{id: b,", "exits: [{id: a, lat: 1, lon: 1}, {id: a,"), "appears twice"),
        (("id: s1", "id: ../etc"), "id: must match"),
    ],
)
def test_bad_fields_name_the_field(change: tuple[str, str], expected: str) -> None:
    text = GOOD.replace(*change)
    assert text != GOOD
    with pytest.raises(ScenarioError) as info:
        parse_scenario_text(text, source="s.yaml")
    line = info.value.one_line()
    assert expected in line, line
    assert "\n" not in line


def test_too_many_routes_is_refused_before_any_work() -> None:
    gps = ", ".join(f"{{id: g{i}, lat: 48.4, lon: 15.6}}" for i in range(101))
    exits = ", ".join(f"{{id: x{i}, lat: 48.4, lon: 15.6}}" for i in range(100))
    text = GOOD.replace(
        "gathering_points: [{id: a, lat: 48.4, lon: 15.6}]", f"gathering_points: [{gps}]"
    )
    text = text.replace("exits: [{id: b, lat: 48.41, lon: 15.67}]", f"exits: [{exits}]")
    with pytest.raises(ScenarioError, match="10,100 routes, more than 10,000"):
        parse_scenario_text(text)


def test_yaml_alias_bomb_is_refused() -> None:
    bomb = 'a: &a ["x","x"]\nb: &b [*a,*a]\nc: [*b,*b]\n'
    with pytest.raises(ScenarioError, match="aliases"):
        parse_scenario_text(bomb)


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (None, "scenario file not found"),
        ("{{{", "not valid YAML/JSON"),
        ("- just\n- a list\n", "must be of type object"),
        (GOOD.replace("network: net.net", "network: missing.net"), "network file not found"),
    ],
)
def test_cli_bad_input_is_one_line_and_exit_2(
    tmp_path: Path, content: str | None, expected: str
) -> None:
    path = tmp_path / "scenario.yaml"
    if content is not None:
        path.write_text(content, encoding="utf-8")
    result = CliRunner().invoke(app, ["ensemble", str(path), "--samples", "2"])
    assert result.exit_code == 2, result.output
    text = result.output.strip()
    assert expected in text, text
    assert len(text.splitlines()) == 1, text


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (
            "uncertainty: {ghost-1: {confidence: 0.5}}\n"
            "gathering_points: [{id: a, lat: 48.4096, lon: 15.6080}]\n"
            "exits: [{id: b, lat: 48.4098, lon: 15.6723}]\n",
            "uncertainty given for hazard 'ghost-1', which is not in the hazard file",
        ),
        (
            "gathering_points: [{id: far-away, lat: 48.9, lon: 15.6080}]\n"
            "exits: [{id: b, lat: 48.4098, lon: 15.6723}]\n",
            "gathering point 'far-away' is 5",
        ),
        (
            "hazards: nope.geojson\n"
            "gathering_points: [{id: a, lat: 48.4096, lon: 15.6080}]\n"
            "exits: [{id: b, lat: 48.4098, lon: 15.6723}]\n",
            "nope.geojson",
        ),
    ],
)
def test_cli_scenario_that_does_not_fit_the_network(
    tmp_path: Path, krems_net: Path, body: str, expected: str
) -> None:
    from tests.ensembles.conftest import write_scenario

    path = write_scenario(tmp_path, krems_net, body)
    result = CliRunner().invoke(app, ["ensemble", str(path), "--samples", "2"])
    assert result.exit_code == 2, result.output
    text = result.output.strip()
    assert expected in text, text
    assert len(text.splitlines()) == 1, text


def test_cli_bad_scheduler_address_is_one_line(tmp_path: Path, krems_net: Path) -> None:
    from tests.ensembles.conftest import DEMO_PLACES, write_scenario

    path = write_scenario(tmp_path, krems_net, DEMO_PLACES)
    args = ["ensemble", str(path), "--samples", "2", "--scheduler", "bogus::"]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 2, result.output
    text = result.output.strip()
    assert "cannot reach the Dask scheduler at 'bogus::'" in text, text
    assert len(text.splitlines()) == 1, text


def test_cli_unknown_network_transfer_is_one_line(tmp_path: Path, krems_net: Path) -> None:
    from tests.ensembles.conftest import DEMO_PLACES, write_scenario

    path = write_scenario(tmp_path, krems_net, DEMO_PLACES)
    args = ["ensemble", str(path), "--samples", "2", "--network-transfer", "carrier-pigeon"]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 2, result.output
    text = result.output.strip()
    assert "unknown network transfer 'carrier-pigeon'" in text, text
    assert "auto, path, scatter" in text and len(text.splitlines()) == 1, text
