"""Import: the real Bellingcat file (exact counts), GeoJSON and CSV, every bad-input reason."""

from __future__ import annotations

import csv
import json
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator

from corridor.errors import HazardInputError
from corridor.hazards import (
    REASONS,
    SUSPECT_REASONS,
    HazardKind,
    hazard_schema,
    hazards_to_geojson,
    import_hazards,
    load_hazards,
    write_hazards,
    write_report,
)
from tests.hazards.bad_inputs import bad_bellingcat, bad_csv, bad_geojson
from tests.hazards.conftest import DEMO_HAZARDS


def test_bellingcat_keeps_every_record_with_the_documented_mapping(bellingcat_path: Path) -> None:
    result = import_hazards(bellingcat_path, keep_suspect=True)
    assert result.format == "bellingcat"
    assert result.n_records == 464
    assert len(result.hazards) == 462  # the two lootings are no hazard (reported apart)
    assert result.n_skipped == 0
    assert [p.id for p in result.not_hazards] == ["CIV0059", "CIV0508"]
    assert Counter(h.kind for h in result.hazards) == {
        HazardKind.SHELLING: 416,  # Unknown 323 + none recorded 13 + cluster 56 + HE rocket 15
        HazardKind.ACTIVE_FIGHTING: 29,  # + incendiary 5 + thermobaric 4; small arms 20 + vehicle 9
        HazardKind.MISSILE: 11,  # cruise 9 + ballistic 2
        HazardKind.AIRSTRIKE: 6,
    }
    # 385 with links, 43 whose only source is "HIDDEN", 34 with no source at all
    assert Counter(h.confidence for h in result.hazards) == {0.8: 385, 0.7: 43, 0.5: 34}
    suspect = {h.id: h.extra["suspect"] for h in result.hazards if "suspect" in h.extra}
    assert suspect == dict.fromkeys(["CIV0480", "CIV0642", "CIV0811"], "contradicts_place")


def test_bellingcat_keeps_links_dates_and_irregular_ids(bellingcat_path: Path) -> None:
    records = {r["id"]: r for r in json.loads(bellingcat_path.read_text())}
    hazards = {h.id: h for h in import_hazards(bellingcat_path, keep_suspect=True).hazards}
    assert set(hazards) == set(records) - {"CIV0059", "CIV0508"}
    assert "CIV768" in hazards  # the one id that is not zero-padded
    for hid, h in hazards.items():
        paths = [s["path"].strip() for s in records[hid]["sources"] if s["path"] != "HIDDEN"]
        assert list(h.source_links) == paths
        month, day, year = map(int, records[hid]["date"].split("/"))
        assert h.observed_at == datetime(year, month, day, tzinfo=UTC) == h.valid_from
        assert (h.geometry.x, h.geometry.y) == (
            float(records[hid]["longitude"]),
            float(records[hid]["latitude"]),
        )
    first = hazards["CIV0001"]
    assert first.kind is HazardKind.SHELLING and first.severity == 0.5  # weapon "Unknown"
    assert len(first.source_links) == 12
    assert first.valid_until == first.valid_from + timedelta(hours=60)  # ten 6-hour half-lives
    assert "Chuhuiv" in first.notes


def test_bellingcat_damaged_records_are_each_reported(
    bellingcat_path: Path, tmp_path: Path
) -> None:
    reasons, kept = bad_bellingcat(bellingcat_path, tmp_path / "bc.json")
    result = import_hazards(tmp_path / "bc.json")
    assert result.format == "bellingcat"
    assert len(result.hazards) == kept
    assert result.reasons() == reasons
    assert [p.index for p in result.problems] == [1, 2, 3, 4, 6, 7]
    assert result.unmapped() == {"Laser": 1}  # kept as a generic attack
    assert result.problems[0].id == "CIV0002"


def test_geojson_every_reason_reported_once(tmp_path: Path) -> None:
    path = tmp_path / "bad.geojson"
    reasons = bad_geojson(path)
    # the file exercises every reason there is but those of incident files (tests/assessment)
    assert set(reasons) == set(REASONS) - {*SUSPECT_REASONS, "not_a_hazard"}
    result = import_hazards(path)
    assert [h.id for h in result.hazards] == ["good-1", "good-2"]
    assert result.reasons() == reasons
    assert result.n_records == len(result.hazards) + result.n_skipped
    by_id = {p.id: p for p in result.problems if p.id}
    assert by_id["lat95"].index == 5 and by_id["lat95"].reason == "coordinates_out_of_range"
    assert by_id["naive"].reason == "bad_date" and "UTC offset" in by_id["naive"].detail


def test_csv_rows_with_lines(tmp_path: Path) -> None:
    path = tmp_path / "bad.csv"
    reasons, lines = bad_csv(path)
    result = import_hazards(path)
    assert result.format == "csv"
    assert result.reasons() == reasons
    good = {h.id: h for h in result.hazards}
    assert set(good) == {"c1", "c2"}
    assert good["c1"].source_links == ("https://a.example/1", "https://a.example/2")
    assert good["c1"].radius_m == 200.0
    assert good["c2"].severity == 0.2  # the checkpoint default
    by_id = {p.id: p for p in result.problems if p.id}
    assert {i: by_id[i].line for i in lines} == lines


