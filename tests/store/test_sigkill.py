"""A writer killed with SIGKILL inside a transaction leaves a consistent, verifiable store."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

from sqlalchemy import select

from corridor.store import HazardRow, Store, audit_entries, open_store, record, verify_audit

CHILD = Path(__file__).with_name("_append_loop.py")
COMMITTED = 4


def test_sigkill_mid_transaction_leaves_the_chain_verifiable(db_url: str, store: Store) -> None:
    with subprocess.Popen(
        [sys.executable, str(CHILD), db_url],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    ) as child:
        assert child.stdin is not None and child.stdout is not None
        try:
            for i in range(COMMITTED + 1):
                assert child.stdout.readline().strip() == f"pending {i}"
                if i == COMMITTED:
                    # The child holds an open transaction with a row and an audit entry.
                    os.kill(child.pid, signal.SIGKILL)
                    break
                child.stdin.write("\n")
                child.stdin.flush()
                assert child.stdout.readline().strip() == f"committed {i}"
        finally:
            child.kill()
            child.wait(timeout=30)
    assert child.returncode == -signal.SIGKILL

    with open_store(db_url) as after:
        with after.session() as s:  # the writer lock is free again: a new append goes through
            record(s, actor="test", action="test.after_kill", payload={})
        with after.session(write=False) as s:
            entries = audit_entries(s)
            hazard_ids = set(s.scalars(select(HazardRow.id)))
            assert verify_audit(s) is None
    audited = {json.loads(e.payload or "")["id"] for e in entries if e.action == "hazard.added"}
    assert hazard_ids == audited == {f"h{i}" for i in range(COMMITTED)}
    assert [e.seq for e in entries] == list(range(1, COMMITTED + 2))
