"""Vincenty's inverse in NumPy against pyproj (Karney's method, exact to nanometres): the
distances snapping measures, on real roads and on random lines of every length."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest
from pyproj import Geod

from corridor.network import Network
from corridor.network._geodesic import WGS84_A, WGS84_E2, inverse_m

GEOD = Geod(ellps="WGS84")


def _karney(lon1: object, lat1: object, lon2: object, lat2: object) -> np.ndarray:
    return np.asarray(GEOD.inv(lon1, lat1, lon2, lat2)[2], dtype=np.float64)


def test_every_road_piece_of_krems_to_a_tenth_of_a_micrometre(krems: Network) -> None:
    lon, lat = krems.arrays["seg_lon"], krems.arrays["seg_lat"]
    starts = np.setdiff1d(np.arange(lon.size - 1), krems.seg_offsets[1:] - 1)
    a = (lon[starts], lat[starts], lon[starts + 1], lat[starts + 1])
    ours, theirs = inverse_m(*a), _karney(*a)
    assert starts.size > 1000
    assert np.abs(ours - theirs).max() < 1e-7


@pytest.mark.parametrize(
    ("spread_deg", "tolerance"),
    # one metre, a hundred metres, ten kilometres, a thousand kilometres, half the globe
    [(1e-5, 1e-6), (1e-3, 1e-6), (0.1, 1e-5), (10.0, 1e-4), (90.0, 1e-3)],
)
def test_random_lines_anywhere(spread_deg: float, tolerance: float) -> None:
    rng = np.random.default_rng(7)
    n = 20_000
    lat1, lon1 = rng.uniform(-89.9, 89.9, n), rng.uniform(-180, 180, n)
    lat2 = np.clip(lat1 + rng.normal(0, spread_deg, n), -90, 90)
    lon2 = lon1 + rng.normal(0, spread_deg, n)
    ours, theirs = inverse_m(lon1, lat1, lon2, lat2), _karney(lon1, lat1, lon2, lat2)
    assert np.abs(ours - theirs).max() < tolerance
    assert (np.abs(ours - theirs) <= 1e-9 * theirs + 1e-6).all()


def test_worked_values() -> None:
    # A degree of longitude on the equator is a * pi / 180 exactly; coincident points are 0.
    got = inverse_m([0.0, 15.6, 0.0], [0.0, 48.4, 0.0], [1.0, 15.6, 0.0], [0.0, 48.4, 90.0])
    assert got[0] == pytest.approx(WGS84_A * np.pi / 180, abs=1e-9)
    assert got[1] == 0.0
    # Equator to pole: the quarter meridian of WGS84, 10,001,965.729 m (published value).
    assert got[2] == pytest.approx(10_001_965.729, abs=1e-3)
    assert pytest.approx(0.00669437999014, abs=1e-14) == WGS84_E2


def test_nearly_antipodal_points_fall_back_to_karney_and_keep_their_shape() -> None:
    lon1 = np.array([[0.0, 0.0], [10.0, 20.0]])
    lat1 = np.array([[0.0, 0.0], [45.0, -30.0]])
    lon2 = np.array([[179.7, 0.001], [10.0, 20.001]])
    lat2 = np.array([[0.3, 0.0], [45.0, -30.0]])
    got = inverse_m(lon1, lat1, lon2, lat2)
    assert got.shape == (2, 2)
    np.testing.assert_allclose(got, _karney(lon1, lat1, lon2, lat2), rtol=0, atol=1e-6)


def test_a_distance_is_the_same_alone_or_in_a_batch() -> None:
    rng = np.random.default_rng(3)
    lat1, lon1 = rng.uniform(48, 49, 500), rng.uniform(15, 16, 500)
    lat2, lon2 = lat1 + rng.normal(0, 1e-3, 500), lon1 + rng.normal(0, 30.0, 500)
    batch = inverse_m(lon1, lat1, lon2, lat2)
    alone = [inverse_m(lon1[i], lat1[i], lon2[i], lat2[i])[()] for i in range(0, 500, 7)]
    assert batch[::7].tolist() == alone


def test_snapping_does_not_import_pyproj() -> None:
    code = "import sys; import corridor.network._snap; print('pyproj' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
