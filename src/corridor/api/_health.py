"""`GET /health`: liveness and whether the database answers (public, for load balancers)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from pydantic import BaseModel

from corridor import __version__
from corridor.api._adapters import ping
from corridor.api._state import state_of

router = APIRouter(tags=["health"])


class Health(BaseModel):
    status: str
    version: str
    database: str
    networks: list[str]


@router.get("/health", name="health", response_model=Health)
def health(request: Request) -> Health:
    state = state_of(request)
    ok = ping(state.store)
    return Health(
        status="ok" if ok else "degraded",
        version=__version__,
        database="ok" if ok else "unreachable",
        networks=sorted(state.networks),
    )
