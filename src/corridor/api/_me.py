"""`GET /me`: who the token belongs to (lets a client show its role and party)."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel

from corridor.api._auth import CurrentUser
from corridor.api._problems import problem_responses

router = APIRouter(tags=["users"], responses=problem_responses(401))


class Me(BaseModel):
    name: str
    role: str
    party: str | None


@router.get("/me", name="me.read", response_model=Me)
def me(user: CurrentUser) -> Me:
    return Me(name=user.name, role=user.role.value, party=user.party)
