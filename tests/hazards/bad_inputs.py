"""Hand-made bad hazard files: one record per reason, with the counts each must produce."""

from __future__ import annotations

import copy
import json
from collections import Counter
from pathlib import Path
from typing import Any


def _feature(fid: str | None, lon: Any = 15.6, lat: Any = 48.41, **props: Any) -> dict[str, Any]:
    p = {"kind": "shelling", "severity": 0.5, "confidence": 0.5,
         "valid_from": "2022-03-08T08:00:00Z", "valid_until": "2022-03-09T08:00:00Z"}  # fmt: skip
    if fid is not None:
        p["id"] = fid
    p.update(props)
    return {"type": "Feature", "geometry": {"type": "Point", "coordinates": [lon, lat]},
            "properties": p}  # fmt: skip


def bad_geojson(path: Path) -> Counter[str]:
    """Write a FeatureCollection with 2 good features and one bad feature per reason."""
    bowtie = [[[15.60, 48.40], [15.61, 48.41], [15.61, 48.40], [15.60, 48.41], [15.60, 48.40]]]
    features: list[Any] = [
        _feature("good-1"),
        _feature("good-2", kind="no_go_zone", radius_m=0),
        _feature(None),  # missing_id
        {"type": "Feature", "geometry": None, "properties": {"id": "nogeom", "kind": "mines"}},
        _feature("short", lon=None),  # missing_coordinates
        _feature("lat95", lat=95.0),  # coordinates_out_of_range
        _feature("lon-181", lon=-181.0),  # coordinates_out_of_range
        {"type": "Feature", "geometry": {"type": "GeometryCollection", "geometries": []},
         "properties": {"id": "gc", "kind": "shelling"}},  # bad_geometry
        {"type": "Feature", "geometry": {"type": "Polygon", "coordinates": bowtie},
         "properties": {"id": "bowtie", "kind": "no_go_zone"}},  # bad_geometry
        {"type": "Feature", "geometry": {"type": "LineString",  # 2D and 3D positions mixed
                                         "coordinates": [[15.60, 48.40], [15.61, 48.41, 300]]},
         "properties": {"id": "mixed-dims", "kind": "shelling"}},  # bad_geometry
        _feature("volcano", kind="volcano"),  # unknown_kind
        _feature("sev", severity=1.5),  # severity_out_of_range
        _feature("conf", confidence=-0.2),  # confidence_out_of_range
        _feature("month13", valid_from="2022-13-45T10:00:00Z"),  # bad_date
        _feature("naive", observed_at="2022-03-08T10:00:00"),  # bad_date: no UTC offset
        _feature("backwards", valid_from="2022-03-09T08:00:00Z",
                 valid_until="2022-03-08T08:00:00Z"),  # invalid_interval
        _feature("radius", radius_m=-3),  # invalid_field
        _feature("good-1"),  # duplicate_id
        "not a feature",  # unreadable
    ]  # fmt: skip
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}))
    return Counter(
        missing_id=1, missing_coordinates=2, coordinates_out_of_range=2, bad_geometry=3,
        unknown_kind=1, severity_out_of_range=1, confidence_out_of_range=1, bad_date=2,
        invalid_interval=1, invalid_field=1, duplicate_id=1, unreadable=1,
    )  # fmt: skip


CSV_HEADER = "id,kind,lat,lon,radius_m,severity,confidence,valid_from,valid_until,source_links\n"


def bad_csv(path: Path) -> tuple[Counter[str], dict[str, int]]:
    """Write a CSV with 2 good rows and one bad row per reason; returns reasons and lines."""
    rows = [
        "c1,shelling,48.41,15.60,200,0.5,0.5,2022-03-08T08:00Z,,https://a.example/1 https://a.example/2",
        "c2,checkpoint,48.40,15.62,,,,,,",
        "c3,shelling,,15.60,,0.5,0.5,,,",  # missing_coordinates (empty lat)
        "c4,shelling,abc,15.60,,0.5,0.5,,,",  # missing_coordinates (not a number)
        "c5,shelling,48.41,200,,0.5,0.5,,,",  # coordinates_out_of_range
        "c6,tsunami,48.41,15.60,,0.5,0.5,,,",  # unknown_kind
        "c7,shelling,48.41,15.60,,2,0.5,,,",  # severity_out_of_range
        "c8,shelling,48.41,15.60,,high,0.5,,,",  # severity_out_of_range (not a number)
        "c9,shelling,48.41,15.60,,0.5,0.5,08/03/2022,,",  # bad_date
        "c10,shelling,48.41,15.60,,0.5,0.5,2022-03-09T00:00Z,2022-03-08T00:00Z,",  # interval
        "c1,shelling,48.41,15.60,,0.5,0.5,,,",  # duplicate_id
        ",shelling,48.41,15.60,,0.5,0.5,,,",  # missing_id
        "c13,shelling,48.41,15.60,,0.5,0.5,,,,extra",  # unreadable: more cells than columns
    ]  # fmt: skip
    path.write_text(CSV_HEADER + "\n".join(rows) + "\n")
    reasons = Counter(
        missing_coordinates=2, coordinates_out_of_range=1, unknown_kind=1,
        severity_out_of_range=2, bad_date=1, invalid_interval=1, duplicate_id=1, missing_id=1,
        unreadable=1,
    )  # fmt: skip
    return reasons, {"c9": 10, "c13": 14}


def bad_bellingcat(source: Path, path: Path) -> tuple[Counter[str], int]:
    """Write 12 real Bellingcat records, 7 of them damaged (6 beyond use; the unmapped weapon is
    kept as a generic attack); returns reasons and the kept count."""
    records: list[Any] = copy.deepcopy(json.loads(source.read_text())[:12])
    records[1]["date"] = "13/45/2022"  # bad_date
    records[2]["latitude"] = ""  # missing_coordinates
    records[3]["longitude"] = "200.5"  # coordinates_out_of_range
    records[4]["id"] = records[0]["id"]  # duplicate_id
    records[5]["filters"] = [{"key": "Weapon System", "value": "Laser"}]  # kept, a warning
    records[6] = ["not", "a", "record"]  # unreadable
    del records[7]["id"]  # missing_id
    path.write_text(json.dumps(records))
    reasons = Counter(
        bad_date=1, missing_coordinates=1, coordinates_out_of_range=1, duplicate_id=1,
        unreadable=1, missing_id=1,
    )  # fmt: skip
    return reasons, 6
