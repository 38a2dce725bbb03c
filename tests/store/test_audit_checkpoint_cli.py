"""`corridor audit checkpoint` and `audit verify --checkpoint`, against an insider's rewrites.

On SQLite and PostgreSQL: parties sign the log's tree head with their own keys; then
someone with database access (triggers disabled, as a DB owner can) cuts the tail or
rewrites an entry and recomputes every later hash, so the chain alone still verifies. The
kept checkpoint must expose both, naming what happened, with exit 2.
"""

from __future__ import annotations

import json
from pathlib import Path

from sqlalchemy import text
from typer.testing import CliRunner

from corridor.audit import next_entry, parse_checkpoint
from corridor.cli import app
from corridor.store import AuditEntry, Store, audit_entries, list_checkpoints, make_engine
from tests.store.test_audit_log import fill


def tamper(db_url: str, statement: str) -> None:
    """Raw SQL on audit_log with the append-only triggers out of the way (a DB owner can)."""
    engine = make_engine(db_url)
    try:
        with engine.begin() as conn:
            if conn.dialect.name == "postgresql":
                conn.execute(text("ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only"))
            else:
                conn.execute(text("DROP TRIGGER IF EXISTS audit_log_no_update"))
                conn.execute(text("DROP TRIGGER IF EXISTS audit_log_no_delete"))
            conn.exec_driver_sql(statement)
    finally:
        engine.dispose()


runner = CliRunner()


def cli(*args: str | Path) -> tuple[int, str]:
    result = runner.invoke(app, [str(a) for a in args])
    return result.exit_code, " ".join((result.output + result.stderr).split())


def _parties(tmp_path: Path, db_url: str) -> Path:
    keys = tmp_path / "keys"
    for name in ("north", "south"):
        code, out = cli("party", "keygen", name, "-o", keys, "--no-passphrase")
        assert code == 0 and "NOT passphrase-protected" in out, out
        code, out = cli("party", "add", name, "--role", "armed forces",
                        "--public-key", keys / f"{name}.pub", "--db", db_url)  # fmt: skip
        assert code == 0, out
    return keys


def test_checkpoint_then_truncation_and_rewrite_are_caught(store: Store, tmp_path: Path) -> None:
    db = store.url
    code, out = cli("audit", "checkpoint", "--key", tmp_path / "none.key", "--db", db)
    assert code == 2 and "key file not found" in out
    keys = _parties(tmp_path, db)
    fill(store, 6)
    cp_file = tmp_path / "north.checkpoint"
    code, out = cli("audit", "checkpoint", "--key", keys / "north.key", "--db", db, "-o", cp_file)
    assert code == 0, out
    cp = parse_checkpoint(cp_file.read_bytes())
    assert cp.size == 8 and cp.signers() == ["north"]  # two party.added entries, six steps
    both = tmp_path / "both.checkpoint"
    code, out = cli("audit", "checkpoint", "--key", keys / "south.key", "--db", db,
                    "--cosign", cp_file, "-o", both)  # fmt: skip
    assert code == 0, out
    assert parse_checkpoint(both.read_bytes()).signers() == ["north", "south"]
    with store.session(write=False) as s:
        assert {c.signer for c in list_checkpoints(s)} == {"north", "south"}

    fill(store, 3)  # the log grows: still an extension of what both parties signed
    code, out = cli("audit", "verify", "--db", db, "--checkpoint", both,
                    "--public-key", keys / "north.pub")  # fmt: skip
    assert code == 0, out
    assert "signature by north verifies (key from" in out and "north.pub" in out
    assert "signature by south verifies (key from the store's party table)" in out
    assert "extends the checkpoint signed at size 8" in out

    # An insider rewrites entry 5 and recomputes every later hash: the chain is fooled.
    with store.session(write=False) as s:
        entries = audit_entries(s)
    forged = entries[:4]
    for e in entries[4:]:
        actor = "mallory" if e.seq == 5 else e.actor
        forged.append(next_entry(forged[-1], at_utc=e.at_utc, actor=actor, action=e.action,
                                 payload=json.loads(e.payload or "{}")))  # fmt: skip
    tamper(db, "DELETE FROM audit_log WHERE seq >= 5")
    with store.session() as s:
        for e in forged[4:]:
            s.add(AuditEntry(seq=e.seq, at_utc=e.at_utc, actor=e.actor, action=e.action,
                             payload=e.payload, payload_digest=e.payload_digest,
                             prev_hash=e.prev_hash, entry_hash=e.entry_hash))  # fmt: skip
    code, out = cli("audit", "verify", "--db", db)
    assert code == 0, out  # without a checkpoint, a consistent rewrite passes
    code, out = cli("audit", "verify", "--db", db, "--checkpoint", both)
    assert code == 2, out
    assert "rewritten: the first 8 entries are not the ones north, south signed" in out

    # The insider now cuts the tail instead: truncation, named with the missing range.
    tamper(db, "DELETE FROM audit_log WHERE seq >= 4")
    code, out = cli("audit", "verify", "--db", db, "--checkpoint", cp_file)
    assert code == 2, out
    assert "truncated: the log has 3 entries but north signed a log of 8" in out
    assert "entries 4..8 are gone" in out


def test_checkpoint_refusals_are_one_line(store: Store, tmp_path: Path) -> None:
    db = store.url
    keys = tmp_path / "k"
    code, out = cli("party", "keygen", "east", "-o", keys, "--no-passphrase")
    assert code == 0, out
    code, out = cli("audit", "checkpoint", "--key", keys / "east.key", "--db", db)
    assert code == 2 and "not the key of any registered party" in out
    code, out = cli("party", "add", "east", "--role", "x", "--public-key", keys / "east.pub",
                    "--db", db)  # fmt: skip
    assert code == 0
    bad = tmp_path / "bad.checkpoint"
    bad.write_text("corridor-audit/x\n1\nnot base64!\n\n", encoding="utf-8")
    code, out = cli("audit", "verify", "--db", db, "--checkpoint", bad)
    assert code == 2 and "bad.checkpoint:3: root hash is not base64" in out
    code, out = cli("audit", "checkpoint", "--key", keys / "east.key", "--db", db,
                    "--cosign", bad)  # fmt: skip
    assert code == 2 and "not base64" in out
    assert "Traceback" not in out


def test_keys_are_passphrase_protected_unless_opted_out(tmp_path: Path) -> None:
    code, out = cli("party", "keygen", "west", "-o", tmp_path)
    assert code == 2 and "passphrase-protected by default" in out and "--no-passphrase" in out
    assert not (tmp_path / "west.key").exists()
    result = runner.invoke(
        app,
        ["party", "keygen", "west", "-o", str(tmp_path), "--passphrase"],
        input="long pass phrase\nlong pass phrase\n",
    )
    assert result.exit_code == 0, result.output
    assert b"ENCRYPTED PRIVATE KEY" in (tmp_path / "west.key").read_bytes()
    code, out = cli("party", "keygen", "plain", "-o", tmp_path, "--no-passphrase")
    assert code == 0 and b"ENCRYPTED" not in (tmp_path / "plain.key").read_bytes()
