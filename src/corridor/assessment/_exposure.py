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
from corridor.assessment._params import RiskParameters
from corridor.hazards import MAX_RISK

F64 = NDArray[np.float64]
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
    """Length of each piece A + u D (u in 0..1) inside the disc of ``radius`` about 0, summed
    over pieces (rows: incidents; columns: pieces)."""
    b = ax * dx + ay * dy  # half of the linear coefficient
    c = ax * ax + ay * ay - radius[:, None] ** 2
    disc = b * b - seg2 * c
    ok = (disc > 0) & (seg2 > 0)
    root = np.sqrt(np.where(ok, disc, 0.0))
    safe = np.where(seg2 > 0, seg2, 1.0)
    u1 = np.clip((-b - root) / safe, 0.0, 1.0)
    u2 = np.clip((-b + root) / safe, 0.0, 1.0)
    inside = np.where(ok, np.maximum(u2 - u1, 0.0) * np.sqrt(seg2), 0.0)
    out: F64 = inside.sum(axis=1)
    return out


def line_exposure(
    line: Line, at_s: float, incidents: IncidentSet, params: RiskParameters
) -> LineExposure:
    """Exposure and risk of ``line`` at ``at_s`` (epoch seconds) and each incident's part."""
    known = incidents.known_before(at_s)
    sl = slice(0, known)
    horizon = at_s - params.horizon_days * 86400.0
    event = incidents.event_s[sl]
    area_r = np.hypot(params.area_radius_km, incidents.sigma_km[sl])
    acute_r = np.hypot(incidents.acute_radius_km[sl], incidents.sigma_km[sl])
    reach = np.maximum(area_r if params.area else 0.0, acute_r if params.acute else 0.0)
    lat, lon = incidents.lat[sl], incidents.lon[sl]
    # cheap box test before the exact one
    pad_lat = reach / KM_PER_DEG
    cos_max = max(math.cos(math.radians(float(np.abs(line.lat).max()) + 1.0)), 0.05)
    pad_lon = reach / (KM_PER_DEG * cos_max)
    keep = (
        (event >= horizon)
        & (lat >= line.lat.min() - pad_lat) & (lat <= line.lat.max() + pad_lat)
        & (lon >= line.lon.min() - pad_lon) & (lon <= line.lon.max() + pad_lon)
    )  # fmt: skip
    n_known = int((event >= horizon).sum())
    idx = np.nonzero(keep)[0]
    if idx.size == 0 or line.lon.size < 2:
        return LineExposure(0.0, 0.0, (), n_known)
    lat_c, lon_c = lat[idx], lon[idx]
    coslat = np.cos(np.radians(lat_c))[:, None]
    x = (line.lon[None, :] - lon_c[:, None]) * coslat * KM_PER_DEG
    y = (line.lat[None, :] - lat_c[:, None]) * KM_PER_DEG
    ax, ay = x[:, :-1], y[:, :-1]
    dx, dy = x[:, 1:] - ax, y[:, 1:] - ay
    seg2 = dx * dx + dy * dy
    # nearest approach, and where along the line it is
    u = np.clip(-(ax * dx + ay * dy) / np.where(seg2 > 0, seg2, 1.0), 0.0, 1.0)
    dist = np.hypot(ax + u * dx, ay + u * dy)
    best = np.argmin(dist, axis=1)
    rows = np.arange(idx.size)
    nearest = dist[rows, best]
    _, _, piece_m = GEOD.inv(line.lon[:-1], line.lat[:-1], line.lon[1:], line.lat[1:])
    piece_km = np.asarray(piece_m, np.float64) / 1000.0
    start_km = np.concatenate([[0.0], np.cumsum(piece_km)[:-1]])
    at_km = start_km[best] + u[rows, best] * piece_km[best]

    age_s = np.maximum(at_s - event[idx], 0.0)
    base = incidents.weight[sl][idx]
    exposure = np.zeros(idx.size)
    log_survive = np.zeros(idx.size)
    parts = {}
    acute_w = base * np.exp2(-(age_s / 3600.0) / incidents.acute_half_life_h[sl][idx])
    area_w = (
        base * params.area_daily_weight * np.exp2(-(age_s / 86400.0) / params.area_half_life_days)
    )
    for scale, radius, weight in (("acute", acute_r[idx], acute_w), ("area", area_r[idx], area_w)):
        if not getattr(params, scale):
            parts[scale] = np.zeros(idx.size)
            continue
        near = nearest <= radius
        crossing = np.zeros(idx.size)
        if near.any():
            crossing[near] = _chord(ax[near], ay[near], dx[near], dy[near], seg2[near],
                                    radius[near]) / (2.0 * radius[near])  # fmt: skip
        w = np.minimum(weight, MAX_RISK)
        parts[scale] = w * crossing
        exposure += parts[scale]
        log_survive += crossing * np.log1p(-w)
    risk = float(min(-math.expm1(float(log_survive.sum())), MAX_RISK))
    hit = np.nonzero(exposure > 0)[0]
    order = hit[np.lexsort((nearest[hit], -exposure[hit]))]
    contributions = tuple(
        Contribution(int(idx[k]), float(nearest[k]), float(at_km[k]), float(exposure[k]),
                     float(parts["acute"][k]), float(parts["area"][k]), float(area_r[idx][k]))
        for k in order
    )  # fmt: skip
    return LineExposure(float(exposure.sum()), risk, contributions, n_known)
