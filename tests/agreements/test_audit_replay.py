"""Replaying the log against the state tables catches rows an insider changed with plain SQL.

Runs on SQLite and PostgreSQL: a real agreement is proposed, signed by all three parties and
suspended by one, then a single row is inserted, changed or deleted with raw SQL (the audit
log itself untouched, so the chain and every checkpoint still verify).
"""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import text

from corridor.agreements import KeyPair, load_private_key, terms_from_data
from corridor.store import Store, replay_problems, verify_audit
from corridor.store._agreements import (
    add_party,
    propose_agreement,
    sign_agreement,
    suspend_agreement,
)
from tests.agreements.conftest import PARTIES


@pytest.fixture
def suspended(store: Store, session_keys: dict[str, KeyPair], terms_data: dict[str, Any]) -> Store:
    with store.session() as s:
        for name, role in PARTIES:
            add_party(s, name=name, role=role, public_key=session_keys[name].public_key, actor="t")
        propose_agreement(s, terms_from_data(terms_data), actor="coordinator")
    for name, _ in PARTIES:
        with store.session() as s:
            key = load_private_key(session_keys[name].private_path)
            sign_agreement(s, "krems-north", key=key, actor=name)
    with store.session() as s:
        key = load_private_key(session_keys["army-north"].private_path)
        suspend_agreement(s, "krems-north", reason="shelling at CP1", actor="army", key=key)
    return store


ICRC = "(SELECT id FROM parties WHERE name = 'icrc')"
TAMPERING = {
    "party key swapped": (
        "UPDATE parties SET public_key = 'AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=' "
        "WHERE name = 'icrc'",
        "parties icrc: public key differs",
    ),
    "party inserted": (
        "INSERT INTO parties (name, role, public_key, created_at) "
        "SELECT 'mallory', role, 'eA==', created_at FROM parties WHERE name = 'icrc'",
        "parties mallory: not registered in the audit log",
    ),
    "signature deleted": (
        f"DELETE FROM signatures WHERE party_id = {ICRC}",
        "signatures krems-north v1 by icrc: signed in the log but the row is gone",
    ),
    "signature replaced": (
        f"UPDATE signatures SET signature = 'Zm9yZ2Vk' WHERE party_id = {ICRC}",
        "signatures krems-north v1 by icrc: signature differs",
    ),
    "suspension deleted": (
        "DELETE FROM lifecycle_events WHERE to_state = 'suspended'",
        "a transition to suspended signed by army-north ('shelling at CP1') is in the log "
        "but the row is gone",
    ),
    "closure inserted": (
        "INSERT INTO lifecycle_events (agreement_version_id, from_state, to_state, at, actor, "
        "reason) SELECT agreement_version_id, 'suspended', 'closed', at, 'mallory', 'forged' "
        "FROM lifecycle_events WHERE to_state = 'suspended'",
        "a transition to closed ('forged') is not in the audit log",
    ),
    "state un-suspended": (
        "UPDATE agreement_versions SET state = 'agreed'",
        "state is 'agreed' but the log leaves it 'suspended'",
    ),
    "version inserted": (
        "INSERT INTO agreement_versions (corridor_id, version, terms, canonical, digest, state, "
        "created_at, created_by, etag) SELECT corridor_id, 2, terms, canonical, digest, "
        "'agreed', created_at, created_by, etag FROM agreement_versions WHERE version = 1",
        "agreement_versions krems-north v2: not proposed in the log",
    ),
    "digest changed": (
        "UPDATE agreement_versions SET digest = '" + "0" * 64 + "'",
        "digest differs from the logged one",
    ),
}


def test_an_honest_store_is_consistent_with_its_log(suspended: Store) -> None:
    with suspended.session(write=False) as s:
        assert replay_problems(s) == []
        assert verify_audit(s) is None


@pytest.mark.parametrize("case", sorted(TAMPERING))
def test_each_raw_sql_change_is_reported(suspended: Store, case: str) -> None:
    sql, expected = TAMPERING[case]
    with suspended.session() as s:
        s.execute(text(sql))
    with suspended.session(write=False) as s:
        assert verify_audit(s) is None  # the log itself is intact: only replay can tell
        messages = [p.message() for p in replay_problems(s)]
    assert any(expected in m for m in messages), messages
