"""API users in the store: create, list, disable and find by token hash (all audited).

The API owns tokens (their generation and hashing) and roles' meaning; the store owns the rows,
the rules a row must satisfy and the audit entries, as for every other table.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from corridor.errors import InputError, NotFoundError, StateError
from corridor.store._audit import record
from corridor.store._tables import USER_ROLES, ApiUserRow, PartyRow
from corridor.store._types import utc_now


@dataclass(frozen=True)
class UserInfo:
    """A user as listed: never its token or the token's hash."""

    name: str
    role: str
    party: str | None
    created_at: datetime
    disabled_at: datetime | None


def add_user_row(
    session: Session, *, name: str, role: str, party: str | None, token_hash: str, actor: str
) -> ApiUserRow:
    """Store a user holding the token whose SHA-256 is ``token_hash``, and audit it."""
    if role not in USER_ROLES:
        raise InputError(
            f"unknown role {role!r}", field="role", hint="one of " + ", ".join(USER_ROLES)
        )
    name = name.strip()
    if not name or len(name) > 200 or "\x00" in name:
        raise InputError("a user name must have 1 to 200 characters", field="name")
    if role == "liaison" and not party:
        raise InputError("a liaison acts for one party", field="party", hint="pass --party P")
    if session.scalar(select(ApiUserRow.id).where(ApiUserRow.name == name)) is not None:
        raise StateError(f"a user named {name!r} exists already", item=name)
    party_id = None
    if party:
        party_id = session.scalar(select(PartyRow.id).where(PartyRow.name == party))
        if party_id is None:
            raise NotFoundError(
                f"no party named {party!r}", item=party, hint="add it with `corridor party add`"
            )
    row = ApiUserRow(name=name, role=role, party_id=party_id, token_hash=token_hash)
    session.add(row)
    record(
        session,
        actor=actor,
        action="user.add",
        payload={"name": name, "role": role, "party": party},
    )
    return row


def list_user_rows(session: Session) -> list[UserInfo]:
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


def disable_user_row(session: Session, *, name: str, actor: str) -> None:
    """Disable a user at once; the row stays so the audit log's actors still resolve."""
    row = session.scalar(select(ApiUserRow).where(ApiUserRow.name == name))
    if row is None:
        raise NotFoundError(f"no user named {name!r}", item=name)
    if row.disabled_at is not None:
        raise StateError(f"user {name!r} is disabled already", item=name)
    row.disabled_at = utc_now()
    record(session, actor=actor, action="user.disable", payload={"name": name})


def user_by_token_hash(session: Session, token_hash: str) -> ApiUserRow | None:
    """The user whose token hashes to ``token_hash`` (enabled or not), or None."""
    return session.scalar(select(ApiUserRow).where(ApiUserRow.token_hash == token_hash))
