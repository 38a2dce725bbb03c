"""WGS84 geodesic distances in NumPy (Vincenty's inverse), falling back to pyproj.

Why not pyproj alone: importing pyproj (its CRS, transformer and version modules come with
``Geod``) costs about 0.08 s of CPU, a quarter of the 0.3 s ``corridor network snap`` may take
to start (issue 14, defect 10), and snapping measures only short lines: road pieces and the
metres from a point to the road. Vincenty's iteration (T. Vincenty, "Direct and inverse
solutions of geodesics on the ellipsoid", Survey Review 23, 1975) converges in a few steps
for those and agrees with pyproj's (Karney's) distances to well under a micrometre
(``tests/network/test_geodesic.py`` holds it to that on real roads and random lines). It does
not converge for nearly antipodal points; those rows, and only those, go to pyproj.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

#: WGS84, as pyproj's ``Geod(ellps="WGS84")``.
WGS84_A = 6_378_137.0
WGS84_F = 1 / 298.257223563
WGS84_B = WGS84_A * (1 - WGS84_F)
WGS84_E2 = WGS84_F * (2 - WGS84_F)  # first eccentricity squared

#: Radians of lambda per radian: a few units in the last place. An error of 1e-13 rad in
#: lambda is half a micrometre on the ground, and the last step left that much behind at a
#: looser 1e-12.
_TOLERANCE = 2e-15
_MAX_STEPS = 100


def inverse_m(
    lon1: ArrayLike, lat1: ArrayLike, lon2: ArrayLike, lat2: ArrayLike
) -> NDArray[np.float64]:
    """Geodesic distance in metres between points given in degrees, elementwise."""
    lo1, la1, lo2, la2 = np.broadcast_arrays(
        *(np.asarray(x, dtype=np.float64) for x in (lon1, lat1, lon2, lat2))
    )
    out = np.empty(lo1.shape, dtype=np.float64)
    flat = [np.ravel(x) for x in (lo1, la1, lo2, la2)]
    dist, done = _vincenty(*flat)
    if not done.all():  # nearly antipodal: Karney's method, which always converges
        from pyproj import Geod

        todo = ~done
        a, b, c, d = (x[todo] for x in flat)
        _, _, far = Geod(ellps="WGS84").inv(a, b, c, d)
        dist[todo] = far
    out.reshape(-1)[:] = dist
    return out


def _vincenty(
    lon1: NDArray[np.float64],
    lat1: NDArray[np.float64],
    lon2: NDArray[np.float64],
    lat2: NDArray[np.float64],
) -> tuple[NDArray[np.float64], NDArray[np.bool_]]:
    """Distances and whether each converged (else its distance is NaN).

    Each row stops iterating at its own convergence, so a distance is the same whether it is
    computed alone or in a batch."""
    f = WGS84_F
    big_l = np.radians(((lon2 - lon1 + 180.0) % 360.0) - 180.0)
    u1 = np.arctan((1 - f) * np.tan(np.radians(lat1)))
    u2 = np.arctan((1 - f) * np.tan(np.radians(lat2)))
    sin_u1, cos_u1, sin_u2, cos_u2 = np.sin(u1), np.cos(u1), np.sin(u2), np.cos(u2)
    dist = np.full(big_l.shape, np.nan)
    done = np.zeros(big_l.shape, dtype=bool)
    rows = np.arange(big_l.shape[0])
    lam = big_l.copy()
    for _ in range(_MAX_STEPS):
        if rows.size == 0:
            break
        su1, cu1, su2, cu2, lr = sin_u1[rows], cos_u1[rows], sin_u2[rows], cos_u2[rows], lam
        sin_l, cos_l = np.sin(lr), np.cos(lr)
        sin_s = np.hypot(cu2 * sin_l, cu1 * su2 - su1 * cu2 * cos_l)
        cos_s = su1 * su2 + cu1 * cu2 * cos_l
        sigma = np.arctan2(sin_s, cos_s)
        same = sin_s == 0  # coincident points
        sin_a = np.where(same, 0.0, cu1 * cu2 * sin_l / np.where(same, 1.0, sin_s))
        cos2_a = 1 - sin_a * sin_a
        on_equator = cos2_a == 0
        cos_2sm = np.where(
            on_equator, 0.0, cos_s - 2 * su1 * su2 / np.where(on_equator, 1.0, cos2_a)
        )
        c = f / 16 * cos2_a * (4 + f * (4 - 3 * cos2_a))
        new = big_l[rows] + (1 - c) * f * sin_a * (
            sigma + c * sin_s * (cos_2sm + c * cos_s * (-1 + 2 * cos_2sm * cos_2sm))
        )
        now = (np.abs(new - lr) <= _TOLERANCE * np.maximum(1.0, np.abs(new))) & (
            np.abs(new) <= np.pi
        )
        if now.any():
            k = rows[now]
            dist[k] = _distance(cos2_a[now], sin_s[now], cos_s[now], sigma[now], cos_2sm[now])
            done[k] = True
        rows, lam = rows[~now], new[~now]
    return dist, done


def _distance(
    cos2_a: NDArray[np.float64],
    sin_s: NDArray[np.float64],
    cos_s: NDArray[np.float64],
    sigma: NDArray[np.float64],
    cos_2sm: NDArray[np.float64],
) -> NDArray[np.float64]:
    u_sq = cos2_a * (WGS84_A**2 - WGS84_B**2) / WGS84_B**2
    a = 1 + u_sq / 16384 * (4096 + u_sq * (-768 + u_sq * (320 - 175 * u_sq)))
    b = u_sq / 1024 * (256 + u_sq * (-128 + u_sq * (74 - 47 * u_sq)))
    c2 = cos_2sm * cos_2sm
    d_sigma = (
        b
        * sin_s
        * (
            cos_2sm
            + b
            / 4
            * (cos_s * (-1 + 2 * c2) - b / 6 * cos_2sm * (-3 + 4 * sin_s * sin_s) * (-3 + 4 * c2))
        )
    )
    return np.asarray(WGS84_B * a * (sigma - d_sigma), dtype=np.float64)
