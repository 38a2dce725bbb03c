"""Issue 14, defect 10: the lean database-only commands against their full Typer twins.

The oracle is the full command (SQLAlchemy ORM, Typer): each lean command runs on the same
database content and must print the same stdout and stderr with the same exit code, on
SQLite and on PostgreSQL. For every case the lean path does not answer (a bad URL, a missing
or unreachable database, a schema too old or too new) it must hand over before printing or
creating anything, so the full command's words are the only ones the user sees.
"""

from __future__ import annotations

import base64
import hashlib
import io
import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager, redirect_stderr, redirect_stdout
from pathlib import Path

import pytest

from corridor.cli._app import run
from corridor.cli._lean import COMMANDS, lean_command, run_lean

LEAN = [list(key) for key in COMMANDS]


@contextmanager
def captured() -> Iterator[tuple[io.StringIO, io.StringIO]]:
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        yield out, err


def full(argv: list[str]) -> tuple[int, str, str]:
    """The Typer command, as the console entry point runs it (exit code, stdout, stderr)."""
    from corridor.cli import _common

    # The full path's consoles are made once, at first import, and read $COLUMNS then; in a
    # fresh process (a real command) that is now, so give them this test's width as well.
    for console in (_common.console, _common.err_console):
        console.width = int(os.environ.get("COLUMNS", "80"))
    with captured() as (out, err):
        try:
            run(argv)
            code = 0
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else 1
    return code, out.getvalue(), err.getvalue()


def lean(argv: list[str]) -> tuple[int | None, str, str]:
    with captured() as (out, err):
        code = run_lean(argv)
    return code, out.getvalue(), err.getvalue()


def key_of(n: int) -> str:
    return base64.b64encode(hashlib.sha256(f"party {n}".encode()).digest()).decode()


def fill(url: str) -> None:
    """Parties, users (one disabled, one without a party), and corridors with several
    versions in several states, written through the store itself."""
    from corridor.store import (
        AgreementVersionRow,
        CorridorRow,
        add_party,
        add_user_row,
        disable_user_row,
        open_store,
    )

    names = ["army-north", "Київ міська рада", "ICRC", "alpha", "Beta", "[bold]markup[/]"]
    with open_store(url) as store, store.session() as s:
        for n, name in enumerate(names):
            add_party(s, name=name, role=f"role {n} " * n, public_key=key_of(n), actor="cli:t")
        for n, (user, role, party) in enumerate(
            [
                ("coord", "coordinator", None),
                ("liaison-kyiv", "liaison", "Київ міська рада"),
                ("Field 2", "field", "ICRC"),
                ("obs", "observer", None),
            ]
        ):
            token = hashlib.sha256(f"token {n}".encode()).hexdigest()
            add_user_row(s, name=user, role=role, party=party, token_hash=token, actor="cli:t")
        disable_user_row(s, name="obs", actor="cli:t")
        corridors = {
            "krems-north": ["proposed", "agreed", "open"],
            "b-south": ["closed"],
            "Z-last": ["draft", "suspended"],
            "a" * 90: ["proposed"],
        }
        for cid, states in corridors.items():
            s.add(CorridorRow(id=cid, title=f"title of {cid}", created_by="cli:t"))
            s.flush()
            for version, state in enumerate(states, start=1):
                s.add(
                    AgreementVersionRow(
                        corridor_id=cid,
                        version=version,
                        terms={"corridor_id": cid},
                        canonical=b"{}",
                        digest="0" * 64,
                        state=state,
                        created_by="cli:t",
                        etag=f"{cid}-{version}",
                    )
                )


def at_head(url: str) -> None:
    from corridor.store import open_store

    open_store(url).close()


def set_revision(url: str, revision: str) -> None:
    from sqlalchemy import text

    from corridor.store import make_engine

    engine = make_engine(url)
    with engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = :r"), {"r": revision})
    engine.dispose()


def assert_same(argv: list[str]) -> tuple[int, str, str]:
    mine = lean(argv)
    theirs = full(argv)
    assert mine[0] is not None, f"the lean path handed {argv} over"
    assert mine == theirs
    return theirs


def assert_handed_over(argv: list[str]) -> None:
    assert lean(argv) == (None, "", ""), f"the lean path answered {argv}"


