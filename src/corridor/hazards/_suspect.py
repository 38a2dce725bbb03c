"""Positions an incident file got wrong: (0, 0), far outside the file's own region, or far from
the place the record names.

An incident at (0, 0) is a blank cell read as a number; one a thousand kilometres from every
other record is usually a swapped or mistyped coordinate; one 300 km from the town the record
names is a wrong pin. None of them is evidence of violence where the coordinates say, so by
default they are skipped and reported with the row and the reason; ``keep_suspect`` keeps them,
marked ``suspect`` in the hazard's properties. The thresholds are documented in
docs/assessment.md and can be changed.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np

from corridor.hazards._places import Gazetteer, Place
from corridor.hazards._records import RawRecord

EARTH_RADIUS_KM = 6371.0088
# Parts of a location text that name an area or a direction, not the place itself.
_AREA_WORDS = re.compile(
    r"\b(oblast|region|vicinity|outskirts|district|raion|rayon|area|near|north|south|east|west|"
    r"between|road|highway)\b",
    re.IGNORECASE,
)
_CITY_SUFFIX = re.compile(r"\s+(city|town|village)$", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class SuspectChecks:
    """Thresholds of the three position checks.

    ``null_island_deg``: |lat| and |lon| both below it is a blank read as zero.
    ``region_quantile``/``region_margin_deg``: the file's plausible region is the box around
    the q and 1-q quantiles of its latitudes and longitudes and every gazetteer place (the
    country's cities, so a quiet western city is not an outlier of an eastern war), widened by
    the margin; a file with fewer than ``region_min_records`` positions has no region to
    speak of and is not checked.
    ``place_km``: a record more than this far from the unique gazetteer place its location
    names contradicts it (a city plus its suburbs and the pin's own error stay well inside).
    """

    null_island_deg: float = 1.0
    region_quantile: float = 0.01
    region_margin_deg: float = 2.0
    region_min_records: int = 20
    place_km: float = 50.0


def distance_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance on the mean Earth sphere (haversine)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dlat, dlon = p2 - p1, math.radians(lon2 - lon1)
    h = math.sin(dlat / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dlon / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(h)))


def named_place(location: str, gazetteer: Gazetteer) -> Place | None:
    """The gazetteer place a free-text location names: its first comma-separated part, the
    most specific, when that part is a place name on its own and resolves to exactly one place.
    Later parts are left alone: in ``Kamyanka, Kharkiv`` Kharkiv is the oblast, and in
    ``Chuhuiv, south of Kharkiv`` only a direction."""
    part = _CITY_SUFFIX.sub("", location.split(",", maxsplit=1)[0].strip())
    if not part or _AREA_WORDS.search(part):
        return None
    return gazetteer.unique(part)


def _point(raw: RawRecord) -> tuple[float, float] | None:
    if raw.feature is None:
        return None
    geometry = raw.feature.get("geometry") or {}
    if geometry.get("type") != "Point":
        return None
    lon, lat = geometry["coordinates"][:2]
    return float(lat), float(lon)


def _mark(raw: RawRecord, reason: str, detail: str, keep: bool) -> RawRecord:
    if not keep:
        return replace(raw, problem=(reason, detail))
    feature = dict(raw.feature or {})
    props = dict(feature.get("properties") or {})
    props["suspect"] = reason
    props["suspect_detail"] = detail
    feature["properties"] = props
    return replace(raw, feature=feature, warnings=(*raw.warnings, (reason, detail)))


def flag_suspects(
    records: Sequence[RawRecord],
    *,
    gazetteer: Gazetteer | None,
    keep_suspect: bool = False,
    checks: SuspectChecks | None = None,
) -> list[RawRecord]:
    """The records with suspect positions flagged (see the module docstring); the first check
    that fires names the reason: null_island, outside_region, contradicts_place."""
    checks = checks or SuspectChecks()
    points = {i: p for i, r in enumerate(records) if r.problem is None and (p := _point(r))}
    lim = checks.null_island_deg
    null = {i for i, (lat, lon) in points.items() if abs(lat) < lim and abs(lon) < lim}
    usable = np.array([p for i, p in points.items() if i not in null], dtype=np.float64)
    box = None
    if len(usable) >= checks.region_min_records:
        q = checks.region_quantile
        corners = [np.quantile(usable, q, axis=0), np.quantile(usable, 1 - q, axis=0)]
        if gazetteer is not None and len(gazetteer):
            corners += [np.array([(p.lat, p.lon) for p in gazetteer.places])]
        every = np.vstack(corners)
        lo = every.min(axis=0) - checks.region_margin_deg
        hi = every.max(axis=0) + checks.region_margin_deg
        box = (float(lo[0]), float(lo[1]), float(hi[0]), float(hi[1]))
    out = list(records)
    for i, (lat, lon) in points.items():
        raw = records[i]
        if i in null:
            out[i] = _mark(raw, "null_island", f"position {lat}, {lon} is at (0, 0)", keep_suspect)
            continue
        if box is not None and not (box[0] <= lat <= box[2] and box[1] <= lon <= box[3]):
            out[i] = _mark(
                raw, "outside_region",
                f"position {lat}, {lon} is outside the file's region (lat {box[0]:.2f}.."
                f"{box[2]:.2f}, lon {box[1]:.2f}..{box[3]:.2f})", keep_suspect,
            )  # fmt: skip
            continue
        location = str(((raw.feature or {}).get("properties") or {}).get("location") or "")
        place = named_place(location, gazetteer) if gazetteer is not None and location else None
        if place is not None:
            km = distance_km(lat, lon, place.lat, place.lon)
            if km > checks.place_km:
                out[i] = _mark(
                    raw, "contradicts_place",
                    f"position {lat}, {lon} is {km:.0f} km from {place.name} "
                    f"({place.lat:.4f}, {place.lon:.4f}), the place named in {location!r}",
                    keep_suspect,
                )  # fmt: skip
    return out
