"""Inputs the fuzzers found (tests/fuzz/run.py), each now a clear error or a reported record.

Each test failed before its fix with a TypeError or ValueError escaping the reader (a
traceback and exit 1 in the CLI, a 500 from the API).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from corridor.audit import export_lines, read_export
from corridor.errors import InputError
from corridor.hazards import import_hazards
from tests.fuzz._targets import _audit_seeds, _bundle_seeds, _incident_seeds

REPO = Path(__file__).resolve().parents[2]
DEMO = REPO / "data" / "demo" / "krems-hazards.geojson"


def test_geojson_feature_whose_properties_are_not_an_object_is_skipped(tmp_path: Path) -> None:
    """hazards_geojson crash: ``"properties": 0.5`` -> TypeError: 'float' object is not iterable."""
    doc = json.loads(DEMO.read_text())
    doc["features"][2]["properties"] = 0.5
    doc["features"][3]["properties"] = ["shelling"]
    doc["features"].append(7)  # a feature that is not an object at all
    path = tmp_path / "damaged.geojson"
    path.write_text(json.dumps(doc))
    result = import_hazards(path)
    assert result.n_records == 9
    assert len(result.hazards) == 6
    assert sorted(p.index for p in result.problems) == [2, 3, 8]
    assert {p.reason for p in result.problems} == {"unreadable"}


@pytest.mark.parametrize("field", ["sources", "filters"])
def test_bellingcat_record_with_scalar_sources_or_filters_still_imports(
    tmp_path: Path, field: str
) -> None:
    """hazards_incidents crash: ``"sources": 1.5`` -> TypeError: 'float' object is not iterable."""
    records = json.loads(_incident_seeds()[0])
    records[0][field] = 1.5
    path = tmp_path / "incidents.json"
    path.write_text(json.dumps(records))
    result = import_hazards(path, format="bellingcat")
    assert result.n_records == len(records)
    first = next(h for h in result.hazards if h.id == str(records[0]["id"]))
    if field == "sources":
        assert list(first.source_links) == []


@pytest.mark.parametrize("seq", ["9999-12-31T23:59:59-14:00", 1.5, True, -1, None])
def test_audit_export_head_line_with_a_bad_count_is_an_input_error(seq: object) -> None:
    """audit_export crash: ``"head_seq": "9999-..."`` -> ValueError from int()."""
    lines = _audit_seeds()[0].decode().splitlines()
    head = json.loads(lines[-1])
    head["head_seq"] = seq
    lines[-1] = json.dumps(head)
    with pytest.raises(InputError) as caught:
        read_export(lines)
    assert caught.value.line == len(lines)
    assert "head_seq" in str(caught.value)


def test_audit_export_seed_reads_back() -> None:
    """The seed itself is a valid export (else the fuzzer would start from junk)."""
    entries, head = read_export(_audit_seeds()[0].decode().splitlines())
    assert head[0] == len(entries) == 3
    assert list(export_lines(entries))[-1] == _audit_seeds()[0].decode().splitlines()[-1]


@pytest.mark.parametrize("when", ["9999-12-31T23:59:59-14:00", "0001-01-01T00:00:00+14:00"])
def test_hazard_time_beyond_the_calendar_in_utc_is_a_bad_date(tmp_path: Path, when: str) -> None:
    """hazards_geojson crash: a valid_until that is in the year 10000 (or 0) once in UTC ->
    OverflowError from astimezone; now that record is skipped as bad_date."""
    doc = json.loads(DEMO.read_text())
    doc["features"][1]["properties"]["valid_until"] = when
    path = tmp_path / "edge.geojson"
    path.write_text(json.dumps(doc))
    result = import_hazards(path)
    assert [(p.index, p.reason) for p in result.problems] == [(1, "bad_date")]
    assert len(result.hazards) == len(doc["features"]) - 1


def test_bellingcat_filter_with_a_list_as_key_is_ignored(tmp_path: Path) -> None:
    """hazards_incidents crash: ``{"key": [...]}`` in filters -> TypeError: unhashable type."""
    records = json.loads(_incident_seeds()[0])
    records[0]["filters"] = [{"key": ["Weapon System"], "value": "x"}, *records[0]["filters"]]
    path = tmp_path / "incidents.json"
    path.write_text(json.dumps(records))
    result = import_hazards(path, format="bellingcat")
    assert result.n_records == len(records)
    assert str(records[0]["id"]) in {h.id for h in result.hazards}


@pytest.mark.parametrize(
    ("field", "value"),
    [("at_utc", "0001-01-01T00:00:00+14:00"), ("at_utc", "9999-12-31T23:59:59-14:00"),
     ("seq", 1e400)],
)  # fmt: skip
def test_audit_entry_beyond_the_calendar_or_a_huge_seq_is_an_input_error(
    field: str, value: object
) -> None:
    """audit_export crash: an entry's at_utc in the year 0 once in UTC -> OverflowError from
    astimezone (and int(inf) for a seq of 1e400); now the line is named as malformed."""
    lines = _audit_seeds()[0].decode().splitlines()
    entry = json.loads(lines[1])
    entry[field] = value
    lines[1] = json.dumps(entry)
    with pytest.raises(InputError) as caught:
        read_export(lines)
    assert caught.value.line == 2


@pytest.mark.parametrize("field", ["prev_hash", "entry_hash", "payload_digest"])
@pytest.mark.parametrize("value", ["\ud800", "é" * 64, "AB" * 32])
def test_audit_entry_hash_that_is_not_hex_is_an_input_error(field: str, value: str) -> None:
    """audit_export crash: a prev_hash with a lone surrogate or any non-ASCII character made
    hashing raise UnicodeEncodeError (``prev_hash.encode("ascii")``); now the field is named."""
    lines = _audit_seeds()[0].decode().splitlines()
    entry = json.loads(lines[1])
    entry[field] = value
    lines[1] = json.dumps(entry)
    with pytest.raises(InputError) as caught:
        read_export(lines)
    assert caught.value.line == 2 and caught.value.field == field


@pytest.mark.parametrize("when", ["0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-14:00"])
@pytest.mark.parametrize("edge", ["start_utc", "end_utc"])
def test_bundle_window_beyond_the_calendar_in_utc_is_a_reported_problem(
    tmp_path: Path, edge: str, when: str
) -> None:
    """bundle crash: a window time with no UTC equivalent raised OverflowError from the terms
    model's astimezone; windows now use the one checked time type (corridor._times), and the
    bundle is reported as not verifying, naming the field."""
    from corridor.agreements import read_bundle, verify_bundle

    bundle = json.loads(_bundle_seeds()[0])
    bundle["terms"]["windows"][0][edge] = when
    path = tmp_path / "b.json"
    path.write_text(json.dumps(bundle))
    report = verify_bundle(read_bundle(path))
    assert report.digest is None and report.statuses == []
    assert any(f"windows[0].{edge}" in p and "UTC" in p for p in report.problems), report


# Found by the `terms` fuzz target: YAML 1.1 reads a key `on:` as the boolean true, and the
# "unknown field" message sorted the file's keys together with it (TypeError). The same shape
# in plan and scenario files.
@pytest.mark.parametrize("key", ["on", "yes", "1"])
def test_a_yaml_key_that_is_not_text_is_named_as_an_unknown_field(tmp_path: Path, key: str) -> None:
    from corridor.agreements import terms_from_file
    from corridor.ensembles import load_scenario
    from corridor.errors import PlanError, ScenarioError, TermsError
    from corridor.planning import load_plan

    for loader, error in ((terms_from_file, TermsError), (load_plan, PlanError),
                          (load_scenario, ScenarioError)):  # fmt: skip
        path = tmp_path / "file.yaml"
        path.write_text(f"title: x\nextra_field: 1\n{key}: 1\n", encoding="utf-8")
        with pytest.raises(error) as raised:
            loader(path)
        assert "unknown field" in str(raised.value)
