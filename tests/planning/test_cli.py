"""`corridor plan`: schedule, Gantt, re-plan, store; malformed files exit 2, writing nothing."""

from __future__ import annotations

import json
import math
from pathlib import Path

import jsonschema
import pytest
from typer.testing import CliRunner

from corridor.cli import app
from corridor.planning import (
    SCHEDULE_SCHEMA_PATH,
    SCHEMA_PATH,
    plan_schema,
    schedule_schema,
)
from tests.conftest import BUNDLED_OSM

REPO = Path(__file__).resolve().parents[2]
DEMO_PLAN = REPO / "data" / "demo" / "krems-plan.yaml"
runner = CliRunner()


def test_committed_schemas_match_the_model() -> None:
    assert json.loads(SCHEMA_PATH.read_text()) == plan_schema()
    assert json.loads(SCHEDULE_SCHEMA_PATH.read_text()) == schedule_schema()


@pytest.fixture(scope="module")
def net_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from corridor.network import import_osm, write_network

    path = tmp_path_factory.mktemp("net") / "krems.net"
    write_network(import_osm(BUNDLED_OSM), path)
    return path


def test_plan_writes_schedule_and_gantt_and_saves(net_file: Path, tmp_path: Path) -> None:
    out, png, db = tmp_path / "s.json", tmp_path / "g.png", tmp_path / "c.db"
    args = ["plan", str(DEMO_PLAN), "-n", str(net_file), "-o", str(out), "--gantt", str(png)]
    res = runner.invoke(app, [*args, "--save", "--db", f"sqlite:///{db}"])
    assert res.exit_code == 0, res.output
    data = json.loads(out.read_text())
    jsonschema.validate(data, schedule_schema())
    assert data["total_people"] == 600 and data["moved"] > 0
    assert data["bound"]["people"] >= data["moved"] and data["plan_version"] == 1
    assert png.read_bytes().startswith(b"\x89PNG")
    assert "clearance" in res.output and "stored as plan" in res.output
    b = data["bound"]
    assert math.isclose(
        b["gap"], max(0.0, (b["people"] - data["moved"]) / b["people"]), abs_tol=1e-4
    )
    assert f"gap {b['gap']:.1%}" in res.output and "-min steps" in res.output
    # the summary says what the bound is and whether the MIP guide ran (Rich wraps lines)
    text = " ".join(res.output.split())
    kind = {"lp_relaxation": "LP relaxation", "mip_optimum": "MIP optimum"}[b["kind"]]
    assert f"exact bound: {b['people']:.0f} people, {kind} of the time-expanded model" in text
    assert b["status"] == "optimal" and "safety net" not in text
    assert data["guide"] == "not_needed" and data["method"] == "ccrp-bish"
    assert "MIP guide: not needed (greedy gap <= 5 %)" in text
    from corridor.store import load_plan_record, open_store

    with open_store(f"sqlite:///{db}") as store, store.session(write=False) as s:
        rec = load_plan_record(s, "krems-demo-evacuation")
    assert rec.version == 1 and rec.schedule["moved"] == data["moved"]
    assert rec.schedule["bound"]["gap"] == b["gap"]  # the stored plan keeps its gap


def test_replan_from_a_state_file(net_file: Path, tmp_path: Path) -> None:
    state = tmp_path / "state.json"
    state.write_text(
        json.dumps({"at_utc": "2022-03-08T10:30:00Z", "closed_corridors": ["krems-east"]})
    )
    out = tmp_path / "s.json"
    res = runner.invoke(
        app,
        [
            "plan",
            str(DEMO_PLAN),
            "-n",
            str(net_file),
            "--state",
            str(state),
            "--no-bound",
            "-o",
            str(out),
        ],
    )
    assert res.exit_code == 0, res.output
    data = json.loads(out.read_text())
    assert data["moved"] == 0 and {x["reason"] for x in data["left_behind"]} == {"no_open_route"}


@pytest.mark.parametrize(
    ("edit", "field"),
    [
        (lambda t: t.replace("seats: 50", "seats: -5", 1), "vehicles.buses[0].seats"),
        (lambda t: t.replace("capacity: 400", "capacity: many"), "reception_points[0].capacity"),
        (lambda t: t.replace("    lat: 48.4096\n", "    lat: 95\n", 1), "gathering_points[0].lat"),
        (lambda t: t.replace("step_minutes: 1", "step_minutes: 1\nbogus: 1"), "bogus"),
        (
            lambda t: t.replace('start_utc: "2022-03-08T09:00:00Z"', "start_utc: tomorrow"),
            "start_utc",
        ),
        (lambda t: t.replace("id: krems-demo-evacuation\n", ""), "id"),
        (lambda t: t + "\n  - [unclosed\n", "YAML"),
    ],
)
def test_malformed_plan_is_one_line_exit_2_nothing_written(
    edit: object, field: str, tmp_path: Path
) -> None:
    bad = tmp_path / "plan.yaml"
    bad.write_text(edit(DEMO_PLAN.read_text()))  # type: ignore[operator]
    out, png = tmp_path / "s.json", tmp_path / "g.png"
    res = runner.invoke(app, ["plan", str(bad), "-o", str(out), "--gantt", str(png)])
    assert res.exit_code == 2, res.output
    lines = [x for x in res.output.strip().splitlines() if x.strip()]
    assert len(lines) == 1 and field in lines[0] and "plan.yaml" in lines[0], res.output
    assert not out.exists() and not png.exists()
    assert list(tmp_path.iterdir()) == [bad]


def test_missing_plan_and_missing_network(tmp_path: Path) -> None:
    res = runner.invoke(app, ["plan", str(tmp_path / "nope.yaml")])
    assert res.exit_code == 2 and "plan file not found" in res.output
    text = DEMO_PLAN.read_text().replace("network: ../krems.osm.gz\n", "")
    (tmp_path / "p.yaml").write_text(text)
    res = runner.invoke(app, ["plan", str(tmp_path / "p.yaml")])
    assert res.exit_code == 2 and "no road network" in res.output


def test_summary_names_the_bound_kind_and_whether_the_guide_was_used() -> None:
    from rich.console import Console

    from corridor.planning import plan_evacuation, schedule_summary
    from tests.planning.test_mip_guided import _one_bus

    plan, tt = _one_bus()
    s = plan_evacuation(plan, travel=tt)

    def shown(x: object) -> str:
        con = Console(width=200, record=True)
        con.print(schedule_summary(x))  # type: ignore[arg-type]
        return " ".join(con.export_text().split())

    assert s.bound is not None and s.method == "ccrp-bish+mip"
    text = shown(s)
    assert "MIP guide: solved" in text and "its schedule used" in text
    assert f"gap {s.bound.gap:.1%}" in text
    kinds = {
        ("mip_optimum", "optimal"): "MIP optimum (whole vehicles) of the time-expanded model",
        ("lp_relaxation", "mip_node_limit"): "not proved optimal within its node limit",
        ("lp_relaxation", "safety_net"): "safety net stopped the solver",
        ("trivial", "trivial"): "trivial bound (everyone who can move; no model solved)",
    }
    for (kind, status), words in kinds.items():
        b = s.bound.model_copy(update={"kind": kind, "status": status})
        assert words in shown(s.model_copy(update={"bound": b})), (kind, status)
    greedy = s.model_copy(update={"method": "ccrp-bish", "guide": "node_limit"})
    assert "greedy schedule kept" in shown(greedy)
    assert "stopped by its safety net" in shown(s.model_copy(update={"guide": "time_limit"}))
