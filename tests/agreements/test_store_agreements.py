"""The agreement repository on SQLite and PostgreSQL: audited changes, refusals write nothing."""

from __future__ import annotations

import copy
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select, text

from corridor.agreements import (
    KeyPair,
    State,
    load_private_key,
    terms_from_data,
    verify_bundle,
)
from corridor.errors import (
    InputError,
    LifecycleError,
    NotFoundError,
    SignatureError,
    StoreError,
)
from corridor.store import Base, Store
from corridor.store._agreements import (
    add_party,
    close_agreement,
    export_agreement_bundle,
    load_agreement,
    propose_agreement,
    sign_agreement,
    suspend_agreement,
)
from corridor.store._audit import verify_audit
from tests.agreements.conftest import PARTIES


def snapshot(store: Store) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table, to prove a refused action wrote nothing."""
    with store.session(write=False) as s:
        return {
            t.name: sorted(tuple(map(repr, r)) for r in s.execute(select(t)))
            for t in Base.metadata.sorted_tables
        }


def register(store: Store, keys: dict[str, KeyPair]) -> None:
    with store.session() as s:
        for name, role in PARTIES:
            add_party(s, name=name, role=role, public_key=keys[name].public_key, actor="test")


def propose(store: Store, data: dict[str, Any]) -> int:
    with store.session() as s:
        return propose_agreement(s, terms_from_data(data), actor="coordinator").version


def sign(store: Store, keys: dict[str, KeyPair], name: str, **kw: Any) -> State:
    with store.session() as s:
        rec = sign_agreement(
            s, "krems-north", key=load_private_key(keys[name].private_path), actor=name, **kw
        )
        return rec.stored_state


@pytest.fixture
def proposed(store: Store, session_keys: dict[str, KeyPair], terms_data: dict[str, Any]) -> Store:
    register(store, session_keys)
    propose(store, terms_data)
    return store


def test_sign_until_agreed_and_state_follows_windows(
    proposed: Store, session_keys: dict[str, KeyPair], future_window: datetime
) -> None:
    assert sign(proposed, session_keys, "city-of-krems") is State.PROPOSED
    assert sign(proposed, session_keys, "army-north") is State.PROPOSED
    assert sign(proposed, session_keys, "icrc") is State.AGREED
    with proposed.session(write=False) as s:
        rec = load_agreement(s, "krems-north")
        assert rec.in_force and [st.status for st in rec.statuses] == ["valid"] * 3
        assert rec.state_at(future_window - timedelta(hours=1)) is State.AGREED
        assert rec.state_at(future_window + timedelta(hours=1)) is State.OPEN
        assert rec.state_at(future_window + timedelta(hours=7)) is State.AGREED
        assert rec.state_at(future_window + timedelta(days=2)) is State.CLOSED
        assert verify_audit(s) is None
        actions = [r[0] for r in s.execute(text("SELECT action FROM audit_log ORDER BY seq"))]
    assert actions == ["party.added"] * 3 + ["agreement.proposed"] + ["agreement.signed"] * 3


def test_new_version_drops_old_signatures(
    proposed: Store, session_keys: dict[str, KeyPair], terms_data: dict[str, Any]
) -> None:
    for name, _ in PARTIES:
        sign(proposed, session_keys, name)
    changed = copy.deepcopy(terms_data)
    changed["max_convoy_size"] = 12
    assert propose(proposed, changed) == 2
    with proposed.session(write=False) as s:
        rec = load_agreement(s, "krems-north")
        old = load_agreement(s, "krems-north", version=1)
    assert rec.stored_state is State.PROPOSED and not rec.in_force
    assert [st.status for st in rec.statuses] == ["missing"] * 3
    assert old.superseded and not old.in_force
    before = snapshot(proposed)
    with pytest.raises(LifecycleError, match="superseded"):
        sign(proposed, session_keys, "icrc", version=1)
    assert snapshot(proposed) == before
    with pytest.raises(InputError, match="no change"):
        propose(proposed, changed)
    assert snapshot(proposed) == before


@pytest.mark.parametrize(
    "case",
    ["unknown-party", "wrong-key", "stranger-key", "window-ended", "twice", "unknown-corridor"],
)
def test_refusals_write_nothing(
    case: str,
    proposed: Store,
    session_keys: dict[str, KeyPair],
    terms_data: dict[str, Any],
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    from corridor.agreements import generate_keypair

    future_window = terms_from_data(terms_data).windows[0].start_utc
    if case == "twice":
        sign(proposed, session_keys, "icrc")
    before = snapshot(proposed)
    icrc = load_private_key(session_keys["icrc"].private_path)
    actions: dict[str, tuple[type[Exception], Callable[[Any], object]]] = {
        "unknown-party": (
            NotFoundError,
            lambda s: propose_agreement(
                s,
                terms_from_data(
                    {
                        **terms_data,
                        "parties": [
                            *terms_data["parties"],
                            {
                                "name": "stranger",
                                "role": "x",
                                "public_key": generate_keypair(
                                    "stranger", directory=tmp_path_factory.mktemp("k")
                                ).public_key,
                            },
                        ],
                    }
                ),
                actor="c",
            ),
        ),
        "wrong-key": (
            SignatureError,
            lambda s: sign_agreement(s, "krems-north", key=icrc, party="army-north", actor="x"),
        ),
        "stranger-key": (
            SignatureError,
            lambda s: sign_agreement(
                s,
                "krems-north",
                key=load_private_key(
                    generate_keypair("other", directory=tmp_path_factory.mktemp("k")).private_path
                ),
                actor="x",
            ),
        ),
        "window-ended": (
            LifecycleError,
            lambda s: sign_agreement(
                s, "krems-north", key=icrc, actor="x", at_utc=future_window + timedelta(hours=7)
            ),
        ),
        "twice": (LifecycleError, lambda s: sign_agreement(s, "krems-north", key=icrc, actor="x")),
        "unknown-corridor": (
            NotFoundError,
            lambda s: sign_agreement(s, "nope", key=icrc, actor="x"),
        ),
    }
    exc_type, action = actions[case]
    with pytest.raises(exc_type) as info, proposed.session() as s:
        action(s)
    assert "\n" not in info.value.one_line()  # type: ignore[attr-defined]
    assert snapshot(proposed) == before


def test_suspend_close_and_bundle(proposed: Store, session_keys: dict[str, KeyPair]) -> None:
    for name, _ in PARTIES:
        sign(proposed, session_keys, name)
    with proposed.session() as s:
        bundle = export_agreement_bundle(s, "krems-north")
    report = verify_bundle(bundle)
    assert report.in_force, report.problems
    with proposed.session() as s:
        rec = suspend_agreement(
            s,
            "krems-north",
            reason="shelling near CP1",
            actor="army-north",
            key=load_private_key(session_keys["army-north"].private_path),
        )
    assert rec.stored_state is State.SUSPENDED and not rec.in_force
    with proposed.session() as s:
        bundle = export_agreement_bundle(s, "krems-north")
    report = verify_bundle(bundle)
    assert report.signatures_valid and not report.in_force
    assert report.suspended_by and "shelling near CP1" in report.suspended_by[0]
    with proposed.session() as s:
        close_agreement(s, "krems-north", actor="coordinator", reason="evacuation complete")
    with pytest.raises(LifecycleError, match="closed"), proposed.session() as s:
        close_agreement(s, "krems-north", actor="coordinator")
    with proposed.session(write=False) as s:
        assert load_agreement(s, "krems-north").stored_state is State.CLOSED
        assert verify_audit(s) is None


def test_altered_stored_terms_are_detected(proposed: Store) -> None:
    with proposed.engine.begin() as conn:
        conn.execute(
            text("UPDATE agreement_versions SET terms = :t"),
            {"t": '{"corridor_id": "krems-north", "version": 1}'},
        )
    with (
        pytest.raises(StoreError, match="do not match their digest"),
        proposed.session(write=False) as s,
    ):
        load_agreement(s, "krems-north")


def test_party_registration_is_unique(store: Store, session_keys: dict[str, KeyPair]) -> None:
    register(store, session_keys)
    before = snapshot(store)
    with pytest.raises(InputError, match="already registered"), store.session() as s:
        add_party(
            s, name="icrc", role="x", public_key=session_keys["army-north"].public_key, actor="t"
        )
    assert snapshot(store) == before
