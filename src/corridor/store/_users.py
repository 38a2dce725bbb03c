"""API users in the store: create, list, disable and find by token hash (all audited).

The API owns tokens (their generation and hashing) and roles' meaning; the store owns the rows,
the rules a row must satisfy and the audit entries, as for every other table.

Plain SQL (:mod:`corridor.store._sql`): ``corridor users add`` and ``users disable`` run it on
the bare driver; the server runs the same statements inside its ORM session, where
:func:`user_by_token_hash` authenticates every request with one indexed lookup (the token
hash is UNIQUE) joined to the user's party.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from corridor.errors import InputError, NotFoundError, StateError
from corridor.store._audit import record
from corridor.store._plain import USER_ROLES, as_utc, utc_now
from corridor.store._sql import Row, Sql, as_sql, read_time

if TYPE_CHECKING:
    from sqlalchemy.orm import Session


@dataclass(frozen=True)
class UserInfo:
    """A user as listed: never its token or the token's hash."""

    name: str
    role: str
    party: str | None
    created_at: datetime
    disabled_at: datetime | None


@dataclass(frozen=True)
class User:
    """A stored user, as authentication needs it; ``party`` is the party's name."""

    id: int
    name: str
    role: str
    party: str | None
    token_hash: str
    created_at: datetime
    disabled_at: datetime | None


_SELECT = (
    "SELECT u.id, u.name, u.role, p.name, u.token_hash, u.created_at, u.disabled_at"
    " FROM api_users u LEFT OUTER JOIN parties p ON p.id = u.party_id"
)


def _user(row: Row) -> User:
    uid, name, role, party, token_hash, created, disabled = row
    return User(
        id=int(uid),
        name=str(name),
        role=str(role),
        party=None if party is None else str(party),
        token_hash=str(token_hash),
        created_at=read_time(created),
        disabled_at=as_utc(disabled),
    )


def add_user_row(
    tx: Sql | Session, *, name: str, role: str, party: str | None, token_hash: str, actor: str
) -> User:
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
    sql = as_sql(tx)
    if sql.execute("SELECT 1 FROM api_users WHERE name = :name", {"name": name}).first():
        raise StateError(f"a user named {name!r} exists already", item=name)
    party_id = None
    if party:
        party_id = sql.execute(
            "SELECT id FROM parties WHERE name = :name", {"name": party}
        ).scalar()
        if party_id is None:
            raise NotFoundError(
                f"no party named {party!r}", item=party, hint="add it with `corridor party add`"
            )
    uid = sql.execute(
        "INSERT INTO api_users (name, role, party_id, token_hash, created_at)"
        " VALUES (:name, :role, :party_id, :token_hash, :at) RETURNING id",
        {"name": name, "role": role, "party_id": party_id, "token_hash": token_hash,
         "at": utc_now()},
    ).scalar()  # fmt: skip
    record(
        sql, actor=actor, action="user.add", payload={"name": name, "role": role, "party": party}
    )
    row = sql.execute(f"{_SELECT} WHERE u.id = :id", {"id": uid}).first()
    assert row is not None  # the row this transaction just wrote
    return _user(row)


def list_user_rows(tx: Sql | Session) -> list[UserInfo]:
    rows = as_sql(tx).execute(f"{_SELECT} ORDER BY u.name").all()
    return [
        UserInfo(name=u.name, role=u.role, party=u.party, created_at=u.created_at,
                 disabled_at=u.disabled_at)
        for u in map(_user, rows)
    ]  # fmt: skip


def disable_user_row(tx: Sql | Session, *, name: str, actor: str) -> None:
    """Disable a user at once; the row stays so the audit log's actors still resolve."""
    sql = as_sql(tx)
    row = sql.execute(
        "SELECT disabled_at FROM api_users WHERE name = :name", {"name": name}
    ).first()
    if row is None:
        raise NotFoundError(f"no user named {name!r}", item=name)
    if row[0] is not None:
        raise StateError(f"user {name!r} is disabled already", item=name)
    # The guard in the WHERE too: two disables racing on PostgreSQL change the row once.
    done = sql.execute(
        "UPDATE api_users SET disabled_at = :at WHERE name = :name AND disabled_at IS NULL",
        {"at": utc_now(), "name": name},
    ).rowcount
    if done != 1:
        raise StateError(f"user {name!r} is disabled already", item=name)
    record(sql, actor=actor, action="user.disable", payload={"name": name})


def user_by_token_hash(tx: Sql | Session, token_hash: str) -> User | None:
    """The user whose token hashes to ``token_hash`` (enabled or not), or None."""
    row = as_sql(tx).execute(f"{_SELECT} WHERE u.token_hash = :h", {"h": token_hash}).first()
    return None if row is None else _user(row)
