"""Per-sample seeds and realisations: independent of batching, jitter within its radius."""

from __future__ import annotations

import math
from datetime import UTC, datetime

import numpy as np
import pytest
from shapely.geometry import Point

from corridor.ensembles import (
    UncertainCheckpoint,
    UncertainHazard,
    jitter_radius_m,
    realise,
    sample_rng,
)
from corridor.hazards import Hazard, HazardKind

AT = datetime(2022, 3, 8, 10, tzinfo=UTC)


def _hazard(hid: str, kind: HazardKind, conf: float, radius: float = 300.0) -> Hazard:
    return Hazard(hid, kind, Point(15.62, 48.41), 0.7, conf, radius_m=radius)


def test_sample_rng_is_the_spawned_child() -> None:
    children = np.random.SeedSequence(1234).spawn(50)
    for i in (0, 1, 17, 49):
        a = np.random.default_rng(children[i]).random(5)
        b = sample_rng(1234, i).random(5)
        assert np.array_equal(a, b)
    assert not np.array_equal(sample_rng(1234, 0).random(5), sample_rng(1234, 1).random(5))


def test_jitter_radius_counts_the_zone_for_strikes_only() -> None:
    assert jitter_radius_m(_hazard("s", HazardKind.SHELLING, 0.5, 300.0), 100.0) == 400.0
    assert jitter_radius_m(_hazard("m", HazardKind.MINES, 0.5, 300.0), 100.0) == 100.0


def test_realisations_occur_with_confidence_and_move_within_radius() -> None:
    strike = UncertainHazard(_hazard("s", HazardKind.SHELLING, 0.9), 0.3, 500.0)
    mines = UncertainHazard(_hazard("m", HazardKind.MINES, 0.9, 50.0), 0.8, 0.0)
    cp = UncertainCheckpoint("c", 48.4, 15.6, 0.25, 30.0)
    n = 4000
    seen = {"s": 0, "m": 0, "checkpoint:c": 0}
    far = 0.0
    for i in range(n):
        out, occurred = realise((strike, mines), (cp,), sample_rng(7, i))
        ids = [h.id for h in out]
        assert occurred.tolist() == ["s" in ids, "m" in ids]
        for h in out:
            seen[h.id] += 1
            assert h.confidence == 1.0
            if h.id == "s":
                lon, lat = h.lonlat
                dy = (lat - 48.41) * 111_320.0
                dx = (lon - 15.62) * 111_320.0 * math.cos(math.radians(lat))
                far = max(far, math.hypot(dx, dy))
            if h.id == "m":
                assert h.lonlat == pytest.approx((15.62, 48.41), abs=1e-12)
            if h.id == "checkpoint:c":
                assert h.effective_closes and h.effective_radius_m == 30.0
    tol = 4.0 * math.sqrt(0.25 / n)
    assert abs(seen["s"] / n - 0.3) < tol
    assert abs(seen["m"] / n - 0.8) < tol
    assert abs(seen["checkpoint:c"] / n - 0.75) < tol
    # a uniform point in a 500 m disc: the farthest of ~1200 comes close to the rim, never past
    assert 450.0 < far <= 500.0 + 1e-6


def test_one_hazards_outcome_does_not_shift_anothers() -> None:
    a = UncertainHazard(_hazard("a", HazardKind.SHELLING, 0.5), 0.5, 200.0)
    b = UncertainHazard(_hazard("b", HazardKind.MINES, 0.5, 50.0), 0.5, 100.0)
    a_never = UncertainHazard(a.hazard, 0.0, 200.0)
    for i in range(200):
        with_a, _ = realise((a, b), (), sample_rng(3, i))
        without_a, _ = realise((a_never, b), (), sample_rng(3, i))
        got_b = [h for h in with_a if h.id == "b"]
        assert got_b == [h for h in without_a if h.id == "b"]
