"""Exposure of one line at one time to the incidents known then: both scales, vectorised.

For incident i with zone radius R_i, let L_i be the length of the line inside the zone (a disc
on the local plane; computed exactly per line piece). With weight w_i at the line's time:

    exposure  E = sum_i w_i x L_i / (2 R_i)            (a line straight through the middle of
                                                         one full-weight zone has E = 1)
    risk      r = 1 - prod_i (1 - w_i) ** (L_i / 2 R_i)

summed over both scales of every incident (acute: the kind's radius and half-life in hours;
area: the estimated radius and half-life in days), each radius widened by the location's
uncertainty. This is the routing risk model's zone-length rule (docs/risk-model.md) applied to
a polyline, so a line cut into more pieces gets the same numbers. Only incidents known at or
before the line's time are read (``IncidentSet`` is sorted by that time): no look-ahead.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from corridor.assessment._geometry import GEOD, Line
from corridor.assessment._incidents import IncidentSet
from corridor.assessment._knox import unit_vectors
from corridor.assessment._params import RiskParameters
from corridor.hazards import MAX_RISK

F64 = NDArray[np.float64]
I64 = NDArray[np.int64]
EARTH_KM = 6371.0088
KM_PER_DEG = math.pi * 6371.0088 / 180.0
LN2 = math.log(2.0)


@dataclass(frozen=True)
class Contribution:
    """One incident's part in a line's exposure."""

    index: int  # row in the IncidentSet
    distance_km: float  # nearest approach of the line to the reported point
    at_km: float  # where along the line that is, from the first place
    exposure: float
    acute: float  # the acute scale's part of ``exposure``
    area: float  # the area scale's part
    zone_km: float  # the area zone's radius for this incident


@dataclass(frozen=True)
class LineExposure:
    exposure: float
    risk: float
    contributions: tuple[Contribution, ...]
    n_known: int  # incidents known by then (within the horizon)


def _chord(ax: F64, ay: F64, dx: F64, dy: F64, seg2: F64, radius: F64) -> F64:  # noqa: PLR0917
    """Length of each piece A + u D (u in 0..1) inside the disc of ``radius`` about 0 (one
    value per (incident, piece) pair, all arrays alike)."""
    b = ax * dx + ay * dy  # half of the linear coefficient
    c = ax * ax + ay * ay - radius**2
    disc = b * b - seg2 * c
    ok = (disc > 0) & (seg2 > 0)
    root = np.sqrt(np.where(ok, disc, 0.0))
    safe = np.where(seg2 > 0, seg2, 1.0)
    u1 = np.clip((-b - root) / safe, 0.0, 1.0)
    u2 = np.clip((-b + root) / safe, 0.0, 1.0)
    out: F64 = np.where(ok, np.maximum(u2 - u1, 0.0) * np.sqrt(seg2), 0.0)
    return out


def _pairs(line: Line, incidents: IncidentSet, n: int, reach_km: float) -> tuple[I64, I64]:
    """(incident, piece) pairs that can touch: each incident among the first ``n`` within
    ``reach_km`` plus the longest piece of a piece's first vertex (a piece that comes within
    reach of an incident has its first vertex within reach + its length). Each pair once."""
    _, _, piece_m = GEOD.inv(line.lon[:-1], line.lat[:-1], line.lon[1:], line.lat[1:])
    longest = float(np.max(piece_m)) / 1000.0 if np.size(piece_m) else 0.0
    radius = (reach_km + longest) * 1.001 + 1e-6
    chord = 2.0 * math.sin(min(radius / EARTH_KM, math.pi) / 2.0)
    starts = unit_vectors(line.lat[:-1], line.lon[:-1])
    found = incidents.tree.query_ball_point(starts, chord)
    counts = np.fromiter((len(f) for f in found), np.int64, len(found))
    if counts.sum() == 0:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    inc = np.concatenate([np.asarray(f, np.int64) for f in found if f])
    piece = np.repeat(np.arange(len(found), dtype=np.int64), counts)
    keep = inc < n
    return inc[keep], piece[keep]


def line_exposure(
    line: Line, at_s: float, incidents: IncidentSet, params: RiskParameters
) -> LineExposure:
    """Exposure and risk of ``line`` at ``at_s`` (epoch seconds) and each incident's part."""
    known = incidents.known_before(at_s)
    horizon = at_s - params.horizon_days * 86400.0
    n_known = int((incidents.event_s[:known] >= horizon).sum())
    sigma = incidents.sigma_km
    area_r_all = np.hypot(params.area_radius_km, sigma[:known])
    acute_r_all = np.hypot(incidents.acute_radius_km[:known], sigma[:known])
    reach = max(
        float(area_r_all.max(initial=0.0)) if params.area else 0.0,
        float(acute_r_all.max(initial=0.0)) if params.acute else 0.0,
    )
    if known == 0 or line.lon.size < 2 or reach <= 0:
        return LineExposure(0.0, 0.0, (), n_known)
    pair_inc, pair_piece = _pairs(line, incidents, known, reach)
    recent = incidents.event_s[pair_inc] >= horizon
    pair_inc, pair_piece = pair_inc[recent], pair_piece[recent]
    if pair_inc.size == 0:
        return LineExposure(0.0, 0.0, (), n_known)
    idx, local = np.unique(pair_inc, return_inverse=True)
    lat_c, lon_c = incidents.lat[pair_inc], incidents.lon[pair_inc]
    coslat = np.cos(np.radians(lat_c))
    x0 = (line.lon[pair_piece] - lon_c) * coslat * KM_PER_DEG
    y0 = (line.lat[pair_piece] - lat_c) * KM_PER_DEG
    dx = (line.lon[pair_piece + 1] - lon_c) * coslat * KM_PER_DEG - x0
    dy = (line.lat[pair_piece + 1] - lat_c) * KM_PER_DEG - y0
    seg2 = dx * dx + dy * dy
    u = np.clip(-(x0 * dx + y0 * dy) / np.where(seg2 > 0, seg2, 1.0), 0.0, 1.0)
    dist = np.hypot(x0 + u * dx, y0 + u * dy)
    # nearest approach per incident, and where along the line it is
    order = np.lexsort((pair_piece, dist, local))
    first = order[np.r_[0, np.nonzero(np.diff(local[order]))[0] + 1]]
    nearest = dist[first]
    _, _, piece_m = GEOD.inv(line.lon[:-1], line.lat[:-1], line.lon[1:], line.lat[1:])
    piece_km = np.asarray(piece_m, np.float64) / 1000.0
    start_km = np.concatenate([[0.0], np.cumsum(piece_km)[:-1]])
    at_km = start_km[pair_piece[first]] + u[first] * piece_km[pair_piece[first]]

    age_s = np.maximum(at_s - incidents.event_s[idx], 0.0)
    base = incidents.weight[idx]
    acute_w = base * np.exp2(-(age_s / 3600.0) / incidents.acute_half_life_h[idx])
    area_w = (
        base * params.area_daily_weight * np.exp2(-(age_s / 86400.0) / params.area_half_life_days)
    )
    area_r, acute_r = area_r_all[idx], acute_r_all[idx]
    exposure = np.zeros(idx.size)
    log_survive = np.zeros(idx.size)
    parts = {}
    for scale, radius, weight in (("acute", acute_r, acute_w), ("area", area_r, area_w)):
        if not getattr(params, scale):
            parts[scale] = np.zeros(idx.size)
            continue
        inside = _chord(x0, y0, dx, dy, seg2, radius[local])
        crossing = np.bincount(local, weights=inside, minlength=idx.size) / (2.0 * radius)
        w = np.minimum(weight, MAX_RISK)
        parts[scale] = w * crossing
        exposure += parts[scale]
        log_survive += crossing * np.log1p(-w)
    risk = float(min(-math.expm1(float(log_survive.sum())), MAX_RISK))
    hit = np.nonzero(exposure > 0)[0]
    ranked = hit[np.lexsort((nearest[hit], -exposure[hit]))]
    contributions = tuple(
        Contribution(int(idx[k]), float(nearest[k]), float(at_km[k]), float(exposure[k]),
                     float(parts["acute"][k]), float(parts["area"][k]), float(area_r[k]))
        for k in ranked
    )  # fmt: skip
    return LineExposure(float(exposure.sum()), risk, contributions, n_known)
