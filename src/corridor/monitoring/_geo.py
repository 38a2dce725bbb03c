"""Distance from a reported point to the agreed route line, in metres.

Reports are judged within a few kilometres of the route, where a local equirectangular
projection around the point is exact to well under a metre, so no projection library is needed.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from corridor._earth import EARTH_RADIUS_M


def distance_to_line_m(lat: float, lon: float, line: Sequence[Sequence[float]]) -> float:
    """Shortest distance from (lat, lon) to the polyline of [lon, lat] positions.

    Plain floats, in the order of operations numpy's element-wise version took, so the
    distances (stored in violations) are the same to the last bit: a report's command needs
    no numpy import (a quarter of a second; issue 14, defect 10), and a route of a few
    thousand positions is measured in milliseconds."""
    k = math.radians(1.0) * EARTH_RADIUS_M
    c = math.cos(math.radians(lat))
    xs = [(p[0] - lon) * k * c for p in line]
    ys = [(p[1] - lat) * k for p in line]
    if len(xs) == 1:
        return float(math.hypot(xs[0], ys[0]))
    best = math.inf
    for ax, ay, bx, by in zip(xs, ys, xs[1:], ys[1:], strict=False):
        dx, dy = bx - ax, by - ay
        seg2 = dx * dx + dy * dy
        t = -(ax * dx + ay * dy) / seg2 if seg2 > 0 else 0.0
        t = min(max(t, 0.0), 1.0)  # numpy.clip; a NaN (from inf positions) stays NaN
        px, py = ax + t * dx, ay + t * dy
        d = math.sqrt(px * px + py * py)
        if math.isnan(d):
            return d  # as numpy's min: NaN wins
        best = min(best, d)
    return best


def distance_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance (haversine)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(h)))
