"""Monitoring's database-only functions (``corridor.monitoring._stored``) on plain SQL: on the
command line's bare driver and inside the ORM session they store the same rows, and the ORM's
own mapping (the oracle) reads back what they wrote."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest
from sqlalchemy import select, text

from corridor._records import adapter
from corridor.errors import InputError, StateError
from corridor.monitoring import (
    ConvoyPlan,
    add_convoys,
    convoy_plans,
    emit,
    rules_in_force,
    set_rules,
)
from corridor.store import (
    ConvoyRow,
    EventRow,
    RuleSetRow,
    audit_entries,
    open_store,
    transaction,
    verify_audit,
)
from corridor.store._sql import DriverSql
from tests.monitoring import scenario

RULES = "version: 1\nmargin_minutes: 25\nrules: []\n"


def test_rules_set_on_either_path_are_the_same_rows(db_url: str) -> None:
    open_store(db_url).close()
    with transaction(db_url, write=False) as tx:
        assert isinstance(tx, DriverSql)
        assert rules_in_force(tx).margin_minutes == 15.0  # the defaults until some are set
    with transaction(db_url) as tx:
        assert isinstance(tx, DriverSql)
        set_rules(tx, RULES, actor="lean")
    with open_store(db_url) as store, store.session() as s:
        assert rules_in_force(s).margin_minutes == 25.0
        set_rules(s, RULES, actor="orm")
        s.add(RuleSetRow(text=RULES, sha256="x" * 64, set_by="by-orm"))  # the ORM's own write
    with pytest.raises(RuntimeError), transaction(db_url) as tx:
        set_rules(tx, RULES.replace("25", "40"), actor="lean")
        raise RuntimeError("the command failed after the write")
    with pytest.raises(InputError), transaction(db_url) as tx:
        set_rules(tx, "version: 2\n", actor="lean")
    with open_store(db_url) as store, store.session(write=False) as s:
        rows = s.scalars(select(RuleSetRow).order_by(RuleSetRow.id)).all()
        assert [r.set_by for r in rows] == ["lean", "orm", "by-orm"]
        assert rows[0].sha256 == rows[1].sha256 and rows[0].text == rows[2].text == RULES
        assert rows[0].set_at <= rows[1].set_at <= rows[2].set_at  # times stored alike
        events = s.scalars(select(EventRow).order_by(EventRow.id)).all()
        assert [(e.kind, e.payload["rules"], e.corridor_id) for e in events] == [
            ("rules", [], None),
            ("rules", [], None),
        ]
        assert events[0].at_utc <= events[1].at_utc
        assert verify_audit(s) is None
    with transaction(db_url, write=False) as tx:
        assert [e.actor for e in audit_entries(tx)] == ["lean", "orm"]


def test_events_written_on_both_paths_store_the_same_values(db_url: str) -> None:
    payload: dict[str, Any] = {"n": 1, "ü": [1.5, None, "x"]}
    open_store(db_url).close()
    with transaction(db_url) as tx:
        emit(tx, "test", payload, corridor_id="c1", party="p")
    with open_store(db_url) as store, store.session() as s:
        s.add(EventRow(kind="test", corridor_id="c1", party="p", payload=payload))
        s.flush()
        rows = s.execute(text("SELECT kind, corridor_id, party, payload FROM events ORDER BY id"))
        stored = rows.all()
        assert len(stored) == 2 and stored[0] == stored[1]
        assert [e.payload for e in s.scalars(select(EventRow))] == [payload, payload]


def test_convoys_registered_in_a_session_list_on_the_bare_driver(
    store: Any, db_url: str, corridor_def: scenario.Corridor
) -> None:
    scenario.agree(store, corridor_def)
    plans = [adapter(ConvoyPlan).validate_python(c) for c in scenario.convoys()]
    with store.session() as s:
        assert add_convoys(s, plans, actor="setup") == [p.id for p in plans]
        assert add_convoys(s, plans[:1], actor="again") == []  # identical: a no-op
    with transaction(db_url, write=False) as tx:
        assert isinstance(tx, DriverSql)
        listed = convoy_plans(tx, scenario.CORRIDOR)
        assert convoy_plans(tx, "no-such-corridor") == []
    assert sorted(listed, key=lambda p: p.id) == sorted(plans, key=lambda p: p.id)
    changed = dataclasses.replace(plans[0], people=plans[0].people + 1)
    with store.session() as s, pytest.raises(StateError, match="different plan"):
        add_convoys(s, [changed], actor="x")
    with store.session(write=False) as s:
        rows = s.scalars(select(ConvoyRow).order_by(ConvoyRow.id)).all()
        assert sorted(r.id for r in rows) == sorted(p.id for p in plans)
        assert {r.created_by for r in rows} == {"setup"}
        assert all(adapter(ConvoyPlan).validate_python(r.plan) in plans for r in rows)
        kinds = s.scalars(select(EventRow.kind)).all()
        assert kinds.count("convoy") == len(plans)
