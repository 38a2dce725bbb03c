"""Agreement state changes in the store: every change is audited in its transaction.

Functions take the caller's transaction (``with transaction(db) as tx:`` on the command line,
an ORM session in the server) and never commit: a failure anywhere rolls back the rows *and*
the audit entry together. Plain SQL (:mod:`corridor.store._sql`), so that the agreement
commands start without SQLAlchemy.
"""

from __future__ import annotations

import base64
import hashlib
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from corridor.agreements import (
    Action,
    State,
    Terms,
    canonical_bytes,
    in_force,
    next_state,
    public_key_b64,
    sign_digest,
    signature_statuses,
    suspension_message,
    terms_from_store,
    terms_to_data,
    verify_digest,
    verify_message,
)
from corridor.errors import InputError, LifecycleError, NotFoundError, SignatureError
from corridor.store._agreement_list import list_agreements
from corridor.store._agreement_read import (
    VERSION_COLUMNS,
    AgreementRecord,
    VersionRow,
    agreement_etag,
    export_agreement_bundle,
    format_at,
    load_agreement,
    record_of,
    version_of,
    version_row,
)
from corridor.store._audit import record
from corridor.store._parties import Party, add_party, get_party, list_parties
from corridor.store._plain import utc_now
from corridor.store._sql import Json, Sql, as_sql

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
    from sqlalchemy.orm import Session

__all__ = [
    "AgreementRecord",
    "add_party",
    "agreement_etag",
    "close_agreement",
    "export_agreement_bundle",
    "format_at",
    "get_party",
    "list_agreements",
    "list_parties",
    "load_agreement",
    "lock_corridor",
    "propose_agreement",
    "sign_agreement",
    "suspend_agreement",
]


def lock_corridor(tx: Sql | Session, corridor_id: str) -> None:
    """Serialise writers of one corridor until the transaction ends.

    Two parties signing at once must not both count 2 of 3 signatures and leave an all-signed
    agreement "proposed". SQLite write transactions already begin IMMEDIATE; PostgreSQL takes
    the same transaction-scoped advisory lock as the API, then reads afresh.
    """
    sql = as_sql(tx)
    if sql.dialect == "postgresql":
        sql.execute(
            "SELECT pg_advisory_xact_lock(hashtext('corridor.agreement.' || :id))",
            {"id": corridor_id},
        )


def _etag(digest: str, n_signatures: int, state: str) -> str:
    return f"{digest[:16]}-{n_signatures}-{state}"


def _set_state(sql: Sql, row: VersionRow, state: State, n_signatures: int) -> VersionRow:
    """The version's new stored state and ETag, written; the row as it now stands."""
    changed = replace(row, state=state.value, etag=_etag(row.digest, n_signatures, state.value))
    sql.execute(
        "UPDATE agreement_versions SET state = :state, etag = :etag WHERE id = :id",
        {"state": changed.state, "etag": changed.etag, "id": row.id},
    )
    return changed


def _event(
    sql: Sql,
    row: VersionRow,
    *,
    before: State | None,
    after: State,
    at: datetime,
    actor: str,
    reason: str | None = None,
    party: Party | None = None,
    signature: str | None = None,
    claimed_at: datetime | None = None,
) -> None:
    sql.execute(
        "INSERT INTO lifecycle_events (agreement_version_id, from_state, to_state, at, actor,"
        " reason, party_id, signature, claimed_at) VALUES (:version_id, :from_state,"
        " :to_state, :at, :actor, :reason, :party_id, :signature, :claimed_at)",
        {
            "version_id": row.id,
            "from_state": before.value if before else None,
            "to_state": after.value,
            "at": at,
            "actor": actor,
            "reason": reason,
            "party_id": party.id if party else None,
            "signature": signature,
            "claimed_at": claimed_at,
        },
    )


