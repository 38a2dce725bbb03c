"""Notices from a real planner schedule (corridor.planning) through the demo agreement."""

from __future__ import annotations

from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import yaml
from typer.testing import CliRunner

from corridor.cli import app
from tests.conftest import REPO
from tests.notices.conftest import DETAILS_FILE, demo_terms

pytestmark = pytest.mark.slow  # the planner itself takes ~10-20 s on the demo


@pytest.fixture
def planned(tmp_path: Path, krems_network):  # type: ignore[no-untyped-def]
    """The bundled demo plan, its corridor replaced by the krems-demo agreement, planned."""
    from corridor.agreements import terms_from_data
    from corridor.planning import plan_evacuation, plan_from_data

    data = yaml.safe_load((REPO / "data" / "demo" / "krems-plan.yaml").read_text("utf-8"))
    data.pop("network")
    data.pop("hazards")
    data["start_utc"] = "2027-03-01T05:00:00Z"
    data["corridors"] = [{"id": "krems-demo", "agreement": "krems-demo"}]
    plan_file = tmp_path / "plan.yaml"
    plan_file.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    terms = terms_from_data(demo_terms(krems_network))
    schedule = plan_evacuation(
        plan_from_data(data),
        network=krems_network,
        agreements={"krems-demo": terms},
        bound=False,
    )
    schedule_file = tmp_path / "schedule.json"
    schedule_file.write_text(schedule.to_json(), encoding="utf-8")
    return schedule, schedule_file, plan_file


def test_notice_announces_the_planned_departures(demo_db: str, planned) -> None:  # type: ignore[no-untyped-def]
    schedule, schedule_file, plan_file = planned
    result = CliRunner().invoke(
        app,
        [
            "notice",
            "krems-demo",
            "--lang",
            "en",
            "--plan",
            str(schedule_file),
            "--plan-input",
            str(plan_file),
            "--details",
            str(DETAILS_FILE),
            "--db",
            demo_db,
        ],
    )
    assert result.exit_code == 0, result.output
    text = result.output
    # Oracle: first departure and vehicle count per gathering point, straight from the trips,
    # converted with zoneinfo (not Babel).
    kyiv = ZoneInfo("Europe/Kyiv")
    names = {
        "gp-centre": "Austrasse by the Ringstrasse",
        "gp-school": "School on Hafnerplatz",
        "gp-station": "Railway station forecourt",
    }
    for gp, name in names.items():
        trips = [t for t in schedule.trips if t.gathering_point_id == gp and t.window_index == 0]
        if not trips:
            continue
        first = min(t.depart_utc for t in trips).astimezone(kyiv)
        line = next(line for line in text.splitlines() if line.startswith(f"- {name}."))
        assert f"departure at {first:%H:%M}" in line, line
        assert f"{len(trips)} vehicle" in line, line
    assert "Hafnerplatz, 3500 Krems" in text  # the address the plan file gives
    assert "Gathering point A" not in text.split("WHERE TO GATHER")[1].split("==")[1]
    bad = CliRunner().invoke(
        app,
        [
            "notice",
            "krems-demo",
            "--lang",
            "en",
            "--plan",
            str(plan_file),
            "--details",
            str(DETAILS_FILE),
            "--db",
            demo_db,
        ],
    )
    assert bad.exit_code == 2 and "schedule" in bad.output
