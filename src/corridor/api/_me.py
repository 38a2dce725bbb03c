"""`GET /me`: who the token belongs to (lets a client show its role and party)."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel, Field

from corridor.api._auth import CurrentUser
from corridor.api._problems import problem_responses
from corridor.api._roles import PERMISSIONS

router = APIRouter(tags=["users"], responses=problem_responses(401))


class Me(BaseModel):
    name: str
    role: str
    party: str | None
    may: list[str] = Field(
        description="Route names (operation ids' names in the permission table) this role may "
        "use; a client offers only these actions. Liaisons act only for their own party."
    )


@router.get("/me", name="me.read", response_model=Me)
def me(user: CurrentUser) -> Me:
    may = sorted(
        name for name, roles in PERMISSIONS.items() if roles is not None and user.role in roles
    )
    return Me(name=user.name, role=user.role.value, party=user.party, may=may)
