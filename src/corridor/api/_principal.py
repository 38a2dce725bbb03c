"""Who is calling: the authenticated user as the API and the audit log see them."""

from __future__ import annotations

from dataclasses import dataclass

from corridor.api._roles import Role


@dataclass(frozen=True)
class Principal:
    """The authenticated caller; ``name`` is what the audit log records as the actor."""

    user_id: int
    name: str
    role: Role
    party: str | None

    @property
    def actor(self) -> str:
        return f"{self.role.value}:{self.name}"
