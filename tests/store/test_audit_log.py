"""The audit log in the database: same-transaction appends, append-only, and tamper detection
with raw SQL on both SQLite and PostgreSQL."""

from __future__ import annotations

import json
import threading
from pathlib import Path

import pytest
from sqlalchemy import Engine, delete, select, text, update
from sqlalchemy.exc import DBAPIError
from typer.testing import CliRunner

from corridor.cli import app
from corridor.errors import StoreError
from corridor.store import (
    AuditEntry,
    HazardRow,
    Store,
    audit_entries,
    audit_head,
    make_engine,
    record,
    verify_audit,
)

runner = CliRunner()


def fill(store: Store, n: int) -> None:
    for i in range(n):
        with store.session() as s:
            record(s, actor=f"user{i % 2}", action="test.step", payload={"i": i, "text": "Київ"})


@pytest.fixture
def raw(db_url: str, store: Store):  # type: ignore[no-untyped-def]
    """A plain SQL engine on the same database, as someone with direct access would have."""
    engine = make_engine(db_url)
    yield engine
    engine.dispose()


def tamper(engine: Engine, *statements: str) -> None:
    """Run SQL on audit_log with its append-only trigger out of the way, as a DB owner could."""
    with engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(text("ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only"))
        else:
            conn.execute(text("DROP TRIGGER audit_log_no_update"))
            conn.execute(text("DROP TRIGGER audit_log_no_delete"))
        for statement in statements:
            conn.exec_driver_sql(statement)


def verify_cli(db_url: str, *args: str) -> tuple[int, str]:
    result = runner.invoke(app, ["audit", "verify", "--db", db_url, *args])
    return result.exit_code, " ".join((result.output + result.stderr).split())


def test_record_builds_a_chain_that_verifies(store: Store) -> None:
    fill(store, 5)
    with store.session(write=False) as s:
        entries = audit_entries(s)
        head = audit_head(s)
        assert verify_audit(s) is None
        assert verify_audit(s, head=(5, entries[-1].entry_hash)) is None
    assert [e.seq for e in entries] == [1, 2, 3, 4, 5]
    assert head == entries[-1]
    assert json.loads(entries[2].payload or "") == {"i": 2, "text": "Київ"}
    code, out = verify_cli(store.url)
    assert code == 0, out
    assert f"5 entries, head {head.entry_hash}" in out


def test_entry_rolls_back_with_the_change_it_records(store: Store) -> None:
    fill(store, 2)
    with pytest.raises(RuntimeError), store.session() as s:
        s.add(
            HazardRow(
                id="h1", kind="mines", geometry="{}", severity=1, confidence=1, created_by="t"
            )
        )
        record(s, actor="t", action="hazard.added", payload={"id": "h1"})
        raise RuntimeError("the caller fails after recording")
    with store.session(write=False) as s:
        assert s.scalars(select(HazardRow)).all() == []
        assert [e.seq for e in audit_entries(s)] == [1, 2]
    fill(store, 1)  # the chain continues from seq 2, not from the rolled-back 3
    with store.session(write=False) as s:
        assert verify_audit(s) is None


def test_orm_refuses_updates_and_deletes(store: Store) -> None:
    fill(store, 2)
    with pytest.raises(StoreError, match="append-only"), store.session() as s:
        row = s.get(AuditEntry, 1)
        assert row is not None
        row.actor = "mallory"
    with pytest.raises(StoreError, match="append-only"), store.session() as s:
        s.delete(s.get(AuditEntry, 2))
    with pytest.raises(StoreError, match="append-only"), store.session() as s:
        s.execute(update(AuditEntry).values(actor="mallory"))
    with pytest.raises(StoreError, match="append-only"), store.session() as s:
        s.execute(delete(AuditEntry).where(AuditEntry.seq == 1))
    with store.session(write=False) as s:
        assert verify_audit(s) is None
        assert {e.actor for e in audit_entries(s)} == {"user0", "user1"}


def test_trigger_refuses_raw_sql_changes(store: Store, raw: Engine) -> None:
    fill(store, 2)
    for statement in ("UPDATE audit_log SET actor = 'mallory'", "DELETE FROM audit_log"):
        with pytest.raises(DBAPIError, match="append-only"), raw.begin() as conn:
            conn.execute(text(statement))
    if store.dialect == "postgresql":
        with pytest.raises(DBAPIError, match="append-only"), raw.begin() as conn:
            conn.execute(text("TRUNCATE audit_log"))
    with store.session(write=False) as s:
        assert len(audit_entries(s)) == 2


SWAP_3_6 = (
    "UPDATE audit_log SET seq = -3 WHERE seq = 3",
    "UPDATE audit_log SET seq = 3 WHERE seq = 6",
    "UPDATE audit_log SET seq = 6 WHERE seq = -3",
)
# Make room at seq 4 (negate, then shift, so unique checks never clash), then insert a forgery.
INSERT_AT_4 = (
    "UPDATE audit_log SET seq = -seq WHERE seq >= 4",
    "UPDATE audit_log SET seq = 1 - seq WHERE seq < 0",
    "INSERT INTO audit_log (seq, at_utc, actor, action, payload, payload_digest, prev_hash,"
    " entry_hash) SELECT 4, at_utc, 'mallory', 'hazard.expired', '{}', "
    f"'{'a' * 64}', '{'b' * 64}', '{'c' * 64}' FROM audit_log WHERE seq = 3",
)
TAMPERING = {
    "edited": (("UPDATE audit_log SET payload = '{\"i\":99}' WHERE seq = 4",), 4),
    "deleted": (("DELETE FROM audit_log WHERE seq = 4",), 4),
    "reordered": (SWAP_3_6, 3),
    "inserted": (INSERT_AT_4, 4),
}


