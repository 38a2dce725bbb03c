"""The per-batch summary that workers reduce: counts and integer sums only.

Every field merges by integer addition (or min/max), which is associative and commutative
exactly, so the reduced result is bit-identical however samples are batched, however many
workers there are and in whatever order the partial sums meet. Times are summed in whole
milliseconds and risks in units of 1e-9; quantiles come from fixed log-spaced histograms
(50 bins per decade of seconds, 20 per decade of risk), so they are accurate to within one
bin: about +-2.3 % of a time and +-6 % of a risk.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

I64 = NDArray[np.int64]
F64 = NDArray[np.float64]

#: time histogram: bin 0 is < 1 s, then 50 bins per decade up to 1e6 s, then one overflow bin
TIME_PER_DECADE = 50
TIME_DECADES = 6
TIME_BINS = TIME_PER_DECADE * TIME_DECADES + 2
#: risk histogram: bin 0 is exactly 0, bin 1 is below 1e-9, then 20 bins per decade up to 1
RISK_PER_DECADE = 20
RISK_MIN_EXP = -9
RISK_BINS = RISK_PER_DECADE * -RISK_MIN_EXP + 2
RISK_UNIT = 1e-9


def time_bin(t: F64) -> NDArray[np.intp]:
    """Histogram bin of each (finite, >= 0) time in seconds."""
    with np.errstate(divide="ignore"):
        b = np.floor(np.log10(t) * TIME_PER_DECADE) + 1
    b = np.where(t < 1.0, 0, b)
    return np.clip(b, 0, TIME_BINS - 1).astype(np.intp)


def time_bin_range(b: int) -> tuple[float, float]:
    """The [low, high) seconds of bin ``b`` (bin 0 is [0, 1))."""
    if b == 0:
        return 0.0, 1.0
    lo = 10.0 ** ((b - 1) / TIME_PER_DECADE)
    return lo, (np.inf if b == TIME_BINS - 1 else 10.0 ** (b / TIME_PER_DECADE))


def risk_bin(r: F64) -> NDArray[np.intp]:
    """Histogram bin of each risk in [0, 1]."""
    with np.errstate(divide="ignore"):
        b = np.floor((np.log10(r) - RISK_MIN_EXP) * RISK_PER_DECADE) + 2
    b = np.where(r <= 0.0, 0, np.where(r < 10.0**RISK_MIN_EXP, 1, b))
    return np.clip(b, 0, RISK_BINS - 1).astype(np.intp)


def risk_bin_range(b: int) -> tuple[float, float]:
    if b == 0:
        return 0.0, 0.0
    if b == 1:
        return 0.0, 10.0**RISK_MIN_EXP
    lo = 10.0 ** (RISK_MIN_EXP + (b - 2) / RISK_PER_DECADE)
    return lo, min(1.0, 10.0 ** (RISK_MIN_EXP + (b - 1) / RISK_PER_DECADE))


@dataclass(slots=True)
class Partial:
    """Sums over a set of samples for G gathering points x E exits, H hazards, S road segments.

    ``open[g, e]``: samples in which some route from g to e stayed open; ``reach[g]``: samples in
    which g could reach any exit; ``safest[s]``: samples in which segment s lay on the safest
    route of some gathering point (to its safest exit). Time and risk statistics are over the
    samples in which the pair was open.
    """

    n: int
    open: I64
    reach: I64
    occurred: I64
    time_ms: I64
    time_min: F64
    time_max: F64
    time_hist: I64
    risk_e9: I64
    risk_min: F64
    risk_max: F64
    risk_hist: I64
    safest: I64

    @classmethod
    def empty(cls, n_gp: int, n_exits: int, n_hazards: int, n_segments: int) -> Partial:
        ge = (n_gp, n_exits)
        return cls(
            n=0,
            open=np.zeros(ge, np.int64),
            reach=np.zeros(n_gp, np.int64),
            occurred=np.zeros(n_hazards, np.int64),
            time_ms=np.zeros(ge, np.int64),
            time_min=np.full(ge, np.inf),
            time_max=np.full(ge, -np.inf),
            time_hist=np.zeros((*ge, TIME_BINS), np.int64),
            risk_e9=np.zeros(ge, np.int64),
            risk_min=np.full(ge, np.inf),
            risk_max=np.full(ge, -np.inf),
            risk_hist=np.zeros((*ge, RISK_BINS), np.int64),
            safest=np.zeros(n_segments, np.int64),
        )

    def add_sample(
        self,
        time_s: F64,
        risk: F64,
        occurred: NDArray[np.bool_],
        safest_segments: NDArray[np.integer],
    ) -> None:
        """Fold in one sample: ``time_s``/``risk`` [G, E] (inf time = no open route)."""
        ok = np.isfinite(time_s)
        self.n += 1
        self.open += ok
        self.reach += ok.any(axis=1)
        self.occurred += occurred
        g, e = np.nonzero(ok)
        t, r = time_s[g, e], np.clip(risk[g, e], 0.0, 1.0)
        self.time_ms[g, e] += np.rint(t * 1000.0).astype(np.int64)
        self.time_min[g, e] = np.minimum(self.time_min[g, e], t)
        self.time_max[g, e] = np.maximum(self.time_max[g, e], t)
        np.add.at(self.time_hist, (g, e, time_bin(t)), 1)
        self.risk_e9[g, e] += np.rint(r / RISK_UNIT).astype(np.int64)
        self.risk_min[g, e] = np.minimum(self.risk_min[g, e], r)
        self.risk_max[g, e] = np.maximum(self.risk_max[g, e], r)
        np.add.at(self.risk_hist, (g, e, risk_bin(r)), 1)
        self.safest[np.unique(np.asarray(safest_segments, dtype=np.int64))] += 1


def merge(a: Partial, b: Partial) -> Partial:
    """The sums over both sets of samples (exact: integers, min and max)."""
    return Partial(
        n=a.n + b.n,
        open=a.open + b.open,
        reach=a.reach + b.reach,
        occurred=a.occurred + b.occurred,
        time_ms=a.time_ms + b.time_ms,
        time_min=np.minimum(a.time_min, b.time_min),
        time_max=np.maximum(a.time_max, b.time_max),
        time_hist=a.time_hist + b.time_hist,
        risk_e9=a.risk_e9 + b.risk_e9,
        risk_min=np.minimum(a.risk_min, b.risk_min),
        risk_max=np.maximum(a.risk_max, b.risk_max),
        risk_hist=a.risk_hist + b.risk_hist,
        safest=a.safest + b.safest,
    )


def hist_quantile(hist: I64, q: float, lo: float, hi: float, *, kind: str = "time") -> float:
    """The ``q`` quantile from a histogram (geometric middle of its bin, clamped to the
    observed [lo, hi]); NaN for an empty histogram."""
    total = int(hist.sum())
    if total == 0:
        return float("nan")
    target = max(1, int(np.ceil(q * total)))
    b = int(np.searchsorted(np.cumsum(hist), target))
    low, high = time_bin_range(b) if kind == "time" else risk_bin_range(b)
    if low <= 0.0:
        mid = lo  # the bin below the histogram's range: the smallest value seen
    elif not np.isfinite(high):
        mid = hi  # the overflow bin: the largest value seen
    else:
        mid = float(np.sqrt(low * high))
    return float(min(max(mid, lo), hi))
