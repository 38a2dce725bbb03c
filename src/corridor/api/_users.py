"""API users: create (token shown once), list, disable, and look a token up."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select

from corridor.api._adapters import audit_append, session_of
from corridor.api._principal import Principal
from corridor.api._roles import Role
from corridor.api._tokens import hash_token, new_token, token_matches
from corridor.errors import InputError, NotFoundError, StateError


@dataclass(frozen=True)
class UserInfo:
    name: str
    role: str
    party: str | None
    created_at: datetime
    disabled_at: datetime | None


def _role(text: str) -> Role:
    try:
        return Role(text)
    except ValueError:
        choices = ", ".join(r.value for r in Role)
        raise InputError(f"unknown role {text!r}", field="role", hint=f"one of {choices}") from None


def add_user(store: Any, *, name: str, role: str, party: str | None, actor: str) -> str:
    """Create a user and return its token; the caller must show it now, it is never stored."""
    from corridor.store import ApiUserRow, PartyRow

    chosen = _role(role)
    name = name.strip()
    if not name or len(name) > 200:
        raise InputError("a user name must have 1 to 200 characters", field="name")
    if chosen is Role.LIAISON and not party:
        raise InputError("a liaison acts for one party", field="party", hint="pass --party P")
    token = new_token()
    with session_of(store) as session:
        if session.scalar(select(ApiUserRow.id).where(ApiUserRow.name == name)) is not None:
            raise StateError(f"a user named {name!r} exists already", item=name)
        party_id = None
        if party:
            party_id = session.scalar(select(PartyRow.id).where(PartyRow.name == party))
            if party_id is None:
                raise NotFoundError(
                    f"no party named {party!r}", item=party, hint="add it with `corridor party add`"
                )
        session.add(
            ApiUserRow(
                name=name, role=chosen.value, party_id=party_id, token_hash=hash_token(token)
            )
        )
        audit_append(
            session,
            actor=actor,
            action="user.add",
            payload={"name": name, "role": chosen.value, "party": party},
        )
    return token


def list_users(store: Any) -> list[UserInfo]:
    from corridor.store import ApiUserRow

    with session_of(store) as session:
        rows = session.scalars(select(ApiUserRow).order_by(ApiUserRow.name)).all()
        return [
            UserInfo(
                name=r.name,
                role=r.role,
                party=r.party.name if r.party is not None else None,
                created_at=r.created_at,
                disabled_at=r.disabled_at,
            )
            for r in rows
        ]


def disable_user(store: Any, *, name: str, actor: str) -> None:
    from corridor.store import ApiUserRow, utc_now

    with session_of(store) as session:
        row = session.scalar(select(ApiUserRow).where(ApiUserRow.name == name))
        if row is None:
            raise NotFoundError(f"no user named {name!r}", item=name)
        if row.disabled_at is not None:
            raise StateError(f"user {name!r} is disabled already", item=name)
        row.disabled_at = utc_now()
        audit_append(session, actor=actor, action="user.disable", payload={"name": name})


def authenticate(store: Any, token: str) -> Principal | None:
    """The enabled user holding ``token``, or None. Looked up by hash, compared in constant time."""
    from corridor.store import ApiUserRow

    digest = hash_token(token)
    with session_of(store) as session:
        row = session.scalar(select(ApiUserRow).where(ApiUserRow.token_hash == digest))
        if row is None or row.disabled_at is not None or not token_matches(token, row.token_hash):
            return None
        return Principal(
            user_id=row.id,
            name=row.name,
            role=Role(row.role),
            party=row.party.name if row.party is not None else None,
        )
