"""Reading agreement versions back, checked against their digest, and the offline bundle."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from corridor.agreements import (
    SignatureStatus,
    State,
    Terms,
    canonical_bytes,
    in_force,
    make_bundle,
    signature_statuses,
    state_at,
    terms_from_data,
)
from corridor.errors import NotFoundError, StoreError
from corridor.store._audit import audit_head
from corridor.store._tables import (
    AgreementVersionRow,
    LifecycleEventRow,
    PartyRow,
    SignatureRow,
)
from corridor.store._types import utc_now


def format_at(at: datetime) -> str:
    """The UTC text a suspension signature covers: ``2030-03-01T06:00:00Z`` (whole seconds)."""
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass(frozen=True)
class AgreementRecord:
    """One stored version with its signatures, checked against its digest on load."""

    corridor_id: str
    version: int
    latest_version: int
    terms: Terms
    terms_data: dict[str, Any]
    digest: str
    stored_state: State
    signatures: list[dict[str, Any]]
    suspensions: list[dict[str, Any]] = field(default_factory=list)
    statuses: list[SignatureStatus] = field(default_factory=list)
    closure: dict[str, Any] | None = None

    @property
    def superseded(self) -> bool:
        return self.version < self.latest_version

    @property
    def in_force(self) -> bool:
        """:meth:`in_force_at` now."""
        return self.in_force_at(datetime.now(UTC))

    def in_force_at(self, at_utc: datetime) -> bool:
        """Every listed party signed this digest, it is the latest version, it is agreed (not
        suspended or closed), and ``at_utc`` is not after its last window: state *and* time,
        exactly as :func:`corridor.agreements.verify_bundle` judges the exported bundle."""
        return (
            not self.superseded
            and in_force(self.statuses)
            and self.stored_state is State.AGREED
            and self.state_at(at_utc) in (State.AGREED, State.OPEN)
        )

    def state_at(self, at_utc: datetime) -> State:
        return state_at(self.stored_state, self.terms.windows, at_utc)


def version_row(
    session: Session, corridor_id: str, version: int | None
) -> tuple[AgreementVersionRow, int]:
    latest = session.scalar(
        select(func.max(AgreementVersionRow.version)).where(
            AgreementVersionRow.corridor_id == corridor_id
        )
    )
    if latest is None:
        raise NotFoundError(f"no agreement {corridor_id!r}", hint="propose terms first")
    wanted = latest if version is None else version
    row = session.scalar(
        select(AgreementVersionRow).where(
            AgreementVersionRow.corridor_id == corridor_id, AgreementVersionRow.version == wanted
        )
    )
    if row is None:
        raise NotFoundError(f"agreement {corridor_id!r} has no version {wanted} (latest {latest})")
    return row, int(latest)


def record_of(session: Session, row: AgreementVersionRow, latest: int) -> AgreementRecord:
    digest = hashlib.sha256(canonical_bytes(row.terms)).hexdigest()
    if digest != row.digest or hashlib.sha256(row.canonical).hexdigest() != row.digest:
        raise StoreError(
            f"stored terms of {row.corridor_id} v{row.version} do not match their "
            "digest: the database was altered",
            hint="run `corridor audit verify`",
        )
    terms = terms_from_data(row.terms)
    sigs = [
        {"party": s.party.name, "signature": s.signature, "signed_at_utc": format_at(s.signed_at)}
        for s in session.scalars(
            select(SignatureRow)
            .where(SignatureRow.agreement_version_id == row.id)
            .order_by(SignatureRow.id)
        )
        if s.digest == row.digest
    ]
    suspensions = []
    closure = None
    events = session.scalars(
        select(LifecycleEventRow)
        .where(LifecycleEventRow.agreement_version_id == row.id)
        .order_by(LifecycleEventRow.id)
    )
    for ev in events:
        if ev.to_state == State.SUSPENDED.value:
            who = session.get(PartyRow, ev.party_id) if ev.party_id is not None else None
            suspensions.append(
                {
                    "party": who.name if who else None,
                    "actor": ev.actor,
                    "reason": ev.reason or "",
                    # the time the party claims and signed; recorded_at_utc is the server's
                    "at_utc": format_at(ev.claimed_at or ev.at),
                    "recorded_at_utc": format_at(ev.at),
                    "signature": ev.signature,
                }
            )
        elif ev.to_state == State.CLOSED.value:
            closure = {"actor": ev.actor, "reason": ev.reason, "at_utc": format_at(ev.at)}
    return AgreementRecord(
        corridor_id=row.corridor_id,
        version=row.version,
        latest_version=latest,
        terms=terms,
        terms_data=dict(row.terms),
        digest=row.digest,
        stored_state=State(row.state),
        signatures=sigs,
        suspensions=suspensions,
        statuses=signature_statuses(terms, row.digest, sigs),
        closure=closure,
    )


def load_agreement(
    session: Session, corridor_id: str, *, version: int | None = None
) -> AgreementRecord:
    """The latest (or the given) version; StoreError if its stored terms were altered."""
    row, latest = version_row(session, corridor_id, version)
    return record_of(session, row, latest)


def agreement_etag(session: Session, corridor_id: str) -> str | None:
    """The (unquoted) ETag of the corridor's latest version, or None if there is none: what
    an HTTP If-Match must name to change it."""
    latest = (
        select(func.max(AgreementVersionRow.version))
        .where(AgreementVersionRow.corridor_id == corridor_id)
        .scalar_subquery()
    )
    return session.scalar(
        select(AgreementVersionRow.etag).where(
            AgreementVersionRow.corridor_id == corridor_id,
            AgreementVersionRow.version == latest,
        )
    )


def export_agreement_bundle(
    session: Session,
    corridor_id: str,
    *,
    version: int | None = None,
    at_utc: datetime | None = None,
) -> dict[str, Any]:
    """The offline-checkable bundle of a version, with the audit head at export time."""
    rec = load_agreement(session, corridor_id, version=version)
    head = audit_head(session)
    keys = {p.name: p.public_key for p in rec.terms.parties}
    # Every suspension goes in: a party's signed one, and a coordinator's unsigned incident one
    # (which a verifier believes, since it can only make the agreement less in force).
    suspensions = [
        {k: s[k] for k in ("party", "reason", "at_utc", "signature")}
        if s["signature"] and keys.get(s["party"])
        else {
            "party": None,
            "actor": s["actor"],
            "reason": s["reason"],
            "at_utc": s["at_utc"],
            "signature": None,
        }
        for s in rec.suspensions
    ]
    return make_bundle(
        terms=rec.terms_data,
        digest=rec.digest,
        signatures=rec.signatures,
        state=rec.stored_state.value,
        suspensions=suspensions,
        closure=rec.closure,
        audit_head=None if head is None else {"seq": head.seq, "entry_hash": head.entry_hash},
        exported_at_utc=format_at(at_utc or utc_now()),
    )
