"""Hazards in the store: add, update, expire (never delete), and read back as ``Hazard``.

Plain SQL (:mod:`corridor.store._sql`): ``corridor hazards show/expire/confirm/update`` run it
on the bare driver, without SQLAlchemy; the server and monitoring run the same statements in
their ORM sessions. A stored hazard reads back as :class:`StoredHazard` (the row's columns,
named as ``HazardRow``'s), never as an ORM object that a later raw UPDATE would leave stale.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from corridor.audit import format_utc
from corridor.errors import NotFoundError, StateError
from corridor.store._audit import record
from corridor.store._plain import as_utc, utc_now
from corridor.store._sql import Json, Row, Sql, as_sql, read_json, read_time

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    # The hazard stack (shapely, pyproj, scipy) is imported only when a hazard is built:
    # commands that only read or write the database must start fast (issue 14, defect 10).
    from corridor.hazards import Hazard

#: The hazards.id column's length: no stored id is longer (nor holds NUL).
ID_LENGTH = 200


@dataclass(frozen=True)
class StoredHazard:
    """One row of the hazards table, as stored (``closes``/``half_life_h`` None: the kind's
    default; ``provisional``: a field team's closure waiting for a coordinator)."""

    id: str
    kind: str
    geometry: str  # a GeoJSON geometry object, as text
    radius_m: float | None
    closes: bool | None
    half_life_h: float | None
    severity: float
    confidence: float
    observed_at: datetime | None
    valid_from: datetime | None
    valid_until: datetime | None
    source: str | None
    links: list[Any]
    notes: str | None
    created_at: datetime
    expired_at: datetime | None
    created_by: str
    provisional: bool
    confirmed_by: str | None
    confirmed_at: datetime | None


_COLUMNS = (
    "id, kind, geometry, radius_m, closes, half_life_h, severity, confidence, observed_at,"
    " valid_from, valid_until, source, links, notes, created_at, expired_at, created_by,"
    " provisional, confirmed_by, confirmed_at"
)
#: The columns a hazard's own fields fill (:func:`_columns`); the rest are its provenance.
_FIELDS = (
    "kind", "geometry", "radius_m", "closes", "half_life_h", "severity", "confidence",
    "observed_at", "valid_from", "valid_until", "source", "links", "notes",
)  # fmt: skip


def _float(value: Any) -> float | None:
    return None if value is None else float(value)


def _stored(row: Row) -> StoredHazard:
    (hid, kind, geometry, radius, closes, half_life, severity, confidence, observed, valid_from,
     valid_until, source, links, notes, created_at, expired_at, created_by, provisional,
     confirmed_by, confirmed_at) = row  # fmt: skip
    return StoredHazard(
        id=str(hid),
        kind=str(kind),
        geometry=str(geometry),
        radius_m=_float(radius),
        closes=None if closes is None else bool(closes),
        half_life_h=_float(half_life),
        severity=float(severity),
        confidence=float(confidence),
        observed_at=as_utc(observed),
        valid_from=as_utc(valid_from),
        valid_until=as_utc(valid_until),
        source=source,
        links=list(read_json(links) or ()),
        notes=notes,
        created_at=read_time(created_at),
        expired_at=as_utc(expired_at),
        created_by=str(created_by),
        provisional=bool(provisional),
        confirmed_by=confirmed_by,
        confirmed_at=as_utc(confirmed_at),
    )


def _utc(at: datetime | None) -> str | None:
    return None if at is None else format_utc(at)


#: A hazard's own values by name, as :func:`corridor.hazards.feature_of` takes them: ``kind`` as
#: text, ``geometry`` as shapely's ``mapping`` gives it, ``source`` and ``notes`` as text.
Values = dict[str, Any]


def _values(h: Hazard) -> Values:
    from shapely.geometry import mapping

    return {
        "id": h.id, "kind": str(h.kind), "geometry": mapping(h.geometry),
        "radius_m": h.radius_m, "closes": h.closes, "half_life_h": h.half_life_h,
        "severity": h.severity, "confidence": h.confidence, "observed_at": h.observed_at,
        "valid_from": h.valid_from, "valid_until": h.valid_until, "source": h.source,
        "source_links": h.source_links, "notes": h.notes,
    }  # fmt: skip


def _checked(values: Values) -> Values:
    """``values`` as a Hazard holds them (times in UTC), or HazardInputError as a Hazard
    built of them raises it (its id, kind and geometry already known to be sound)."""
    from corridor.hazards import check_values

    observed, start, end = check_values(
        f"hazard {values['id']!r}", severity=values["severity"],
        confidence=values["confidence"], observed_at=values["observed_at"],
        valid_from=values["valid_from"], valid_until=values["valid_until"],
        radius_m=values["radius_m"], half_life_h=values["half_life_h"],
    )  # fmt: skip
    return {**values, "observed_at": observed, "valid_from": start, "valid_until": end}


def _row_values(row: StoredHazard) -> Values | None:
    """The values of the Hazard :func:`hazard_from_row` builds of ``row``, worked out without
    shapely (:func:`corridor.hazards.plain_geometry`); None where building it is the only way
    to tell (an unusual geometry, or a row the Hazard would refuse, with its own words)."""
    try:
        geometry = json.loads(row.geometry)
    except ValueError:
        return None
    return _plain_values(_given(row, geometry))


def _given(row: StoredHazard, geometry: Any) -> Values:
    """What a Hazard is built of for ``row`` (geometry as GeoJSON, parsed)."""
    return {
        "id": row.id, "kind": row.kind, "geometry": geometry, "radius_m": row.radius_m,
        "closes": row.closes, "half_life_h": row.half_life_h, "severity": row.severity,
        "confidence": row.confidence, "observed_at": row.observed_at,
        "valid_from": row.valid_from, "valid_until": row.valid_until,
        "source": row.source or "", "notes": row.notes or "",
        "source_links": tuple(str(link) for link in row.links or ()),
    }  # fmt: skip


def _plain_values(given: Values) -> Values | None:
    """The values of the Hazard built of ``given`` (geometry as GeoJSON), worked out without
    shapely; None where building it is the only way to tell (see :func:`_row_values`)."""
    from corridor.errors import HazardInputError
    from corridor.hazards import KINDS, plain_geometry

    if not given["id"] or given["kind"] not in KINDS:
        return None
    geometry = plain_geometry(given["geometry"])
    if geometry is None:
        return None
    try:
        return _checked({**given, "kind": str(given["kind"]), "geometry": geometry})
    except HazardInputError:
        return None


def _hazard_of(given: Values) -> Hazard:
    from shapely.geometry import shape

    from corridor.hazards import Hazard

    return Hazard(
        id=given["id"], kind=given["kind"], geometry=shape(given["geometry"]),
        severity=given["severity"], confidence=given["confidence"],
        observed_at=given["observed_at"], valid_from=given["valid_from"],
        valid_until=given["valid_until"], source=given["source"], notes=given["notes"],
        source_links=given["source_links"], radius_m=given["radius_m"],
        closes=given["closes"], half_life_h=given["half_life_h"],
    )  # fmt: skip


def _lists(value: Any) -> Any:
    """``value`` with its tuples as lists (``mapping``'s form as GeoJSON's); the rest as is."""
    if isinstance(value, dict):
        return {k: _lists(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_lists(v) for v in value]
    return value


def hazard_values(given: Values) -> Values:
    """The values of the Hazard built of ``given`` -- a hazard's values by name, as
    :func:`corridor.hazards.feature_of` takes them, geometry as GeoJSON (lists or tuples) --
    as that Hazard holds them (times in UTC, geometry as shapely's ``mapping`` gives it).

    Worked out without shapely where that can be told (a field report's point: issue 14,
    defect 10), else by building the Hazard, which refuses what it refuses (HazardInputError,
    in its words). :func:`add_hazard_values` stores them as :func:`add_hazard` stores it."""
    plain = _plain_values({**given, "geometry": _lists(given["geometry"])})
    return plain if plain is not None else _values(_hazard_of(given))


def _json(v: Values) -> dict[str, Any]:
    return {
        "id": v["id"],
        "kind": v["kind"],
        "geometry": v["geometry"],
        "radius_m": v["radius_m"],
        "closes": v["closes"],
        "half_life_h": v["half_life_h"],
        "severity": v["severity"],
        "confidence": v["confidence"],
        "observed_at": _utc(v["observed_at"]),
        "valid_from": _utc(v["valid_from"]),
        "valid_until": _utc(v["valid_until"]),
        "source": v["source"],
        "links": list(v["source_links"]),
        "notes": v["notes"],
    }


def hazard_json(h: Hazard) -> dict[str, Any]:
    """The hazard as plain JSON (GeoJSON geometry, UTC times): audit payloads and API bodies."""
    return _json(_values(h))


def _columns(v: Values) -> dict[str, Any]:
    """The column values for a hazard's own fields, as the ORM stored them."""
    return {
        "kind": v["kind"],
        "geometry": json.dumps(v["geometry"]),
        "radius_m": v["radius_m"],
        "closes": v["closes"],
        "half_life_h": v["half_life_h"],
        "severity": v["severity"],
        "confidence": v["confidence"],
        "observed_at": v["observed_at"],
        "valid_from": v["valid_from"],
        "valid_until": v["valid_until"],
        "source": v["source"] or None,
        "links": Json(list(v["source_links"])),
        "notes": v["notes"] or None,
    }


def hazard_feature(row: StoredHazard) -> dict[str, Any]:
    """A stored hazard as the API and CLI show it: a normalised GeoJSON Feature (defaults
    resolved, as `corridor hazards import` writes them) plus who reported it when, whether it
    is a provisional field closure (``closes`` is what was reported; it closes nothing until
    ``confirmed_by`` a coordinator) and whether a coordinator expired it.

    Made from the row's values where they can be read without shapely (start-up, issue 14
    defect 10), else from the Hazard the row builds; the Feature is the same."""
    from corridor.hazards import feature_of

    values = _row_values(row)
    if values is None:
        from corridor.hazards import hazards_to_geojson

        feature: dict[str, Any] = hazards_to_geojson([hazard_from_row(row)])["features"][0]
    else:
        feature = feature_of(**values)
    feature["properties"].update(
        created_at=format_utc(row.created_at),
        created_by=row.created_by,
        expired_at=_utc(row.expired_at),
        provisional=bool(row.provisional),
        confirmed_by=row.confirmed_by,
        confirmed_at=_utc(row.confirmed_at),
    )
    return feature


def hazard_from_row(row: StoredHazard) -> Hazard:
    return _hazard_of(_given(row, json.loads(row.geometry)))


def stored_hazard_ids(tx: Sql | Session, ids: Sequence[str]) -> set[str]:
    """Those of ``ids`` already in the store (asked in chunks: a bulk import may hold
    thousands, more than a statement may bind)."""
    sql = as_sql(tx)
    found: set[str] = set()
    unique = sorted(set(ids))
    for start in range(0, len(unique), 500):
        chunk = unique[start : start + 500]
        names = {f"i{n}": value for n, value in enumerate(chunk)}
        marks = ", ".join(f":{name}" for name in names)
        rows = sql.execute(f"SELECT id FROM hazards WHERE id IN ({marks})", names).all()
        found.update(str(r[0]) for r in rows)
    return found


def add_hazards(
    tx: Sql | Session, hazards: Iterable[Hazard], *, actor: str, provisional: bool = False
) -> list[StoredHazard]:
    """Insert new hazards and audit them in one entry (``hazard.added`` for one, else
    ``hazards.imported``). An id already in the store raises StateError and adds none.

    ``provisional``: a field team's closure; it adds risk but closes no road until a
    coordinator confirms it (:func:`confirm_hazard`)."""
    return _add(as_sql(tx), [_values(h) for h in hazards], actor, provisional)


def _add(sql: Sql, items: list[Values], actor: str, provisional: bool) -> list[StoredHazard]:
    if not items:
        return []
    ids = [v["id"] for v in items]
    if len(set(ids)) != len(ids):
        raise StateError("the same hazard id is given twice", item=_first_duplicate(ids))
    taken = stored_hazard_ids(sql, ids)
    if taken:
        raise StateError(
            f"{len(taken)} hazard id(s) already in the store",
            item=", ".join(sorted(taken)[:5]),
            hint="update or expire the stored hazard instead",
        )
    columns = ", ".join(_FIELDS)
    values = ", ".join(f":{c}" for c in _FIELDS)
    insert = (
        f"INSERT INTO hazards (id, {columns}, created_at, created_by, provisional)"
        f" VALUES (:id, {values}, :created_at, :created_by, :provisional) RETURNING {_COLUMNS}"
    )
    rows = []
    for v in items:
        params = {"id": v["id"], **_columns(v), "created_at": utc_now(), "created_by": actor,
                  "provisional": provisional}  # fmt: skip
        row = sql.execute(insert, params).first()
        assert row is not None  # RETURNING gives the row just written
        rows.append(_stored(row))
    if len(items) == 1:
        payload = _json(items[0])
        if provisional:
            payload["provisional"] = True
        record(sql, actor=actor, action="hazard.added", payload=payload)
    else:
        payload = {"count": len(items), "hazards": [_json(v) for v in items]}
        record(sql, actor=actor, action="hazards.imported", payload=payload)
    return rows


def _first_duplicate(ids: list[str]) -> str:
    seen: set[str] = set()
    for i in ids:
        if i in seen:
            return i
        seen.add(i)
    return ""  # pragma: no cover - only called when there is a duplicate


def add_hazard(
    tx: Sql | Session, hazard: Hazard, *, actor: str, provisional: bool = False
) -> StoredHazard:
    return add_hazards(tx, [hazard], actor=actor, provisional=provisional)[0]


def add_hazard_values(
    tx: Sql | Session, given: Values, *, actor: str, provisional: bool = False
) -> StoredHazard:
    """:func:`add_hazard` of the Hazard built of ``given`` (see :func:`hazard_values`): the
    same row and audit entry, without building it where that can be told."""
    return _add(as_sql(tx), [hazard_values(given)], actor, provisional)[0]


def get_hazard_row(tx: Sql | Session, hazard_id: str) -> StoredHazard:
    # No stored id is longer than its column or holds NUL (PostgreSQL refuses both in a query).
    if len(hazard_id) > ID_LENGTH or "\x00" in hazard_id:
        raise NotFoundError(f"no hazard with id {hazard_id[:40]!r}")
    row = (
        as_sql(tx)
        .execute(f"SELECT {_COLUMNS} FROM hazards WHERE id = :id", {"id": hazard_id})
        .first()
    )
    if row is None:
        raise NotFoundError(f"no hazard with id {hazard_id!r}")
    return _stored(row)


def get_hazard(tx: Sql | Session, hazard_id: str) -> Hazard:
    return hazard_from_row(get_hazard_row(tx, hazard_id))


def _changed(sql: Sql, hazard_id: str, assignments: str, params: dict[str, Any]) -> StoredHazard:
    """Run ``UPDATE hazards SET assignments`` on the still unexpired row and return it; a
    writer that expired it in between (PostgreSQL's row lock) leaves nothing to change."""
    row = sql.execute(
        f"UPDATE hazards SET {assignments} WHERE id = :id AND expired_at IS NULL"
        f" RETURNING {_COLUMNS}",
        {**params, "id": hazard_id},
    ).first()
    if row is None:
        raise StateError("the hazard has expired; add a new one instead", item=hazard_id)
    return _stored(row)


def update_hazard(tx: Sql | Session, hazard: Hazard, *, actor: str) -> StoredHazard:
    """Replace a stored, unexpired hazard's fields with ``hazard``'s (same id) and audit it."""
    sql = as_sql(tx)
    row = get_hazard_row(sql, hazard.id)
    if row.expired_at is not None:
        raise StateError("the hazard has expired; add a new one instead", item=hazard.id)
    return _update(sql, hazard.id, hazard_json(hazard_from_row(row)), _values(hazard), actor)


def _update(
    sql: Sql, hazard_id: str, before: dict[str, Any], after: Values, actor: str
) -> StoredHazard:
    assignments = ", ".join(f"{c} = :{c}" for c in _FIELDS)
    updated = _changed(sql, hazard_id, assignments, _columns(after))
    record(
        sql,
        actor=actor,
        action="hazard.updated",
        payload={"before": before, "after": _json(after)},
    )
    return updated


#: What :func:`change_hazard` changes: a hazard's values, not its id, kind or geometry.
CHANGEABLE = frozenset({
    "severity", "confidence", "observed_at", "valid_from", "valid_until", "source", "notes",
    "source_links", "radius_m", "closes", "half_life_h",
})  # fmt: skip


def change_hazard(
    tx: Sql | Session, hazard_id: str, changes: Mapping[str, Any], *, actor: str
) -> StoredHazard:
    """``update_hazard(tx, dataclasses.replace(get_hazard(tx, hazard_id), **changes))`` for
    changes of :data:`CHANGEABLE` fields: the same checks (the same errors, in the same order),
    row and audit entry, worked out on the stored row without building its geometry, which
    imports shapely (issue 14, defect 10). A row only shapely can read takes that way."""
    unknown = sorted(set(changes) - CHANGEABLE)
    if unknown:
        raise TypeError(f"change_hazard cannot change {', '.join(unknown)}")
    sql = as_sql(tx)
    row = get_hazard_row(sql, hazard_id)
    before = _row_values(row)
    if before is None:
        return update_hazard(sql, dataclasses.replace(hazard_from_row(row), **changes), actor=actor)
    after = _checked({**before, **changes})
    if row.expired_at is not None:
        raise StateError("the hazard has expired; add a new one instead", item=hazard_id)
    return _update(sql, hazard_id, _json(before), after, actor)


def expire_hazard(
    tx: Sql | Session,
    hazard_id: str,
    *,
    actor: str,
    at_utc: datetime | None = None,
    reason: str | None = None,
) -> StoredHazard:
    """Mark a hazard expired from ``at_utc`` (default now); the row stays for the record."""
    sql = as_sql(tx)
    row = get_hazard_row(sql, hazard_id)
    if row.expired_at is not None:
        raise StateError(
            f"the hazard already expired at {format_utc(row.expired_at)}", item=hazard_id
        )
    at = at_utc or utc_now()
    expired = _changed(sql, hazard_id, "expired_at = :at", {"at": at})
    record(
        sql,
        actor=actor,
        action="hazard.expired",
        payload={"id": hazard_id, "expired_at": format_utc(at), "reason": reason},
    )
    return expired


def confirm_hazard(tx: Sql | Session, hazard_id: str, *, actor: str) -> StoredHazard:
    """A coordinator confirms a provisional hazard: from now on its closure closes roads."""
    sql = as_sql(tx)
    row = get_hazard_row(sql, hazard_id)
    if row.expired_at is not None:
        raise StateError("the hazard has expired; add a new one instead", item=hazard_id)
    if not row.provisional:
        raise StateError("the hazard is not provisional: nothing to confirm", item=hazard_id)
    at = utc_now()
    confirmed = _changed(
        sql,
        hazard_id,
        "provisional = :no, confirmed_by = :by, confirmed_at = :at",
        {"no": False, "by": actor, "at": at},
    )
    record(
        sql,
        actor=actor,
        action="hazard.confirmed",
        payload={"id": hazard_id, "confirmed_at": format_utc(at)},
    )
    return confirmed


def hazard_in_force(row: StoredHazard) -> Hazard:
    """The hazard as routing must see it: a provisional one adds its risk but closes nothing."""
    hazard = hazard_from_row(row)
    if row.provisional and hazard.effective_closes:
        return dataclasses.replace(hazard, closes=False)
    return hazard


def _where(
    active_at: datetime | None, kind: str | None, include_expired: bool
) -> tuple[str, dict[str, Any]]:
    """The WHERE clause (possibly empty) that selects the hazards :func:`list_hazards` lists."""
    terms: list[str] = []
    params: dict[str, Any] = {}
    if kind is not None:
        terms.append("kind = :kind")
        params["kind"] = kind
    if active_at is not None:
        terms += [
            "(valid_from IS NULL OR valid_from <= :at)",
            "(valid_until IS NULL OR valid_until > :at)",
            "(expired_at IS NULL OR expired_at > :at)",
        ]
        params["at"] = active_at
    elif not include_expired:
        terms.append("expired_at IS NULL")
    return (" WHERE " + " AND ".join(terms) if terms else ""), params


def hazard_rows(
    tx: Sql | Session,
    *,
    active_at: datetime | None = None,
    kind: str | None = None,
    include_expired: bool = False,
    limit: int | None = None,
    offset: int = 0,
) -> list[StoredHazard]:
    """The stored rows behind :func:`list_hazards`, oldest first, for callers that page."""
    sql = as_sql(tx)
    where, params = _where(active_at, kind, include_expired)
    page = ""
    if limit is not None:
        page, params["limit"] = " LIMIT :limit", limit
    elif offset and sql.dialect == "sqlite":
        page = " LIMIT -1"  # SQLite takes an OFFSET only after a LIMIT
    if offset:
        page, params["offset"] = page + " OFFSET :offset", offset
    rows = sql.execute(
        f"SELECT {_COLUMNS} FROM hazards{where} ORDER BY created_at, id{page}", params
    )
    return [_stored(r) for r in rows.all()]


def count_hazards(
    tx: Sql | Session,
    *,
    active_at: datetime | None = None,
    kind: str | None = None,
    include_expired: bool = False,
) -> int:
    """How many hazards :func:`hazard_rows` would return unpaged."""
    where, params = _where(active_at, kind, include_expired)
    return int(as_sql(tx).execute(f"SELECT count(*) FROM hazards{where}", params).scalar())


def list_hazards(
    tx: Sql | Session,
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
    rows = hazard_rows(tx, active_at=active_at, kind=kind, include_expired=include_expired,
                       limit=limit, offset=offset)  # fmt: skip
    return [hazard_in_force(row) for row in rows]
