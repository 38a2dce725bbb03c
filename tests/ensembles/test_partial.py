"""Partial sums: any grouping and merge order gives the same bits, equal to numpy over the raw
samples (a second computation), and histogram bins hold what they say."""

from __future__ import annotations

import numpy as np

from corridor.ensembles import Partial, merge
from corridor.ensembles._partial import risk_bin, risk_bin_range, time_bin, time_bin_range

G, E, H, S = 3, 4, 5, 50


def _samples(n: int, seed: int) -> list[tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]]:
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(n):
        t = rng.lognormal(6.0, 1.0, (G, E))
        t[rng.random((G, E)) < 0.2] = np.inf
        r = np.where(rng.random((G, E)) < 0.3, 0.0, rng.random((G, E)) ** 4)
        occurred = rng.random(H) < 0.5
        segs = rng.choice(S, size=rng.integers(0, 10), replace=False)
        out.append((t, r, occurred, segs))
    return out


def _fold(samples: list) -> Partial:  # type: ignore[type-arg]
    p = Partial.empty(G, E, H, S)
    for s in samples:
        p.add_sample(*s)
    return p


def _equal(a: Partial, b: Partial) -> None:
    for name in Partial.__slots__:
        x, y = getattr(a, name), getattr(b, name)
        assert np.array_equal(x, y), name


def test_any_grouping_and_merge_order_is_bit_identical() -> None:
    samples = _samples(200, 1)
    whole = _fold(samples)
    rng = np.random.default_rng(2)
    for _ in range(5):
        cuts = np.sort(rng.choice(np.arange(1, 200), size=rng.integers(1, 30), replace=False))
        parts = [_fold(list(chunk)) for chunk in np.split(np.array(samples, dtype=object), cuts)]
        while len(parts) > 1:  # merge random pairs in random order
            i, j = sorted(rng.choice(len(parts), size=2, replace=False))
            b, a = parts.pop(j), parts.pop(i)
            parts.append(merge(a, b) if rng.random() < 0.5 else merge(b, a))
        _equal(parts[0], whole)


def test_sums_match_numpy_over_the_raw_samples() -> None:
    samples = _samples(300, 3)
    p = _fold(samples)
    t = np.stack([s[0] for s in samples])
    r = np.stack([s[1] for s in samples])
    ok = np.isfinite(t)
    assert p.n == 300
    assert np.array_equal(p.open, ok.sum(axis=0))
    assert np.array_equal(p.reach, ok.any(axis=2).sum(axis=0))
    assert np.array_equal(p.occurred, np.stack([s[2] for s in samples]).sum(axis=0))
    tt = np.where(ok, t, 0.0)
    assert np.allclose(p.time_ms / 1000.0, tt.sum(axis=0), atol=300 * 5e-4)
    assert np.allclose(p.risk_e9 * 1e-9, np.where(ok, r, 0.0).sum(axis=0), atol=300 * 1e-9)
    assert np.array_equal(p.time_min, np.where(ok, t, np.inf).min(axis=0))
    assert np.array_equal(p.time_max, np.where(ok, t, -np.inf).max(axis=0))
    assert np.array_equal(p.risk_min, np.where(ok, r, np.inf).min(axis=0))
    assert np.array_equal(p.risk_max, np.where(ok, r, -np.inf).max(axis=0))
    assert np.array_equal(p.time_hist.sum(axis=2), p.open)
    assert np.array_equal(p.risk_hist.sum(axis=2), p.open)
    seg = np.zeros(S, np.int64)
    for s in samples:
        seg[np.unique(s[3])] += 1
    assert np.array_equal(p.safest, seg)


def test_bins_hold_their_values() -> None:
    rng = np.random.default_rng(4)
    t = np.concatenate([[0.0, 0.5, 1.0, 9.99, 10.0, 1e6, 5e6], rng.lognormal(6, 2, 500)])
    for value, b in zip(t.tolist(), time_bin(t).tolist(), strict=True):
        lo, hi = time_bin_range(b)
        assert lo <= value < hi or (b == 0 and value < 1.0), (value, b, lo, hi)
    r = np.concatenate([[0.0, 1e-12, 1e-9, 0.5, 1.0], rng.random(500) ** 6])
    for value, b in zip(r.tolist(), risk_bin(r).tolist(), strict=True):
        lo, hi = risk_bin_range(b)
        assert lo <= value <= hi, (value, b, lo, hi)
