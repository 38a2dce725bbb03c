"""API users on plain SQL (``corridor.store._users``): the bare driver a command uses and the
ORM session the server uses store the same rows, and the ORM's own mapping of the table
(``ApiUserRow``) is the oracle for what a lookup must return."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import UTC, datetime

import pytest

from corridor.errors import InputError, NotFoundError, StateError
from corridor.store import (
    ApiUserRow,
    add_party,
    add_user_row,
    audit_entries,
    disable_user_row,
    list_user_rows,
    open_store,
    transaction,
    user_by_token_hash,
    verify_audit,
)
from corridor.store._sql import DriverSql
from tests.conftest import raw_rows

AT = datetime(2026, 3, 5, 7, 0, 0, tzinfo=UTC)  # no microseconds: the format must still hold


def _setup(db_url: str) -> None:
    with open_store(db_url) as store, store.session() as s:
        add_party(s, name="ICRC", role="r", public_key="key-icrc", actor="t")


def test_both_paths_store_the_same_user_rows(db_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    _setup(db_url)
    monkeypatch.setattr("corridor.store._users.utc_now", lambda: AT)
    with transaction(db_url) as tx:
        assert isinstance(tx, DriverSql)
        add_user_row(tx, name="lean", role="liaison", party="ICRC", token_hash="a" * 64, actor="t")
        disable_user_row(tx, name="lean", actor="t")
    with open_store(db_url) as store, store.session() as s:
        add_user_row(s, name="orm", role="liaison", party="ICRC", token_hash="b" * 64, actor="t")
        disable_user_row(s, name="orm", actor="t")
        # the oracle: the ORM's own column types writing the same values
        party_id = s.query(ApiUserRow).filter_by(name="orm").one().party_id
        s.add(ApiUserRow(name="oracle", role="liaison", party_id=party_id, token_hash="c" * 64,
                         created_at=AT, disabled_at=AT))  # fmt: skip
    rows = raw_rows(db_url, "SELECT role, party_id, created_at, disabled_at FROM api_users"
                             " ORDER BY name")  # fmt: skip
    assert rows[0] == rows[1] == rows[2], rows
    # and the ORM maps what the bare driver wrote as it maps its own
    with open_store(db_url) as store, store.session(write=False) as s:
        mapped = {r.name: r for r in s.query(ApiUserRow)}
        assert mapped["lean"].created_at == AT == mapped["lean"].disabled_at
        assert mapped["lean"].party is not None and mapped["lean"].party.name == "ICRC"
    with transaction(db_url, write=False) as tx:
        assert verify_audit(tx) is None
        actions = [(e.action, json.loads(e.payload or "")["name"]) for e in audit_entries(tx)]
    assert actions[1:] == [("user.add", "lean"), ("user.disable", "lean"),
                           ("user.add", "orm"), ("user.disable", "orm")]  # fmt: skip


def test_a_token_lookup_returns_what_the_orm_maps(db_url: str) -> None:
    _setup(db_url)
    with transaction(db_url) as tx:
        add_user_row(tx, name="l", role="liaison", party="ICRC", token_hash="1" * 64, actor="t")
        add_user_row(tx, name="c", role="coordinator", party=None, token_hash="2" * 64, actor="t")
        disable_user_row(tx, name="c", actor="t")
    with open_store(db_url) as store, store.session(write=False) as s:
        for r in s.query(ApiUserRow):
            with transaction(db_url, write=False) as lean:
                on_driver = user_by_token_hash(lean, r.token_hash)
            assert on_driver == user_by_token_hash(s, r.token_hash)
            got = on_driver
            assert got is not None
            assert (got.id, got.name, got.role, got.token_hash, got.created_at,
                    got.disabled_at) == (r.id, r.name, r.role, r.token_hash, r.created_at,
                                         r.disabled_at)  # fmt: skip
            assert got.party == (r.party.name if r.party is not None else None)
        assert user_by_token_hash(s, "3" * 64) is None
        assert user_by_token_hash(s, "1" * 63) is None
    with transaction(db_url, write=False) as tx:
        listed = [(u.name, u.party, u.disabled_at is not None) for u in list_user_rows(tx)]
    assert listed == [("c", None, True), ("l", "ICRC", False)]


def test_refused_user_writes_leave_nothing(db_url: str) -> None:
    _setup(db_url)
    with pytest.raises(NotFoundError, match="no party"), transaction(db_url) as tx:
        add_user_row(tx, name="a", role="field", party=None, token_hash="1" * 64, actor="t")
        add_user_row(tx, name="b", role="field", party="nope", token_hash="2" * 64, actor="t")
    for bad, error in (
        ({"role": "admin"}, InputError),
        ({"role": "liaison", "party": None}, InputError),
        ({"name": " "}, InputError),
    ):
        args = {"name": "x", "role": "field", "party": None, "token_hash": "3" * 64} | bad
        with pytest.raises(error), transaction(db_url) as tx:
            add_user_row(tx, actor="t", **args)  # type: ignore[arg-type]
    with transaction(db_url) as tx:
        add_user_row(tx, name=" a ", role="field", party=None, token_hash="1" * 64, actor="t")
    with pytest.raises(StateError, match="exists already"), transaction(db_url) as tx:
        add_user_row(tx, name="a", role="field", party=None, token_hash="4" * 64, actor="t")
    with pytest.raises(NotFoundError), transaction(db_url) as tx:
        disable_user_row(tx, name="b", actor="t")
    with transaction(db_url) as tx:
        disable_user_row(tx, name="a", actor="t")
    with pytest.raises(StateError, match="disabled already"), transaction(db_url) as tx:
        disable_user_row(tx, name="a", actor="t")
    with transaction(db_url, write=False) as tx:
        assert [u.name for u in list_user_rows(tx)] == ["a"]
        assert [e.action for e in audit_entries(tx)] == ["party.added", "user.add", "user.disable"]


def test_a_database_refusal_in_a_session_is_the_orms_error(db_url: str) -> None:
    """The server maps SQLAlchemy's errors at its edge (a unique-key race is a 409): the same
    SQL in an ORM session raises them, not the driver's own."""
    from sqlalchemy.exc import IntegrityError

    _setup(db_url)
    with open_store(db_url) as store:
        with pytest.raises(IntegrityError), store.session() as s:
            add_user_row(s, name="a", role="field", party=None, token_hash="1" * 64, actor="t")
            add_user_row(s, name="b", role="field", party=None, token_hash="1" * 64, actor="t")
        with store.session(write=False) as s:
            assert list_user_rows(s) == []


