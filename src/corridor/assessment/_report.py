"""Assessment output: a Rich table for people, CSV/JSON/GeoJSON for tools."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

from rich.table import Table

from corridor.assessment._assess import WORDING, Assessment, BatchResult

CSV_COLUMNS = (
    "id", "at", "places", "line", "length_km", "exposure", "exposure_per_100km", "risk_index",
    "rank", "percentile", "n_incidents", "top_incidents",
)  # fmt: skip


def _places(a: Assessment) -> str:
    return " - ".join(p.name for p in a.proposal.places)


def _top(a: Assessment, n: int) -> str:
    return "; ".join(f"{i.id} ({i.date}, {i.distance_km:.1f} km)" for i in a.incidents[:n])


def table(result: BatchResult, *, top: int = 3) -> Table:
    """One row per proposal, most exposed first, and under it its ``top`` incidents."""
    t = Table(title="Exposure to recorded violence (not a probability of failure)",
              caption=WORDING, show_lines=True)  # fmt: skip
    t.add_column("rank", justify="right")
    t.add_column("proposal", overflow="fold")
    t.add_column("line", overflow="fold")
    t.add_column("exposure", justify="right")
    t.add_column("risk index", justify="right")
    t.add_column("pct", justify="right")
    t.add_column("incidents (date, km from line)", overflow="fold")
    for a in sorted(result.assessments, key=lambda a: (a.rank, a.proposal.id)):
        shown = [f"{i.id} {i.date} {i.distance_km:.1f} km {i.kind}" for i in a.incidents[:top]]
        more = len(a.incidents) - len(shown)
        if more > 0:
            shown.append(f"+{more} more")
        t.add_row(
            str(a.rank),
            f"{a.proposal.id}\n{_places(a)}\n{a.proposal.at.strftime('%Y-%m-%d %H:%M')} UTC",
            f"{a.line.method}\n{a.line.length_km:.0f} km",
            f"{a.exposure:.3f}\n{a.exposure_per_100km:.3f}/100 km",
            f"{a.risk:.3f}",
            f"{a.percentile:.0f}",
            "\n".join(shown) or "none",
        )
    return t


def to_csv(result: BatchResult, *, top: int = 5) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for a in result.assessments:
        d = a.as_dict()
        writer.writerow([
            d["id"], d["at"], _places(a), d["line"], d["length_km"], d["exposure"],
            d["exposure_per_100km"], d["risk_index"], d["rank"], d["percentile"],
            d["n_incidents"], _top(a, top),
        ])  # fmt: skip
    return buf.getvalue()


def to_json(result: BatchResult, *, max_incidents: int | None = None) -> str:
    return json.dumps(result.as_dict(max_incidents=max_incidents), ensure_ascii=False,
                      indent=1) + "\n"  # fmt: skip


def to_geojson(result: BatchResult, *, max_incidents: int | None = None) -> dict[str, Any]:
    """A LineString per proposal (its figures in properties) and a Point per contributing
    incident (its id, date, kind, distance and links), tagged with the proposal's id."""
    features: list[dict[str, Any]] = []
    for a in result.assessments:
        props = a.as_dict(max_incidents=max_incidents)
        shown = props.pop("incidents")
        features.append({
            "type": "Feature", "id": a.proposal.id,
            "geometry": {"type": "LineString",
                         "coordinates": [[round(float(x), 6), round(float(y), 6)]
                                         for x, y in zip(a.line.lon, a.line.lat, strict=True)]},
            "properties": {"role": "proposal", "meaning": WORDING, **props},
        })  # fmt: skip
        for inc, d in zip(a.incidents, shown, strict=False):
            features.append({
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [inc.lon, inc.lat]},
                "properties": {"role": "incident", "proposal": a.proposal.id, **d},
            })  # fmt: skip
    return {"type": "FeatureCollection", "features": features}


def to_geojson_text(result: BatchResult, *, max_incidents: int | None = None) -> str:
    return json.dumps(to_geojson(result, max_incidents=max_incidents), ensure_ascii=False) + "\n"
