"""A signer killed with SIGKILL inside its transaction leaves the store consistent and audited."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from typing import Any

import pytest

from corridor.agreements import KeyPair, State
from corridor.store import Store
from corridor.store._agreements import load_agreement
from corridor.store._audit import verify_audit
from tests.agreements.test_store_agreements import register, sign, snapshot

# Signs for real, flushes every row and the audit entry into the open transaction, says so,
# then waits to be killed before it can commit.
CHILD = textwrap.dedent("""
    import sys, time
    from corridor.agreements import load_private_key
    from corridor.store import open_store
    from corridor.store._agreements import sign_agreement
    store = open_store(sys.argv[1])
    with store.session() as s:
        sign_agreement(s, "krems-north", key=load_private_key(sys.argv[2]), actor="doomed")
        s.flush()
        print("inside", flush=True)
        time.sleep(120)
""")
# The same on the bare driver, as ``corridor agreement sign`` runs it.
LEAN_CHILD = textwrap.dedent("""
    import sys, time
    from corridor.agreements import load_private_key
    from corridor.store._transaction import lean_transaction
    from corridor.store._agreements import sign_agreement
    with lean_transaction(sys.argv[1]) as tx:
        sign_agreement(tx, "krems-north", key=load_private_key(sys.argv[2]), actor="doomed")
        print("inside", flush=True)
        time.sleep(120)
""")


@pytest.mark.parametrize("child_code", [CHILD, LEAN_CHILD], ids=["orm", "bare-driver"])
def test_sigkill_mid_signing(
    child_code: str,
    store: Store,
    db_url: str,
    session_keys: dict[str, KeyPair],
    terms_data: dict[str, Any],
) -> None:
    from tests.agreements.test_store_agreements import propose

    register(store, session_keys)
    propose(store, terms_data)
    sign(store, session_keys, "city-of-krems")
    before = snapshot(store)
    with subprocess.Popen(
        [sys.executable, "-c", child_code, db_url, str(session_keys["army-north"].private_path)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    ) as child:
        assert child.stdout is not None and child.stderr is not None
        line = child.stdout.readline()
        if line.strip() != "inside":
            child.kill()
        assert line.strip() == "inside", child.stderr.read()
        os.kill(child.pid, signal.SIGKILL)
        child.wait(timeout=30)
    assert child.returncode == -signal.SIGKILL
    assert snapshot(store) == before
    with store.session(write=False) as s:
        assert verify_audit(s) is None
        assert [st.status for st in load_agreement(s, "krems-north").statuses] == [
            "valid",
            "missing",
            "missing",
        ]
    # The killed writer's lock is gone: the same signature now goes through.
    assert sign(store, session_keys, "army-north") is State.PROPOSED
    with store.session(write=False) as s:
        assert verify_audit(s) is None
