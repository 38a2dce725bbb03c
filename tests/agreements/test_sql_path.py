"""The agreement store on the bare driver (a command line's own sqlite3/psycopg2 connection)
against the same functions inside an ORM session (the server).

Oracles: the rows the other path stores, read beside corridor's code (sqlite3 on the file,
psycopg 3 on the schema); SQLAlchemy's own column types and relationships reading what the
bare driver wrote.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from corridor.agreements import KeyPair, State, load_private_key, terms_from_data
from corridor.errors import SignatureError
from corridor.store import (
    AgreementVersionRow,
    CorridorRow,
    LifecycleEventRow,
    Store,
    add_party,
    agreement_etag,
    close_agreement,
    list_agreements,
    load_agreement,
    open_store,
    propose_agreement,
    sign_agreement,
    suspend_agreement,
    verify_audit,
)
from corridor.store._sql import DriverSql
from corridor.store._transaction import lean_transaction
from tests.agreements.conftest import PARTIES
from tests.conftest import fresh_database, raw_rows

#: Before now (a suspension may not claim a time ahead of the clock), with microseconds that
#: must survive; one value for both paths, so that every signature and payload is the same.
T0 = datetime.now(UTC).replace(microsecond=250000) - timedelta(hours=2)


#: Every stored column the lifecycle below fixes (the clock stamps the corridor's and the
#: parties' creation, a suspension's recorded time and the audit times, so those are left out).
STORED = {
    "corridors": "SELECT id, title, created_by FROM corridors ORDER BY id",
    "agreement_versions": "SELECT * FROM agreement_versions ORDER BY id",
    "signatures": "SELECT * FROM signatures ORDER BY id",
    "lifecycle_events": "SELECT id, agreement_version_id, from_state, to_state,"
    " CASE WHEN to_state = 'suspended' THEN NULL ELSE at END, actor, reason, party_id,"
    " signature, claimed_at FROM lifecycle_events ORDER BY id",
    "audit": "SELECT seq, actor, action, payload FROM audit_log ORDER BY seq",
}


def _lifecycle(
    tx: Callable[[], AbstractContextManager[Any]],
    keys: dict[str, KeyPair],
    terms_data: dict[str, Any],
) -> None:
    """Register, propose, sign (one naming its party), suspend, re-propose and close, each
    in its own transaction, at fixed times."""
    private = {n: load_private_key(keys[n].private_path) for n, _ in PARTIES}
    with tx() as t:
        for name, role in PARTIES:
            add_party(t, name=name, role=role, public_key=keys[name].public_key, actor="t")
    with tx() as t:
        propose_agreement(t, terms_from_data(terms_data), actor="coordinator", at_utc=T0)
    for i, (name, _) in enumerate(PARTIES):
        with tx() as t:
            sign_agreement(
                t,
                "krems-north",
                key=private[name],
                actor=name,
                party=name if i == 1 else None,
                at_utc=T0 + timedelta(minutes=i),
            )
    with tx() as t:
        suspend_agreement(
            t,
            "krems-north",
            reason="shelling at CP1",
            key=private["army-north"],
            actor="army-north",
            at_utc=T0 + timedelta(hours=1),
        )
    changed = {**terms_data, "max_convoy_size": 12}
    with tx() as t:
        propose_agreement(t, terms_from_data(changed), actor="coordinator", at_utc=T0)
    with tx() as t:
        close_agreement(t, "krems-north", actor="coordinator", reason="done", at_utc=T0)


def test_the_bare_driver_and_the_orm_session_store_the_same_rows(
    db_url: str,
    tmp_path: Path,
    session_keys: dict[str, KeyPair],
    terms_data: dict[str, Any],
) -> None:
    kind = "sqlite" if db_url.startswith("sqlite") else "postgresql"
    with fresh_database(kind, tmp_path, "other.db") as orm_url:  # the ORM's twin
        open_store(db_url).close()
        with open_store(orm_url) as orm_store:
            _lifecycle(lambda: lean_transaction(db_url), session_keys, terms_data)
            _lifecycle(orm_store.session, session_keys, terms_data)
        for table, query in STORED.items():
            lean_rows, orm_rows = raw_rows(db_url, query), raw_rows(orm_url, query)
            assert lean_rows == orm_rows, table
        counts = [len(raw_rows(db_url, query)) for query in STORED.values()]
    assert counts == [1, 2, 3, 5, 3 + 1 + 3 + 1 + 1 + 1]


def test_what_the_bare_driver_wrote_reads_back_through_the_orm(
    db_url: str, session_keys: dict[str, KeyPair], terms_data: dict[str, Any]
) -> None:
    """SQLAlchemy's column types and relationships are the oracle for the stored values."""
    open_store(db_url).close()
    private = {n: load_private_key(session_keys[n].private_path) for n, _ in PARTIES}
    with lean_transaction(db_url) as tx:
        for name, role in PARTIES:
            add_party(tx, name=name, role=role, public_key=session_keys[name].public_key, actor="t")
        proposed = propose_agreement(tx, terms_from_data(terms_data), actor="c", at_utc=T0)
        for i, (name, _) in enumerate(PARTIES):
            rec = sign_agreement(
                tx, "krems-north", key=private[name], actor=name, at_utc=T0 + timedelta(seconds=i)
            )
    assert rec.stored_state is State.AGREED
    with open_store(db_url) as store, store.session(write=False) as s:
        row = s.scalars(select(AgreementVersionRow)).one()
        assert row.terms == proposed.terms_data
        assert row.digest == proposed.digest and row.created_at == T0
        assert row.state == "agreed" and row.etag == f"{proposed.digest[:16]}-3-agreed"
        assert row.corridor.id == "krems-north" and row.corridor.created_by == "c"
        assert [(g.party.name, g.signed_at, g.digest) for g in row.signatures] == [
            (name, T0 + timedelta(seconds=i), proposed.digest)
            for i, (name, _) in enumerate(PARTIES)
        ]
        assert [(e.from_state, e.to_state, e.at) for e in row.events] == [
            ("draft", "proposed", T0),
            ("proposed", "agreed", T0 + timedelta(seconds=2)),
        ]
        assert s.get(CorridorRow, "krems-north") is not None
        assert s.scalars(select(LifecycleEventRow.claimed_at)).all() == [None, None]
        # and the store's own read inside the ORM session agrees with the bare driver's
        assert load_agreement(s, "krems-north") == rec
        assert agreement_etag(s, "krems-north") == row.etag
        assert list_agreements(s) == [("krems-north", 1, "agreed")]
        assert verify_audit(s) is None


