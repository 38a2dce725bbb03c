"""Movement notifications and acknowledgements in the store; every write is audited.

The sender's signature is checked against its registered key before the row is written; an
acknowledgement is checked against the acknowledging party's key and the movement's digest.
Functions take the caller's transaction and never commit (rows and audit entry go together).
Plain SQL (:mod:`corridor.store._sql`): the movement commands run it on the bare driver, the
server inside its ORM session.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from corridor.agreements import canonical_bytes, public_key_b64
from corridor.errors import InputError, LifecycleError, NotFoundError, SignatureError, StoreError
from corridor.notices import (
    Clearance,
    Movement,
    NoticeDetails,
    clearance,
    details_from_store,
    details_to_data,
    movement_digest,
    movement_from_data,
    movement_problems,
    movement_to_data,
    sign_ack,
    sign_movement,
    verify_ack,
    verify_movement,
)
from corridor.store._agreement_read import format_at, load_agreement
from corridor.store._agreements import lock_corridor
from corridor.store._audit import record
from corridor.store._parties import get_party
from corridor.store._plain import utc_now
from corridor.store._sql import Json, Row, Sql, as_sql, read_bytes, read_json, read_time

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
    from sqlalchemy.orm import Session

    from corridor.store._agreement_read import AgreementRecord


@dataclass(frozen=True)
class MovementRecord:
    """A stored movement, checked against its digest on load, with its acknowledgements."""

    movement: Movement
    data: dict[str, Any]
    digest: str
    sender: str
    signature: str
    created_at_utc: str
    acks: list[dict[str, Any]]
    parties: dict[str, str]  # every party of the agreement -> public key
    agreement_in_force: bool
    agreement_terms: dict[str, Any]

    def clearance(self, at_utc: datetime) -> Clearance:
        return clearance(
            self.movement,
            digest_hex=self.digest,
            parties=self.parties,
            acks=self.acks,
            at_utc=at_utc,
            agreement_in_force=self.agreement_in_force,
        )

    def signed_document(self) -> dict[str, Any]:
        """The exported JSON: the movement, its digest, the sender's and parties' signatures."""
        return {
            "format": "corridor-movement/1",
            "movement": self.data,
            "digest": self.digest,
            "signature": {"party": self.sender, "signature": self.signature},
            "acknowledgements": [
                {k: a[k] for k in ("party", "at_utc", "signature")} for a in self.acks
            ],
            "public_keys": self.parties,
        }


@dataclass(frozen=True)
class _Stored:
    """One ``movements`` row as read, with its sender's name."""

    id: str
    corridor_id: str
    agreement_version: int
    data: dict[str, Any]
    canonical: bytes
    digest: str
    sender: str
    signature: str
    created_at: datetime


_SELECT = (
    "SELECT m.id, m.corridor_id, m.agreement_version, m.data, m.canonical, m.digest, p.name,"
    " m.signature, m.created_at FROM movements m JOIN parties p ON p.id = m.sender_party_id"
)


def _stored(row: Row) -> _Stored:
    data = read_json(row[3])
    if not isinstance(data, dict):
        raise StoreError(f"stored movement {row[0]} is not a JSON object: the database was altered")
    return _Stored(
        id=str(row[0]),
        corridor_id=str(row[1]),
        agreement_version=int(row[2]),
        data=data,
        canonical=read_bytes(row[4]),
        digest=str(row[5]),
        sender=str(row[6]),
        signature=str(row[7]),
        created_at=read_time(row[8]),
    )


