"""`corridor assess` end to end: one proposal, a batch with bad rows, every output format,
routing on a loaded network, and one-line errors."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from corridor.cli import app

runner = CliRunner()
AT = "2022-03-08T10:00Z"


def _run(*args: str) -> Any:
    return runner.invoke(app, ["assess", *args])


def test_one_proposal_as_a_table(record_path: Path) -> None:
    result = _run("--via", "Kharkiv", "--via", "Poltava", "--at", AT, "-i", str(record_path),
                  "--id", "kp")  # fmt: skip
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert all(w in out for w in ("kp", "geodesic", "Kharkiv", "Poltava", "0.800"))
    assert "not a probability" in out
    assert "464 records, 459 used, skipped contradicts_place 3, 2 no hazard" in result.stderr


def test_unknown_and_ambiguous_names_are_reported_not_guessed(
    record_path: Path, tmp_path: Path
) -> None:
    unknown = _run("--via", "Kyiv;Poltava", "--at", AT, "-i", str(record_path))
    assert unknown.exit_code == 2
    assert "unknown place 'Kyiv'" in unknown.stderr and len(unknown.stderr.splitlines()) == 1
    near = _run("--via", "Kharkivv;Poltava", "--at", AT, "-i", str(record_path))
    assert near.exit_code == 2 and "did you mean Kharkiv" in near.stderr  # offered, not taken
    alias = _run("--via", "Kharkov;Poltawa", "--at", AT, "-i", str(record_path), "-f", "csv")
    assert alias.exit_code == 0 and "Kharkiv - Poltava" in alias.stdout  # GeoNames names of it
    places = tmp_path / "places.csv"
    places.write_text(
        "name,lat,lon\nMykolaivka,48.2,35.1\nMykolaivka,46.9,31.9\nPoltava,49.59,34.55\n"
    )
    ambiguous = _run("--via", "Mykolaivka;Poltava", "--at", AT, "-i", str(record_path),
                     "--gazetteer", str(places))  # fmt: skip
    assert ambiguous.exit_code == 2
    assert "ambiguous place 'Mykolaivka': 2 places" in ambiguous.stderr


def _batch(tmp_path: Path) -> Path:
    path = tmp_path / "batch.csv"
    path.write_text(
        "id,time,origin,destination,via\n"
        "kp,2022-03-08T10:00Z,Kharkiv,Poltava,\n"
        "mo,2022-03-08T10:00Z,Mykolayiv,Odesa,\n"
        "sp,2022-03-08T10:00Z,Sumy,Poltava,\n"
        'mz,2022-03-08T10:00Z,"47.0951,37.5413",Zaporizhzhya,Berdiansk;Melitopol\n'
        "bad,2022-03-08T10:00Z,Atlantis,Poltava,\n"
        "late,not a time,Sumy,Poltava,\n",
        encoding="utf-8",
    )
    return path


def test_a_batch_in_every_format(record_path: Path, tmp_path: Path) -> None:
    batch = _batch(tmp_path)
    as_csv = _run("--batch", str(batch), "-i", str(record_path), "-f", "csv")
    assert as_csv.exit_code == 0, as_csv.output
    rows = list(csv.DictReader(io.StringIO(as_csv.stdout)))
    assert [r["id"] for r in rows] == ["kp", "mo", "sp", "mz"]
    assert "not assessed: row 6, id bad: unknown place 'Atlantis'" in as_csv.stderr
    assert "not assessed: row 7, id late: time 'not a time' is not ISO 8601" in as_csv.stderr
    ranks = {r["id"]: int(r["rank"]) for r in rows}
    assert sorted(ranks.values()) == [1, 2, 3, 4] and ranks["kp"] == 1
    pct = {r["id"]: float(r["percentile"]) for r in rows}
    assert pct["kp"] == 100.0 and min(pct.values()) == 25.0

    out = tmp_path / "out.json"
    as_json = _run("--batch", str(batch), "-i", str(record_path), "-o", str(out), "--top", "2")
    assert as_json.exit_code == 0, as_json.output
    doc = json.loads(out.read_text())
    assert "not a probability" in doc["meaning"]
    assert [u["id"] for u in doc["unresolved"]] == ["bad", "late"]
    kp = next(a for a in doc["assessments"] if a["id"] == "kp")
    assert kp["line"] == "geodesic" and 120 < kp["length_km"] < 140
    ids = {r["id"] for r in json.loads(record_path.read_text())}
    for a in doc["assessments"]:
        for inc in a["incidents"]:
            assert inc["id"] in ids  # only records that exist
            assert inc["date"] <= "2022-03-07"
            assert all(link.startswith("http") for link in inc["source_links"])

    geo = tmp_path / "out.geojson"
    assert _run("--batch", str(batch), "-i", str(record_path), "-o", str(geo)).exit_code == 0
    features = json.loads(geo.read_text())["features"]
    lines = [f for f in features if f["properties"]["role"] == "proposal"]
    points = [f for f in features if f["properties"]["role"] == "incident"]
    assert len(lines) == 4 and all(f["geometry"]["type"] == "LineString" for f in lines)
    assert len(points) == sum(a["n_incidents"] for a in doc["assessments"])


def test_keep_suspect_marks_the_kept_records(record_path: Path) -> None:
    result = _run("--via", "47.1,37.6;Zaporizhzhya", "--at", "2022-03-25T10:00Z", "-i",
                  str(record_path), "--keep-suspect", "-f", "json", "--top", "50")  # fmt: skip
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    suspects = {i["id"]: i["suspect"] for a in doc["assessments"] for i in a["incidents"]
                if i["suspect"]}  # fmt: skip
    assert "464 records, 462 used" in result.stderr
    assert suspects == {"CIV0480": "contradicts_place"}  # named Poltava, pinned at Mariupol


def test_routed_on_the_network_inside_it_geodesic_outside(
    record_path: Path, tmp_path: Path
) -> None:
    from tests.conftest import BUNDLED_OSM

    inside = _run("--via", "48.4096,15.6080;48.4098,15.6723", "--at", AT, "-i",
                  str(record_path), "--network", str(BUNDLED_OSM), "-f", "json")  # fmt: skip
    assert inside.exit_code == 0, inside.output
    a = json.loads(inside.stdout)["assessments"][0]
    assert a["line"] == "network" and a["exposure"] == 0.0 and a["length_km"] > 4.6
    outside = _run("--via", "Sumy;Poltava", "--at", AT, "-i", str(record_path),
                   "--network", str(BUNDLED_OSM), "-f", "json")  # fmt: skip
    b = json.loads(outside.stdout)["assessments"][0]
    assert b["line"] == "geodesic" and "outside the loaded network" in b["line_note"]


def test_bad_input_is_one_line_and_nothing_written(record_path: Path, tmp_path: Path) -> None:
    out = tmp_path / "never.csv"
    for args in (
        ["--via", "Sumy;Poltava"],  # no --at
        ["--via", "Sumy", "--at", AT],  # one place
        ["--via", "Sumy;Poltava", "--at", "2022-03-08T10:00"],  # no offset
        ["--via", "91,30;Sumy", "--at", AT],  # out of range
        ["--at", AT],  # neither --via nor --batch
    ):
        result = _run(*args, "-i", str(record_path), "-o", str(out))
        assert result.exit_code == 2, (args, result.output)
        assert result.stderr.startswith("error:") and "Traceback" not in result.output
        assert not out.exists()
    params = tmp_path / "p.toml"
    params.write_text("area_radius_km = -3\n")
    bad = _run("--via", "Sumy;Poltava", "--at", AT, "-i", str(record_path), "--params", str(params))
    assert bad.exit_code == 2 and "area_radius_km" in bad.stderr


def test_geojson_batch_with_a_given_line_and_a_via_list(record_path: Path, tmp_path: Path) -> None:
    batch = tmp_path / "batch.geojson"
    batch.write_text(json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "id": "drawn", "properties": {"time": AT},
         "geometry": {"type": "LineString", "coordinates": [[36.25, 49.98], [34.55, 49.59]]}},
        {"type": "Feature", "properties": {"id": "named", "time": AT, "origin": "Kharkiv",
                                           "destination": "Poltava", "via": []}},
        {"type": "Feature", "properties": {"id": "bad", "time": AT, "origin": "Kharkiv"}},
    ]}))  # fmt: skip
    result = _run("--batch", str(batch), "-i", str(record_path), "-f", "json")
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    got = {a["id"]: a for a in doc["assessments"]}
    assert got["drawn"]["line"] == "given" and got["named"]["line"] == "geodesic"
    # a line drawn straight in lon/lat runs up to 0.4 km south of the geodesic between the
    # same cities: nearly the same exposure, from the same incidents
    assert got["drawn"]["exposure"] == pytest.approx(got["named"]["exposure"], rel=0.1)
    drawn = {i["id"] for i in got["drawn"]["incidents"]}
    named = {i["id"] for i in got["named"]["incidents"]}
    assert len(drawn & named) >= 0.9 * len(named)
    assert [u["id"] for u in doc["unresolved"]] == ["bad"]


def test_hazards_import_keep_suspect(record_path: Path, tmp_path: Path) -> None:
    out = tmp_path / "h.geojson"
    result = runner.invoke(app, ["hazards", "import", str(record_path), "-o", str(out),
                                 "--keep-suspect"])  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "contradicts_place 3 (3 kept, marked suspect)" in result.stderr
    features = json.loads(out.read_text())["features"]
    assert len(features) == 462
    marked = sorted(f["id"] for f in features if f["properties"].get("suspect"))
    assert marked == ["CIV0480", "CIV0642", "CIV0811"]
