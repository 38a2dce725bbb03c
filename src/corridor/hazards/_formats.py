"""Readers that turn GeoJSON and CSV files into raw records for validation."""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Mapping
from typing import Any

from corridor.hazards._records import RawRecord

_CSV_ALIASES = {"latitude": "lat", "longitude": "lon", "lng": "lon", "buffer_m": "radius_m"}
_CSV_NUMBERS = ("severity", "confidence", "radius_m", "half_life_h")
_BOOLS = {"true": True, "false": False, "1": True, "0": False, "yes": True, "no": False}


def records_from_geojson(data: Any) -> list[RawRecord]:
    """Records of a FeatureCollection, a single Feature or a bare list of features."""
    if isinstance(data, Mapping) and data.get("type") == "FeatureCollection":
        features = data.get("features")
    elif isinstance(data, Mapping) and data.get("type") == "Feature":
        features = [data]
    else:
        features = data
    if not isinstance(features, list):
        raise ValueError("expected a GeoJSON FeatureCollection, Feature or a list of features")
    out = []
    for i, f in enumerate(features):
        if not isinstance(f, Mapping) or f.get("type") != "Feature":
            out.append(RawRecord(i, None, problem=("unreadable", "not a GeoJSON Feature object")))
            continue
        out.append(RawRecord(i, f))
    return out


def _number(text: str) -> float | str:
    try:
        value = float(text)
    except ValueError:
        return text  # left as text so that the schema names the field
    return value if math.isfinite(value) else text


def records_from_csv(text: str) -> list[RawRecord]:
    """Records of a CSV with a header; lat/lon columns (or latitude/longitude) make a point.

    Empty cells are absent values; ``source_links`` holds URLs separated by spaces or ``|``;
    ``closes`` is true/false.
    """
    reader = csv.DictReader(io.StringIO(text, newline=""))
    if reader.fieldnames is None:
        raise ValueError("the CSV file is empty")
    header = [_CSV_ALIASES.get(h.strip().lower(), h.strip().lower()) for h in reader.fieldnames]
    if "lat" not in header or "lon" not in header:
        raise ValueError(f"the CSV header has no lat and lon columns: {', '.join(header)}")
    reader.fieldnames = header
    out = []
    for i, row in enumerate(reader):
        line = reader.line_num
        if None in row:
            out.append(
                RawRecord(
                    i,
                    None,
                    id=row.get("id") or None,
                    line=line,
                    problem=("unreadable", "more cells than header columns"),
                )
            )
            continue
        cells = {k: (v or "").strip() for k, v in row.items()}
        props: dict[str, Any] = {}
        for key, value in cells.items():
            if key in ("lat", "lon") or value == "":
                continue
            if key in _CSV_NUMBERS:
                props[key] = _number(value)
            elif key == "source_links":
                props[key] = value.replace("|", " ").split()
            elif key == "closes":
                props[key] = _BOOLS.get(value.lower(), value)
            else:
                props[key] = value
        coords: list[Any] = []
        for key in ("lon", "lat"):
            value = _number(cells.get(key, ""))
            coords.append(value if isinstance(value, float) else None)
        bad = [f"{k} {cells[k]!r} is not a number" for k in ("lat", "lon")
               if cells.get(k) and not isinstance(_number(cells[k]), float)]  # fmt: skip
        if bad:
            out.append(RawRecord(i, None, id=props.get("id"), line=line,
                                 problem=("missing_coordinates", "; ".join(bad))))  # fmt: skip
            continue
        geometry = {"type": "Point", "coordinates": coords}
        feature = {"type": "Feature", "geometry": geometry, "properties": props}
        out.append(RawRecord(i, feature, id=props.get("id"), line=line))
    return out
