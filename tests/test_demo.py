"""`make demo` runs the main job on the bundled data: network file, routes, map."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from corridor import demo
from corridor.network import read_network


def test_demo_writes_network_routes_and_map(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    demo.main(["--out", str(tmp_path)])
    out = capsys.readouterr().out
    net = read_network(tmp_path / "krems.net")
    assert net.n_edges > 1000
    assert net.source_sha256 == "5498faad29dc876d830dec8f8a4b019c46eaab0181833911e0e95519a6840cc8"
    risks = {}
    for label in ("fastest", "safest"):
        doc = json.loads((tmp_path / f"route-{label}.geojson").read_text())
        lines = [f for f in doc["features"] if f["geometry"]["type"] == "LineString"]
        assert lines, label
        risks[label] = lines[0]["properties"]["risk"]
    assert risks["safest"] < risks["fastest"]
    png = (tmp_path / "krems-routes.png").read_bytes()
    assert png.startswith(b"\x89PNG") and len(png) > 20_000
    assert "fastest route" in out and "safest route" in out
    assert "St. Pöltner Brücke" in out or "destroyed_bridge" in out
    sched = json.loads((tmp_path / "schedule.json").read_text())
    assert sched["total_people"] == 600 and 0 < sched["moved"] <= sched["bound"]["people"] + 1e-6
    # the reception points take 550 of the 600: the plan reaches that bound, every medical case
    # first among those moved, and names reception capacity as why the other 50 wait
    assert sched["moved"] == sched["bound"]["people"] == 550
    assert sched["moved_by_class"]["medical"] == 11
    assert {g["reason"] for g in sched["left_behind"]} == {"reception_capacity"}
    assert (tmp_path / "schedule-gantt.png").read_bytes().startswith(b"\x89PNG")
    assert "Evacuation plan" in out and "clearance" in out


def test_demo_ends_with_a_dashboard_database_and_how_to_open_it(tmp_path: Path) -> None:
    """The demo's last step alone (the whole demo runs in the test above)."""
    from rich.console import Console

    from corridor.api import authenticate
    from corridor.hazards import load_hazards
    from corridor.store import list_hazards, open_store

    hazards = load_hazards(demo.HAZARDS_FILE)
    for _ in range(2):  # a second run starts afresh instead of failing on the stored ids
        console = Console(record=True, width=300)
        demo.dashboard(tmp_path, tmp_path / "krems.net", hazards, console)
    out = console.export_text()
    assert "corridor serve --db sqlite:///" in out and "http://127.0.0.1:8000/" in out
    tokens = dict(line.split()[:2] for line in out.splitlines() if line.startswith("  "))
    with open_store(f"sqlite:///{tmp_path / 'demo.db'}") as store:
        for role in ("coordinator", "field", "observer"):
            who = authenticate(store, tokens[role])
            assert who is not None and who.role.value == role
        with store.session(write=False) as session:
            assert len(list_hazards(session)) == len(hazards) > 3