def _check_parties(sql: Sql, terms: Terms) -> None:
    problems = []
    for i, p in enumerate(terms.parties):
        row = sql.execute("SELECT public_key FROM parties WHERE name = :name", {"name": p.name})
        registered = row.first()
        if registered is None:
            problems.append(f"parties[{i}]: unknown party {p.name!r}")
        elif registered[0] != p.public_key:
            problems.append(
                f"parties[{i}].public_key: differs from the key registered for {p.name!r}"
            )
    if problems:
        raise NotFoundError("; ".join(problems), hint="register parties with `corridor party add`")


def propose_agreement(
    tx: Sql | Session, terms: Terms, *, actor: str, at_utc: datetime | None = None
) -> AgreementRecord:
    """Store ``terms`` as version N+1 of its corridor, state proposed (signatures start empty).

    The version number in ``terms`` is replaced by N+1; identical terms are refused.
    """
    sql = as_sql(tx)
    at = at_utc or utc_now()
    lock_corridor(sql, terms.corridor_id)
    _check_parties(sql, terms)
    known = sql.execute("SELECT 1 FROM corridors WHERE id = :id", {"id": terms.corridor_id}).first()
    before = State.DRAFT
    version = 1
    if known is not None:
        prev, latest = version_row(sql, terms.corridor_id, None)
        before, version = State(prev.state), latest + 1
        next_state(before, Action.PROPOSE, windows=terms_from_store(prev.terms).windows, at_utc=at)
        if {**prev.terms, "version": 0} == {**terms_to_data(terms), "version": 0}:
            raise InputError(f"no change from version {latest}: nothing to propose")
    terms = replace(terms, version=version)
    data = terms_to_data(terms)
    # Before any row is written: terms RFC 8785 cannot hold (a lone surrogate) are the
    # caller's error, refused here, not a driver's encoding error at the INSERT.
    canonical = canonical_bytes(data)
    digest = hashlib.sha256(canonical).hexdigest()
    if known is None:
        sql.execute(
            "INSERT INTO corridors (id, title, created_at, created_by)"
            " VALUES (:id, :title, :at, :by)",
            {
                "id": terms.corridor_id,
                "title": terms.title or terms.corridor_id,
                "at": utc_now(),  # the clock, as the ORM's default stamped it
                "by": actor,
            },
        )
    stored = sql.execute(
        "INSERT INTO agreement_versions (corridor_id, version, terms, canonical, digest, state,"
        " created_at, created_by, etag) VALUES (:corridor_id, :version, :terms, :canonical,"
        f" :digest, :state, :at, :by, :etag) RETURNING {VERSION_COLUMNS}",
        {
            "corridor_id": terms.corridor_id,
            "version": version,
            "terms": Json(data),
            "canonical": canonical,
            "digest": digest,
            "state": State.PROPOSED.value,
            "at": at,
            "by": actor,
            "etag": _etag(digest, 0, State.PROPOSED.value),
        },
    ).first()
    assert stored is not None  # RETURNING gives the row just written
    row = version_of(stored)
    _event(sql, row, before=before, after=State.PROPOSED, at=at, actor=actor)
    record(
        sql,
        actor=actor,
        action="agreement.proposed",
        at_utc=at,
        payload={"corridor_id": terms.corridor_id, "version": version, "digest": digest},
    )
    return record_of(sql, row, version)


def _signer(rec: AgreementRecord, *, public_key: str, party: str | None) -> str:
    owner = next((p.name for p in rec.terms.parties if p.public_key == public_key), None)
    if party is not None:
        listed = rec.terms.party(party)
        if listed is None:
            raise NotFoundError(
                f"unknown party {party!r}: not a party to {rec.corridor_id}",
                hint="parties: " + ", ".join(p.name for p in rec.terms.parties),
            )
        if listed.public_key != public_key:
            whose = f"it is the key of {owner!r}" if owner else "it belongs to no party here"
            raise SignatureError(f"wrong key for party {party!r}: {whose}")
        return party
    if owner is None:
        raise SignatureError(f"this key is not the key of any party to {rec.corridor_id}")
    return owner


