"""Reading agreement versions back, checked against their digest, and the offline bundle.

Plain SQL (:mod:`corridor.store._sql`): the agreement commands run it on the bare driver, the
server inside its ORM session.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from corridor.agreements import (
    SignatureStatus,
    State,
    Terms,
    canonical_bytes,
    in_force,
    signature_statuses,
    state_at,
    terms_from_store,
)
from corridor.errors import NotFoundError, StoreError
from corridor.store._audit import audit_head
from corridor.store._plain import as_utc, utc_now
from corridor.store._sql import Row, Sql, as_sql, read_bytes, read_json, read_time

if TYPE_CHECKING:
    from sqlalchemy.orm import Session


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


@dataclass(frozen=True)
class VersionRow:
    """One stored ``agreement_versions`` row, as read (the state change functions write the
    table with plain SQL and pass the row on with :func:`dataclasses.replace`)."""

    id: int
    corridor_id: str
    version: int
    terms: dict[str, Any]
    canonical: bytes
    digest: str
    state: str
    created_at: datetime
    created_by: str
    etag: str


VERSION_COLUMNS = (
    "id, corridor_id, version, terms, canonical, digest, state, created_at, created_by, etag"
)


def version_of(row: Row) -> VersionRow:
    terms = read_json(row[3])
    if not isinstance(terms, dict):
        raise StoreError(f"stored terms of {row[1]} v{row[2]} are not a JSON object")
    return VersionRow(
        id=int(row[0]),
        corridor_id=str(row[1]),
        version=int(row[2]),
        terms=terms,
        canonical=read_bytes(row[4]),
        digest=str(row[5]),
        state=str(row[6]),
        created_at=read_time(row[7]),
        created_by=str(row[8]),
        etag=str(row[9]),
    )


def version_row(sql: Sql, corridor_id: str, version: int | None) -> tuple[VersionRow, int]:
    latest = sql.execute(
        "SELECT max(version) FROM agreement_versions WHERE corridor_id = :id", {"id": corridor_id}
    ).scalar()
    if latest is None:
        raise NotFoundError(f"no agreement {corridor_id!r}", hint="propose terms first")
    wanted = latest if version is None else version
    row = sql.execute(
        f"SELECT {VERSION_COLUMNS} FROM agreement_versions"
        " WHERE corridor_id = :id AND version = :version",
        {"id": corridor_id, "version": wanted},
    ).first()
    if row is None:
        raise NotFoundError(f"agreement {corridor_id!r} has no version {wanted} (latest {latest})")
    return version_of(row), int(latest)


def record_of(sql: Sql, row: VersionRow, latest: int) -> AgreementRecord:
    digest = hashlib.sha256(canonical_bytes(row.terms)).hexdigest()
    if digest != row.digest or hashlib.sha256(row.canonical).hexdigest() != row.digest:
        raise StoreError(
            f"stored terms of {row.corridor_id} v{row.version} do not match their "
            "digest: the database was altered",
            hint="run `corridor audit verify`",
        )
    terms = terms_from_store(row.terms)
    signed = sql.execute(
        "SELECT p.name, s.signature, s.signed_at, s.digest FROM signatures s"
        " JOIN parties p ON p.id = s.party_id"
        " WHERE s.agreement_version_id = :id ORDER BY s.id",
        {"id": row.id},
    ).all()
    sigs = [
        {"party": str(name), "signature": str(sig), "signed_at_utc": format_at(read_time(at))}
        for name, sig, at, sig_digest in signed
        if sig_digest == row.digest
    ]
    suspensions = []
    closure = None
    events = sql.execute(
        "SELECT e.to_state, p.name, e.actor, e.reason, e.claimed_at, e.at, e.signature"
        " FROM lifecycle_events e LEFT OUTER JOIN parties p ON p.id = e.party_id"
        " WHERE e.agreement_version_id = :id ORDER BY e.id",
        {"id": row.id},
    ).all()
    for to_state, party, actor, reason, claimed_at, at, signature in events:
        when = read_time(at)
        if to_state == State.SUSPENDED.value:
            suspensions.append(
                {
                    "party": party,
                    "actor": actor,
                    "reason": reason or "",
                    # the time the party claims and signed; recorded_at_utc is the server's
                    "at_utc": format_at(as_utc(claimed_at) or when),
                    "recorded_at_utc": format_at(when),
                    "signature": signature,
                }
            )
        elif to_state == State.CLOSED.value:
            closure = {"actor": actor, "reason": reason, "at_utc": format_at(when)}
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
    tx: Sql | Session, corridor_id: str, *, version: int | None = None
) -> AgreementRecord:
    """The latest (or the given) version; StoreError if its stored terms were altered."""
    sql = as_sql(tx)
    row, latest = version_row(sql, corridor_id, version)
    return record_of(sql, row, latest)


def agreement_etag(tx: Sql | Session, corridor_id: str) -> str | None:
    """The (unquoted) ETag of the corridor's latest version, or None if there is none: what
    an HTTP If-Match must name to change it."""
    etag = (
        as_sql(tx)
        .execute(
            "SELECT etag FROM agreement_versions WHERE corridor_id = :id AND version ="
            " (SELECT max(version) FROM agreement_versions WHERE corridor_id = :id)",
            {"id": corridor_id},
        )
        .scalar()
    )
    return None if etag is None else str(etag)


def export_agreement_bundle(
    tx: Sql | Session,
    corridor_id: str,
    *,
    version: int | None = None,
    at_utc: datetime | None = None,
) -> dict[str, Any]:
    """The offline-checkable bundle of a version, with the audit head at export time."""
    from corridor.agreements import make_bundle

    sql = as_sql(tx)
    rec = load_agreement(sql, corridor_id, version=version)
    head = audit_head(sql)
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