@pytest.mark.parametrize("columns", ["80", "200"])
def test_same_output_as_the_full_commands(
    db_url: str, columns: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", columns)
    at_head(db_url)
    for argv in LEAN:  # empty tables
        code, out, _ = assert_same([*argv, "--db", db_url])
        assert code == 0 and out
    fill(db_url)
    seen = {}
    for argv in LEAN:
        code, out, err = assert_same([*argv, "--db", db_url])
        assert code == 0 and err == ""
        seen[argv[0]] = out
    assert "ICRC" in seen["party"] and "Київ" in seen["users"]
    assert "krems-north" in seen["agreement"]
    assert "open" in seen["agreement"] and "proposed" in seen["agreement"]  # latest versions
    assert "draft" not in seen["agreement"]
    for argv in LEAN:  # --db=URL, and the URL from $CORRIDOR_DB
        assert_same([*argv, f"--db={db_url}"])
        monkeypatch.setenv("CORRIDOR_DB", db_url)
        assert_same(argv)
        monkeypatch.delenv("CORRIDOR_DB")


def test_times_in_another_session_time_zone(db_url: str) -> None:
    """PostgreSQL hands timestamptz back in the session's zone; both print UTC."""
    fill(db_url)
    if db_url.startswith("postgresql"):
        db_url += "%20-cTimeZone%3DAsia/Kolkata"
    for argv in (["party", "list"], ["users", "list"]):
        assert_same([*argv, "--db", db_url])


def test_empty_or_stale_schema_is_the_full_commands_business(db_url: str) -> None:
    from sqlalchemy import inspect

    from corridor.store import make_engine
    from corridor.store._schema import packaged_revisions

    if db_url.startswith("sqlite"):  # an empty file; PostgreSQL: an empty schema
        sqlite3.connect(db_url.removeprefix("sqlite:///")).close()
    for argv in LEAN:
        assert_handed_over([*argv, "--db", db_url])
    engine = make_engine(db_url)
    with engine.connect() as conn:
        assert inspect(conn).get_table_names() == []  # the lean path created nothing
    engine.dispose()
    at_head(db_url)
    older = sorted(packaged_revisions())[-2]
    for revision in (older, "9001"):
        set_revision(db_url, revision)
        for argv in LEAN:
            assert_handed_over([*argv, "--db", db_url])
            code, _, err = full([*argv, "--db", db_url])
            assert code in (1, 2), (argv, err)
            if argv != ["db", "status"]:
                assert f"revision {revision}" in " ".join(err.split())


def test_bad_urls_and_missing_databases_are_handed_over(tmp_path: Path) -> None:
    missing = tmp_path / "sub" / "none.db"
    urls = [
        f"sqlite:///{missing}",
        str(missing),
        "notadb://x",
        "mysql://u@h/db",
        "postgresql+psycopg://u@h:notaport/db",
        "postgresql+psycopg://nobody@127.0.0.1:1/none?connect_timeout=2",
        "sqlite://",
        f"sqlite:///{tmp_path}",  # a folder
    ]
    for url in urls:
        for argv in LEAN:
            assert_handed_over([*argv, "--db", url])
    assert not missing.parent.exists()  # the lean path created nothing


def test_a_file_that_is_not_a_database_is_handed_over(tmp_path: Path) -> None:
    junk = tmp_path / "junk.db"
    junk.write_bytes(b"not a database at all" * 100)
    empty = tmp_path / "empty.db"
    sqlite3.connect(empty).close()
    for url in (f"sqlite:///{junk}", f"sqlite:///{empty}"):
        for argv in LEAN:
            assert_handed_over([*argv, "--db", url])
    assert full(["agreement", "list", "--db", f"sqlite:///{junk}"])[0] == 2


def test_only_the_exact_forms_are_lean() -> None:
    assert lean_command(["agreement", "list"]) == (("agreement", "list"), {})
    assert lean_command(["party", "list", "--db", "x.db"]) == (("party", "list"), {"db": "x.db"})
    assert lean_command(["users", "list", "--db=x.db"]) == (("users", "list"), {"db": "x.db"})
    assert lean_command(["audit", "export", "--no-payloads", "-o", "a", "--db", "d"]) == (
        ("audit", "export"),
        {"payloads": False, "output": "a", "db": "d"},
    )
    for argv in (
        [],
        ["agreement"],
        ["agreement", "show", "x"],
        ["agreement", "list", "--help"],
        ["agreement", "list", "--db"],
        ["agreement", "list", "--db", "--help"],
        ["agreement", "list", "--db", "a", "--db", "b"],
        ["agreement", "list", "extra"],
        ["--version"],
        ["db", "upgrade"],
        ["agreement", "list", "-o", "x"],
        ["audit", "export", "-ox"],
        ["audit", "export", "-o", ""],
        ["audit", "export", "-o=x"],
        ["audit", "export", "--payloads", "--no-payloads"],
        ["audit", "export", "--payloads=x"],
        ["audit", "export", "-o", "a", "--output", "b"],
        ["audit", "verify"],
    ):
        assert lean_command(argv) is None, argv


URLS = [
    "sqlite:////tmp/a b/c.db",
    "sqlite:///rel/Київ.db",
    "postgresql+psycopg://user:p%40ss@host:5433/db?options=-csearch_path%3Dx&sslmode=disable",
    "postgresql+psycopg://u@[::1]:5432/d",
    "postgresql+psycopg://u@h/d?b=2&a=1",
    "postgresql+psycopg:///d",
]


@pytest.mark.parametrize("url", URLS)
def test_urls_split_and_render_as_sqlalchemy_does(url: str) -> None:
    from sqlalchemy import make_url

    from corridor.store._dbapi import parse_url

    theirs, mine = make_url(url), parse_url(url)
    assert mine.render() == theirs.render_as_string(hide_password=True)
    assert (mine.username, mine.password, mine.host, mine.port, mine.database) == (
        theirs.username,
        theirs.password,
        theirs.host,
        theirs.port,
        theirs.database,
    )
    assert dict(mine.query) == dict(theirs.query)


def test_db_status_prints_the_url_as_the_full_command(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    weird = tmp_path / "a b" / "Київ+1.db"
    url = f"sqlite:///{weird}"
    at_head(url)
    code, out, _ = assert_same(["db", "status", "--db", url])
    assert code == 0 and "revision: " in out
    monkeypatch.chdir(tmp_path)
    assert_same(["db", "status", "--db", str(Path("a b") / "Київ+1.db")])  # a bare path


def test_audit_export_to_a_file_as_the_full_command(
    db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fill(db_url)
    out = tmp_path / "out" / "log.jsonl"
    for flags in ([], ["--no-payloads"], ["--payloads"]):
        argv = ["audit", "export", "--db", db_url, "-o", str(out), *flags]
        mine = lean(argv)
        mine_file = out.read_bytes()
        out.unlink()
        theirs = full(argv)
        assert mine[0] == 0 and mine == theirs
        assert mine_file == out.read_bytes()
        assert mine_file.count(b"\n") == 1 + len(fill_actions())
        assert (b'"payload":' in mine_file) is ("--no-payloads" not in flags)
        out.unlink()
    blocked = tmp_path / "a-file"
    blocked.write_text("")
    argv = ["audit", "export", "--db", db_url, "--output", str(blocked / "log.jsonl")]
    mine = lean(argv)
    assert mine[0] == 2 and mine == full(argv)  # one line naming the target
    from corridor.cli import _lean

    monkeypatch.setattr(_lean, "AUDIT_LEAN_MAX_ENTRIES", 3)
    assert_handed_over(["audit", "export", "--db", db_url])


def fill_actions() -> list[str]:
    """The audit entries :func:`fill` writes (parties and users; corridors are bare rows)."""
    return ["party.added"] * 6 + ["user.add"] * 4 + ["user.disable"]


@pytest.fixture
def notice_store(store, krems_network):  # type: ignore[no-untyped-def]
    """krems-demo in force on SQLite and PostgreSQL with its notice details stored, and
    krems-bare (no details stored)."""
    from corridor.agreements import public_key_b64, terms_from_data
    from corridor.notices import read_details
    from corridor.store import add_party, propose_agreement, save_notice_details, sign_agreement
    from tests.agreements.conftest import PARTIES
    from tests.notices.conftest import DETAILS_FILE, SIGNED_AT, demo_key, demo_terms

    with store.session() as s:
        for name, role in PARTIES:
            add_party(s, name=name, role=role, public_key=public_key_b64(demo_key(name)), actor="t")
        for cid in ("krems-demo", "krems-bare"):
            terms = terms_from_data(demo_terms(krems_network, corridor_id=cid))
            propose_agreement(s, terms, actor="t", at_utc=SIGNED_AT)
            for name, _ in PARTIES:
                sign_agreement(s, cid, key=demo_key(name), actor=name, at_utc=SIGNED_AT)
        save_notice_details(s, "krems-demo", read_details(DETAILS_FILE), actor="t")
    return store


FORMATS = ("text", "sms", "html", "cap")


def test_notice_on_the_lean_path_as_the_full_command(  # type: ignore[no-untyped-def]
    notice_store, db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`notice ID --lang L [--format F] [--db URL]` starts without Typer; the oracle is the
    Typer command on the same agreement: the same stdout, stderr and exit code."""
    monkeypatch.setenv("COLUMNS", "120")
    db = ["--db", db_url]
    for lang in ("uk", "en"):
        code, out, err = assert_same(["notice", "krems-demo", "--lang", lang, *db])
        assert code == 0 and "krems-demo-v1" in out and err == ""
    seen = {}
    for fmt in FORMATS:
        code, out, err = assert_same(["notice", "krems-demo", "--lang", "uk", "--format", fmt, *db])
        assert code == 0 and out
        seen[fmt] = out, err
        assert_same(["notice", "krems-demo", f"--db={db_url}", f"--format={fmt}", "--lang=ru"])
    assert "SMS UCS-2" in seen["sms"][1]  # the part count goes to stderr on both paths
    assert seen["html"][0].lstrip().lower().startswith("<!doctype html")
    assert "<alert" in seen["cap"][0]
    monkeypatch.setenv("CORRIDOR_DB", db_url)
    assert_same(["notice", "krems-demo", "--lang", "en", "--format", "sms"])


def test_notice_forms_and_errors_are_the_full_commands(  # type: ignore[no-untyped-def]
    notice_store, db_url: str, tmp_path: Path
) -> None:
    """Every error (unknown agreement, no stored details, unknown language or format) and
    every other form is worded by the Typer command: the lean path prints nothing."""
    from tests.notices.conftest import DETAILS_FILE

    db = ["--db", db_url]
    for argv in (
        ["notice", "no-such", "--lang", "uk", *db],
        ["notice", "krems-bare", "--lang", "uk", *db],
        ["notice", "krems-demo", "--lang", "de", *db],
        ["notice", "krems-demo", "--lang", "uk", "--format", "pdf", *db],
        ["notice", "krems-demo", "--lang", "", *db],
        ["notice", "krems-demo", *db],  # --lang is required
    ):
        assert_handed_over(argv)
        assert full(argv)[0] == 2, argv
    for argv in (
        ["notice", "krems-demo", "--lang", "uk", "--details", str(DETAILS_FILE)],
        ["notice", "krems-demo", "--lang", "uk", "--details", str(DETAILS_FILE), "--save-details"],
        ["notice", "krems-demo", "--lang", "uk", "-o", str(tmp_path / "n.txt")],
        ["notice", "krems-demo", "--lang", "uk", "--output", str(tmp_path / "n.txt")],
        ["notice", "krems-demo", "--lang", "uk", "--at", "2027-03-01T05:00Z"],
        ["notice", "krems-demo", "--lang", "uk", "--version", "1"],
        ["notice", "krems-demo", "--lang", "uk", "--draft"],
        ["notice", "krems-demo", "--lang", "uk", "--help"],
        ["notice", "krems-demo", "--lang", "uk", "--lang", "en"],
        ["notice", "krems-demo", "--lang", "uk", "--fromat", "sms"],
        ["notice", "krems-demo", "--lang", "--format", "sms"],
        ["notice", "--lang", "uk", "krems-demo"],
        ["notice", "krems-demo", "extra", "--lang", "uk"],
        ["notice"],
        ["notice", "--help"],
    ):
        assert lean_command([*argv, *db]) is None, argv
    assert lean_command(["notice", "x", "--lang", "uk", "--format=sms", "--db", "d"]) == (
        ("notice",),
        {"id": "x", "lang": "uk", "format": "sms", "db": "d"},
    )


def test_notice_with_escape_sequences_goes_to_the_full_command(  # type: ignore[no-untyped-def]
    notice_store, db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """click's echo strips terminal escape sequences from a pipe: that document is left to it."""
    from corridor.cli import _tables
    from corridor.notices import RenderedNotice

    real = _tables.stored_notice

    def with_escape(*args, **kwargs) -> RenderedNotice:  # type: ignore[no-untyped-def]
        import dataclasses

        rendered = real(*args, **kwargs)
        return dataclasses.replace(rendered, content="\x1b[31m" + rendered.content)

    monkeypatch.setattr(_tables, "stored_notice", with_escape)
    argv = ["notice", "krems-demo", "--lang", "uk", "--db", db_url]
    assert_handed_over(argv)
    code, out, _ = full(argv)
    assert code == 0 and "\x1b" not in out


def test_lean_notice_does_not_load_typer(notice_store, db_url: str) -> None:  # type: ignore[no-untyped-def]
    """Through the console entry point, in a fresh interpreter (tests/test_startup.py)."""
    from tests.test_startup import _lean_probe

    seen = _lean_probe(
        [
            ["notice", "krems-demo", "--lang", "uk", "--format", fmt, "--db", db_url]
            for fmt in FORMATS
        ]
    )
    assert seen["codes"] == [0] * len(FORMATS), seen["stderr"][0]
    assert seen["loaded"] == [], f"the lean notice loads {seen['loaded']}"
