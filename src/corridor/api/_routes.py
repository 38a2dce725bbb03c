"""`POST /routes`: the CLI's `corridor route` over HTTP, under the stored hazard picture."""

from __future__ import annotations

from typing import Any, Literal

import numpy as np
from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, ConfigDict, Field

from corridor._times import UtcDatetime
from corridor.api._heavy import run_heavy
from corridor.api._problems import problem_responses
from corridor.api._routing import solve
from corridor.api._state import ApiState, state_of
from corridor.routing import DEFAULT_RISK_WEIGHT, RouteOptions, route_coords, to_geojson, to_gpx

router = APIRouter(tags=["routes"], responses=problem_responses(401, 403))


class LatLon(BaseModel):
    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)

    lat: float = Field(ge=-90, le=90)
    lon: float = Field(ge=-180, le=180)


class RouteRequest(BaseModel):
    """The options of `corridor route`; hazards are the store's active ones."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)

    network: str = Field(min_length=1, max_length=200, examples=["krems"])
    origin: LatLon
    destination: LatLon
    via: list[LatLon] = Field(default_factory=list, max_length=10)
    at_utc: UtcDatetime | None = Field(
        default=None, description="Evaluate hazards at this time (default: now)."
    )
    risk_weight: float = Field(
        default=DEFAULT_RISK_WEIGHT,
        ge=0,
        le=1e6,
        description="Hours of travel worth one unit of -log survival; 0 = fastest.",
    )
    max_risk: float | None = Field(default=None, ge=0, lt=1)
    alternatives: int = Field(default=0, ge=0, le=10)
    max_overlap: float = Field(default=0.5, ge=0, le=1)
    max_stretch: float = Field(default=1.6, ge=1, le=10)
    pareto: bool = False
    snap_max_m: float = Field(default=2000.0, gt=0, le=50_000)
    hazards: bool = Field(default=True, description="false: ignore hazards (pure travel time).")
    explain: bool = Field(
        default=False,
        description="Add each route's roads, bridges and nearby hazards (costs far more time).",
    )
    format: Literal["json", "geojson", "gpx"] = "json"
    edge_ids: bool = Field(
        default=False,
        description="Add each route's edge ids and the network's SHA-256 (what terms cite).",
    )


class RouteAnswer(BaseModel):
    network: str
    at_utc: str
    hazards_considered: int
    waypoints: list[dict[str, Any]]
    notes: list[str]
    routes: list[dict[str, Any]]


_CONTENT: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "Routes, best first, with geometry (and explanations if asked).",
        "content": {
            "application/geo+json": {"schema": {"type": "object"}},
            "application/gpx+xml": {"schema": {"type": "string"}},
        },
    }
}


@router.post(
    "/routes",
    name="routes.compute",
    response_model=RouteAnswer,
    responses={**_CONTENT, **problem_responses(404, 422, 503)},
)
async def compute_route(request: Request, body: RouteRequest) -> Response:
    """Best route (and alternatives or the Pareto set) between two points on a network.

    With explanations, alternatives or the Pareto set the request is heavy: it runs on the
    bounded heavy pool and may be refused with 503 and Retry-After when the server is behind.
    """
    version = getattr(request.state, "store_version", None)
    state = state_of(request)
    if is_heavy(body):
        return await run_heavy(request, _compute, state, body, version, "pool")
    # CPU-bound and ~1 ms: run it on the event loop. A thread would not run it in parallel
    # (the GIL), and handing the GIL back and forth adds up to 5 ms (the switch interval).
    return _compute(state, body, version, "loop")


def is_heavy(body: RouteRequest) -> bool:
    """Requests that cost several searches or a spatial query per route (see docs/benchmarks)."""
    return body.explain or body.pareto or body.alternatives > 0 or len(body.via) > 2


def _compute(state: ApiState, body: RouteRequest, version: int | None, side: str) -> Response:
    options = RouteOptions(
        risk_weight=body.risk_weight,
        max_risk=body.max_risk,
        alternatives=body.alternatives,
        max_overlap=body.max_overlap,
        max_stretch=body.max_stretch,
        pareto=body.pareto,
        at=body.at_utc,
        snap_max_m=body.snap_max_m,
    )
    done = solve(
        state,
        body.network,
        origin=(body.origin.lat, body.origin.lon),
        destination=(body.destination.lat, body.destination.lon),
        via=[(v.lat, v.lon) for v in body.via],
        options=options,
        use_hazards=body.hazards,
        explain=body.explain,
        version=version,
        side=side,
    )
    network = state.network(body.network)
    if body.format == "gpx":
        return Response(to_gpx(network, done.result), media_type="application/gpx+xml")
    if body.format == "geojson":
        doc = to_geojson(network, done.result, explanations=done.explanations)
        return JSONResponse(doc, media_type="application/geo+json")
    routes = []
    for i, r in enumerate(done.result.routes):
        lon, lat = route_coords(network, r)
        item: dict[str, Any] = {
            **r.summary(),
            "geometry": {
                "type": "LineString",
                "coordinates": np.round(np.column_stack([lon, lat]), 7).tolist(),
            },
        }
        if body.edge_ids:
            item["edge_ids"] = r.edges.tolist()
            item["network_sha256"] = network.file_sha256
        if done.explanations is not None:
            item["explanation"] = done.explanations[i]
        routes.append(item)
    out = {
        "network": body.network,
        "at_utc": done.at_utc.isoformat().replace("+00:00", "Z"),
        "hazards_considered": len(done.hazards),
        "waypoints": [vars(w) for w in done.result.waypoints],
        "notes": done.result.notes,
        "routes": routes,
    }
    # Built to RouteAnswer's shape (the schema test checks it); re-validating costs ~1 ms.
    return JSONResponse(out)
