"""A stored hazard shown and changed from its row's values (issue 14, defect 10): the same
Feature, row, audit entry and errors as building the Hazard first, which the store did before
(the oracle, written out here as it was), and without importing shapely."""

from __future__ import annotations

import dataclasses
import json
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from shapely.geometry import LineString, MultiPolygon, Point, Polygon

from corridor.errors import CorridorError
from corridor.hazards import Hazard, HazardKind, hazards_to_geojson
from corridor.store import (
    StoredHazard,
    add_hazards,
    audit_entries,
    change_hazard,
    expire_hazard,
    get_hazard,
    get_hazard_row,
    hazard_feature,
    hazard_from_row,
    hazard_rows,
    open_store,
    transaction,
    update_hazard,
)
from tests.conftest import raw_rows
from tests.store.test_sql_users import typer_probe

T0 = datetime(2022, 3, 8, 8, tzinfo=UTC)
SQUARE = [(0.0, 0.0), (4.0, 0.0), (4.0, 4.0), (0.0, 4.0), (0.0, 0.0)]


def every_kind() -> list[Hazard]:
    """A hazard of each geometry kind, 2D and 3D, with and without the optional fields."""
    return [
        Hazard(id="pt", kind="shelling", geometry=Point(15.61, 48.41), severity=0.8,
               confidence=0.7, observed_at=T0, valid_from=T0, valid_until=T0 + timedelta(days=1),
               source="field report", notes="near the bridge", source_links=("https://x/1",),
               radius_m=300.0),
        Hazard(id="pt3", kind="mines", geometry=Point(15, 48, 210), severity=1.0, confidence=0.5),
        Hazard(id="line", kind="mines", geometry=LineString([(15.6, 48.4), (15.62, 48.401)]),
               severity=1.0, confidence=0.5, closes=True, half_life_h=5.0),
        Hazard(id="poly", kind="no_go_zone", severity=1.0, confidence=1.0,
               geometry=Polygon([(15.5, 48.3), (15.55, 48.3), (15.55, 48.35), (15.5, 48.3)]),
               valid_from=T0 + timedelta(hours=6)),
        Hazard(id="hole", kind="front_line", severity=0.5, confidence=0.5,
               geometry=Polygon(SQUARE, [[(1, 1), (2, 1), (2, 2), (1, 1)]])),
        Hazard(id="multi", kind="active_fighting", severity=0.5, confidence=0.5, closes=False,
               geometry=MultiPolygon([Polygon(SQUARE),
                                      Polygon([(5, 5), (6, 5), (6, 6), (5, 5)])])),
        # 2D and 3D polygons in one: left to shapely (see ``plain_geometry``)
        Hazard(id="mixed", kind="active_fighting", severity=0.5, confidence=0.5,
               geometry=MultiPolygon([Polygon(SQUARE),
                                      Polygon([(5, 5, 1), (6, 5, 1), (6, 6, 1), (5, 5, 1)])])),
    ]  # fmt: skip


def oracle_feature(row: StoredHazard) -> dict[str, Any]:
    """``hazard_feature`` as it was: built from the Hazard the row makes."""
    from corridor.audit import format_utc

    def utc(at: datetime | None) -> str | None:
        return None if at is None else format_utc(at)

    feature: dict[str, Any] = hazards_to_geojson([hazard_from_row(row)])["features"][0]
    feature["properties"].update(
        created_at=format_utc(row.created_at), created_by=row.created_by,
        expired_at=utc(row.expired_at), provisional=bool(row.provisional),
        confirmed_by=row.confirmed_by, confirmed_at=utc(row.confirmed_at),
    )  # fmt: skip
    return feature


def _stored(db_url: str, items: list[Hazard]) -> None:
    open_store(db_url).close()
    with transaction(db_url) as tx:
        add_hazards(tx, items, actor="alice", provisional=True)


def test_show_gives_the_feature_the_hazard_gave(db_url: str) -> None:
    _stored(db_url, every_kind())
    with transaction(db_url) as tx:
        confirm = get_hazard_row(tx, "line")
        expire_hazard(tx, "hole", actor="carol")
        rows = hazard_rows(tx, include_expired=True)
    assert confirm is not None and len(rows) == len(every_kind())
    for row in rows:
        got = hazard_feature(row)
        assert repr(got) == repr(oracle_feature(row)), row.id  # tuples and floats alike
        assert json.dumps(got) == json.dumps(oracle_feature(row))


