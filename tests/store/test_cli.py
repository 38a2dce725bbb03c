"""`corridor db` and the schema check as users meet them, in-process and as a real process."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from typer.testing import CliRunner

from corridor.cli import app
from corridor.store import head_revision, open_store, record

runner = CliRunner()


def flat(text_: str) -> str:
    return " ".join(text_.split())


def test_db_upgrade_and_status(db_url: str) -> None:
    result = runner.invoke(app, ["db", "status", "--db", db_url])
    assert result.exit_code == 1
    assert f"this corridor needs {head_revision()}" in flat(result.output)
    result = runner.invoke(app, ["db", "upgrade", "--db", db_url])
    assert result.exit_code == 0, result.output
    assert f"from revision (empty) to {head_revision()}" in flat(result.output)
    result = runner.invoke(app, ["db", "upgrade", "--db", db_url])
    assert f"already at revision {head_revision()}" in flat(result.output)
    result = runner.invoke(app, ["db", "status", "--db", db_url])
    assert result.exit_code == 0
    assert f"revision: {head_revision()}" in flat(result.output)


def test_stale_schema_stops_commands_with_one_clear_line(db_url: str, newer_corridor: str) -> None:
    """A database written by the packaged corridor, opened by a corridor one revision later."""
    from corridor.store import _schema

    _schema.upgrade_db(db_url, revision=newer_corridor)
    result = runner.invoke(app, ["audit", "verify", "--db", db_url])
    assert result.exit_code == 2
    message = flat(result.stderr)
    assert (
        f"database schema is at revision {newer_corridor}, this corridor needs 9001 "
        "(run 'corridor db upgrade')"
    ) in message
    assert "Traceback" not in result.output + result.stderr
    result = runner.invoke(app, ["db", "upgrade", "--db", db_url])
    assert f"from revision {newer_corridor} to 9001" in flat(result.output)
    assert runner.invoke(app, ["audit", "verify", "--db", db_url]).exit_code == 0


def test_unreachable_database_is_one_line(tmp_path: Path) -> None:
    url = "postgresql+psycopg://nobody@127.0.0.1:1/none?connect_timeout=2"
    result = runner.invoke(app, ["audit", "export", "--db", url])
    assert result.exit_code == 2
    assert "cannot open database" in flat(result.stderr)


def test_real_process_creates_the_default_database(tmp_path: Path) -> None:
    """The installed entry point, with neither --db nor CORRIDOR_DB: the XDG default file."""
    env = {k: v for k, v in os.environ.items() if k != "CORRIDOR_DB"}
    env["XDG_DATA_HOME"] = str(tmp_path / "xdg")
    done = subprocess.run(
        [sys.executable, "-m", "corridor", "db", "upgrade"],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "xdg" / "corridor" / "corridor.db").is_file()


def test_corridor_db_variable_and_db_option(tmp_path: Path) -> None:
    by_env, by_option = tmp_path / "env.db", tmp_path / "option.db"
    with open_store(f"sqlite:///{by_env}") as store, store.session() as s:
        record(s, actor="t", action="test.cli", payload={"n": 1})
    env = {"CORRIDOR_DB": f"sqlite:///{by_env}"}
    result = runner.invoke(app, ["audit", "verify"], env=env)
    assert result.exit_code == 0, result.stderr
    assert "1 entries" in flat(result.output)
    result = runner.invoke(app, ["audit", "export", "--db", str(by_option)], env=env)
    assert result.exit_code == 0, result.stderr
    assert by_option.is_file()  # a bare path is an SQLite file, created on first use
    assert '"head_seq": 0' in result.output
