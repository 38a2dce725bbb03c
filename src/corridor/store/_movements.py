"""Movement notifications and acknowledgements in the store; every write is audited.

The sender's signature is checked against its registered key before the row is written; an
acknowledgement is checked against the acknowledging party's key and the movement's digest.
Functions take the caller's session and never commit (rows and audit entry go together).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import select
from sqlalchemy.orm import Session

from corridor.agreements import canonical_bytes, public_key_b64
from corridor.errors import InputError, LifecycleError, NotFoundError, SignatureError, StoreError
from corridor.notices import (
    Clearance,
    Movement,
    NoticeDetails,
    clearance,
    details_from_data,
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
from corridor.store._movement_tables import MovementAckRow, MovementRow, NoticeDetailsRow
from corridor.store._parties import get_party
from corridor.store._tables import CorridorRow
from corridor.store._types import utc_now


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


def submit_movement(
    session: Session,
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
    at = at_utc or utc_now()
    movement = data if isinstance(data, Movement) else movement_from_data(data)
    lock_corridor(session, movement.corridor_id)
    rec = load_agreement(session, movement.corridor_id)
    if not rec.in_force:
        raise LifecycleError(
            f"{rec.corridor_id} v{rec.version} is not in force: no movement can rely on it"
        )
    problems = movement_problems(movement, rec.terms, rec.digest)
    if problems:
        raise InputError("the movement breaks the agreement: " + "; ".join(problems))
    if session.get(MovementRow, movement.movement_id) is not None:
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
    row = MovementRow(
        id=movement.movement_id,
        corridor_id=movement.corridor_id,
        agreement_version=movement.agreement_version,
        data=canonical_data,
        canonical=canonical_bytes(canonical_data),
        digest=digest,
        sender_party_id=get_party(session, movement.sender).id,
        signature=signature,
        departure_utc=movement.departure_utc,
        ack_deadline_utc=movement.ack_deadline_utc,
        created_at=at,
        created_by=actor,
    )
    session.add(row)
    session.flush()
    record(
        session,
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
    return _record_of(session, row)


def acknowledge_movement(
    session: Session,
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
    at = (at_utc or utc_now()).astimezone(UTC).replace(microsecond=0)
    row = _row(session, movement_id)
    lock_corridor(session, row.corridor_id)
    rec = _record_of(session, row)
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
    session.add(
        MovementAckRow(
            movement_id=movement_id,
            party_id=get_party(session, party).id,
            digest=rec.digest,
            signature=signature,
            acked_at=at,
            created_by=actor,
        )
    )
    session.flush()
    record(
        session,
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
    session.expire(row, ["acks"])
    return _record_of(session, row)


def _row(session: Session, movement_id: str) -> MovementRow:
    row = session.get(MovementRow, movement_id)
    if row is None:
        raise NotFoundError(f"no movement {movement_id!r}", hint="see `corridor movement list`")
    return row


def _record_of(session: Session, row: MovementRow) -> MovementRecord:
    digest = hashlib.sha256(canonical_bytes(row.data)).hexdigest()
    if digest != row.digest or hashlib.sha256(row.canonical).hexdigest() != row.digest:
        raise StoreError(
            f"stored movement {row.id} does not match its digest: the database was altered",
            hint="run `corridor audit verify`",
        )
    movement = movement_from_data(row.data)
    agreement = load_agreement(session, row.corridor_id, version=row.agreement_version)
    acks = [
        {"party": a.party.name, "at_utc": format_at(a.acked_at), "signature": a.signature}
        for a in row.acks
        if a.digest == row.digest
    ]
    return MovementRecord(
        movement=movement,
        data=dict(row.data),
        digest=row.digest,
        sender=row.sender.name,
        signature=row.signature,
        created_at_utc=format_at(row.created_at),
        acks=acks,
        parties={p.name: p.public_key for p in agreement.terms.parties},
        agreement_in_force=agreement.in_force,
        agreement_terms=agreement.terms_data,
    )


def load_movement(session: Session, movement_id: str) -> MovementRecord:
    return _record_of(session, _row(session, movement_id))


def list_movements(session: Session, corridor_id: str | None = None) -> list[MovementRecord]:
    query = select(MovementRow).order_by(MovementRow.departure_utc, MovementRow.id)
    if corridor_id is not None:
        query = query.where(MovementRow.corridor_id == corridor_id)
    return [_record_of(session, r) for r in session.scalars(query)]


def save_notice_details(
    session: Session, corridor_id: str, details: NoticeDetails, *, actor: str
) -> None:
    """Replace the corridor's notice details (audited: a changed hotline is on record)."""
    if session.get(CorridorRow, corridor_id) is None:
        raise NotFoundError(f"no agreement {corridor_id!r}", hint="propose terms first")
    data = details.model_dump(mode="json", exclude_none=True)
    row = session.get(NoticeDetailsRow, corridor_id)
    if row is None:
        session.add(NoticeDetailsRow(corridor_id=corridor_id, data=data, updated_by=actor))
    else:
        row.data, row.updated_by, row.updated_at = data, actor, utc_now()
    record(
        session,
        actor=actor,
        action="notice.details_saved",
        payload={"corridor_id": corridor_id, "details": data},
    )


def load_notice_details(session: Session, corridor_id: str) -> NoticeDetails | None:
    row = session.get(NoticeDetailsRow, corridor_id)
    return None if row is None else details_from_data(row.data)