#: Rows written by hand that only shapely reads: the old way answers for them, word for word.
ODD_GEOMETRY = [
    '{"type": "point", "coordinates": [1, 2]}',  # shapely takes any case
    '{"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [1, 1]]]}',  # open ring, closed by it
    '{"type": "LineString", "coordinates": [[0, 0], [1, 1, 1]]}',  # cannot be built
    '{"type": "MultiPoint", "coordinates": [[1, 2]]}',  # not a hazard's geometry
    "not json",
]


@pytest.mark.parametrize("geometry", ODD_GEOMETRY)
def test_a_row_only_shapely_reads_is_shown_and_refused_as_before(
    db_url: str, geometry: str
) -> None:
    _stored(db_url, every_kind()[:1])
    _set(db_url, "geometry", geometry)
    with transaction(db_url, write=False) as tx:
        row = get_hazard_row(tx, "pt")
    assert _outcome(lambda: hazard_feature(row)) == _outcome(lambda: oracle_feature(row))


@pytest.mark.parametrize(("column", "value"), [("kind", "'meteor'"), ("severity", "2"),
                                               ("valid_until", "valid_from")])  # fmt: skip
def test_a_row_the_hazard_refuses_is_refused_as_before(
    db_url: str, column: str, value: str
) -> None:
    _stored(db_url, every_kind()[:1])
    _set(db_url, column, value, quoted=False)
    with transaction(db_url, write=False) as tx:
        row = get_hazard_row(tx, "pt")
    want = _outcome(lambda: oracle_feature(row))
    assert want[0] == "error"
    assert _outcome(lambda: hazard_feature(row)) == want


def _set(db_url: str, column: str, value: str, *, quoted: bool = True) -> None:
    """Write a column behind the store's back (an old or hand-edited row)."""
    sql = f"UPDATE hazards SET {column} = {_quote(value) if quoted else value}"
    if db_url.startswith("sqlite"):
        import sqlite3

        with sqlite3.connect(db_url.removeprefix("sqlite:///")) as conn:
            conn.execute(sql)
        return
    import psycopg

    url = db_url.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(url) as conn:
        conn.execute(sql)  # type: ignore[arg-type]


