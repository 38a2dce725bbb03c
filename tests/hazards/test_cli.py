"""`corridor hazards import|validate` through Typer's runner: outputs, reports, exit codes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator
from typer.testing import CliRunner

from corridor.cli import app
from corridor.hazards import hazard_schema
from tests.hazards.bad_inputs import bad_csv, bad_geojson
from tests.hazards.conftest import DEMO_HAZARDS

runner = CliRunner()


def test_import_bellingcat_writes_a_schema_valid_file(
    bellingcat_path: Path, tmp_path: Path
) -> None:
    out = tmp_path / "out" / "hazards.geojson"
    result = runner.invoke(app, ["hazards", "import", str(bellingcat_path), "-o", str(out)])
    assert result.exit_code == 0, result.output
    # 3 positions far from the place they name are skipped, 2 lootings are no hazard
    assert "464 records" in result.stdout and "459 usable" in result.stdout
    assert "3 skipped" in result.stdout
    assert "contradicts_place 3" in result.stderr and "2 record(s) are no hazard" in result.stderr
    data = json.loads(out.read_text())
    assert len(data["features"]) == 459
    assert list(Draft202012Validator(hazard_schema()).iter_errors(data)) == []
    again = runner.invoke(app, ["hazards", "validate", str(out)])
    assert again.exit_code == 0, again.output
    assert "valid" in again.stdout


def test_import_skips_and_reports(tmp_path: Path) -> None:
    src = tmp_path / "bad.geojson"
    reasons = bad_geojson(src)
    out, report = tmp_path / "ok.geojson", tmp_path / "skipped.json"
    args = ["hazards", "import", str(src), "-o", str(out), "--report", str(report)]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    skipped = sum(reasons.values())
    assert f"{skipped} skipped" in result.stdout
    assert len(json.loads(out.read_text())["features"]) == 2
    rows = json.loads(report.read_text())
    assert len(rows) == skipped
    assert {r["reason"] for r in rows} == set(reasons)
    assert all({"index", "id", "reason", "detail"} <= set(r) for r in rows)


def test_strict_exits_2_and_writes_nothing(tmp_path: Path) -> None:
    src = tmp_path / "bad.csv"
    reasons, _ = bad_csv(src)
    out, report = tmp_path / "never.geojson", tmp_path / "never.csv"
    args = ["hazards", "import", str(src), "-o", str(out), "--strict", "--report", str(report)]
    result = runner.invoke(app, args)
    assert result.exit_code == 2
    assert f"{sum(reasons.values())} of 13 records cannot be used" in result.output
    assert not out.exists() and not report.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.csv"]  # no temp files either


def test_validate_exit_codes(tmp_path: Path) -> None:
    ok = runner.invoke(app, ["hazards", "validate", str(DEMO_HAZARDS)])
    assert ok.exit_code == 0, ok.output
    bad = tmp_path / "bad.geojson"
    bad_geojson(bad)
    result = runner.invoke(app, ["hazards", "validate", str(bad)])
    assert result.exit_code == 2
    assert "unknown_kind" in result.output and "duplicate_id" in result.output


def test_unreadable_input_is_one_line_exit_2(tmp_path: Path) -> None:
    src = tmp_path / "broken.json"
    src.write_text("{broken")
    result = runner.invoke(app, ["hazards", "import", str(src), "-o", str(tmp_path / "o.json")])
    assert result.exit_code == 2
    assert "error:" in result.output and "Traceback" not in result.output
    assert not (tmp_path / "o.json").exists()


def test_csv_format_option_and_output_directory(tmp_path: Path) -> None:
    src = tmp_path / "points.txt"
    src.write_text("id,kind,lat,lon\na,checkpoint,48.41,15.60\n")
    out = tmp_path / "h.geojson"
    result = runner.invoke(
        app, ["hazards", "import", str(src), "--format", "csv", "-o", str(out), "--quiet"]
    )
    assert result.exit_code == 0, result.output
    assert json.loads(out.read_text())["features"][0]["properties"]["kind"] == "checkpoint"
    into_dir = runner.invoke(app, ["hazards", "import", str(src), "-o", str(tmp_path)])
    assert into_dir.exit_code == 2


def test_geojson_needs_no_gazetteer_but_an_incident_file_does(
    bellingcat_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The default gazetteer (the shared city list) is loaded only for incident files: a
    GeoJSON file validates where the city list is missing, and loading it costs start-up time
    (issue 14); an incident file still names the missing list."""
    from corridor.hazards._places import city_list_gazetteer

    monkeypatch.setenv("CORRIDOR_SHARED_DATA", str(tmp_path / "no-shared-data"))
    city_list_gazetteer.cache_clear()  # an earlier test in this process may have loaded it
    ok = runner.invoke(app, ["hazards", "validate", str(DEMO_HAZARDS)])
    assert ok.exit_code == 0, ok.output
    assert "valid" in ok.stdout
    out = tmp_path / "out.geojson"
    refused = runner.invoke(app, ["hazards", "import", str(bellingcat_path), "-o", str(out)])
    assert refused.exit_code == 2, refused.output
    assert "default gazetteer" in refused.output
    assert not out.exists()