def submit_movement(
    tx: Sql | Session,
    data: dict[str, Any] | Movement,
    *,
    actor: str,
    key: Ed25519PrivateKey | None = None,
    signature: str | None = None,
    at_utc: datetime | None = None,
) -> MovementRecord:
    """Store a movement signed by its sender (``key`` here, or a ready ``signature``).

    The agreement it cites must be the latest version and in force; every rule of
    ``movement_problems`` is checked first and all problems are reported at once.
    """
    sql = as_sql(tx)
    at = at_utc or utc_now()
    movement = data if isinstance(data, Movement) else movement_from_data(data)
    lock_corridor(tx, movement.corridor_id)
    rec = load_agreement(tx, movement.corridor_id)
    if not rec.in_force:
        raise LifecycleError(
            f"{rec.corridor_id} v{rec.version} is not in force: no movement can rely on it"
        )
    problems = movement_problems(movement, rec.terms, rec.digest)
    if problems:
        raise InputError("the movement breaks the agreement: " + "; ".join(problems))
    taken = sql.execute("SELECT 1 FROM movements WHERE id = :id", {"id": movement.movement_id})
    if taken.first() is not None:
        raise InputError(f"movement {movement.movement_id!r} already exists", hint="pick a new id")
    party = rec.terms.party(movement.sender)
    assert party is not None  # movement_problems checked it
    digest = movement_digest(movement)
    if key is not None:
        if public_key_b64(key) != party.public_key:
            raise SignatureError(f"this key is not the key of the sender {movement.sender!r}")
        signature = sign_movement(key, digest)
    if signature is None or not verify_movement(party.public_key, digest, signature):
        raise SignatureError(f"the sender's signature does not verify over digest {digest[:16]}...")
    canonical_data = movement_to_data(movement)
    sql.execute(
        "INSERT INTO movements (id, corridor_id, agreement_version, data, canonical, digest,"
        " sender_party_id, signature, departure_utc, ack_deadline_utc, created_at, created_by)"
        " VALUES (:id, :corridor_id, :version, :data, :canonical, :digest, :sender, :signature,"
        " :departure, :deadline, :at, :actor)",
        {
            "id": movement.movement_id,
            "corridor_id": movement.corridor_id,
            "version": movement.agreement_version,
            "data": Json(canonical_data),
            "canonical": canonical_bytes(canonical_data),
            "digest": digest,
            "sender": get_party(sql, movement.sender).id,
            "signature": signature,
            "departure": movement.departure_utc,
            "deadline": movement.ack_deadline_utc,
            "at": at,
            "actor": actor,
        },
    )
    record(
        sql,
        actor=actor,
        action="movement.submitted",
        at_utc=at,
        payload={
            "movement_id": movement.movement_id,
            "corridor_id": movement.corridor_id,
            "digest": digest,
            "sender": movement.sender,
            "signature": signature,
        },
    )
    return _record_of(tx, _row(sql, movement.movement_id))


def acknowledge_movement(
    tx: Sql | Session,
    movement_id: str,
    *,
    actor: str,
    party: str | None = None,
    key: Ed25519PrivateKey | None = None,
    signature: str | None = None,
    at_utc: datetime | None = None,
) -> MovementRecord:
    """Record a party's acknowledgement at ``at_utc`` (whole seconds, what the party signs).

    With ``key`` the party is found from it (``party`` must then match, if given); with a
    ready ``signature`` the ``party`` names who signed.
    """
    sql = as_sql(tx)
    at = (at_utc or utc_now()).astimezone(UTC).replace(microsecond=0)
    row = _row(sql, movement_id)
    lock_corridor(tx, row.corridor_id)
    rec = _record_of(tx, row)
    if key is not None:
        pub = public_key_b64(key)
        owner = next((n for n, k in rec.parties.items() if k == pub), None)
        if owner is None or (party is not None and owner != party):
            raise SignatureError(f"this key is not the key of {party or 'any party'} here")
        party = owner
    if party is None or party not in rec.parties:
        raise NotFoundError(
            f"unknown party {party!r}: not a party to {row.corridor_id}",
            hint="parties: " + ", ".join(rec.parties),
        )
    if party == rec.sender:
        raise InputError(f"{party!r} sent this movement; its signature already stands for it")
    if any(a["party"] == party for a in rec.acks):
        raise LifecycleError(f"{party!r} has already acknowledged movement {movement_id}")
    stamp = format_at(at)
    if key is not None:
        signature = sign_ack(
            key, movement_id=movement_id, digest_hex=rec.digest, party=party, at_utc=stamp
        )
    if signature is None or not verify_ack(
        rec.parties[party],
        movement_id=movement_id,
        digest_hex=rec.digest,
        party=party,
        at_utc=stamp,
        signature=signature,
    ):
        raise SignatureError(f"acknowledgement by {party!r} does not verify (signed at {stamp}?)")
    sql.execute(
        "INSERT INTO movement_acks (movement_id, party_id, digest, signature, acked_at,"
        " created_by) VALUES (:movement_id, :party_id, :digest, :signature, :at, :actor)",
        {
            "movement_id": movement_id,
            "party_id": get_party(sql, party).id,
            "digest": rec.digest,
            "signature": signature,
            "at": at,
            "actor": actor,
        },
    )
    record(
        sql,
        actor=actor,
        action="movement.acknowledged",
        at_utc=at,
        payload={
            "movement_id": movement_id,
            "digest": rec.digest,
            "party": party,
            "at_utc": stamp,
            "signature": signature,
        },
    )
    return _record_of(tx, row)


