"""Distance from a reported point to the agreed route line, in metres.

Reports are judged within a few kilometres of the route, where a local equirectangular
projection around the point is exact to well under a metre, so no projection library is needed.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

EARTH_RADIUS_M = 6_371_008.8


def distance_to_line_m(lat: float, lon: float, line: Sequence[Sequence[float]]) -> float:
    """Shortest distance from (lat, lon) to the polyline of [lon, lat] positions.

    numpy is imported here: reading a rules file (``corridor rules check``) loads this module
    but measures nothing (issue 14, defect 10)."""
    import numpy as np

    pts = np.asarray([p[:2] for p in line], dtype=np.float64)
    k = math.radians(1.0) * EARTH_RADIUS_M
    x = (pts[:, 0] - lon) * k * math.cos(math.radians(lat))
    y = (pts[:, 1] - lat) * k
    if len(pts) == 1:
        return float(math.hypot(x[0], y[0]))
    ax, ay, bx, by = x[:-1], y[:-1], x[1:], y[1:]
    dx, dy = bx - ax, by - ay
    seg2 = dx * dx + dy * dy
    with np.errstate(invalid="ignore", divide="ignore"):
        t = np.where(seg2 > 0, -(ax * dx + ay * dy) / seg2, 0.0)
    t = np.clip(t, 0.0, 1.0)
    px, py = ax + t * dx, ay + t * dy
    return float(np.sqrt(px * px + py * py).min())


def distance_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance (haversine)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(h)))
