"""Plans in the store on plain SQL: saved on the command line's bare driver and in the ORM
session they are the same rows (read through the ORM's own mapping, the oracle) and the same
audit entries; versions count up across both paths."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest
from sqlalchemy import select

from corridor.errors import NotFoundError
from corridor.store import (
    AuditEntry,
    PlanVersionRow,
    list_plans,
    load_plan_record,
    open_store,
    save_plan,
    transaction,
    verify_audit,
)
from corridor.store._sql import DriverSql

PLAN = {"id": "p-1", "corridors": [{"id": "east", "agreement": "c-1"}], "ü": [1.5, None]}
SCHEDULE = {"moved": 120, "total_people": 150, "clearance_utc": "2026-03-08T12:00:00Z",
            "trips": [{"convoy_id": "bus-1", "passengers": []}]}  # fmt: skip


def test_plans_saved_on_either_path_are_the_same_rows(db_url: str) -> None:
    open_store(db_url).close()
    with transaction(db_url) as tx:
        assert isinstance(tx, DriverSql)
        lean = save_plan(tx, PLAN, SCHEDULE, actor="lean")
    with open_store(db_url) as store, store.session() as s:
        orm = save_plan(s, PLAN, {**SCHEDULE, "moved": 130}, actor="orm")
        assert load_plan_record(s, "p-1", version=1) == replace(lean, latest_version=2)
    assert (lean.version, lean.latest_version, orm.version, orm.latest_version) == (1, 1, 2, 2)
    assert lean.schedule == {**SCHEDULE, "plan_version": 1} and lean.plan == PLAN
    assert lean.digest == orm.digest and lean.created_at <= orm.created_at
    with transaction(db_url, write=False) as tx:
        assert load_plan_record(tx, "p-1") == orm
        assert load_plan_record(tx, "p-1", version=1).latest_version == 2
        assert list_plans(tx) == [("p-1", 2)]
        with pytest.raises(NotFoundError, match="version 3"):
            load_plan_record(tx, "p-1", version=3)
        with pytest.raises(NotFoundError, match="'p-2'"):
            load_plan_record(tx, "p-2")
    with open_store(db_url) as store, store.session(write=False) as s:
        rows = s.scalars(select(PlanVersionRow).order_by(PlanVersionRow.id)).all()
        assert [(r.version, r.moved, r.total_people, r.created_by) for r in rows] == [
            (1, 120, 150, "lean"), (2, 130, 150, "orm")]  # fmt: skip
        assert rows[0].plan == rows[1].plan == PLAN
        assert rows[0].schedule == lean.schedule and rows[0].created_at == lean.created_at
        entries = s.scalars(select(AuditEntry).order_by(AuditEntry.seq)).all()
        payloads = [json.loads(e.payload) for e in entries]
        assert [e.action for e in entries] == ["plan.saved", "plan.saved"]
        assert payloads[0] == {"plan_id": "p-1", "version": 1, "digest": lean.digest,
                               "moved": 120, "total_people": 150,
                               "clearance_utc": "2026-03-08T12:00:00Z"}  # fmt: skip
        assert payloads[1] == {**payloads[0], "version": 2, "moved": 130}
        assert verify_audit(s) is None
