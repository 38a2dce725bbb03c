"""Issue 14, defect 11 and "one CLI boundary": one actor name for every CLI write, no crash
without a passwd entry, parameter errors as one line and exit 2, atomic-write errors that name
the file the user asked for."""

from __future__ import annotations

import getpass
from pathlib import Path

import pytest
from typer.testing import CliRunner

from corridor._files import write_atomic
from corridor.agreements import generate_keypair
from corridor.cli import app, main
from corridor.store import audit_entries, open_store

runner = CliRunner()


def _no_passwd_entry() -> str:
    raise KeyError("getpwuid(): uid not found: 4242")


def _actors(db: str) -> list[tuple[str, str]]:
    with open_store(db) as store, store.session(write=False) as s:
        return [(e.action, e.actor) for e in audit_entries(s)]


def test_every_cli_write_records_the_same_actor(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Before: `party add` recorded 'alice', `users add` 'cli:alice'."""
    monkeypatch.delenv("CORRIDOR_ACTOR", raising=False)
    monkeypatch.setattr(getpass, "getuser", lambda: "alice")
    db = f"sqlite:///{tmp_path / 'c.db'}"
    pub = generate_keypair("north", directory=tmp_path).public_path
    added = runner.invoke(
        app, ["party", "add", "north", "--role", "armed forces", "--public-key", str(pub),
              "--db", db])  # fmt: skip
    assert added.exit_code == 0, added.output
    user = runner.invoke(app, ["users", "add", "ops-1", "--role", "observer", "--db", db])
    assert user.exit_code == 0, user.output
    actors = {actor for _, actor in _actors(db)}
    assert actors == {"cli:alice"}, _actors(db)
    monkeypatch.setenv("CORRIDOR_ACTOR", "bob")
    runner.invoke(app, ["users", "disable", "ops-1", "--db", db])
    assert _actors(db)[-1][1] == "cli:bob"


def test_no_passwd_entry_is_not_a_crash(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Before: `agreement close` (and every write) died with KeyError: getpwuid()."""
    import os

    monkeypatch.delenv("CORRIDOR_ACTOR", raising=False)
    monkeypatch.setattr(getpass, "getuser", _no_passwd_entry)
    db = f"sqlite:///{tmp_path / 'c.db'}"
    pub = generate_keypair("north", directory=tmp_path).public_path
    added = runner.invoke(
        app, ["party", "add", "north", "--role", "armed forces", "--public-key", str(pub),
              "--db", db])  # fmt: skip
    assert added.exit_code == 0, added.output
    closed = runner.invoke(app, ["agreement", "close", "no-such", "--db", db])
    assert closed.exit_code == 2 and "KeyError" not in closed.output
    assert "no agreement" in closed.output
    assert _actors(db)[-1][1] == f"cli:uid-{os.getuid()}"


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["agreement", "suspend", "x"], "Missing option '--key'"),
        (["route", "net", "--from", "1,2", "--to", "3,4", "--at", "soon"], "--at"),
        (["hazards", "update", "h", "--severity", "2"], "--severity"),
        (["nosuch"], "No such command"),
    ],
)
def test_parameter_errors_are_one_line_and_exit_2(
    argv: list[str], expected: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exited:
        main(argv)
    assert exited.value.code == 2
    err = capsys.readouterr().err
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1, err
    assert lines[0].startswith("error: corridor") and expected in lines[0]
    assert "╭" not in err and "Usage:" not in err


def test_help_and_version_still_exit_0(capsys: pytest.CaptureFixture[str]) -> None:
    for argv in (["--version"], ["--help"], []):
        with pytest.raises(SystemExit) as exited:
            main(argv)
        assert exited.value.code == 0, argv
    assert "corridor" in capsys.readouterr().out


def test_failed_atomic_write_names_the_target(tmp_path: Path) -> None:
    target = tmp_path / "out.json"
    target.mkdir()
    (target / "keep").write_text("x")  # a non-empty folder cannot be replaced by a file
    with pytest.raises(OSError) as raised:
        write_atomic(target, "{}")
    assert raised.value.filename == str(target)
    assert ".tmp" not in str(raised.value)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.json"]  # no temp file left
    result = runner.invoke(app, ["audit", "export", "--output", str(target), "--db",
                                 f"sqlite:///{tmp_path / 'x.db'}"])  # fmt: skip
    assert result.exit_code == 2, result.output
    assert str(target) in " ".join(result.output.split()).replace(" ", "") or str(
        target
    ) in result.output.replace("\n", "")
    assert ".tmp" not in result.output