def _current(sql: Sql, corridor_id: str, version: int | None) -> tuple[VersionRow, AgreementRecord]:
    lock_corridor(sql, corridor_id)
    row, latest = version_row(sql, corridor_id, version)
    if row.version != latest:
        raise LifecycleError(
            f"version {row.version} of {corridor_id} is superseded by version "
            f"{latest}; a signature over it does not count",
            hint=f"review and sign version {latest}",
        )
    return row, record_of(sql, row, latest)


def sign_agreement(
    tx: Sql | Session,
    corridor_id: str,
    *,
    actor: str,
    key: Ed25519PrivateKey | None = None,
    signature: str | None = None,
    public_key: str | None = None,
    party: str | None = None,
    version: int | None = None,
    at_utc: datetime | None = None,
) -> AgreementRecord:
    """Add one party's signature over the latest version's digest.

    Give ``key`` (the CLI signs here) or a ready ``signature`` with ``party`` (the API).
    ``version``, when given, must be the latest: signing a superseded version is refused.
    The last valid signature moves the agreement to agreed.
    """
    sql = as_sql(tx)
    at = at_utc or utc_now()
    row, rec = _current(sql, corridor_id, version)
    if key is not None:
        public_key = public_key_b64(key)
    elif public_key is None:
        listed = rec.terms.party(party) if party else None
        if listed is None:
            raise NotFoundError(f"unknown party {party!r}: not a party to {corridor_id}")
        public_key = listed.public_key
    name = _signer(rec, public_key=public_key, party=party)
    if key is not None:
        signature = sign_digest(key, rec.digest)
    if signature is None or not verify_digest(public_key, rec.digest, signature):
        raise SignatureError(
            f"signature by {name!r} does not verify over {corridor_id} "
            f"v{rec.version} (digest {rec.digest[:16]}...)"
        )
    if any(s.party == name and s.valid for s in rec.statuses):
        raise LifecycleError(f"{name!r} has already signed {corridor_id} v{rec.version}")
    sigs = [*rec.signatures, {"party": name, "signature": signature}]
    all_signed = in_force(signature_statuses(rec.terms, rec.digest, sigs))
    before = State(row.state)
    after = next_state(
        before, Action.SIGN, windows=rec.terms.windows, at_utc=at, all_signed=all_signed
    )
    party_row = get_party(sql, name)
    sql.execute(
        "INSERT INTO signatures (agreement_version_id, party_id, signature, digest, signed_at)"
        " VALUES (:version_id, :party_id, :signature, :digest, :at)",
        {
            "version_id": row.id,
            "party_id": party_row.id,
            "signature": signature,
            "digest": rec.digest,
            "at": at,
        },
    )
    row = _set_state(sql, row, after, len(sigs))
    if after is not before:
        _event(sql, row, before=before, after=after, at=at, actor=actor)
    record(
        sql,
        actor=actor,
        action="agreement.signed",
        at_utc=at,
        payload={
            "corridor_id": corridor_id,
            "version": rec.version,
            "digest": rec.digest,
            "party": name,
            "signature": signature,
            "state": after.value,
        },
    )
    return record_of(sql, row, rec.latest_version)


#: How far ahead of the server's clock a party's claimed time may be (clock skew, not intent).
MAX_CLOCK_SKEW = timedelta(minutes=10)


def _claimed_time(claimed: datetime, *, not_before: datetime, now: datetime) -> datetime:
    """A party's claimed event time, checked: not before the agreement version existed, not
    ahead of the server's clock by more than :data:`MAX_CLOCK_SKEW`."""
    if claimed.tzinfo is None:
        raise InputError("at_utc has no UTC offset", field="at_utc", hint="add Z or +00:00")
    claimed = claimed.astimezone(UTC).replace(microsecond=0)
    if claimed < not_before.replace(microsecond=0):
        raise InputError(
            f"at_utc {format_at(claimed)} is before this version was proposed "
            f"({format_at(not_before)})",
            field="at_utc",
            hint="sign the suspension with the current time",
        )
    if claimed > now + MAX_CLOCK_SKEW:
        raise InputError(
            f"at_utc {format_at(claimed)} is in the future (server time {format_at(now)})",
            field="at_utc",
            hint="check the signing machine's clock",
        )
    return claimed