@pytest.mark.parametrize("raise_in", ["sign", "after"])
def test_a_failed_bare_driver_write_leaves_nothing(
    raise_in: str, db_url: str, session_keys: dict[str, KeyPair], terms_data: dict[str, Any]
) -> None:
    from tests.agreements.test_store_agreements import register, snapshot

    with open_store(db_url) as store:
        register(store, session_keys)
        before = snapshot(store)
        icrc = load_private_key(session_keys["icrc"].private_path)
        with pytest.raises((SignatureError, RuntimeError)), lean_transaction(db_url) as tx:
            propose_agreement(tx, terms_from_data(terms_data), actor="c")
            if raise_in == "sign":  # a refusal after rows were written in this transaction
                sign_agreement(
                    tx,
                    "krems-north",
                    key=icrc,
                    actor="x",
                    signature="AAAA",
                    public_key=session_keys["icrc"].public_key,
                )
            raise RuntimeError("the command failed after the write")
        assert snapshot(store) == before


def _signer(path: str, db_url: str, store: Store) -> Callable[[], AbstractContextManager[Any]]:
    if path == "lean":
        return lambda: lean_transaction(db_url)
    return store.session


@pytest.mark.parametrize("first,second", [("lean", "orm"), ("orm", "lean"), ("lean", "lean")])
def test_the_last_two_signatures_at_once_on_either_path(
    first: str,
    second: str,
    db_url: str,
    session_keys: dict[str, KeyPair],
    terms_data: dict[str, Any],
) -> None:
    """A command line and the server (or two command lines) signing the last two signatures at
    the same moment: the corridor lock makes the later one see the earlier, so the agreement
    ends agreed with three valid signatures (each alone would count two of three)."""
    import threading
    import time

    from tests.agreements.test_store_agreements import propose, register, sign

    with open_store(db_url) as store:
        register(store, session_keys)
        propose(store, terms_data)
        sign(store, session_keys, "city-of-krems")
        a_signed, release_a = threading.Event(), threading.Event()
        errors: list[BaseException] = []

        def signer(name: str, path: str, *, hold: bool) -> None:
            try:
                with _signer(path, db_url, store)() as tx:
                    assert isinstance(tx, DriverSql) == (path == "lean")
                    key = load_private_key(session_keys[name].private_path)
                    sign_agreement(tx, "krems-north", actor=name, key=key)
                    if hold:
                        a_signed.set()
                        release_a.wait(timeout=60)
            except BaseException as exc:  # re-raised in the main thread below
                errors.append(exc)
                a_signed.set()

        a = threading.Thread(target=signer, args=("army-north", first), kwargs={"hold": True})
        b = threading.Thread(target=signer, args=("icrc", second), kwargs={"hold": False})
        a.start()
        assert a_signed.wait(timeout=60)
        b.start()
        time.sleep(0.5)  # let B reach its lock (ordering only; nothing is asserted about time)
        release_a.set()
        a.join(timeout=60)
        b.join(timeout=60)
        assert not errors, errors
        with lean_transaction(db_url, write=False) as tx:
            rec = load_agreement(tx, "krems-north")
            assert [st.status for st in rec.statuses] == ["valid"] * 3
            assert rec.stored_state is State.AGREED
            assert agreement_etag(tx, "krems-north") == f"{rec.digest[:16]}-3-agreed"
            assert verify_audit(tx) is None


def test_driver_errors_inside_an_orm_session_are_sqlalchemys(db_url: str) -> None:
    """The server maps SQLAlchemy's IntegrityError to 409 and DataError to 422; the same SQL
    on the session's driver connection must raise those, not the driver's own (a 500)."""
    from sqlalchemy import exc

    from corridor.store import as_sql

    with open_store(db_url) as store:
        with pytest.raises(exc.IntegrityError), store.session() as s:
            for _ in range(2):
                as_sql(s).execute(
                    "INSERT INTO corridors (id, title, created_at, created_by)"
                    " VALUES ('a', 't', :at, 'x')",
                    {"at": T0},
                )
        if db_url.startswith("postgresql"):
            with pytest.raises(exc.DataError), store.session(write=False) as s:
                load_agreement(s, "a\x00b")  # PostgreSQL text cannot hold NUL
        with store.session(write=False) as s:
            assert list_agreements(s) == []
