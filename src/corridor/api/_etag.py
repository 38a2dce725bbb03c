"""ETag / If-Match on agreements: a write must name the version it was based on.

Choice (docs/api.md): a stale ``If-Match`` is a **409 Conflict** (the agreement changed under
the writer; the issue asks for 409 rather than RFC 9110's generic 412, so that clients handle
every "someone else changed it" the same way), a missing one where it is required gets
**428 Precondition Required** (RFC 6585); a lifecycle conflict found by the domain is 409 too,
told apart by the problem's detail. The check
runs inside the write transaction after taking a per-agreement lock, so two coordinators racing
on the same version cannot both pass it.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from corridor.api._problems import ApiError
from corridor.store import agreement_etag, lock_corridor


def quoted(etag: str) -> str:
    return f'"{etag}"'


def latest_etag(session: Session, corridor_id: str) -> str | None:
    """The quoted ETag of the corridor's latest version, or None if there is no such corridor."""
    etag = agreement_etag(session, corridor_id)
    return None if etag is None else quoted(etag)


def lock_agreement(session: Session, corridor_id: str) -> None:
    """Serialise writers of one corridor until the transaction ends (the store's lock: SQLite
    write transactions are IMMEDIATE, PostgreSQL takes a transaction-scoped advisory lock)."""
    lock_corridor(session, corridor_id)


def check_if_match(
    session: Session, corridor_id: str, if_match: str | None, *, required: bool
) -> None:
    """Refuse the write unless ``if_match`` names the current version (call after locking)."""
    current = latest_etag(session, corridor_id)
    if if_match is None:
        if required and current is not None:
            raise ApiError(
                428,
                f"send If-Match with the ETag of agreement {corridor_id!r} you are changing "
                f"(GET it first; its ETag is now {current})",
            )
        return
    offered = [t.strip() for t in if_match.split(",") if t.strip()]
    if "*" in offered and current is not None:
        return
    # Strong comparison (RFC 9110 13.1.1): a weak W/"..." tag never matches.
    if current is None or current not in offered:
        raise ApiError(
            409,
            f"agreement {corridor_id!r} changed since you read it (If-Match {if_match}, "
            f"current {current}); GET it again, review, and retry",
        )