@pytest.mark.parametrize("kind", sorted(TAMPERING))
def test_verify_names_the_first_bad_entry_and_the_fault(
    kind: str, store: Store, raw: Engine
) -> None:
    fill(store, 8)
    statements, bad_seq = TAMPERING[kind]
    tamper(raw, *statements)
    with store.session(write=False) as s:
        fault = verify_audit(s)
    assert fault is not None
    assert (fault.seq, fault.kind) == (bad_seq, kind)
    code, out = verify_cli(store.url)
    assert code == 2
    assert f"audit chain broken at seq {bad_seq}: {kind}" in out


def test_edit_with_recomputed_digest_is_still_caught(store: Store, raw: Engine) -> None:
    """Changing the payload and its digest consistently still breaks the entry hash."""
    from corridor.audit import canonical_payload, sha256_hex

    fill(store, 5)
    forged = canonical_payload({"i": 99}).decode()
    tamper(
        raw,
        f"UPDATE audit_log SET payload = '{forged}', "
        f"payload_digest = '{sha256_hex(forged.encode())}' WHERE seq = 2",
    )
    code, out = verify_cli(store.url)
    assert code == 2
    assert "seq 2: edited" in out


def test_published_head_catches_a_cut_tail(store: Store, raw: Engine) -> None:
    fill(store, 6)
    with store.session(write=False) as s:
        head = audit_head(s)
    assert head is not None
    tamper(raw, "DELETE FROM audit_log WHERE seq >= 5")
    assert verify_cli(store.url)[0] == 0  # a cut tail alone looks like a shorter log...
    code, out = verify_cli(store.url, "--head", head.entry_hash, "--head-seq", "6")
    assert code == 2  # ...which the published head reveals
    assert "seq 5: deleted" in out


def test_export_then_verify_offline(store: Store, tmp_path: Path) -> None:
    fill(store, 4)
    out_file = tmp_path / "audit.jsonl"
    result = runner.invoke(app, ["audit", "export", "--db", store.url, "-o", str(out_file)])
    assert result.exit_code == 0, result.output
    lines = out_file.read_text(encoding="utf-8").splitlines()
    head = json.loads(lines[-1])
    assert head["head_seq"] == 4
    assert [json.loads(line)["seq"] for line in lines[:-1]] == [1, 2, 3, 4]
    result = runner.invoke(
        app, ["audit", "verify", "--file", str(out_file), "--head", head["head_hash"]]
    )
    assert result.exit_code == 0, result.output
    lines[1] = lines[1].replace('"user1"', '"mallory"')
    out_file.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = runner.invoke(app, ["audit", "verify", "--file", str(out_file)])
    assert result.exit_code == 2
    assert "seq 2: edited" in " ".join(result.stderr.split())
    redacted = tmp_path / "redacted.jsonl"
    args = ["audit", "export", "--db", store.url, "--no-payloads", "-o", str(redacted)]
    assert runner.invoke(app, args).exit_code == 0
    assert "Київ" not in redacted.read_text(encoding="utf-8")
    result = runner.invoke(
        app, ["audit", "verify", "--file", str(redacted), "--head", head["head_hash"]]
    )
    assert result.exit_code == 0, result.stderr


def test_concurrent_writers_never_fork_the_chain(db_url: str, store: Store) -> None:
    from corridor.store import open_store

    errors: list[BaseException] = []

    def writer(name: str) -> None:
        try:
            with open_store(db_url) as own:
                for i in range(15):
                    with own.session() as s:
                        head = audit_head(s)  # read first: the append must not race
                        record(
                            s,
                            actor=name,
                            action="test.race",
                            payload={"i": i, "after": head.seq if head else 0},
                        )
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(f"w{k}",)) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    with store.session(write=False) as s:
        entries = audit_entries(s)
        assert verify_audit(s) is None
    assert [e.seq for e in entries] == list(range(1, 61))
    for name in ("w0", "w1", "w2", "w3"):
        mine = [json.loads(e.payload or "")["i"] for e in entries if e.actor == name]
        assert mine == list(range(15))


def test_savepoint_rollback_and_session_reuse_keep_the_chain_whole(store: Store) -> None:
    """The head remembered for bulk appends never outlives the transaction that wrote it."""
    from sqlalchemy.orm import Session

    with store.session() as s:
        record(s, actor="t", action="test.kept", payload={"n": 1})
        nested = s.begin_nested()
        record(s, actor="t", action="test.dropped", payload={"n": 2})
        nested.rollback()
        record(s, actor="t", action="test.kept", payload={"n": 3})
    with Session(store.engine) as s:  # one session, several transactions
        record(s, actor="t", action="test.kept", payload={"n": 4})
        s.rollback()
        record(s, actor="t", action="test.kept", payload={"n": 5})
        s.commit()
        record(s, actor="t", action="test.kept", payload={"n": 6})
        s.commit()
    with store.session(write=False) as s:
        entries = audit_entries(s)
        assert verify_audit(s) is None
    assert [json.loads(e.payload or "")["n"] for e in entries] == [1, 3, 5, 6]
    assert [e.seq for e in entries] == [1, 2, 3, 4]
