"""The Knox table against a brute-force count and a hand-worked case; the estimate on the
shared record reproduces the model's defaults; parameters files."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from corridor.assessment import RiskParameters, knox_table
from corridor.assessment.estimate import estimate_from_hazards, main
from corridor.errors import InputError

KM_PER_DEG = math.pi * 6371.0088 / 180.0


def test_hand_worked_table() -> None:
    """Three incidents on one meridian: A (day 0) and B (day 1) 5.56 km apart, C (day 3)
    about 110 km north. Ordered pairs ahead in time: A->B (lag 1, close), B->C (lag 2, far),
    A->C (lag 3, far); so one close pair per 3 incidents whatever the lag window."""
    lat = [48.0, 48.05, 49.0]
    lon = [35.0, 35.0, 35.0]
    day = [0, 1, 3]
    t = knox_table(lat, lon, day, radii_km=[10.0], lags_days=[1, 2, 3])
    # ordered pairs ahead in time: A->B lag 1 (5.56 km), B->C lag 2 (105 km), A->C lag 3
    assert t.observed[0].tolist() == pytest.approx([1 / 3, 1 / 3, 1 / 3])
    # P(distance <= 10 km) over the 6 ordered pairs: A-B both ways = 2/6
    in_time = np.array([1, 2, 3]) / 3
    assert t.expected[0].tolist() == pytest.approx((in_time * 2 / 6).tolist())
    assert t.ratio[0, 0] == pytest.approx(3.0)


def _brute(lat: Any, lon: Any, day: Any, r: float, k: int) -> tuple[float, float]:
    n = len(lat)
    dist = np.zeros((n, n))
    for i in range(n):
        for j in range(n):
            a, b = math.radians(lat[i]), math.radians(lat[j])
            dl = math.radians(lon[j] - lon[i])
            h = math.sin((b - a) / 2) ** 2 + math.cos(a) * math.cos(b) * math.sin(dl / 2) ** 2
            dist[i, j] = 2 * 6371.0088 * math.asin(math.sqrt(h))
    close_space = sum(dist[i, j] <= r for i in range(n) for j in range(n) if i != j)
    share = close_space / (n * (n - 1))
    obs = sum(0 < day[j] - day[i] <= k and dist[i, j] <= r for i in range(n) for j in range(n))
    in_time = sum(0 < day[j] - day[i] <= k for i in range(n) for j in range(n))
    return obs / n, in_time * share / n


def test_matches_a_brute_force_count() -> None:
    rng = np.random.default_rng(5)
    n = 60
    lat = (48 + rng.normal(0, 0.3, n)).tolist()
    lon = (35 + rng.normal(0, 0.4, n)).tolist()
    day = rng.integers(0, 20, n).tolist()
    t = knox_table(lat, lon, day, radii_km=[5.0, 20.0, 60.0], lags_days=[1, 3, 7])
    for a, r in enumerate((5.0, 20.0, 60.0)):
        for b, k in enumerate((1, 3, 7)):
            obs, exp = _brute(lat, lon, day, r, k)
            assert t.observed[a, b] == pytest.approx(obs)
            assert t.expected[a, b] == pytest.approx(exp)


def test_shuffled_days_show_no_clustering() -> None:
    """Positions and days drawn independently: the ratio stays near 1 (the test can say no)."""
    rng = np.random.default_rng(11)
    n = 800
    t = knox_table(48 + rng.normal(0, 1, n), 35 + rng.normal(0, 1, n), rng.integers(0, 60, n),
                   radii_km=[50.0], lags_days=[7], permutations=49)  # fmt: skip
    assert 0.85 < t.ratio[0, 0] < 1.15
    assert t.p_value[0, 0] > 0.05


def test_the_estimate_on_the_shared_record_is_the_default(incidents_2022: Any) -> None:
    table, est = estimate_from_hazards(incidents_2022.hazards, permutations=19)
    defaults = RiskParameters()
    assert table.n == 459
    assert est.radius_km == defaults.area_radius_km == 11.3
    assert est.half_life_days == defaults.area_half_life_days == 3.4
    assert est.daily_weight == defaults.area_daily_weight == 0.26
    assert est.ratio_7d > 1.2 and est.p_value_7d == pytest.approx(1 / 20)  # none of 19 beat it


def test_the_script_writes_a_parameters_file(
    record_path: Path, tmp_path: Path, capsys: Any
) -> None:
    out = tmp_path / "params.toml"
    assert main([str(record_path), "--permutations", "0", "--toml", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "459 incidents used" in printed and "| 10 |" in printed
    params = RiskParameters.from_file(out)
    assert params == RiskParameters()


def test_parameters_files_are_checked(tmp_path: Path) -> None:
    good = tmp_path / "p.json"
    good.write_text('{"area_radius_km": 5, "acute": false}')
    assert RiskParameters.from_file(good).area_radius_km == 5
    for text, words in (
        ('{"area_radius": 5}', "unknown risk parameter"),
        ('{"area_daily_weight": 2}', "area_daily_weight"),
        ('{"town_km": -1}', ">= 0"),
        ("[1]", "name = value"),
        ("{", "not JSON"),
    ):
        bad = tmp_path / "bad.json"
        bad.write_text(text)
        with pytest.raises(InputError, match=words):
            RiskParameters.from_file(bad)