# The agreement's side (its lock, its record) is read through the agreement functions with
def _row(sql: Sql, movement_id: str) -> _Stored:
    row = sql.execute(f"{_SELECT} WHERE m.id = :id", {"id": movement_id}).first()
    if row is None:
        raise NotFoundError(f"no movement {movement_id!r}", hint="see `corridor movement list`")
    return _stored(row)


def _record_of(
    tx: Sql | Session,
    row: _Stored,
    agreements: dict[tuple[str, int], AgreementRecord] | None = None,
) -> MovementRecord:
    """The movement of ``row``, checked against its digest; ``agreements`` keeps each agreement
    version read once across a listing (many movements cite one version)."""
    digest = hashlib.sha256(canonical_bytes(row.data)).hexdigest()
    if digest != row.digest or hashlib.sha256(row.canonical).hexdigest() != row.digest:
        raise StoreError(
            f"stored movement {row.id} does not match its digest: the database was altered",
            hint="run `corridor audit verify`",
        )
    movement = movement_from_data(row.data)
    key = (row.corridor_id, row.agreement_version)
    agreement = None if agreements is None else agreements.get(key)
    if agreement is None:
        agreement = load_agreement(tx, row.corridor_id, version=row.agreement_version)
        if agreements is not None:
            agreements[key] = agreement
    signed = (
        as_sql(tx)
        .execute(
            "SELECT p.name, a.acked_at, a.signature, a.digest FROM movement_acks a"
            " JOIN parties p ON p.id = a.party_id WHERE a.movement_id = :id ORDER BY a.id",
            {"id": row.id},
        )
        .all()
    )
    acks = [
        {"party": str(name), "at_utc": format_at(read_time(at)), "signature": str(sig)}
        for name, at, sig, ack_digest in signed
        if ack_digest == row.digest
    ]
    return MovementRecord(
        movement=movement,
        data=dict(row.data),
        digest=row.digest,
        sender=row.sender,
        signature=row.signature,
        created_at_utc=format_at(row.created_at),
        acks=acks,
        parties={p.name: p.public_key for p in agreement.terms.parties},
        agreement_in_force=agreement.in_force,
        agreement_terms=agreement.terms_data,
    )


def load_movement(tx: Sql | Session, movement_id: str) -> MovementRecord:
    return _record_of(tx, _row(as_sql(tx), movement_id))


def list_movements(tx: Sql | Session, corridor_id: str | None = None) -> list[MovementRecord]:
    sql = as_sql(tx)
    if corridor_id is None:
        rows = sql.execute(f"{_SELECT} ORDER BY m.departure_utc, m.id").all()
    else:
        rows = sql.execute(
            f"{_SELECT} WHERE m.corridor_id = :id ORDER BY m.departure_utc, m.id",
            {"id": corridor_id},
        ).all()
    agreements: dict[tuple[str, int], AgreementRecord] = {}
    return [_record_of(tx, _stored(r), agreements) for r in rows]


def save_notice_details(
    tx: Sql | Session, corridor_id: str, details: NoticeDetails, *, actor: str
) -> None:
    """Replace the corridor's notice details (audited: a changed hotline is on record)."""
    sql = as_sql(tx)
    if sql.execute("SELECT 1 FROM corridors WHERE id = :id", {"id": corridor_id}).first() is None:
        raise NotFoundError(f"no agreement {corridor_id!r}", hint="propose terms first")
    data = details_to_data(details)
    values = {"id": corridor_id, "data": Json(data), "at": utc_now(), "actor": actor}
    changed = sql.execute(
        "UPDATE notice_details SET data = :data, updated_at = :at, updated_by = :actor"
        " WHERE corridor_id = :id",
        values,
    ).rowcount
    if changed == 0:
        sql.execute(
            "INSERT INTO notice_details (corridor_id, data, updated_at, updated_by)"
            " VALUES (:id, :data, :at, :actor)",
            values,
        )
    record(
        sql,
        actor=actor,
        action="notice.details_saved",
        payload={"corridor_id": corridor_id, "details": data},
    )


def load_notice_details(tx: Sql | Session, corridor_id: str) -> NoticeDetails | None:
    data = (
        as_sql(tx)
        .execute("SELECT data FROM notice_details WHERE corridor_id = :id", {"id": corridor_id})
        .scalar()
    )
    return None if data is None else details_from_store(read_json(data))
