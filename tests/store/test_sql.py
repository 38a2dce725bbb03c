"""The store's SQL on the bare driver (``corridor.store._sql``) against the ORM it stands in for.

A command line write runs on its own sqlite3/psycopg2 connection; the server runs the same
functions inside an ORM session. The oracle for what gets stored is SQLAlchemy's own column
types writing the same values; the audit chain must stay one chain whichever path appended.
"""

from __future__ import annotations

import json
import threading
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest

from corridor.errors import InputError
from corridor.store import (
    PartyRow,
    add_party,
    audit_entries,
    get_party,
    list_parties,
    open_store,
    record,
    transaction,
    verify_audit,
)
from corridor.store._sql import DriverSql, Json, SessionSql, as_sql, pyformat
from corridor.store._tables import HazardRow
from corridor.store._transaction import lean_transaction
from tests.conftest import raw_rows


def test_placeholders_become_pyformat_and_nothing_else_does() -> None:
    assert pyformat("SELECT * FROM t WHERE a = :a AND b=:b_2") == (
        "SELECT * FROM t WHERE a = %(a)s AND b=%(b_2)s"
    )
    assert pyformat("SELECT x::text, '12:30' FROM t") == "SELECT x::text, '12:30' FROM t"
    assert pyformat("SELECT 100 % 7, :n") == "SELECT 100 %% 7, %(n)s"


@pytest.mark.parametrize(
    "when",
    [
        datetime(2026, 3, 5, 7, 0, 0, tzinfo=UTC),  # no microseconds: isoformat would drop them
        datetime(2026, 3, 5, 9, 30, 0, 123456, tzinfo=timezone(timedelta(hours=2))),
    ],
)
def test_the_bare_driver_stores_what_the_orm_stores(db_url: str, when: datetime) -> None:
    """Times and JSON written by both paths are the same stored values (text on SQLite)."""
    links = [{"href": "https://example.org/a b", "n": 1.5}, "ü"]
    with open_store(db_url) as store, store.session() as s:
        s.add(PartyRow(name="orm", role="r", public_key="k-orm", created_at=when))
        hazard = HazardRow(id="orm", kind="shelling", geometry="{}", severity=1, confidence=1,
                           links=links, created_by="t", valid_from=when)  # fmt: skip
        s.add(hazard)
    with lean_transaction(db_url) as tx:
        tx.execute(
            "INSERT INTO parties (name, role, public_key, created_at)"
            " VALUES ('lean', 'r', 'k-lean', :at)",
            {"at": when},
        )
        tx.execute(
            "INSERT INTO hazards (id, kind, geometry, severity, confidence, links, created_at,"
            " created_by, provisional, valid_from) VALUES ('lean', 'shelling', '{}', 1, 1,"
            " :links, :at, 't', false, :at)",
            {"links": Json(links), "at": when},
        )
    parties = raw_rows(db_url, "SELECT name, created_at FROM parties ORDER BY name")
    assert parties[0][1] == parties[1][1], parties
    hazards = raw_rows(db_url, "SELECT id, links, valid_from FROM hazards ORDER BY id")
    assert hazards[0][1:] == hazards[1][1:], hazards
    # and both read back through corridor as the same aware UTC time
    with transaction(db_url, write=False) as tx:
        got = {p.name: p.created_at for p in list_parties(tx)}
    assert got == {"lean": when, "orm": when}
    assert got["lean"].tzinfo is not None
    with open_store(db_url) as store, store.session(write=False) as s:
        row = s.get(HazardRow, "lean")
        assert row is not None and row.links == links and row.valid_from == when


def test_naive_times_are_refused_on_both_drivers(db_url: str) -> None:
    open_store(db_url).close()
    with pytest.raises(ValueError, match="naive"), lean_transaction(db_url) as tx:
        tx.execute("SELECT :t", {"t": datetime(2026, 1, 1)})  # naive: the point


def test_one_chain_whichever_path_appends(db_url: str) -> None:
    open_store(db_url).close()
    for i in range(6):
        if i % 2:
            with transaction(db_url) as tx:
                assert isinstance(tx, DriverSql)
                record(tx, actor="lean", action="test.lean", payload={"i": i})
                record(tx, actor="lean", action="test.lean", payload={"i": i, "again": True})
        else:
            with open_store(db_url) as store, store.session() as s:
                record(s, actor="orm", action="test.orm", payload={"i": i})
    with transaction(db_url, write=False) as tx:
        entries = audit_entries(tx)
        assert verify_audit(tx) is None
    assert [e.seq for e in entries] == list(range(1, 10))
    assert [e.actor for e in entries] == ["orm", "lean", "lean"] * 3


