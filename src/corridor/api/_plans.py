"""`/plans`: plan an evacuation on a served network under the stored hazards; read it back.

A plan is computed on the server (the same ``plan_evacuation`` as `corridor plan`) and stored
as the next version of its id, audited in the same transaction. The exact bound is solved under
a short time limit so that no request can hold a worker for long; sizes are capped for the
same reason (the CLI has no such caps).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from corridor.api._adapters import session_of
from corridor.api._auth import CurrentUser
from corridor.api._pagination import Page, PageOf, page_params, paginate
from corridor.api._problems import problem_responses
from corridor.api._state import state_of
from corridor.errors import PlanError

router = APIRouter(prefix="/plans", tags=["plans"], responses=problem_responses(401, 403))

PlanId = Annotated[str, Path(max_length=64, description="The plan's id.")]
#: Caps for one request (a hostile coordinator must not tie up the server).
MAX_GATHERING_POINTS = 500
MAX_VEHICLES = 1000
BOUND_TIME_LIMIT_S = 10.0


class PlanRequest(BaseModel):
    """A plan file (as JSON) and where to plan it."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)

    plan: dict[str, Any] = Field(description="the plan file's content (plan.schema.json)")
    network: str = Field(min_length=1, max_length=200, examples=["krems"])
    hazards: bool = Field(default=True, description="use the stored hazards at the plan start")
    bound: bool = Field(default=True, description="also solve the exact bound (time-limited)")


class PlanOut(BaseModel):
    """One stored plan version with its schedule (schedule.schema.json)."""

    plan_id: str
    version: int
    latest_version: int
    digest: str
    created_at: str
    created_by: str
    plan: dict[str, Any]
    schedule: dict[str, Any]


def _out(rec: Any) -> dict[str, Any]:
    return {
        "plan_id": rec.plan_id,
        "version": rec.version,
        "latest_version": rec.latest_version,
        "digest": rec.digest,
        "created_at": rec.created_at.isoformat().replace("+00:00", "Z"),
        "created_by": rec.created_by,
        "plan": rec.plan,
        "schedule": rec.schedule,
    }


@router.post(
    "",
    name="plans.create",
    status_code=201,
    response_model=PlanOut,
    responses=problem_responses(404, 422),
)
def create_plan(request: Request, body: PlanRequest, user: CurrentUser) -> Any:
    """Plan the evacuation, store it as the next version of its id, return it."""
    from corridor.planning import plan_evacuation, plan_from_data
    from corridor.store import list_hazards, load_agreement, save_plan

    plan = plan_from_data(body.plan)
    n_vehicles = len(plan.vehicles.buses) + len(plan.vehicles.ambulances)
    if len(plan.gathering_points) > MAX_GATHERING_POINTS or n_vehicles > MAX_VEHICLES:
        raise PlanError(
            f"at most {MAX_GATHERING_POINTS} gathering points and {MAX_VEHICLES} vehicles per "
            "request",
            hint="plan larger operations with `corridor plan`",
        )
    state = state_of(request)
    network = state.network(body.network)
    with session_of(state.store, write=False) as session:
        hazards = list_hazards(session) if body.hazards else []
        agreements = {
            c.agreement: load_agreement(session, c.agreement, version=c.agreement_version).terms
            for c in plan.corridors
            if c.agreement is not None
        }
    schedule = plan_evacuation(
        plan,
        network=network,
        hazards=hazards,
        agreements=agreements,
        bound=body.bound,
        bound_time_limit_s=BOUND_TIME_LIMIT_S,
        mip_max_cols=2000,
    )
    with session_of(state.store) as session:
        rec = save_plan(
            session,
            plan.model_dump(mode="json", exclude_none=True),
            schedule.model_dump(mode="json"),
            actor=user.actor,
        )
        out = _out(rec)
    return JSONResponse(out, status_code=201, headers={"Location": f"/plans/{rec.plan_id}"})


class PlanSummary(BaseModel):
    """A stored plan's id and its newest version (read it with GET /plans/{plan_id})."""

    plan_id: str
    latest_version: int


@router.get("", name="plans.list", response_model=PageOf[PlanSummary])
def list_stored_plans(
    request: Request, page: Annotated[Page, Depends(page_params)]
) -> PageOf[PlanSummary]:
    """Every stored plan by id, with its newest version (the dashboard's plan list)."""
    from corridor.store import list_plans

    with session_of(state_of(request).store, write=False) as session:
        plans = list_plans(session)
    chosen = plans[page.offset : page.offset + page.limit]
    items = [PlanSummary(plan_id=p, latest_version=v) for p, v in chosen]
    return paginate(request, items, len(plans), page)


@router.get(
    "/{plan_id}",
    name="plans.read",
    response_model=PlanOut,
    responses=problem_responses(404),
)
def read_plan(
    request: Request,
    plan_id: PlanId,
    version: Annotated[int | None, Query(ge=1, le=1_000_000)] = None,
) -> Any:
    """One version of a plan (default: the latest) with its schedule."""
    from corridor.store import load_plan_record

    with session_of(state_of(request).store, write=False) as session:
        rec = load_plan_record(session, plan_id, version=version)
        return JSONResponse(_out(rec))
