"""One routing request end to end: network file, hazards at a time, routes and explanations.

The CLI and the REST API both call :func:`answer` so that they give the same routes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from corridor.hazards import Hazard, RiskModel
from corridor.network import OSM_SUFFIXES, Network, import_osm, read_network_with_extras
from corridor.routing._cch import Hierarchy
from corridor.routing._engine import router_for
from corridor.routing._explain import Explanation, explain
from corridor.routing._export import to_geojson, to_gpx
from corridor.routing._landmarks import Landmarks
from corridor.routing._model import SAFEST_RISK_WEIGHT, RouteOptions, RouteResult
from corridor.routing._route import LatLon, route


def open_network(path: str | Path) -> Network:
    """A network file (landmarks and contraction hierarchy stored in it are used), or an OSM
    extract imported on the fly."""
    path = Path(path)
    if path.name.lower().endswith(OSM_SUFFIXES):
        return import_osm(path)
    network, extras = read_network_with_extras(path)
    landmarks = Landmarks.from_extras(network, extras)
    hierarchy = Hierarchy.from_extras(network, extras)
    if landmarks is not None or hierarchy is not None:
        router_for(network, landmarks=landmarks, hierarchy=hierarchy)
    return network


@dataclass(frozen=True)
class Answer:
    result: RouteResult
    explanations: list[Explanation]
    at_utc: datetime

    def to_dict(self) -> dict[str, Any]:
        return {
            "at_utc": self.at_utc.isoformat(),
            "waypoints": [vars(w) for w in self.result.waypoints],
            "notes": self.result.notes,
            "routes": [e.to_dict() for e in self.explanations],
        }

    def geojson(self, network: Network) -> dict[str, Any]:
        return to_geojson(
            network, self.result, explanations=[e.to_dict() for e in self.explanations]
        )

    def gpx(self, network: Network) -> str:
        return to_gpx(network, self.result)


def answer(
    network: Network,
    *,
    origin: LatLon,
    destination: LatLon,
    via: Sequence[LatLon] = (),
    hazards: Sequence[Hazard] = (),
    options: RouteOptions | None = None,
    risk_model: RiskModel | None = None,
    explain_routes: bool = True,
) -> Answer:
    """Route under the hazards valid at ``options.at`` (default now, UTC); explain each route.

    ``risk_model``: a model of ``hazards`` built earlier, e.g. kept by a server between
    requests; it is moved to the request's time and used instead of a new one. With
    ``explain_routes=False`` the explanations are left empty: finding the hazards near a route
    costs far more than the search itself.
    """
    opts = options or RouteOptions()
    at = (opts.at or datetime.now(UTC)).astimezone(UTC)
    model = risk_model
    if model is None and hazards:
        model = RiskModel(network, hazards, at=at)
    elif model is not None and model.at != at:
        model.set_time(at)
    result = route(
        network, origin=origin, destination=destination, via=via, risk_model=model, options=opts
    )
    explanations = (
        [explain(network, r, risk_model=model, hazards=hazards, at=at) for r in result.routes]
        if explain_routes
        else []
    )
    return Answer(result, explanations, at)


def fastest_and_safest(
    network: Network,
    *,
    origin: LatLon,
    destination: LatLon,
    via: Sequence[LatLon] = (),
    hazards: Sequence[Hazard] = (),
    at: datetime | None = None,
) -> dict[str, Answer]:
    """The fastest route (risk ignored) and the safest (least risk, then least time), explained.

    Both are costed under the same hazards at ``at`` (one risk model serves both); the demo
    prints and maps these two.
    """
    when = (at or datetime.now(UTC)).astimezone(UTC)
    model = RiskModel(network, hazards, at=when) if hazards else None
    out = {}
    for name, weight in (("fastest", 0.0), ("safest", SAFEST_RISK_WEIGHT)):
        opts = RouteOptions(risk_weight=weight, at=when)
        found = answer(
            network,
            origin=origin,
            destination=destination,
            via=via,
            hazards=hazards,
            options=opts,
            risk_model=model,
        )
        kind = replace(found.result.best, kind=name)
        result = replace(found.result, routes=[kind])
        out[name] = Answer(result, [replace(found.explanations[0], kind=name)], found.at_utc)
    return out