def suspend_agreement(
    tx: Sql | Session,
    corridor_id: str,
    *,
    reason: str,
    actor: str,
    key: Ed25519PrivateKey | None = None,
    party: str | None = None,
    signature: str | None = None,
    at_utc: datetime | None = None,
) -> AgreementRecord:
    """Suspend the latest version: a party's signed suspension (``key``, or ``party`` plus
    ``signature`` over :func:`suspension_message` at ``at_utc``), or an unsigned incident one.

    ``at_utc`` is only the time the party *claims* (the one its signature covers): it is
    checked (not before the version, not in the future) and kept as the event's claimed time.
    The server's clock decides whether a suspension is still allowed (a window may have ended)
    and stamps the lifecycle event and the audit log.
    """
    if not reason.strip():
        raise InputError("a suspension needs a reason")
    stamp = utc_now()  # the audit entry keeps the server clock's full precision (log order)
    now = stamp.astimezone(UTC).replace(microsecond=0)
    sql = as_sql(tx)
    row, rec = _current(sql, corridor_id, None)
    claimed = now if at_utc is None else _claimed_time(at_utc, not_before=row.created_at, now=now)
    before = State(row.state)
    after = next_state(before, Action.SUSPEND, windows=rec.terms.windows, at_utc=now)
    party_row = None
    if key is not None or signature is not None:
        pub = public_key_b64(key) if key is not None else None
        if pub is None:
            listed = rec.terms.party(party or "")
            if listed is None:
                raise NotFoundError(f"unknown party {party!r}: not a party to {corridor_id}")
            pub = listed.public_key
        name = _signer(rec, public_key=pub, party=party)
        message = suspension_message(
            corridor_id=corridor_id,
            version=rec.version,
            digest_hex=rec.digest,
            reason=reason,
            at_utc=format_at(claimed),
        )
        if key is not None:
            signature = base64.b64encode(key.sign(message)).decode()
        if signature is None or not verify_message(pub, message, signature):
            raise SignatureError(f"suspension signature by {name!r} does not verify")
        party_row = get_party(sql, name)
    row = _set_state(sql, row, after, len(rec.signatures))
    _event(
        sql,
        row,
        before=before,
        after=after,
        at=now,
        actor=actor,
        reason=reason,
        party=party_row,
        signature=signature,
        claimed_at=claimed,
    )
    record(
        sql,
        actor=actor,
        action="agreement.suspended",
        at_utc=stamp,
        payload={
            "corridor_id": corridor_id,
            "version": rec.version,
            "digest": rec.digest,
            "reason": reason,
            "party": party_row.name if party_row else None,
            "signature": signature,
            "claimed_at_utc": format_at(claimed),
        },
    )
    return record_of(sql, row, rec.latest_version)


def close_agreement(
    tx: Sql | Session,
    corridor_id: str,
    *,
    actor: str,
    reason: str | None = None,
    at_utc: datetime | None = None,
) -> AgreementRecord:
    """Close the corridor for good (its latest version); closed accepts no further change."""
    sql = as_sql(tx)
    at = at_utc or utc_now()
    row, rec = _current(sql, corridor_id, None)
    before = State(row.state)
    after = next_state(before, Action.CLOSE, windows=rec.terms.windows, at_utc=at)
    row = _set_state(sql, row, after, len(rec.signatures))
    _event(sql, row, before=before, after=after, at=at, actor=actor, reason=reason)
    record(
        sql,
        actor=actor,
        action="agreement.closed",
        at_utc=at,
        payload={"corridor_id": corridor_id, "version": rec.version, "reason": reason},
    )
    return record_of(sql, row, rec.latest_version)
