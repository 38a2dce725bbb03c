"""Hazards on plain SQL (``corridor.store._hazards``): the bare driver a command uses and the
ORM session the server uses store the same rows as the ORM's own ``HazardRow`` mapping (the
oracle), refused writes leave nothing, and the listing's filters agree with a plain Python
filter over every stored row."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import datetime, timedelta

import pytest
from shapely.geometry import mapping

from corridor.errors import NotFoundError, StateError
from corridor.store import (
    HazardRow,
    StoredHazard,
    add_hazards,
    audit_entries,
    confirm_hazard,
    count_hazards,
    expire_hazard,
    get_hazard_row,
    hazard_rows,
    list_hazards,
    open_store,
    stored_hazard_ids,
    transaction,
    verify_audit,
)
from corridor.store._sql import DriverSql
from tests.conftest import raw_rows
from tests.store.test_repositories import T0, hazards
from tests.store.test_sql_users import typer_probe

#: every column but the id and the time the row was written
_COLUMNS = (
    "kind, geometry, radius_m, closes, half_life_h, severity, confidence, observed_at,"
    " valid_from, valid_until, source, links, notes, expired_at, created_by, provisional,"
    " confirmed_by, confirmed_at"
)


def test_both_paths_store_what_the_orm_maps(db_url: str) -> None:
    items = hazards()
    open_store(db_url).close()
    with transaction(db_url) as tx:
        assert isinstance(tx, DriverSql)
        add_hazards(tx, [replace(h, id="lean-" + h.id) for h in items],
                    actor="t", provisional=True)  # fmt: skip
    with open_store(db_url) as store, store.session() as s:
        add_hazards(s, [replace(h, id="orm-" + h.id) for h in items],
                    actor="t", provisional=True)  # fmt: skip
        for h in items:  # the oracle: the ORM's column types writing the same values
            s.add(HazardRow(id="oracle-" + h.id, kind=str(h.kind),
                            geometry=json.dumps(mapping(h.geometry)), radius_m=h.radius_m,
                            closes=h.closes, half_life_h=h.half_life_h, severity=h.severity,
                            confidence=h.confidence, observed_at=h.observed_at,
                            valid_from=h.valid_from, valid_until=h.valid_until,
                            source=h.source or None, links=list(h.source_links),
                            notes=h.notes or None, created_by="t", provisional=True))  # fmt: skip
    for h in items:
        rows = [raw_rows(db_url, f"SELECT {_COLUMNS} FROM hazards WHERE id = '{p}-{h.id}'")
                for p in ("lean", "orm", "oracle")]  # fmt: skip
        assert rows[0] == rows[1] == rows[2], (h.id, rows)
    # and read back the same way through both, as the ORM maps them
    with open_store(db_url) as store, store.session(write=False) as s:
        for r in s.query(HazardRow):
            with transaction(db_url, write=False) as lean:
                got = get_hazard_row(lean, r.id)
            assert got == get_hazard_row(s, r.id)
            for name in _COLUMNS.replace(" ", "").split(","):
                assert getattr(got, name) == getattr(r, name), (r.id, name)


def test_changes_on_the_bare_driver_and_their_audit(db_url: str) -> None:
    open_store(db_url).close()
    with transaction(db_url) as tx:
        add_hazards(tx, hazards(), actor="alice", provisional=True)
    at = T0 + timedelta(hours=3)
    with transaction(db_url) as tx:
        moved = get_hazard_row(tx, "shell-1")
        confirmed = confirm_hazard(tx, "mines-1", actor="coord")
        assert (confirmed.provisional, confirmed.confirmed_by) == (False, "coord")
        assert get_hazard_row(tx, "mines-1") == confirmed
        expired = expire_hazard(tx, "zone-1", actor="carol", at_utc=at, reason="cleared")
        assert expired.expired_at == at
    with pytest.raises(StateError, match="not provisional"), transaction(db_url) as tx:
        confirm_hazard(tx, "mines-1", actor="coord")
    with pytest.raises(StateError, match="already expired"), transaction(db_url) as tx:
        expire_hazard(tx, "zone-1", actor="carol")
    with pytest.raises(StateError, match="has expired"), transaction(db_url) as tx:
        confirm_hazard(tx, "zone-1", actor="coord")
    with pytest.raises(NotFoundError), transaction(db_url) as tx:
        get_hazard_row(tx, "x" * 201)
    # a refused write after a good one in the same transaction leaves neither
    with pytest.raises(StateError, match="already in the store"), transaction(db_url) as tx:
        expire_hazard(tx, "shell-1", actor="carol")
        add_hazards(tx, hazards()[:1], actor="alice")
    with transaction(db_url, write=False) as tx:
        assert get_hazard_row(tx, "shell-1") == moved
        assert verify_audit(tx) is None
        actions = [e.action for e in audit_entries(tx)]
    assert actions == ["hazards.imported", "hazard.confirmed", "hazard.expired"]
    with open_store(db_url) as store, store.session(write=False) as s:
        row = s.get(HazardRow, "zone-1")
        assert row is not None and row.expired_at == at
        row = s.get(HazardRow, "mines-1")
        assert row is not None and not row.provisional and row.confirmed_by == "coord"


def test_the_listing_filters_as_a_plain_filter_does(db_url: str) -> None:
    """Every combination of the filters, against Python over all rows (half-open intervals)."""
    open_store(db_url).close()
    with transaction(db_url) as tx:
        add_hazards(tx, hazards(), actor="alice")
        expire_hazard(tx, "mines-1", actor="c", at_utc=T0 + timedelta(hours=2))
    with transaction(db_url, write=False) as tx:
        every = hazard_rows(tx, include_expired=True)
        assert {h.id for h in every} == {"shell-1", "mines-1", "zone-1"}
        hours = (-1 / 3600, 0, 2, 6, 24, 24 * 9)
        moments = [None, *(T0 + timedelta(hours=h) for h in hours)]
        for at in moments:
            for kind in (None, "shelling", "mines", "no_go_zone"):
                for include_expired in (False, True):

                    def keep(r: StoredHazard, at: datetime | None = at, kind: str | None = kind,
                             inc: bool = include_expired) -> bool:  # fmt: skip
                        if kind is not None and r.kind != kind:
                            return False
                        if at is None:
                            return inc or r.expired_at is None
                        return ((r.valid_from is None or r.valid_from <= at)
                                and (r.valid_until is None or r.valid_until > at)
                                and (r.expired_at is None or r.expired_at > at))  # fmt: skip

                    want = [h.id for h in every if keep(h)]
                    which = (at, kind, include_expired)
                    got = hazard_rows(tx, active_at=at, kind=kind, include_expired=include_expired)
                    assert [h.id for h in got] == want, which
                    n = count_hazards(tx, active_at=at, kind=kind, include_expired=include_expired)
                    assert n == len(want), which
                    listed = list_hazards(tx, active_at=at, kind=kind,
                                          include_expired=include_expired)  # fmt: skip
                    assert [h.id for h in listed] == want, which
        assert [h.id for h in hazard_rows(tx, include_expired=True, offset=1)] == [
            h.id for h in every[1:]
        ]
        assert [h.id for h in hazard_rows(tx, include_expired=True, limit=1, offset=1)] == [
            every[1].id
        ]
        assert stored_hazard_ids(tx, ["zone-1", "nope", "zone-1"]) == {"zone-1"}
        assert stored_hazard_ids(tx, [f"h{i}" for i in range(1200)] + ["shell-1"]) == {"shell-1"}


def test_the_hazard_commands_run_without_sqlalchemy(db_url: str) -> None:
    open_store(db_url).close()
    with transaction(db_url) as tx:
        add_hazards(tx, hazards(), actor="alice", provisional=True)
    seen = typer_probe([
        ["hazards", "confirm", "mines-1", "--db", db_url],
        ["hazards", "confirm", "mines-1", "--db", db_url],
        ["hazards", "expire", "zone-1", "--reason", "cleared", "--db", db_url],
        ["hazards", "show", "nope", "--db", db_url],
    ])  # fmt: skip
    assert seen == {"loaded": [], "codes": [0, 2, 0, 2]}
    # Showing or changing a hazard works on its row's values, without the ORM (and without
    # shapely: tests/store/test_hazard_values.py).
    seen = typer_probe([
        ["hazards", "show", "shell-1", "--db", db_url],
        ["hazards", "update", "shell-1", "--severity", "0.25", "--db", db_url],
    ], watched=("sqlalchemy", "psycopg", "alembic"))  # fmt: skip
    assert seen == {"loaded": [], "codes": [0, 0]}
    with transaction(db_url, write=False) as tx:
        assert get_hazard_row(tx, "shell-1").severity == 0.25
        assert get_hazard_row(tx, "zone-1").expired_at is not None
        assert not get_hazard_row(tx, "mines-1").provisional
