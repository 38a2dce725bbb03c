"""Bellingcat civilian-harm records (JSON array) -> raw hazard records, with a documented mapping.

Each record is a geolocated incident on a day. It becomes a point hazard of the kind its weapon
system suggests, observed at 00:00 UTC that day (the time of day is not recorded), valid for ten
half-lives of its kind and keeping every source URL. See docs/risk-model.md for the table.

Files made by others change their vocabulary and carry errors, so nothing is dropped quietly:
a weapon or category with no mapping becomes a generic ``attack`` (conservative defaults) with
a warning naming the value; a source link without a scheme (``t.me/...``) gets ``https://``;
a record that says it is no attack (an interview, abuse or looting without a weapon) is
reported as ``not_a_hazard``; positions at (0, 0), outside the file's region or far from the
place the record names are flagged (``_suspect``).
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from corridor.hazards._kinds import KIND_DEFAULTS, HazardKind
from corridor.hazards._places import Gazetteer
from corridor.hazards._records import RawRecord
from corridor.hazards._suspect import SuspectChecks, flag_suspects
from corridor.hazards._values import format_time

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
UNMAPPED = (HazardKind.ATTACK, KIND_DEFAULTS[HazardKind.ATTACK].severity)
WEAPON_KEYS = ("Weapon System", "Weapon system", "Weapon", "Weapons")
AREA_KEYS = ("Type of area affected", "Area affected", "Area")
# Values (any filter key) by which a record says it is not an attack at all.
NON_HAZARD_VALUES = frozenset({
    "interview", "testimony", "witness statement", "abuse", "detention", "abduction",
    "looting", "torture", "no attack", "non-kinetic", "not an attack", "none",
})  # fmt: skip
# Without a weapon, a description that reports only these is not an attack either.
_NON_HAZARD_TEXT = re.compile(r"\b(loot\w*|interview\w*|testimon\w*)", re.IGNORECASE)
_ATTACK_TEXT = re.compile(
    r"\b(shell\w*|strik\w*|missile|rocket|artiller\w*|bomb\w*|explo\w*|shot|shoot\w*|fire|"
    r"fired|munition\w*|mine|mines|attack\w*|hit|killed|wounded|destroy\w*|damag\w*)\b",
    re.IGNORECASE,
)
_HOST = re.compile(r"^(www\.)?[a-z0-9-]+(\.[a-z0-9-]+)*\.[a-z]{2,}(/|$)", re.IGNORECASE)
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


def normalise_link(path: str) -> str:
    """A source link as a URL: ``t.me/x/1`` and ``www.x.org/a`` get ``https://``; anything else
    (a URL, or text that is no host) is kept as given."""
    path = path.strip()
    if "://" not in path and _HOST.match(path):
        return "https://" + path
    return path


def _filter_values(filters: Any) -> dict[str, list[str]]:
    values: dict[str, list[str]] = {}
    for f in filters if isinstance(filters, list) else []:
        if isinstance(f, Mapping) and f.get("key") is not None:
            value = " ".join(str(f.get("value", "")).split())
            if value:
                values.setdefault(" ".join(str(f["key"]).split()), []).append(value)
    return values


def _non_hazard(values: dict[str, list[str]], weapons: list[str], description: str) -> str | None:
    """Why a record is no attack, where it says so; None for a hazard."""
    said = [v for vs in values.values() for v in vs if v.casefold() in NON_HAZARD_VALUES]
    attack = [w for w in weapons if w != "Unknown" and w.casefold() not in NON_HAZARD_VALUES]
    if said and not attack:
        return f"the record says {said[0]!r} and names no weapon"
    if not attack and _NON_HAZARD_TEXT.search(description) and not _ATTACK_TEXT.search(description):
        return f"no weapon, and the description reports no attack: {description[:80]!r}"
    return None


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
        day = datetime.strptime(str(rec.get("date", "")).strip(), "%m/%d/%Y").replace(tzinfo=UTC)
    except ValueError:
        return problem("bad_date", f"date {rec.get('date')!r} is not MM/DD/YYYY")
    values = _filter_values(rec.get("filters"))
    weapons = [w for k in WEAPON_KEYS for w in values.get(k, [])]
    areas = [a for k in AREA_KEYS for a in values.get(k, [])]
    description = str(rec.get("description") or "").strip()
    why = _non_hazard(values, weapons, description)
    if why is not None:
        return problem("not_a_hazard", why)
    warnings: list[tuple[str, str]] = []
    mapped = []
    for w in weapons or ["Unknown"]:
        if w in WEAPON_MAP:
            mapped.append(WEAPON_MAP[w])
        elif w.casefold() not in NON_HAZARD_VALUES:
            mapped.append(UNMAPPED)
            warnings.append(("unmapped_weapon", w))
    other_keys = [k for k in values if k not in WEAPON_KEYS and k not in AREA_KEYS]
    warnings += [("unmapped_category", f"{k}: {v}") for k in other_keys for v in values[k]]
    kind, severity = max(mapped, key=lambda ks: ks[1])
    given_sources = rec.get("sources")
    sources: list[Any] = given_sources if isinstance(given_sources, list) else []
    paths = [str(s["path"]).strip() for s in sources
             if isinstance(s, Mapping) and s.get("path")]  # fmt: skip
    links = [normalise_link(p) for p in paths if p != HIDDEN]
    warnings += [("link_normalised", p) for p in paths if p != HIDDEN and normalise_link(p) != p]
    hidden = len(paths) - len(links)
    lifetime_h = KIND_DEFAULTS[kind].lifetime_h
    until = None if lifetime_h is None else day + timedelta(hours=lifetime_h)
    location = " ".join(str(rec.get("location") or "").split())
    notes = [location, description]
    notes.append("weapon: " + (", ".join(weapons) or "not recorded"))
    if areas:
        notes.append("area: " + ", ".join(areas))
    if hidden:
        notes.append(f"{hidden} source(s) withheld by Bellingcat")
    if links:
        confidence = CONFIDENCE_WITH_SOURCES
    else:
        confidence = CONFIDENCE_HIDDEN_SOURCES if hidden else CONFIDENCE_WITHOUT_SOURCES
    props: dict[str, Any] = {
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
        "location": location,
        "time_precision": "day",  # the record gives the day only; 00:00 UTC stands for it
    }
    unmapped = [d for r, d in warnings if r in ("unmapped_weapon", "unmapped_category")]
    if unmapped:
        props["unmapped"] = unmapped
    feature = {"type": "Feature", "geometry": {"type": "Point", "coordinates": [lon, lat]},
               "properties": props}  # fmt: skip
    return RawRecord(index, feature, id=rid, warnings=tuple(warnings))


def records_from_bellingcat(
    data: Any,
    *,
    gazetteer: Gazetteer | None = None,
    keep_suspect: bool = False,
    checks: SuspectChecks | None = None,
) -> list[RawRecord]:
    """Raw records of a Bellingcat civilian-harm JSON array (see the data README for fields).

    Positions are checked against the file's region and, with a ``gazetteer``, against the
    place each record names; suspect ones carry a problem (skipped), or with ``keep_suspect``
    a ``suspect`` property and a warning.
    """
    if not isinstance(data, list):
        raise ValueError("expected a JSON array of Bellingcat records")
    records = [_record(i, rec) for i, rec in enumerate(data)]
    return flag_suspects(
        records, gazetteer=gazetteer, keep_suspect=keep_suspect, checks=checks or SuspectChecks()
    )
