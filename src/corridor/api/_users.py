"""API users: create (token shown once), list, disable, and look a token up.

The rows and their rules live in the store (``corridor.store``: add_user_row...); this module
adds what is the API's own: tokens (made here, shown once, stored only hashed) and principals.
"""

from __future__ import annotations

from corridor.api._adapters import session_of
from corridor.api._principal import Principal
from corridor.api._roles import Role
from corridor.api._tokens import hash_token, new_token, token_matches
from corridor.store import (
    Store,
    UserInfo,
    add_user_row,
    disable_user_row,
    list_user_rows,
    user_by_token_hash,
)

__all__ = ["UserInfo", "add_user", "authenticate", "disable_user", "list_users"]


def add_user(store: Store, *, name: str, role: str, party: str | None, actor: str) -> str:
    """Create a user and return its token; the caller must show it now, it is never stored."""
    token = new_token()
    with session_of(store) as session:
        add_user_row(
            session, name=name, role=role, party=party, token_hash=hash_token(token), actor=actor
        )
    return token


def list_users(store: Store) -> list[UserInfo]:
    with session_of(store, write=False) as session:
        return list_user_rows(session)


def disable_user(store: Store, *, name: str, actor: str) -> None:
    with session_of(store) as session:
        disable_user_row(session, name=name, actor=actor)


def authenticate(store: Store, token: str) -> Principal | None:
    """The enabled user holding ``token``, or None. Looked up by hash, compared in constant time."""
    with session_of(store, write=False) as session:
        row = user_by_token_hash(session, hash_token(token))
        if row is None or row.disabled_at is not None or not token_matches(token, row.token_hash):
            return None
        return Principal(
            user_id=row.id,
            name=row.name,
            role=Role(row.role),
            party=row.party,
        )
