"""A proposal's line: routed on a loaded road network where it lies inside it, else the
geodesic polyline through its places (pyproj's Geod), densified so that no piece is longer
than a few kilometres and distances to it can be taken on a local plane."""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from pyproj import Geod

from corridor.errors import CorridorError
from corridor.hazards import Place
from corridor.network import Network

F64 = NDArray[np.float64]
GEOD = Geod(ellps="WGS84")
STEP_KM = 2.0  # longest piece of a geodesic line


@dataclass(frozen=True)
class Line:
    """The line assessed: lon/lat vertices, how it was made, its length."""

    lon: F64
    lat: F64
    method: str  # "network" (routed on roads), "geodesic" (straight, no roads), "given"
    length_km: float
    note: str = ""


def _length_km(lon: F64, lat: F64) -> float:
    if lon.size < 2:
        return 0.0
    return float(GEOD.line_length(lon, lat)) / 1000.0


def densified(lon: F64, lat: F64, step_km: float = STEP_KM) -> tuple[F64, F64]:
    """The polyline with every piece longer than ``step_km`` cut into equal parts, straight in
    lon/lat as GeoJSON draws it, so that distances to a piece can be taken on a plane local to
    each incident (the assessment's exposure assumes pieces of a few kilometres)."""
    if lon.size < 2:
        return lon, lat
    _, _, dist_m = GEOD.inv(lon[:-1], lat[:-1], lon[1:], lat[1:])
    parts = np.maximum(np.ceil(np.asarray(dist_m) / 1000.0 / step_km), 1).astype(np.int64)
    if int(parts.max()) == 1:
        return lon, lat
    start = np.repeat(np.arange(lon.size - 1), parts)
    within = np.arange(int(parts.sum())) - np.repeat(np.cumsum(parts) - parts, parts)
    f = within / np.repeat(parts, parts)
    out_lon = np.append(lon[start] + f * (lon[start + 1] - lon[start]), lon[-1])
    out_lat = np.append(lat[start] + f * (lat[start + 1] - lat[start]), lat[-1])
    return out_lon, out_lat


def geodesic_line(places: Sequence[Place], step_km: float = STEP_KM) -> Line:
    """The geodesic polyline through ``places`` in order, a vertex every ``step_km`` at most."""
    lons: list[float] = [places[0].lon]
    lats: list[float] = [places[0].lat]
    for a, b in itertools.pairwise(places):
        _, _, dist_m = GEOD.inv(a.lon, a.lat, b.lon, b.lat)
        n = int(dist_m / 1000.0 // step_km)
        if n > 0:
            for lon, lat in GEOD.npts(a.lon, a.lat, b.lon, b.lat, n):
                lons.append(lon)
                lats.append(lat)
        lons.append(b.lon)
        lats.append(b.lat)
    lon_a, lat_a = np.asarray(lons), np.asarray(lats)
    return Line(lon_a, lat_a, "geodesic", _length_km(lon_a, lat_a))


def inside(network: Network, places: Sequence[Place]) -> bool:
    """Whether every place lies within the network's extent (its nodes' bounding box)."""
    lon, lat = network.node_lon, network.node_lat
    return all(
        float(lon.min()) <= p.lon <= float(lon.max())
        and float(lat.min()) <= p.lat <= float(lat.max())
        for p in places
    )


def network_line(network: Network, places: Sequence[Place]) -> Line | None:
    """The fastest road route through ``places`` on ``network``, or None (with no error) when
    the places are outside it or no route joins them, so the caller falls back to geodesic."""
    from corridor.routing import route, route_coords

    if not inside(network, places):
        return None
    points = [(p.lat, p.lon) for p in places]
    try:
        result = route(network, origin=points[0], destination=points[-1], via=points[1:-1])
    except CorridorError:
        return None
    lon, lat = route_coords(network, result.routes[0])
    if lon.size < 2:
        return None
    lon, lat = densified(np.asarray(lon, np.float64), np.asarray(lat, np.float64))
    return Line(lon, lat, "network", _length_km(lon, lat))


def proposal_line(places: Sequence[Place], network: Network | None = None) -> Line:
    """Routed on ``network`` when it holds the proposal, else geodesic (and says why)."""
    if network is not None:
        line = network_line(network, places)
        if line is not None:
            return line
        geo = geodesic_line(places)
        return Line(geo.lon, geo.lat, geo.method, geo.length_km,
                    "outside the loaded network or no road route: geodesic line")  # fmt: skip
    return geodesic_line(places)
