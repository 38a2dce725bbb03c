"""`POST /routes`: the CLI's `corridor route` over HTTP, under the stored hazard picture."""

from __future__ import annotations

import threading
from typing import Any, Literal

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field
from sqlalchemy import func, select
from starlette.concurrency import run_in_threadpool

from corridor.api._problems import problem_responses
from corridor.api._state import ApiState, state_of
from corridor.hazards import Hazard
from corridor.routing import DEFAULT_RISK_WEIGHT, RouteOptions

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
    at_utc: AwareDatetime | None = Field(
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
    format: Literal["json", "geojson", "gpx"] = "json"


class RouteAnswer(BaseModel):
    network: str
    at_utc: str
    hazards_considered: int
    waypoints: list[dict[str, Any]]
    notes: list[str]
    routes: list[dict[str, Any]]


_CONTENT: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "Routes, best first, each explained (roads, bridges, nearby hazards).",
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
    responses={**_CONTENT, **problem_responses(404, 422)},
)
async def compute_route(request: Request, body: RouteRequest) -> Response:
    """Best route (and alternatives or the Pareto set) between two points on a network."""
    return await run_in_threadpool(_compute, state_of(request), body)


def _compute(state: ApiState, body: RouteRequest) -> Response:
    from corridor.routing._request import answer

    network = state.network(body.network)
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
    hazards = current_hazards(state) if body.hazards else []
    found = answer(
        network,
        origin=(body.origin.lat, body.origin.lon),
        destination=(body.destination.lat, body.destination.lon),
        via=[(v.lat, v.lon) for v in body.via],
        hazards=hazards,
        options=options,
    )
    if body.format == "gpx":
        return Response(found.gpx(network), media_type="application/gpx+xml")
    if body.format == "geojson":
        return JSONResponse(found.geojson(network), media_type="application/geo+json")
    out = found.to_dict()
    out["network"] = body.network
    out["hazards_considered"] = len(hazards)
    return JSONResponse(RouteAnswer.model_validate(out).model_dump(mode="json"))


_LOCK = threading.Lock()


def current_hazards(state: ApiState) -> list[Hazard]:
    """The active hazards, re-read only when the audit log has grown.

    Every write to the store is audited in its own transaction, so the audit head's sequence
    number is a cheap version of the whole store: one indexed query per request instead of
    re-reading and re-parsing every hazard.
    """
    from corridor.api._adapters import session_of
    from corridor.store import AuditEntry, list_hazards

    with session_of(state.store, write=False) as session:
        head = session.scalar(select(func.max(AuditEntry.seq)))
        cached = state.caches.get("hazards")
        if cached is not None and cached[0] == head:
            return list(cached[1])
        hazards = list_hazards(session)
    with _LOCK:
        state.caches["hazards"] = (head, hazards)
    return list(hazards)
