"""The distance to the route in plain floats is numpy's element-wise computation (the version
it replaced, kept here as the oracle) to the last bit, on routes like the agreed ones."""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from corridor.monitoring import distance_to_line_m
from corridor.monitoring._geo import EARTH_RADIUS_M


def numpy_distance_to_line_m(lat: float, lon: float, line: Sequence[Sequence[float]]) -> float:
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


LON = st.floats(15.0, 16.0, allow_nan=False)
LAT = st.floats(48.0, 49.0, allow_nan=False)
# Positions near each other (as on a road), some repeated (zero-length segments), some 3D.
STEP = st.tuples(st.floats(-0.01, 0.01), st.floats(-0.01, 0.01), st.booleans(), st.booleans())


@settings(max_examples=400, deadline=None)
@given(lat=LAT, lon=LON, start=st.tuples(LON, LAT), steps=st.lists(STEP, max_size=60))
def test_plain_floats_are_numpys_distances_bit_for_bit(
    lat: float, lon: float, start: tuple[float, float], steps: list[tuple[float, float, bool, bool]]
) -> None:
    line: list[list[float]] = [[start[0], start[1]]]
    for dlon, dlat, repeat, third in steps:
        last = line[-1]
        p = [last[0], last[1]] if repeat else [last[0] + dlon, last[1] + dlat]
        line.append([*p, 120.0] if third else p)
    got = distance_to_line_m(lat, lon, line)
    want = numpy_distance_to_line_m(lat, lon, line)
    assert got == want or (math.isnan(got) and math.isnan(want))


def test_on_the_line_and_off_it_by_known_amounts() -> None:
    line = [[15.60, 48.40], [15.62, 48.40]]
    assert distance_to_line_m(48.40, 15.61, line) == 0.0
    north = distance_to_line_m(48.41, 15.61, line)  # 0.01 degrees of latitude
    assert north == numpy_distance_to_line_m(48.41, 15.61, line)
    assert abs(north - math.radians(0.01) * EARTH_RADIUS_M) < 1e-6
