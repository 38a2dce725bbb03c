"""The local projection is built once per 0.1-degree cell and measures like an exact one."""

from __future__ import annotations

import numpy as np
from pyproj import Geod, Transformer

from corridor.hazards._index import local_transformer


def test_nearby_centres_share_one_projection() -> None:
    a = local_transformer(15.6012, 48.4101)
    assert local_transformer(15.6349, 48.3951) is a  # same 0.1-degree cell
    assert local_transformer(15.6612, 48.4101) is not a


def test_snapped_centre_measures_like_the_exact_centre() -> None:
    """Distances across a town, in the cached projection, against the geodesic (oracle)."""
    lon0, lat0 = 15.6449, 48.4449  # nearly 0.05 degrees from the grid point the cache uses
    rng = np.random.default_rng(7)
    lon = lon0 + rng.uniform(-0.05, 0.05, 200)
    lat = lat0 + rng.uniform(-0.05, 0.05, 200)
    cached = local_transformer(lon0, lat0)
    crs = f"+proj=tmerc +lat_0={lat0} +lon_0={lon0} +k=1 +x_0=0 +y_0=0 +ellps=WGS84 +units=m"
    exact = Transformer.from_crs("EPSG:4326", crs, always_xy=True)
    geod = Geod(ellps="WGS84")
    truth = geod.inv(lon[:-1], lat[:-1], lon[1:], lat[1:])[2]
    for tf in (cached, exact):
        x, y = tf.transform(lon, lat)
        planar = np.hypot(np.diff(x), np.diff(y))
        assert np.max(np.abs(planar / truth - 1)) < 1e-5
