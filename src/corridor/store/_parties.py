"""Signing parties and their Ed25519 public keys in the store (registration is audited)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from corridor.errors import InputError, NotFoundError
from corridor.store._audit import record
from corridor.store._tables import PartyRow


def add_party(session: Session, *, name: str, role: str, public_key: str, actor: str) -> PartyRow:
    """Register a party and its Ed25519 key (base64 raw); names and keys are unique."""
    if session.scalar(select(PartyRow).where(PartyRow.name == name)) is not None:
        raise InputError(f"party {name!r} is already registered", hint="pick another name")
    clash = session.scalar(select(PartyRow).where(PartyRow.public_key == public_key))
    if clash is not None:
        raise InputError(f"this public key is already registered for party {clash.name!r}")
    row = PartyRow(name=name, role=role, public_key=public_key)
    session.add(row)
    record(
        session,
        actor=actor,
        action="party.added",
        payload={"name": name, "role": role, "public_key": public_key},
    )
    return row


def get_party(session: Session, name: str) -> PartyRow:
    row = session.scalar(select(PartyRow).where(PartyRow.name == name))
    if row is None:
        raise NotFoundError(
            f"unknown party {name!r}",
            hint="register it with `corridor party add NAME --role ... --public-key FILE`",
        )
    return row


def list_parties(session: Session) -> list[PartyRow]:
    return list(session.scalars(select(PartyRow).order_by(PartyRow.name)))
