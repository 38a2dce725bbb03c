"""Hazards in the store: add, update, expire (never delete), and read back as ``Hazard``."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterable
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import Select, or_, select
from sqlalchemy.orm import Session

from corridor.audit import format_utc
from corridor.errors import NotFoundError, StateError
from corridor.store._audit import record
from corridor.store._tables import HazardRow
from corridor.store._types import utc_now

if TYPE_CHECKING:
    # The hazard stack (shapely, pyproj, scipy) is imported only when a hazard is built:
    # commands that only read or write the database must start fast (issue 14, defect 10).
    from corridor.hazards import Hazard


def _utc(at: datetime | None) -> str | None:
    return None if at is None else format_utc(at)


def hazard_json(h: Hazard) -> dict[str, Any]:
    """The hazard as plain JSON (GeoJSON geometry, UTC times): audit payloads and API bodies."""
    from shapely.geometry import mapping

    return {
        "id": h.id,
        "kind": str(h.kind),
        "geometry": mapping(h.geometry),
        "radius_m": h.radius_m,
        "closes": h.closes,
        "half_life_h": h.half_life_h,
        "severity": h.severity,
        "confidence": h.confidence,
        "observed_at": _utc(h.observed_at),
        "valid_from": _utc(h.valid_from),
        "valid_until": _utc(h.valid_until),
        "source": h.source,
        "links": list(h.source_links),
        "notes": h.notes,
    }


def _fill(row: HazardRow, h: Hazard) -> None:
    from shapely.geometry import mapping

    row.kind = str(h.kind)
    row.geometry = json.dumps(mapping(h.geometry))
    row.radius_m = h.radius_m
    row.closes = h.closes
    row.half_life_h = h.half_life_h
    row.severity = h.severity
    row.confidence = h.confidence
    row.observed_at = h.observed_at
    row.valid_from = h.valid_from
    row.valid_until = h.valid_until
    row.source = h.source or None
    row.links = list(h.source_links)
    row.notes = h.notes or None


def hazard_feature(row: HazardRow) -> dict[str, Any]:
    """A stored hazard as the API and CLI show it: a normalised GeoJSON Feature (defaults
    resolved, as `corridor hazards import` writes them) plus who reported it when, whether it
    is a provisional field closure (``closes`` is what was reported; it closes nothing until
    ``confirmed_by`` a coordinator) and whether a coordinator expired it."""
    from corridor.hazards import hazards_to_geojson

    feature: dict[str, Any] = hazards_to_geojson([hazard_from_row(row)])["features"][0]
    feature["properties"].update(
        created_at=format_utc(row.created_at),
        created_by=row.created_by,
        expired_at=_utc(row.expired_at),
        provisional=bool(row.provisional),
        confirmed_by=row.confirmed_by,
        confirmed_at=_utc(row.confirmed_at),
    )
    return feature


def hazard_from_row(row: HazardRow) -> Hazard:
    from shapely.geometry import shape

    from corridor.hazards import Hazard

    return Hazard(
        id=row.id,
        kind=row.kind,  # type: ignore[arg-type]  # Hazard coerces to HazardKind
        geometry=shape(json.loads(row.geometry)),
        severity=row.severity,
        confidence=row.confidence,
        observed_at=row.observed_at,
        valid_from=row.valid_from,
        valid_until=row.valid_until,
        source=row.source or "",
        notes=row.notes or "",
        source_links=tuple(str(link) for link in row.links or ()),
        radius_m=row.radius_m,
        closes=row.closes,
        half_life_h=row.half_life_h,
    )


def add_hazards(
    session: Session, hazards: Iterable[Hazard], *, actor: str, provisional: bool = False
) -> list[HazardRow]:
    """Insert new hazards and audit them in one entry (``hazard.added`` for one, else
    ``hazards.imported``). An id already in the store raises StateError and adds none.

    ``provisional``: a field team's closure; it adds risk but closes no road until a
    coordinator confirms it (:func:`confirm_hazard`)."""
    items = list(hazards)
    if not items:
        return []
    ids = [h.id for h in items]
    if len(set(ids)) != len(ids):
        raise StateError("the same hazard id is given twice", item=_first_duplicate(ids))
    taken = set(session.scalars(select(HazardRow.id).where(HazardRow.id.in_(ids))))
    if taken:
        raise StateError(
            f"{len(taken)} hazard id(s) already in the store",
            item=", ".join(sorted(taken)[:5]),
            hint="update or expire the stored hazard instead",
        )
    rows = []
    for h in items:
        row = HazardRow(id=h.id, created_by=actor, provisional=provisional)
        _fill(row, h)
        rows.append(row)
    session.add_all(rows)
    session.flush()
    if len(items) == 1:
        payload = hazard_json(items[0])
        if provisional:
            payload["provisional"] = True
        record(session, actor=actor, action="hazard.added", payload=payload)
    else:
        payload = {"count": len(items), "hazards": [hazard_json(h) for h in items]}
        record(session, actor=actor, action="hazards.imported", payload=payload)
    return rows


def _first_duplicate(ids: list[str]) -> str:
    seen: set[str] = set()
    for i in ids:
        if i in seen:
            return i
        seen.add(i)
    return ""  # pragma: no cover - only called when there is a duplicate


def add_hazard(
    session: Session, hazard: Hazard, *, actor: str, provisional: bool = False
) -> HazardRow:
    return add_hazards(session, [hazard], actor=actor, provisional=provisional)[0]


def get_hazard_row(session: Session, hazard_id: str) -> HazardRow:
    # No stored id is longer than its column or holds NUL (PostgreSQL refuses both in a query).
    if len(hazard_id) > HazardRow.__table__.c.id.type.length or "\x00" in hazard_id:  # type: ignore[attr-defined]
        raise NotFoundError(f"no hazard with id {hazard_id[:40]!r}")
    row = session.get(HazardRow, hazard_id)
    if row is None:
        raise NotFoundError(f"no hazard with id {hazard_id!r}")
    return row


def get_hazard(session: Session, hazard_id: str) -> Hazard:
    return hazard_from_row(get_hazard_row(session, hazard_id))


def update_hazard(session: Session, hazard: Hazard, *, actor: str) -> HazardRow:
    """Replace a stored, unexpired hazard's fields with ``hazard``'s (same id) and audit it."""
    row = get_hazard_row(session, hazard.id)
    if row.expired_at is not None:
        raise StateError("the hazard has expired; add a new one instead", item=hazard.id)
    before = hazard_json(hazard_from_row(row))
    _fill(row, hazard)
    session.flush()
    record(
        session,
        actor=actor,
        action="hazard.updated",
        payload={"before": before, "after": hazard_json(hazard)},
    )
    return row


def expire_hazard(
    session: Session,
    hazard_id: str,
    *,
    actor: str,
    at_utc: datetime | None = None,
    reason: str | None = None,
) -> HazardRow:
    """Mark a hazard expired from ``at_utc`` (default now); the row stays for the record."""
    row = get_hazard_row(session, hazard_id)
    if row.expired_at is not None:
        raise StateError(
            f"the hazard already expired at {format_utc(row.expired_at)}", item=hazard_id
        )
    row.expired_at = at_utc or utc_now()
    session.flush()
    record(
        session,
        actor=actor,
        action="hazard.expired",
        payload={"id": hazard_id, "expired_at": format_utc(row.expired_at), "reason": reason},
    )
    return row


def confirm_hazard(session: Session, hazard_id: str, *, actor: str) -> HazardRow:
    """A coordinator confirms a provisional hazard: from now on its closure closes roads."""
    row = get_hazard_row(session, hazard_id)
    if row.expired_at is not None:
        raise StateError("the hazard has expired; add a new one instead", item=hazard_id)
    if not row.provisional:
        raise StateError("the hazard is not provisional: nothing to confirm", item=hazard_id)
    row.provisional = False
    row.confirmed_by = actor
    row.confirmed_at = utc_now()
    session.flush()
    record(
        session,
        actor=actor,
        action="hazard.confirmed",
        payload={"id": hazard_id, "confirmed_at": format_utc(row.confirmed_at)},
    )
    return row


def hazard_in_force(row: HazardRow) -> Hazard:
    """The hazard as routing must see it: a provisional one adds its risk but closes nothing."""
    hazard = hazard_from_row(row)
    if row.provisional and hazard.effective_closes:
        return dataclasses.replace(hazard, closes=False)
    return hazard


def hazard_query(
    *,
    active_at: datetime | None = None,
    kind: str | None = None,
    include_expired: bool = False,
) -> Select[HazardRow]:
    """The select behind :func:`list_hazards`, for callers that page or count."""
    stmt = select(HazardRow).order_by(HazardRow.created_at, HazardRow.id)
    if kind is not None:
        stmt = stmt.where(HazardRow.kind == kind)
    if active_at is not None:
        stmt = stmt.where(
            or_(HazardRow.valid_from.is_(None), HazardRow.valid_from <= active_at),
            or_(HazardRow.valid_until.is_(None), HazardRow.valid_until > active_at),
            or_(HazardRow.expired_at.is_(None), HazardRow.expired_at > active_at),
        )
    elif not include_expired:
        stmt = stmt.where(HazardRow.expired_at.is_(None))
    return stmt


def list_hazards(
    session: Session,
    *,
    active_at: datetime | None = None,
    kind: str | None = None,
    include_expired: bool = False,
    limit: int | None = None,
    offset: int = 0,
) -> list[Hazard]:
    """Stored hazards, oldest first, as routing must see them (a provisional closure closes
    nothing, see :func:`hazard_in_force`). ``active_at``: only those valid and not expired then
    (valid intervals are half-open); otherwise unexpired ones unless ``include_expired``."""
    stmt = hazard_query(active_at=active_at, kind=kind, include_expired=include_expired)
    stmt = stmt.offset(offset)
    if limit is not None:
        stmt = stmt.limit(limit)
    return [hazard_in_force(row) for row in session.scalars(stmt)]
