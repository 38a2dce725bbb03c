"""Two parties signing at the same moment: the later transaction sees the earlier signature."""

from __future__ import annotations

import threading
import time
from typing import Any

from corridor.agreements import KeyPair, State, load_private_key
from corridor.store import Store, load_agreement, sign_agreement
from corridor.store._audit import verify_audit
from tests.agreements.test_store_agreements import propose, register, sign


def test_simultaneous_last_signatures_agree(
    store: Store, session_keys: dict[str, KeyPair], terms_data: dict[str, Any]
) -> None:
    register(store, session_keys)
    propose(store, terms_data)
    sign(store, session_keys, "city-of-krems")
    a_flushed, release_a = threading.Event(), threading.Event()
    errors: list[BaseException] = []

    def signer(name: str, *, hold: bool) -> None:
        try:
            with store.session() as s:
                sign_agreement(
                    s,
                    "krems-north",
                    actor=name,
                    key=load_private_key(session_keys[name].private_path),
                )
                if hold:
                    a_flushed.set()
                    release_a.wait(timeout=60)
        except BaseException as exc:  # re-raised in the main thread below
            errors.append(exc)
            a_flushed.set()

    a = threading.Thread(target=signer, args=("army-north",), kwargs={"hold": True})
    b = threading.Thread(target=signer, args=("icrc",), kwargs={"hold": False})
    a.start()
    assert a_flushed.wait(timeout=60)
    b.start()
    time.sleep(0.5)  # let B reach its lock (ordering only; nothing is asserted about time)
    release_a.set()
    a.join(timeout=60)
    b.join(timeout=60)
    assert not errors, errors
    with store.session(write=False) as s:
        rec = load_agreement(s, "krems-north")
        assert [st.status for st in rec.statuses] == ["valid"] * 3
        assert rec.stored_state is State.AGREED
        assert verify_audit(s) is None
