"""``audit verify``'s replay and ``audit checkpoint``'s saved notes on plain SQL: the bare
driver a command uses must find exactly what the ORM session finds, and exactly the change an
insider made with raw SQL (the tampering table of test_audit_replay is the oracle)."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import text

from corridor.agreements import KeyPair, load_private_key
from corridor.audit import sign_checkpoint
from corridor.store import (
    AuditCheckpointRow,
    Store,
    list_checkpoints,
    log_tree,
    party_keys,
    replay_problems,
    save_checkpoint,
    transaction,
)
from corridor.store._sql import DriverSql
from tests.agreements.test_audit_replay import TAMPERING, suspended  # noqa: F401 (fixture)
from tests.store.test_sql_users import typer_probe

CASES = {
    **TAMPERING,
    "terms edited": (
        """UPDATE agreement_versions SET terms = '{"corridor_id": "krems-north"}'""",
        "agreement_versions krems-north v1: stored terms do not match the digest",
    ),
}


def _both(store: Store) -> list[str]:
    with transaction(store.url, write=False) as tx:
        assert isinstance(tx, DriverSql)
        lean = [p.message() for p in replay_problems(tx)]
    with store.session(write=False) as s:
        orm = [p.message() for p in replay_problems(s)]
    assert lean == orm
    return lean


def test_an_honest_store_replays_clean_on_the_bare_driver(suspended: Store) -> None:  # noqa: F811
    assert _both(suspended) == []


@pytest.mark.parametrize("case", sorted(CASES))
def test_the_bare_driver_reports_each_change(suspended: Store, case: str) -> None:  # noqa: F811
    sql, expected = CASES[case]
    with suspended.session() as s:
        s.execute(text(sql))
    messages = _both(suspended)
    assert len(messages) == 1 and expected in messages[0], messages


def test_checkpoints_saved_on_both_paths_read_back_alike(
    suspended: Store,  # noqa: F811
    session_keys: dict[str, KeyPair],
) -> None:
    url = suspended.url
    for n, name in enumerate(("army-north", "icrc")):
        key = load_private_key(session_keys[name].private_path)
        if n == 0:
            with transaction(url) as tx:
                assert isinstance(tx, DriverSql)
                signed = sign_checkpoint(log_tree(tx).checkpoint(), name, key)
                saved = save_checkpoint(tx, signed, actor="t")
                assert save_checkpoint(tx, signed, actor="t") == saved  # kept once
        else:
            with suspended.session() as s:
                signed = sign_checkpoint(log_tree(s).checkpoint(), name, key)
                saved = save_checkpoint(s, signed, actor="t")
    with transaction(url, write=False) as tx:
        lean = list_checkpoints(tx)
        assert list_checkpoints(tx, signer="icrc", limit=1) == lean[:1]
        assert set(party_keys(tx)) == {"city-of-krems", "army-north", "icrc"}
    with suspended.session(write=False) as s:
        assert list_checkpoints(s) == lean
        mapped = {r.id: r for r in s.query(AuditCheckpointRow)}
    assert [c.signer for c in lean] == ["icrc", "army-north"]  # larger tree first
    assert lean[0].tree_size == lean[1].tree_size + 1  # the first save is in the log
    for c in lean:
        r = mapped[c.id]
        assert (c.origin, c.tree_size, c.root_hash, c.signer, c.note, c.created_at,
                c.created_by) == (r.origin, r.tree_size, r.root_hash, r.signer, r.note,
                                  r.created_at, r.created_by)  # fmt: skip


def test_the_audit_commands_run_without_sqlalchemy(
    suspended: Store,  # noqa: F811
    session_keys: dict[str, KeyPair],
    tmp_path: Path,
) -> None:
    url = suspended.url
    cp = str(tmp_path / "north.checkpoint")
    north = str(session_keys["army-north"].private_path)
    seen = typer_probe(
        [
            ["audit", "verify", "--db", url],
            ["audit", "checkpoint", "--key", north, "--db", url, "-o", cp],
            ["audit", "verify", "--db", url, "--checkpoint", cp],
        ],
        watched=("sqlalchemy", "psycopg", "alembic"),
    )
    assert seen == {"loaded": [], "codes": [0, 0, 0]}
    with suspended.session() as s:
        s.execute(text(CASES["signature deleted"][0]))
    seen = typer_probe([["audit", "verify", "--db", url]])
    assert seen == {"loaded": [], "codes": [2]}