_TYPER_PROBE = """
import json, sys
from corridor.cli._app import run
codes = []
for argv in {commands!r}:
    try:
        run(argv)
        codes.append(0)
    except SystemExit as exc:
        codes.append(exc.code)
print(json.dumps({{"loaded": sorted(m for m in {watched!r} if m in sys.modules), "codes": codes}}))
"""


def typer_probe(
    commands: list[list[str]], watched: tuple[str, ...] | None = None
) -> dict[str, list[object]]:
    """Run ``commands`` through the Typer application (not the lean read path) in a fresh
    interpreter: exit codes and which of ``watched`` (by default the SQL path's forbidden
    modules) loaded."""
    from tests.test_startup import SQL_PATH_MUST_NOT_LOAD

    watched = SQL_PATH_MUST_NOT_LOAD if watched is None else watched
    probe = _TYPER_PROBE.format(commands=commands, watched=watched)
    out = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=300
    )
    return json.loads(out.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


def test_the_users_commands_run_without_sqlalchemy(db_url: str) -> None:
    """``users list`` through Typer too (``main`` would take the lean read path), and the
    errors: a refused add still exits 2 without loading the ORM."""
    _setup(db_url)
    seen = typer_probe([
        ["users", "add", "f", "--role", "field", "--db", db_url],
        ["users", "add", "g", "--role", "liaison", "--party", "nope", "--db", db_url],
        ["users", "disable", "f", "--db", db_url],
        ["users", "disable", "f", "--db", db_url],
        ["users", "list", "--db", db_url],
    ])  # fmt: skip
    assert seen == {"loaded": [], "codes": [0, 2, 0, 2, 0]}
