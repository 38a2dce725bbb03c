"""`POST /assessments`: `corridor assess` over HTTP, against the stored incident picture.

Computing an assessment writes nothing, so every role may. The caller names places (resolved
in a built-in gazetteer: the shared city list or GeoNames; never a server file path) or gives
LAT,LON; a name that is unknown or ambiguous is listed under ``unresolved``, never guessed.
"""

from __future__ import annotations

import itertools
import threading
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Literal

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from corridor._times import UtcDatetime
from corridor.api._problems import problem_responses
from corridor.api._routing import _stored_hazards
from corridor.api._state import ApiState, state_of
from corridor.errors import CorridorError, InputError
from corridor.hazards import distance_km, load_gazetteer

if TYPE_CHECKING:  # imported when first used: a server worker starts without numpy's k-d tree
    from corridor.assessment import IncidentSet, Proposal, RiskParameters, Unresolved

router = APIRouter(tags=["assessments"], responses=problem_responses(401, 403))
_LOCK = threading.Lock()
MIN_TIME = datetime(1900, 1, 1, tzinfo=UTC)
MAX_TIME = datetime(2200, 1, 1, tzinfo=UTC)
MAX_TOTAL_KM = 200_000.0  # 500 proposals of 400 km


class ProposalIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str = Field(min_length=1, max_length=100, pattern=r"^[A-Za-z0-9][A-Za-z0-9._:-]*$")
    at_utc: UtcDatetime
    via: list[str] = Field(
        min_length=2, max_length=50, description="Places in order: LAT,LON or a place name."
    )


class AssessmentRequest(BaseModel):
    """Proposals to assess against the stored hazards (incident records) known at each time."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)

    proposals: list[ProposalIn] = Field(min_length=1, max_length=500)
    gazetteer: str = Field(
        default="cities", pattern=r"^(cities|geonames:[A-Za-z]{2})$",
        description="cities (the shared city list) or geonames:CC.",
    )  # fmt: skip
    network: str | None = Field(
        default=None, max_length=200, description="Route on this loaded network where it can."
    )
    parameters: dict[str, float | bool] = Field(
        default_factory=dict, max_length=20, description="Overrides of the model parameters."
    )
    max_incidents: int = Field(default=20, ge=0, le=500)
    format: Literal["json", "geojson"] = "json"


def _incidents(state: ApiState, params: RiskParameters, version: int | None) -> IncidentSet:
    """The stored hazards as incident arrays, rebuilt only when the store or parameters change."""
    from corridor.assessment import IncidentSet

    key = (version, params)
    with _LOCK:
        cached = state.caches.get("assessment_incidents")
        if cached is not None and cached[0] == key and version is not None:
            return cached[1]  # type: ignore[no-any-return]
    incidents = IncidentSet.from_hazards(_stored_hazards(state), params)
    with _LOCK:
        state.caches["assessment_incidents"] = (key, incidents)
    return incidents


@router.post(
    "/assessments",
    name="assessments.compute",
    responses={
        200: {"description": "Exposure to recorded violence; not a probability of failure."},
        **problem_responses(404, 422),
    },
)
def compute_assessments(request: Request, body: AssessmentRequest) -> JSONResponse:
    """Exposure of each proposal to the recorded violence known at its time; rank in batch."""
    from corridor.assessment import RiskParameters, Unresolved, assess, make_proposal, to_geojson

    state = state_of(request)
    version = getattr(request.state, "store_version", None)
    params = RiskParameters().updated(dict(body.parameters), source="parameters")
    gazetteer = load_gazetteer(body.gazetteer)
    network = state.network(body.network) if body.network else None
    proposals: list[Proposal] = []
    unresolved: list[Unresolved] = []
    for n, p in enumerate(body.proposals):
        try:
            if not MIN_TIME <= p.at_utc <= MAX_TIME:
                raise InputError(f"time {p.at_utc.isoformat()} is outside 1900..2200")
            at: datetime = p.at_utc.astimezone(UTC)
            proposals.append(make_proposal(p.id, at, p.via, gazetteer, row=n))
        except CorridorError as exc:
            hint = f" ({exc.hint})" if exc.hint else ""
            unresolved.append(Unresolved(n, p.id, exc.message + hint))
    if not proposals:
        raise InputError(
            "no proposal could be assessed: " + "; ".join(u.reason for u in unresolved[:3]),
            field="proposals",
        )
    total_km = sum(
        distance_km(a.lat, a.lon, b.lat, b.lon)
        for p in proposals
        for a, b in itertools.pairwise(p.places)
    )
    if total_km > MAX_TOTAL_KM:
        raise InputError(f"the proposals add up to {total_km:,.0f} km of line, at most "
                         f"{MAX_TOTAL_KM:,.0f} km a request", field="proposals",
                         hint="split the batch")  # fmt: skip
    result = assess(proposals, _incidents(state, params, version), params=params,
                    network=network, unresolved=unresolved)  # fmt: skip
    if body.format == "geojson":
        doc: dict[str, Any] = to_geojson(result, max_incidents=body.max_incidents)
        return JSONResponse(doc, media_type="application/geo+json")
    return JSONResponse(result.as_dict(max_incidents=body.max_incidents))