def test_a_failed_lean_write_leaves_nothing(db_url: str, tmp_path: Path) -> None:
    open_store(db_url).close()
    with transaction(db_url) as tx:
        add_party(tx, name="a", role="r", public_key="key-a", actor="t")
    with pytest.raises(RuntimeError), transaction(db_url) as tx:
        add_party(tx, name="b", role="r", public_key="key-b", actor="t")
        raise RuntimeError("the command failed after the write")
    with pytest.raises(InputError, match="already registered"), transaction(db_url) as tx:
        add_party(tx, name="c", role="r", public_key="key-c", actor="t")
        add_party(tx, name="a", role="r", public_key="key-a2", actor="t")
    with transaction(db_url, write=False) as tx:
        assert [p.name for p in list_parties(tx)] == ["a"]
        assert [e.action for e in audit_entries(tx)] == ["party.added"]
        assert get_party(tx, "a").public_key == "key-a"


def test_a_missing_database_goes_through_the_full_store(tmp_path: Path) -> None:
    """The lean path never creates or migrates: the full store does, then the same SQL runs
    inside its ORM session."""
    url = f"sqlite:///{tmp_path / 'new' / 'c.db'}"
    with transaction(url) as tx:
        assert isinstance(tx, SessionSql)
        add_party(tx, name="a", role="r", public_key="key-a", actor="t")
    with transaction(url, write=False) as tx:
        assert isinstance(tx, DriverSql)
        assert [p.name for p in list_parties(tx)] == ["a"]


def test_writers_on_both_paths_at_once_never_fork_the_chain(db_url: str) -> None:
    """Four threads, two on the bare driver and two in ORM sessions, append at the same time
    (a barrier lines them up); the write lock (BEGIN IMMEDIATE / the advisory lock) keeps one
    chain. Without it the unique ``prev_hash`` refuses the second appender: an error here."""
    open_store(db_url).close()
    start = threading.Barrier(4)
    errors: list[str] = []

    def lean(name: str) -> None:
        start.wait()
        for i in range(10):
            try:
                with transaction(db_url) as tx:
                    record(tx, actor=name, action="test.race", payload={"i": i})
            except Exception as exc:  # reported, not raised in the thread
                errors.append(f"{name}: {exc}")

    def orm(name: str) -> None:
        with open_store(db_url) as store:
            start.wait()
            for i in range(10):
                try:
                    with store.session() as s:
                        record(s, actor=name, action="test.race", payload={"i": i})
                except Exception as exc:
                    errors.append(f"{name}: {exc}")

    threads = [threading.Thread(target=f, args=(n,)) for f, n in
               ((lean, "l0"), (lean, "l1"), (orm, "o0"), (orm, "o1"))]  # fmt: skip
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    with transaction(db_url, write=False) as tx:
        entries = audit_entries(tx)
        assert verify_audit(tx) is None
    assert [e.seq for e in entries] == list(range(1, 41))
    for name in ("l0", "l1", "o0", "o1"):
        mine = [json.loads(e.payload or "")["i"] for e in entries if e.actor == name]
        assert mine == list(range(10))


def test_driver_errors_reach_each_boundary_as_the_orm_raised_them(db_url: str) -> None:
    """In a session: SQLAlchemy's classes, which the API maps (409, 422, 503); on the bare
    driver: the store's own errors, which the CLI prints as one line."""
    from sqlalchemy.exc import DataError, IntegrityError, OperationalError

    from corridor.errors import StoreError

    dup = "INSERT INTO parties (name, role, public_key, created_at) VALUES ('a', 'r', :k, :at)"
    at = datetime(2026, 1, 1, tzinfo=UTC)
    with open_store(db_url) as store:
        with store.session() as s:
            add_party(s, name="a", role="r", public_key="key-a", actor="t")
        with pytest.raises(IntegrityError), store.session() as s:
            as_sql(s).execute(dup, {"k": "key-b", "at": at})
        with pytest.raises(OperationalError if "sqlite" in db_url else Exception), \
                store.session() as s:  # fmt: skip
            as_sql(s).execute("SELECT no_such_column FROM parties")
    with pytest.raises(StoreError, match="refused the change"), transaction(db_url) as tx:
        tx.execute(dup, {"k": "key-b", "at": at})
    with pytest.raises(StoreError, match="database error"), transaction(db_url) as tx:
        tx.execute("SELECT no_such_column FROM parties")
    if "postgresql" in db_url:  # PostgreSQL text cannot hold NUL; SQLite stores it
        with open_store(db_url) as store, pytest.raises(DataError), store.session() as s:
            get_party(s, "a\x00b")
        with pytest.raises(InputError, match="NUL"), transaction(db_url) as tx:
            get_party(tx, "a\x00b")
