"""A second, independent implementation of a line's exposure with GEOS (shapely) and pyproj.

Each line is projected to an azimuthal equidistant plane centred on it; each incident's zones
become buffered discs (64 segments a quarter) and the length inside is GEOS's intersection
length. Same weights as ``corridor.assessment``; used as the peer in bench_assessment and as
an oracle in tests/assessment/test_peer.py.
"""

from __future__ import annotations

import math

import numpy as np
import shapely
from pyproj import Transformer

from corridor.assessment import IncidentSet, Line, RiskParameters


def exposure(line: Line, at_s: float, incidents: IncidentSet, params: RiskParameters) -> float:
    """Sum over incidents known at ``at_s`` of weight x (length inside zone) / diameter."""
    lon0, lat0 = float(np.mean(line.lon)), float(np.mean(line.lat))
    proj = Transformer.from_crs(
        "EPSG:4326", f"+proj=aeqd +lat_0={lat0} +lon_0={lon0} +R=6371008.8 +units=m",
        always_xy=True,
    )  # fmt: skip
    x, y = proj.transform(line.lon, line.lat)
    geom = shapely.linestrings(np.column_stack([x, y]))
    known = (incidents.known_s <= at_s) & (
        incidents.event_s >= at_s - params.horizon_days * 86400.0
    )
    idx = np.nonzero(known)[0]
    if idx.size == 0:
        return 0.0
    px, py = proj.transform(incidents.lon[idx], incidents.lat[idx])
    points = shapely.points(px, py)
    sigma = incidents.sigma_km[idx]
    age = at_s - incidents.event_s[idx]
    base = incidents.weight[idx]
    total = 0.0
    scales = (
        (params.acute, np.hypot(incidents.acute_radius_km[idx], sigma),
         base * np.exp2(-(age / 3600.0) / incidents.acute_half_life_h[idx])),
        (params.area, np.hypot(params.area_radius_km, sigma),
         base * params.area_daily_weight * np.exp2(-(age / 86400.0) / params.area_half_life_days)),
    )  # fmt: skip
    for on, radius_km, weight in scales:
        if not on:
            continue
        near = shapely.dwithin(points, geom, radius_km * 1000.0)
        if not near.any():
            continue
        discs = shapely.buffer(points[near], radius_km[near] * 1000.0, quad_segs=64)
        inside = shapely.length(shapely.intersection(geom, discs)) / 1000.0
        w = np.minimum(weight[near], 1 - 1e-9)
        total += float(np.sum(w * inside / (2.0 * radius_km[near])))
    return total if math.isfinite(total) else math.nan