def test_normalised_output_is_schema_valid_and_round_trips(
    bellingcat_path: Path, tmp_path: Path
) -> None:
    hazards = import_hazards(bellingcat_path).hazards + load_hazards(DEMO_HAZARDS)
    out = tmp_path / "hazards.geojson"
    write_hazards(hazards, out)
    data = json.loads(out.read_text())
    errors = list(Draft202012Validator(hazard_schema()).iter_errors(data))
    assert errors == []
    again = load_hazards(out)
    assert [h.id for h in again] == [h.id for h in hazards]
    assert json.loads(json.dumps(hazards_to_geojson(again))) == data
    for a, b in zip(again, hazards, strict=True):
        assert (a.kind, a.geometry, a.severity, a.confidence) == (
            b.kind, b.geometry, b.severity, b.confidence)  # fmt: skip
        assert (a.observed_at, a.valid_from, a.valid_until) == (
            b.observed_at, b.valid_from, b.valid_until)  # fmt: skip
        assert (a.effective_radius_m, a.effective_closes) == (
            b.effective_radius_m, b.effective_closes)  # fmt: skip
        assert a.source_links == b.source_links


def test_schema_file_is_a_valid_json_schema() -> None:
    Draft202012Validator.check_schema(hazard_schema())


def test_load_hazards_refuses_a_file_with_bad_records(tmp_path: Path) -> None:
    path = tmp_path / "bad.geojson"
    reasons = bad_geojson(path)
    with pytest.raises(HazardInputError) as info:
        load_hazards(path)
    assert len(info.value.problems) == sum(reasons.values())


@pytest.mark.parametrize(
    ("name", "text", "fmt"),
    [
        ("broken.json", "{not json", "auto"),
        ("nolatlon.csv", "id,kind,x,y\na,shelling,1,2\n", "auto"),
        ("object.geojson", '{"type": "Topology"}', "auto"),
        ("object.json", '{"records": []}', "bellingcat"),
    ],
)
def test_unreadable_files_raise_one_error(tmp_path: Path, name: str, text: str, fmt: str) -> None:
    path = tmp_path / name
    path.write_text(text)
    with pytest.raises(HazardInputError) as info:
        import_hazards(path, format=fmt)  # type: ignore[arg-type]
    assert info.value.path == path


def test_report_files(tmp_path: Path) -> None:
    path = tmp_path / "bad.geojson"
    reasons = bad_geojson(path)
    problems = import_hazards(path).problems
    write_report(problems, tmp_path / "r.json")
    write_report(problems, tmp_path / "r.csv")
    as_json = json.loads((tmp_path / "r.json").read_text())
    with (tmp_path / "r.csv").open(newline="") as fh:
        as_csv = list(csv.DictReader(fh))
    assert Counter(r["reason"] for r in as_json) == reasons
    assert Counter(r["reason"] for r in as_csv) == reasons
    assert [int(r["index"]) for r in as_csv] == [r["index"] for r in as_json]


def test_csv_of_the_real_incidents(bellingcat_path: Path, tmp_path: Path) -> None:
    """The Bellingcat rows written as a plain CSV (real ids, points, days, links) import whole."""
    records = json.loads(bellingcat_path.read_text())
    path = tmp_path / "incidents.csv"
    with path.open("w", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["id", "kind", "latitude", "longitude", "observed_at", "source_links"])
        for r in records:
            month, day, year = r["date"].split("/")
            links = "|".join(s["path"].strip() for s in r["sources"] if s["path"] != "HIDDEN")
            when = f"{year}-{int(month):02d}-{int(day):02d}T00:00:00Z"  # some are not padded
            writer.writerow([r["id"], "shelling", r["latitude"], r["longitude"], when, links])
    result = import_hazards(path)
    assert (result.format, result.n_records, len(result.hazards)) == ("csv", 464, 464)
    by_id = {h.id: h for h in result.hazards}
    for r in records:
        h = by_id[r["id"]]
        assert (h.geometry.x, h.geometry.y) == (float(r["longitude"]), float(r["latitude"]))
    assert sum(len(h.source_links) for h in result.hazards) == sum(
        1 for r in records for s in r["sources"] if s["path"] != "HIDDEN"
    )


def test_unknown_properties_are_kept(tmp_path: Path) -> None:
    feature = {"type": "Feature", "geometry": {"type": "Point", "coordinates": [15.6, 48.4]},
               "properties": {"id": "x", "kind": "checkpoint", "operator": "unit 7"}}  # fmt: skip
    src = tmp_path / "in.geojson"
    src.write_text(json.dumps({"type": "FeatureCollection", "features": [feature]}))
    out = tmp_path / "out.geojson"
    write_hazards(load_hazards(src), out)
    props = json.loads(out.read_text())["features"][0]["properties"]
    assert props["operator"] == "unit 7"
    assert props["closes"] is False and props["radius_m"] == 100.0  # checkpoint defaults
