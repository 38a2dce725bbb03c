"""Bellingcat civilian-harm records (JSON array) -> raw hazard records, with a documented mapping.

Each record is a geolocated incident on a day. It becomes a point hazard of the kind its weapon
system suggests, observed at 00:00 UTC that day (the time of day is not recorded), valid for ten
half-lives of its kind and keeping every source URL. See docs/risk-model.md for the table.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from corridor.hazards._kinds import KIND_DEFAULTS, HazardKind
from corridor.hazards._records import RawRecord, format_time

SOURCE = "Bellingcat civilian harm in Ukraine"

# Weapon System -> (kind, severity). Severity grows with blast and area effect; small arms and
# vehicle weapons mean ground fighting nearby rather than a strike from afar.
WEAPON_MAP: dict[str, tuple[HazardKind, float]] = {
    "Ballistic missile": (HazardKind.MISSILE, 0.9),
    "Cruise missile": (HazardKind.MISSILE, 0.8),
    "Air strike": (HazardKind.AIRSTRIKE, 0.8),
    "Thermobaric munition": (HazardKind.SHELLING, 0.9),
    "Cluster munitions": (HazardKind.SHELLING, 0.8),
    "HE rocket artillery": (HazardKind.SHELLING, 0.7),
    "Incendiary munitions": (HazardKind.SHELLING, 0.6),
    "Vehicle mounted weapon": (HazardKind.ACTIVE_FIGHTING, 0.5),
    "Small arms": (HazardKind.ACTIVE_FIGHTING, 0.4),
    "Unknown": (HazardKind.SHELLING, 0.5),
}
# A record without any Weapon System value is read as "Unknown" (13 records in the 2022-05-24
# snapshot); the note says so.
CONFIDENCE_WITH_SOURCES = 0.8  # geolocated by Bellingcat and backed by at least one link
CONFIDENCE_HIDDEN_SOURCES = 0.7  # geolocated; Bellingcat withholds the source ("HIDDEN")
CONFIDENCE_WITHOUT_SOURCES = 0.5  # geolocated, but no source at all to check it against
HIDDEN = "HIDDEN"  # the path Bellingcat gives a withheld source (43 records in the snapshot)


def looks_like_bellingcat(data: Any) -> bool:
    return (
        isinstance(data, list)
        and bool(data)
        and isinstance(data[0], Mapping)
        and {"latitude", "longitude", "date"} <= set(data[0])
    )


def _coordinate(value: Any) -> float | None:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


def _record(index: int, rec: Any) -> RawRecord:  # noqa: PLR0911 (one return per defect)
    if not isinstance(rec, Mapping):
        return RawRecord(index, None, problem=("unreadable", "record is not a JSON object"))
    rid = rec.get("id")
    rid = str(rid).strip() if rid not in (None, "") else None

    def problem(reason: str, detail: str) -> RawRecord:
        return RawRecord(index, None, id=rid, problem=(reason, detail))

    if rid is None:
        return problem("missing_id", "record has no id")
    lat, lon = _coordinate(rec.get("latitude")), _coordinate(rec.get("longitude"))
    if lat is None or lon is None:
        coords = (rec.get("latitude"), rec.get("longitude"))
        return problem("missing_coordinates", f"latitude/longitude {coords!r} are not numbers")
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        return problem("coordinates_out_of_range", f"latitude {lat}, longitude {lon}")
    try:
        day = datetime.strptime(str(rec.get("date", "")), "%m/%d/%Y").replace(tzinfo=UTC)
    except ValueError:
        return problem("bad_date", f"date {rec.get('date')!r} is not MM/DD/YYYY")
    given_filters, given_sources = rec.get("filters"), rec.get("sources")
    filters: list[Any] = given_filters if isinstance(given_filters, list) else []
    values = {"Weapon System": [], "Type of area affected": []}  # type: dict[str, list[str]]
    for f in filters:
        if isinstance(f, Mapping) and isinstance(f.get("key"), str) and f["key"] in values:
            values[str(f["key"])].append(str(f.get("value", "")).strip())
    weapons = values["Weapon System"] or ["Unknown"]
    unknown = [w for w in weapons if w not in WEAPON_MAP]
    if unknown:
        return problem("unknown_kind", f"weapon system {unknown[0]!r} has no mapping to a kind")
    kind, severity = max((WEAPON_MAP[w] for w in weapons), key=lambda ks: ks[1])
    sources: list[Any] = given_sources if isinstance(given_sources, list) else []
    paths = [str(s["path"]).strip() for s in sources
             if isinstance(s, Mapping) and s.get("path")]  # fmt: skip
    links = [p for p in paths if p != HIDDEN]
    hidden = len(paths) - len(links)
    lifetime_h = KIND_DEFAULTS[kind].lifetime_h
    until = None if lifetime_h is None else day + timedelta(hours=lifetime_h)
    notes = [str(rec.get("location") or "").strip(), str(rec.get("description") or "").strip()]
    notes.append("weapon: " + (", ".join(values["Weapon System"]) or "not recorded"))
    if values["Type of area affected"]:
        notes.append("area: " + ", ".join(values["Type of area affected"]))
    if hidden:
        notes.append(f"{hidden} source(s) withheld by Bellingcat")
    if links:
        confidence = CONFIDENCE_WITH_SOURCES
    else:
        confidence = CONFIDENCE_HIDDEN_SOURCES if hidden else CONFIDENCE_WITHOUT_SOURCES
    props = {
        "id": rid,
        "kind": kind.value,
        "severity": severity,
        "confidence": confidence,
        "observed_at": format_time(day),
        "valid_from": format_time(day),
        "valid_until": format_time(until),
        "source": SOURCE,
        "notes": " | ".join(n for n in notes if n),
        "source_links": links,
    }
    feature = {"type": "Feature", "geometry": {"type": "Point", "coordinates": [lon, lat]},
               "properties": props}  # fmt: skip
    return RawRecord(index, feature, id=rid)


def records_from_bellingcat(data: Any) -> list[RawRecord]:
    """Raw records of a Bellingcat civilian-harm JSON array (see the data README for fields)."""
    if not isinstance(data, list):
        raise ValueError("expected a JSON array of Bellingcat records")
    return [_record(i, rec) for i, rec in enumerate(data)]
