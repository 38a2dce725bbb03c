"""The incident importer on the shared 2022 record and on damaged copies made here: every
damage is reported under its reason with the exact count, and nothing is dropped quietly."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

from corridor.hazards import HazardKind, import_hazards

# records the real file already flags: 3 positions far from the place they name (kept out by
# default) and 2 lootings with no attack (no hazard)
CONTRADICTING = ("CIV0480", "CIV0642", "CIV0811")
LOOTINGS = ("CIV0059", "CIV0508")


def _write(tmp_path: Path, records: list[Any]) -> Path:
    path = tmp_path / "damaged.json"
    path.write_text(json.dumps(records), encoding="utf-8")
    return path


def _plain(records: list[dict[str, Any]], n: int, *, start: int = 0) -> list[int]:
    """Indices of ``n`` ordinary records (none of the special ones), from ``start`` on."""
    special = {*CONTRADICTING, *LOOTINGS}
    return [i for i, r in enumerate(records) if i >= start and r["id"] not in special][:n]


def test_the_real_record_as_found(incidents_2022: Any) -> None:
    result = incidents_2022
    assert (result.n_records, len(result.hazards)) == (464, 459)
    assert result.reasons() == {"contradicts_place": 3}
    assert sorted(p.id for p in result.problems) == sorted(CONTRADICTING)
    assert [p.id for p in result.not_hazards] == list(LOOTINGS)
    assert result.warnings == []  # every weapon value is mapped, every link has a scheme
    detail = {p.id: p.detail for p in result.problems}
    assert "359 km from Poltava" in detail["CIV0480"]  # a record named Poltava, pinned at Mariupol


def test_renamed_categories_are_kept_as_generic_attacks_and_counted(
    records: list[dict[str, Any]], gazetteer: Any, tmp_path: Path
) -> None:
    renamed, rekeyed = 0, Counter[bool]()
    for r in records:
        for f in r["filters"]:
            if f["value"] == "Cluster munitions":
                f["value"] = "Cluster munition (DPICM)"
                renamed += 1
            if f["key"] == "Type of area affected" and f["value"] == "Residential":
                f["key"] = "Area type"  # a renamed key: its values are no longer understood
                rekeyed[r["id"] in LOOTINGS] += 1
    assert renamed == 56  # the data README's counts
    assert rekeyed == {False: 199, True: 1}  # one looting was in a residential area
    result = import_hazards(_write(tmp_path, records), gazetteer=gazetteer, keep_suspect=True)
    assert len(result.hazards) == 462  # nothing dropped but the two lootings
    assert result.unmapped() == {"Cluster munition (DPICM)": 56, "Area type: Residential": 199}
    attacks = [h for h in result.hazards if h.kind is HazardKind.ATTACK]
    assert len(attacks) == 56
    assert {h.severity for h in attacks} == {0.9}  # the conservative default, not the 0.8 mapped
    assert all(h.effective_radius_m == 1000.0 for h in attacks)


def test_damaged_positions_are_flagged_by_reason(
    records: list[dict[str, Any]], gazetteer: Any, tmp_path: Path
) -> None:
    shifted = _plain(records, 5, start=100)
    for i in shifted:
        records[i]["latitude"] = str(float(records[i]["latitude"]) + 10.0)  # into Belarus/Russia
    zeroed = _plain(records, 2, start=200)
    for i in zeroed:
        records[i]["latitude"], records[i]["longitude"] = "0", "0.0"
    moved = next(i for i in _plain(records, 400, start=300) if records[i]["location"] == "Kharkiv")
    records[moved]["latitude"], records[moved]["longitude"] = "46.4857", "30.7438"  # to Odesa
    path = _write(tmp_path, records)

    result = import_hazards(path, gazetteer=gazetteer)
    assert result.reasons() == {"outside_region": 5, "null_island": 2, "contradicts_place": 4}
    by_reason: dict[str, set[int]] = {}
    for p in result.problems:
        by_reason.setdefault(p.reason, set()).add(p.index)
    assert by_reason["outside_region"] == set(shifted)
    assert by_reason["null_island"] == set(zeroed)
    assert moved in by_reason["contradicts_place"]
    assert len(result.hazards) == 464 - 11 - 2

    kept = import_hazards(path, gazetteer=gazetteer, keep_suspect=True)
    assert kept.problems == []
    marks = Counter(h.extra["suspect"] for h in kept.hazards if "suspect" in h.extra)
    assert marks == {"outside_region": 5, "null_island": 2, "contradicts_place": 4}
    assert len(kept.hazards) == 462
    assert Counter(p.reason for p in kept.suspects()) == marks


def test_missing_fields_links_duplicates_and_non_hazards(
    records: list[dict[str, Any]], gazetteer: Any, tmp_path: Path
) -> None:
    plain = _plain(records, 30, start=10)
    for i in plain[0:3]:
        del records[i]["latitude"]
    for i in plain[3:5]:
        del records[i]["date"]
    del records[plain[5]]["id"]
    for i in plain[6:10]:
        del records[i]["filters"]  # no weapon: read as Unknown, kept
    no_scheme = 0
    for i in plain[10:14]:
        for s in records[i]["sources"]:
            if s["path"].startswith("https://"):
                s["path"] = s["path"][len("https://") :]
                no_scheme += 1
    first, second = plain[14], plain[15]
    records[second]["id"] = records[first]["id"]
    for i in plain[16:18]:
        records[i]["filters"] = [{"key": "Type of incident", "value": "Interview"}]
    records[plain[18]]["filters"] = [
        {"key": "Type of incident", "value": "Abuse"},
        {"key": "Weapon System", "value": "Small arms"},
    ]  # abuse *with* an attack stays a hazard
    path = _write(tmp_path, records)

    result = import_hazards(path, gazetteer=gazetteer)
    assert result.reasons() == {
        "missing_coordinates": 3, "bad_date": 2, "missing_id": 1, "duplicate_id": 1,
        "contradicts_place": 3,
    }  # fmt: skip
    assert sorted(p.id or "" for p in result.not_hazards) == sorted(
        [*LOOTINGS, records[plain[16]]["id"], records[plain[17]]["id"]]
    )
    dup = next(p for p in result.problems if p.reason == "duplicate_id")
    assert dup.index == second and f"record {first}" in dup.detail  # both rows named
    assert result.warning_reasons() == {"link_normalised": no_scheme, "unmapped_category": 1}
    hazards = {h.id: h for h in result.hazards}
    original = json.loads(path.read_text())  # the damaged file: links without a scheme
    for i in plain[10:14]:
        links = hazards[original[i]["id"]].source_links
        assert all(link.startswith("https://") for link in links)
        assert len(links) == len([s for s in original[i]["sources"] if s["path"] != "HIDDEN"])
    for i in plain[6:10]:
        assert hazards[original[i]["id"]].kind is HazardKind.SHELLING  # Unknown: the default
    assert hazards[original[plain[18]]["id"]].kind is HazardKind.ACTIVE_FIGHTING
    assert len(result.hazards) == 464 - 10 - 4
