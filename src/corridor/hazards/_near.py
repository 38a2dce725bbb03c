"""Hazards near a route: distance from the route polyline to each hazard's geometry."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

import numpy as np
import shapely
from numpy.typing import ArrayLike

from corridor.hazards._index import local_transformer, project
from corridor.hazards._model import Hazard
from corridor.hazards._values import as_utc


def hazards_near(
    hazards: Iterable[Hazard],
    lon: ArrayLike,
    lat: ArrayLike,
    *,
    within_m: float = 1000.0,
    at: datetime | None = None,
) -> list[tuple[Hazard, float]]:
    """(hazard, distance_m) for every hazard within ``within_m`` of the polyline, nearest first.

    The distance is to the hazard's own geometry (point, line or polygon), not its buffered zone,
    so a shelling point 250 m from the road reads as 250 m; 0 means the route crosses it. With
    ``at``, only hazards valid then are listed.
    """
    lon_a = np.asarray(lon, dtype=np.float64)
    lat_a = np.asarray(lat, dtype=np.float64)
    when = None if at is None else as_utc(at)
    chosen = [h for h in hazards if when is None or h.valid_at(when)]
    if not chosen or lon_a.size == 0:
        return []
    transformer = local_transformer(float(lon_a.mean()), float(lat_a.mean()))
    x, y = transformer.transform(lon_a, lat_a)
    route = shapely.points(x[0], y[0]) if lon_a.size == 1 else shapely.linestrings(x, y)
    geoms = project(transformer, np.array([h.geometry for h in chosen], dtype=object))
    dist = shapely.distance(route, geoms)
    order = np.argsort(dist, kind="stable")
    return [(chosen[i], float(dist[i])) for i in order if dist[i] <= within_m]