def _quote(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _outcome(fn: Any) -> Any:
    try:
        return fn()
    except (CorridorError, ValueError, TypeError) as exc:
        return ("error", type(exc).__name__, str(exc))


PLUS_5 = timezone(timedelta(hours=5))
CHANGES: list[dict[str, Any]] = [
    {"severity": 0.25},
    {"confidence": 0.0, "notes": ""},
    {"notes": "moved", "closes": False, "radius_m": 12.5},
    {"valid_from": (T0 + timedelta(hours=7)).astimezone(PLUS_5)},
    {"valid_until": T0 + timedelta(hours=6)},  # not after poly's valid_from
    {"valid_from": T0, "valid_until": T0 - timedelta(hours=1)},
    {"severity": float("nan")},
    {"radius_m": -1.0, "half_life_h": 0.0},
    {"observed_at": datetime(2022, 3, 8, 9)},  # naive
    {"source": "a coordinator", "source_links": ("https://y/2", "https://y/3")},
    {"half_life_h": 2.5, "closes": True},
]


def _oracle_update(tx: Any, hazard_id: str, changes: dict[str, Any]) -> StoredHazard:
    """What `corridor hazards update` did before: build the Hazard, replace, update."""
    return update_hazard(tx, dataclasses.replace(get_hazard(tx, hazard_id), **changes), actor="t")


@pytest.mark.parametrize("changes", CHANGES, ids=repr)
def test_a_change_stores_and_audits_what_the_hazard_update_did(
    db_url: str, changes: dict[str, Any]
) -> None:
    """The same changes through both ways to copies of each hazard ('a-' and 'b-'), one of
    them expired: the same outcome (row or error) for each, the same stored rows, and the
    same audit entries."""
    kinds = every_kind()
    _stored(db_url, [dataclasses.replace(h, id=p + h.id) for p in ("a-", "b-") for h in kinds])
    with transaction(db_url) as tx:
        for p in ("a-", "b-"):
            expire_hazard(tx, p + "pt3", actor="carol", at_utc=T0)
    for h in [*kinds, dataclasses.replace(kinds[0], id="absent")]:
        new = _outcome(
            lambda h=h: _in_transaction(
                db_url, lambda tx: change_hazard(tx, "a-" + h.id, changes, actor="t")
            )
        )
        old = _outcome(lambda h=h: _in_transaction(
            db_url, lambda tx: _oracle_update(tx, "b-" + h.id, changes)))  # fmt: skip
        assert _same(new) == _same(old), (h.id, new, old)
    columns = (
        "kind, geometry, radius_m, closes, half_life_h, severity, confidence, observed_at,"
        " valid_from, valid_until, source, links, notes, expired_at, provisional"
    )
    a = raw_rows(db_url, f"SELECT substr(id, 3), {columns} FROM hazards WHERE id LIKE 'a-%'")
    b = raw_rows(db_url, f"SELECT substr(id, 3), {columns} FROM hazards WHERE id LIKE 'b-%'")
    assert sorted(a) == sorted(b)
    with transaction(db_url, write=False) as tx:
        updates = [json.loads(e.payload) for e in audit_entries(tx)
                   if e.action == "hazard.updated"]  # fmt: skip
    by = {p["after"]["id"][:2]: [] for p in updates}
    for p in updates:
        by[p["after"]["id"][:2]].append(json.dumps(p).replace('"a-', '"b-'))
    assert by.get("a-", []) == by.get("b-", [])


def _in_transaction(db_url: str, work: Any) -> Any:
    """``work(tx)`` in a transaction of its own (rolled back when it raises)."""
    with transaction(db_url) as tx:
        return work(tx)


def _same(outcome: Any) -> Any:
    """An outcome with the copy's prefix taken out of its words and its row."""
    if isinstance(outcome, StoredHazard):
        fields = dataclasses.asdict(outcome)
        del fields["created_at"]
        return {**fields, "id": outcome.id[2:]}
    return tuple(str(x).replace("a-", "").replace("b-", "") for x in outcome)


def test_change_hazard_changes_values_only(db_url: str) -> None:
    _stored(db_url, every_kind()[:1])
    with pytest.raises(TypeError, match="geometry, kind"), transaction(db_url) as tx:
        change_hazard(tx, "pt", {"kind": "mines", "geometry": Point(0, 0)}, actor="t")


def test_show_update_confirm_expire_do_not_import_shapely_nor_yaml(db_url: str) -> None:
    plain = every_kind()[:-1]
    _stored(db_url, plain)
    watched = ("shapely", "numpy", "jsonschema", "sqlalchemy", "alembic", "yaml")
    seen = typer_probe(
        [["hazards", "show", h.id, "--db", db_url] for h in plain]
        + [["hazards", "update", h.id, "--severity", "0.25", "--db", db_url] for h in plain]
        + [["hazards", "update", "poly", "--valid-until", "2022-03-08T09:00Z", "--db", db_url],
           ["hazards", "confirm", "pt", "--db", db_url],
           ["hazards", "expire", "pt", "--db", db_url]],
        watched=watched,
    )  # fmt: skip
    assert seen == {"loaded": [], "codes": [0] * 12 + [2, 0, 0]}
    # and the check can fail: a row only shapely reads loads it
    _set(db_url, "geometry", '{"type": "point", "coordinates": [1, 2]}')
    seen = typer_probe([["hazards", "show", "pt", "--db", db_url]], watched=watched)
    assert seen["codes"] == [0] and {"numpy", "shapely"} <= set(seen["loaded"])


def _given(h: Hazard, *, lists: bool) -> dict[str, Any]:
    """A hazard's values by name (as ``feature_of`` takes them), its geometry as GeoJSON's lists
    or as shapely's ``mapping`` gives it (tuples)."""
    from shapely.geometry import mapping

    geometry = mapping(h.geometry)
    return {
        "id": h.id, "kind": h.kind.value, "severity": h.severity, "confidence": h.confidence,
        "geometry": json.loads(json.dumps(geometry)) if lists else geometry,
        "observed_at": h.observed_at, "valid_from": h.valid_from, "valid_until": h.valid_until,
        "source": h.source, "notes": h.notes, "source_links": h.source_links,
        "radius_m": h.radius_m, "closes": h.closes, "half_life_h": h.half_life_h,
    }  # fmt: skip


def _oracle_add(tx: Any, given: dict[str, Any], provisional: bool) -> StoredHazard:
    """What a caller did before ``add_hazard_values``: build the Hazard, add it."""
    from shapely.geometry import shape

    from corridor.store import add_hazard

    hazard = Hazard(**{**given, "geometry": shape(given["geometry"])})
    return add_hazard(tx, hazard, actor="t", provisional=provisional)


def _odd_givens() -> list[dict[str, Any]]:
    """Values only the Hazard judges (its words), or that only shapely reads."""
    base = _given(every_kind()[0], lists=True)
    point = {"type": "Point", "coordinates": [15.6, 48.4]}
    return [
        {**base, "id": "nan", "geometry": {"type": "Point", "coordinates": [float("nan"), 1.0]}},
        {**base, "id": "np", "geometry": {"type": "Point", "coordinates": [_Float(1.5), 2.0]}},
        {**base, "id": "bool", "geometry": {"type": "Point", "coordinates": [True, 2.0]}},
        {**base, "id": "int", "geometry": {"type": "Point", "coordinates": [15, 48]}},
        {**base, "id": "open", "geometry": {"type": "Polygon",
                                            "coordinates": [[[0, 0], [1, 0], [1, 1]]]}},
        {**base, "id": "meteor", "kind": "meteor", "geometry": point},
        {**base, "id": "", "geometry": point},
        {**base, "id": "sev", "severity": 2.0},
        {**base, "id": "naive", "observed_at": datetime(2022, 3, 8, 9)},
        {**base, "id": "plus5", "valid_from": T0.astimezone(PLUS_5), "valid_until": None},
        {**base, "id": "radius", "radius_m": float("inf")},
        {**base, "id": "enum", "kind": HazardKind.ROADBLOCK, "source_links": ["https://z/1"]},
    ]  # fmt: skip


class _Float(float):
    """A float of another type (as numpy's float64 is): left to shapely."""


@pytest.mark.parametrize("provisional", [False, True])
def test_adding_values_stores_and_audits_what_adding_the_hazard_did(
    db_url: str, provisional: bool
) -> None:
    """``add_hazard_values`` against building the Hazard and ``add_hazard`` on copies ('a-' and
    'b-'): the same outcome (row or error), rows and audit entries."""
    from corridor.store import add_hazard_values, hazard_values

    open_store(db_url).close()
    givens = [_given(h, lists=lists) | {"id": f"{h.id}-{lists}"}
              for h in every_kind() for lists in (True, False)]  # fmt: skip
    for given in [*givens, *_odd_givens()]:
        new = _outcome(lambda g=given: _in_transaction(db_url, lambda tx: add_hazard_values(
            tx, {**g, "id": "a-" + g["id"]}, actor="t", provisional=provisional)))  # fmt: skip
        old = _outcome(lambda g=given: _in_transaction(db_url, lambda tx: _oracle_add(
            tx, {**g, "id": "b-" + g["id"]}, provisional)))  # fmt: skip
        assert _same(new) == _same(old), (given["id"], new, old)
        if not isinstance(old, tuple):
            # the values it holds are the Hazard's, tuples and floats alike
            values = hazard_values({**given, "id": "b-" + given["id"]})
            from corridor.store._hazards import _values

            want = _values(_oracle_hazard({**given, "id": "b-" + given["id"]}))
            assert {k: repr(v) for k, v in values.items()} == {
                k: repr(v) for k, v in want.items()
            }, given["id"]
    columns = (
        "kind, geometry, radius_m, closes, half_life_h, severity, confidence, observed_at,"
        " valid_from, valid_until, source, links, notes, expired_at, provisional"
    )
    a = raw_rows(db_url, f"SELECT substr(id, 3), {columns} FROM hazards WHERE id LIKE 'a-%'")
    b = raw_rows(db_url, f"SELECT substr(id, 3), {columns} FROM hazards WHERE id LIKE 'b-%'")
    assert sorted(a) == sorted(b) and len(a) > len(givens)
    with transaction(db_url, write=False) as tx:
        added = [e.payload.replace('"a-', '"b-') if '"a-' in e.payload else e.payload
                 for e in audit_entries(tx) if e.action == "hazard.added"]  # fmt: skip
    assert added[0::2] == added[1::2]


def _oracle_hazard(given: dict[str, Any]) -> Hazard:
    from shapely.geometry import shape

    return Hazard(**{**given, "geometry": shape(given["geometry"])})
