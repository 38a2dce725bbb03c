"""A Knox-style space-time test on an incident record, and the area-threat parameters it gives.

Given an incident on day d, how many further incidents are recorded within r km in the next k
days, against how many the same days' totals would put there by chance? For every ordered pair
(i, j) with 0 < day_j - day_i <= k the pair is *close in time*; it is *close in space* when the
two are within r km. Observed per incident:

    O(r, k) = #{pairs close in time and space} / n

Chance expectation: the pairs close in time, times the share of all pairs that are within r km
(space and time independent, each day's total as recorded):

    E(r, k) = #{pairs close in time} x P(distance <= r) / n

``O / E`` is the Knox ratio and ``O - E`` the excess: further incidents per incident that the
proximity explains. A permutation test (days shuffled over the positions, positions fixed)
gives the p-value of the excess. From the table (docs/risk-model.md):

* area radius: the smallest r whose 7-day excess reaches ``share`` (90 %) of the largest
  excess at any r up to ``max_radius_km`` (linear interpolation between grid radii);
* half-life: the lag by which half of the 30-day excess at that radius has arrived (for an
  exponentially fading threat, that is its half-life);
* daily weight: the chance of at least one excess incident in the zone on the first day,
  ``1 - exp(-X30 x ln 2 / half-life)``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

F64 = NDArray[np.float64]
EARTH_RADIUS_KM = 6371.0088
RADII_KM = (1.0, 2.0, 3.0, 5.0, 7.0, 10.0, 15.0, 20.0, 30.0, 50.0, 75.0, 100.0)
LAGS_DAYS = tuple(range(1, 31))


def unit_vectors(lat: F64, lon: F64) -> F64:
    la, lo = np.radians(lat), np.radians(lon)
    return np.stack([np.cos(la) * np.cos(lo), np.cos(la) * np.sin(lo), np.sin(la)], axis=-1)


def pair_distances_km(lat: F64, lon: F64) -> F64:
    """Great-circle distances between every two incidents (n x n)."""
    xyz = unit_vectors(np.asarray(lat, np.float64), np.asarray(lon, np.float64))
    dot: F64 = np.clip(xyz @ xyz.T, -1.0, 1.0)
    # arccos loses precision for near points; 2 asin(|a-b|/2) keeps it
    chord = np.sqrt(np.maximum(2.0 - 2.0 * dot, 0.0))
    out: F64 = 2.0 * EARTH_RADIUS_KM * np.arcsin(np.minimum(chord / 2.0, 1.0))
    return out


@dataclass(frozen=True)
class KnoxTable:
    """Observed and expected further incidents per incident, by radius (rows) and lag (cols).

    ``observed[a, b]`` counts pairs with lag in (0, lags[b]] days and distance <= radii[a];
    ``p_value[a, b]`` is the permutation p-value of the excess (NaN without permutations).
    """

    radii_km: tuple[float, ...]
    lags_days: tuple[int, ...]
    n: int
    observed: F64
    expected: F64
    p_value: F64
    permutations: int

    @property
    def ratio(self) -> F64:
        with np.errstate(divide="ignore", invalid="ignore"):
            out: F64 = self.observed / self.expected
        return out

    @property
    def excess(self) -> F64:
        out: F64 = self.observed - self.expected
        return out

    def at(self, radius_km: float, lag_days: int) -> tuple[float, float, float]:
        """(observed, expected, ratio) at a grid radius and lag."""
        a, b = self.radii_km.index(radius_km), self.lags_days.index(lag_days)
        return float(self.observed[a, b]), float(self.expected[a, b]), float(self.ratio[a, b])


def _counts(dist: F64, day: NDArray[np.int64], radii: F64, lags: NDArray[np.int64]) -> F64:
    """Pairs per incident close in space and time: cumulative over radii and lags."""
    lag = day[None, :] - day[:, None]
    ahead = (lag > 0) & (lag <= lags.max())
    i, j = np.nonzero(ahead)
    d, k = dist[i, j], lag[i, j]
    r_bin = np.searchsorted(radii, d, side="left")  # first radius >= d
    k_bin = np.searchsorted(lags, k, side="left")  # first lag >= k
    hist = np.zeros((radii.size + 1, lags.size), dtype=np.float64)
    np.add.at(hist, (r_bin, k_bin), 1.0)
    out: F64 = np.cumsum(np.cumsum(hist, axis=0), axis=1)[: radii.size] / day.size
    return out


def knox_table(
    lat: Sequence[float] | F64,
    lon: Sequence[float] | F64,
    day: Sequence[int] | NDArray[np.int64],
    *,
    radii_km: Sequence[float] = RADII_KM,
    lags_days: Sequence[int] = LAGS_DAYS,
    permutations: int = 0,
    seed: int = 20220224,
) -> KnoxTable:
    """The Knox table of incidents at (lat, lon) on integer ``day`` numbers (see the module)."""
    lat_a, lon_a = np.asarray(lat, np.float64), np.asarray(lon, np.float64)
    day_a = np.asarray(day, np.int64)
    n = day_a.size
    if n < 2 or lat_a.shape != (n,) or lon_a.shape != (n,):
        raise ValueError("need at least two incidents with one lat, lon and day each")
    radii = np.asarray(sorted(radii_km), np.float64)
    lags = np.asarray(sorted(lags_days), np.int64)
    dist = pair_distances_km(lat_a, lon_a)
    off = ~np.eye(n, dtype=bool)
    share = np.array([(dist[off] <= r).mean() for r in radii])  # P(distance <= r)
    lag = day_a[None, :] - day_a[:, None]
    in_time = np.array([((lag > 0) & (lag <= k)).sum() for k in lags], np.float64) / n
    expected = share[:, None] * in_time[None, :]
    observed = _counts(dist, day_a, radii, lags)
    p_value = np.full(observed.shape, np.nan)
    if permutations:
        rng = np.random.default_rng(seed)
        above = np.zeros(observed.shape)
        for _ in range(permutations):
            above += _counts(dist, rng.permutation(day_a), radii, lags) >= observed - 1e-12
        p_value = (above + 1.0) / (permutations + 1.0)
    return KnoxTable(
        tuple(float(r) for r in radii), tuple(int(k) for k in lags), n,
        observed, expected, p_value, permutations,
    )  # fmt: skip


@dataclass(frozen=True)
class AreaEstimate:
    """The area-threat parameters read off a Knox table, and the figures they come from."""

    radius_km: float
    half_life_days: float
    daily_weight: float
    excess_7d_max: float
    excess_30d: float
    ratio_1d: float
    ratio_7d: float
    p_value_7d: float


def _interpolate_crossing(xs: F64, ys: F64, target: float) -> float:
    """The first x where the piecewise-linear y(x) reaches ``target``."""
    above = np.nonzero(ys >= target)[0]
    if above.size == 0:
        return float(xs[-1])
    j = int(above[0])
    if j == 0:
        return float(xs[0])
    x0, x1, y0, y1 = xs[j - 1], xs[j], ys[j - 1], ys[j]
    return float(x0 + (target - y0) * (x1 - x0) / (y1 - y0))


def estimate_area(
    table: KnoxTable, *, share: float = 0.9, max_radius_km: float = 50.0, week: int = 7
) -> AreaEstimate:
    """Area radius, half-life and daily weight from ``table`` (rules in the module docstring)."""
    radii = np.asarray(table.radii_km)
    lags = np.asarray(table.lags_days, np.float64)
    b7 = table.lags_days.index(week)
    rows = radii <= max_radius_km
    x7 = table.excess[rows, b7]
    radius = _interpolate_crossing(radii[rows], x7, share * float(x7.max()))
    # excess by lag at that radius, interpolated between grid radii
    a = int(np.searchsorted(radii, radius))
    if a == 0 or radii[a] == radius:
        by_lag = table.excess[a]
    else:
        f = (radius - radii[a - 1]) / (radii[a] - radii[a - 1])
        by_lag = (1 - f) * table.excess[a - 1] + f * table.excess[a]
    by_lag = np.maximum.accumulate(np.maximum(by_lag, 0.0))
    total = float(by_lag[-1])
    half = _interpolate_crossing(np.concatenate([[0.0], lags]),
                                 np.concatenate([[0.0], by_lag]), total / 2)  # fmt: skip
    half = max(half, 0.5)
    rate0 = total * math.log(2) / half
    a7 = int(np.argmin(np.abs(radii - radius)))
    return AreaEstimate(
        radius_km=round(radius, 1),
        half_life_days=round(half, 1),
        daily_weight=round(1.0 - math.exp(-rate0), 2),
        excess_7d_max=float(x7.max()),
        excess_30d=total,
        ratio_1d=float(table.ratio[a7, 0]),
        ratio_7d=float(table.ratio[a7, b7]),
        p_value_7d=float(table.p_value[a7, b7]),
    )
