"""Signing parties and their Ed25519 public keys in the store (registration is audited).

Plain SQL (:mod:`corridor.store._sql`): ``corridor party add`` runs it on the bare driver.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from corridor.errors import InputError, NotFoundError
from corridor.store._audit import record
from corridor.store._plain import utc_now
from corridor.store._sql import Row, Sql, as_sql, read_time

if TYPE_CHECKING:
    from sqlalchemy.orm import Session


@dataclass(frozen=True)
class Party:
    """A registered party; ``public_key`` is the raw 32-byte Ed25519 key in standard base64."""

    id: int
    name: str
    role: str
    public_key: str
    created_at: datetime


_COLUMNS = "id, name, role, public_key, created_at"


def _party(row: Row) -> Party:
    return Party(int(row[0]), str(row[1]), str(row[2]), str(row[3]), read_time(row[4]))


def add_party(tx: Sql | Session, *, name: str, role: str, public_key: str, actor: str) -> Party:
    """Register a party and its Ed25519 key (base64 raw); names and keys are unique."""
    sql = as_sql(tx)
    if sql.execute("SELECT 1 FROM parties WHERE name = :name", {"name": name}).first():
        raise InputError(f"party {name!r} is already registered", hint="pick another name")
    clash = sql.execute(
        "SELECT name FROM parties WHERE public_key = :key", {"key": public_key}
    ).scalar()
    if clash is not None:
        raise InputError(f"this public key is already registered for party {clash!r}")
    row = sql.execute(
        f"INSERT INTO parties (name, role, public_key, created_at)"
        f" VALUES (:name, :role, :key, :at) RETURNING {_COLUMNS}",
        {"name": name, "role": role, "key": public_key, "at": utc_now()},
    ).first()
    assert row is not None  # RETURNING gives the row just written
    record(
        sql,
        actor=actor,
        action="party.added",
        payload={"name": name, "role": role, "public_key": public_key},
    )
    return _party(row)


def get_party(tx: Sql | Session, name: str) -> Party:
    row = (
        as_sql(tx)
        .execute(f"SELECT {_COLUMNS} FROM parties WHERE name = :name", {"name": name})
        .first()
    )
    if row is None:
        raise NotFoundError(
            f"unknown party {name!r}",
            hint="register it with `corridor party add NAME --role ... --public-key FILE`",
        )
    return _party(row)


def list_parties(tx: Sql | Session) -> list[Party]:
    rows = as_sql(tx).execute(f"SELECT {_COLUMNS} FROM parties ORDER BY name").all()
    return [_party(r) for r in rows]
