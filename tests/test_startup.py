"""Issue 14, defect 10: commands that only touch the database must not import the network,
hazard or routing stacks (numba, osmium, shapely, pyproj, scipy). A structural test, checked
in a fresh interpreter through ``sys.modules``; the start-up times are in docs/benchmarks.md."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

HEAVY = ("numba", "osmium", "shapely", "pyproj", "scipy", "pandas")

_PROBE = """
import json, sys
from typer.testing import CliRunner
import corridor.cli, corridor.store
after_import = sorted(m for m in {heavy!r} if m in sys.modules)
from corridor.cli import app
runner = CliRunner()
codes = {{}}
for args in {commands!r}:
    result = runner.invoke(app, args)
    codes[" ".join(args[:2])] = result.exit_code
after_commands = sorted(m for m in {heavy!r} if m in sys.modules)
print(json.dumps({{"import": after_import, "commands": after_commands, "codes": codes}}))
"""


def test_db_only_commands_do_not_load_the_heavy_stacks(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'c.db'}"
    commands = [
        ["db", "upgrade", "--db", db],
        ["db", "status", "--db", db],
        ["audit", "verify", "--db", db],
        ["audit", "export", "--db", db, "-o", str(tmp_path / "a.jsonl")],
        ["agreement", "list", "--db", db],
        ["party", "list", "--db", db],
        ["users", "list", "--db", db],
        ["hazards", "expire", "no-such", "--db", db],
    ]
    probe = _PROBE.format(heavy=HEAVY, commands=commands)
    out = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=300
    )
    seen = json.loads(out.stdout.strip().splitlines()[-1])
    assert seen["import"] == [], f"importing corridor.cli/corridor.store loads {seen['import']}"
    assert seen["commands"] == [], f"database-only commands load {seen['commands']}"
    codes = seen["codes"]
    assert codes.pop("hazards expire") == 2  # a clear "no hazard" error, still without them
    assert set(codes.values()) == {0}, codes


#: Opening a store must not import Alembic: it only compares the alembic_version row with the
#: packaged head (read from the migration files). Alembic is for migrating, which these do not.
MIGRATION_ONLY = ("alembic",)


def test_db_only_commands_on_a_current_database_do_not_import_alembic(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'c.db'}"
    subprocess.run([sys.executable, "-m", "corridor", "db", "upgrade", "--db", db],
                   capture_output=True, check=True, timeout=300)  # fmt: skip
    commands = [
        ["agreement", "list", "--db", db],
        ["party", "list", "--db", db],
        ["users", "list", "--db", db],
        ["audit", "verify", "--db", db],
        ["audit", "export", "--db", db, "-o", str(tmp_path / "a.jsonl")],
        ["db", "status", "--db", db],
        ["hazards", "show", "no-such", "--db", db],
    ]
    watched = (*HEAVY, *MIGRATION_ONLY)
    probe = _PROBE.format(heavy=watched, commands=commands)
    out = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=300
    )
    seen = json.loads(out.stdout.strip().splitlines()[-1])
    assert seen["commands"] == [], f"database-only commands load {seen['commands']}"
    codes = seen["codes"]
    assert codes.pop("hazards show") == 2
    assert set(codes.values()) == {0}, codes


def test_packaged_head_read_without_alembic_is_alembics_head(tmp_path: Path) -> None:
    """The migration files read as text give the same revisions and head as Alembic's own
    ScriptDirectory (the independent oracle), and a database's revision reads the same as
    through Alembic's MigrationContext."""
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory
    from sqlalchemy import create_engine

    from corridor.store import open_store
    from corridor.store._schema import (
        alembic_config,
        current_revision,
        head_revision,
        packaged_revisions,
    )

    script = ScriptDirectory.from_config(alembic_config())
    assert head_revision() == script.get_current_head()
    assert packaged_revisions() == {r.revision: r.down_revision for r in script.walk_revisions()}
    for url in ("sqlite://", f"sqlite:///{tmp_path / 'c.db'}"):
        if url != "sqlite://":
            open_store(url).close()  # created and migrated to the head
        engine = create_engine(url)
        with engine.connect() as conn:
            ours = current_revision(conn)
            assert ours == MigrationContext.configure(conn).get_current_revision()
            assert ours == (None if url == "sqlite://" else head_revision())
        engine.dispose()


#: The lean commands (corridor.cli._lean) read through the bare DB-API driver: none of the
#: libraries the full CLI needs may load, nor the store's tables or the Typer application.
#: (cryptography may: `audit export` uses corridor.audit, whose checkpoints import it.) On
#: PostgreSQL they connect with psycopg2, whose import costs a fifth of psycopg 3's.
LEAN_MUST_NOT_LOAD = (
    *HEAVY,
    *MIGRATION_ONLY,
    "sqlalchemy",
    "psycopg",
    "typer",
    "click",
    "pydantic",
    "corridor.cli._app",
    "corridor.cli._common",
    "corridor.store._tables",
    "corridor.store._engine",
)

_LEAN_PROBE = """
import json, sys
from corridor.cli import main
codes = []
for argv in {commands!r}:
    try:
        main(argv)
    except SystemExit as exc:
        codes.append(exc.code)
print(json.dumps({{"loaded": sorted(m for m in {watched!r} if m in sys.modules), "codes": codes}}))
"""


def _lean_probe(
    commands: list[list[str]], watched: tuple[str, ...] = LEAN_MUST_NOT_LOAD
) -> dict[str, list[object]]:
    """Run ``commands`` through the console entry point in a fresh interpreter: their exit
    codes and which of ``watched`` they loaded (``stderr``: what the commands printed there)."""
    probe = _LEAN_PROBE.format(commands=commands, watched=watched)
    out = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=300
    )
    seen: dict[str, list[object]] = json.loads(out.stdout.strip().splitlines()[-1])
    seen["stderr"] = [out.stderr]
    return seen


def test_lean_commands_load_neither_sqlalchemy_nor_typer(db_url: str) -> None:
    """Through the console entry point, on SQLite and PostgreSQL at the head revision."""
    from corridor.store import open_store

    open_store(db_url).close()
    commands = [
        ["agreement", "list", "--db", db_url],
        ["party", "list", "--db", db_url],
        ["users", "list", "--db", db_url],
        ["db", "status", "--db", db_url],
        ["audit", "export", "--db", db_url, "--no-payloads"],
    ]
    seen = _lean_probe(commands)
    assert seen["codes"] == [0, 0, 0, 0, 0]
    assert seen["loaded"] == [], f"the lean commands load {seen['loaded']}"


def test_a_case_the_lean_path_hands_over_runs_the_full_command(tmp_path: Path) -> None:
    """The probe sees the full stack when the full command runs (a new database is created
    and migrated, as before), so the check above can fail."""
    db = tmp_path / "new.db"
    seen = _lean_probe([["agreement", "list", "--db", f"sqlite:///{db}"]])
    assert seen["codes"] == [0]
    assert db.is_file()
    assert {"sqlalchemy", "typer", "corridor.cli._app"} <= set(seen["loaded"])


#: Database commands whose store functions run on the bare driver (``corridor.store._sql``):
#: the Typer command runs, but neither SQLAlchemy nor psycopg 3 nor Alembic may load.
SQL_PATH_MUST_NOT_LOAD = (*HEAVY, *MIGRATION_ONLY, "sqlalchemy", "psycopg")


def assert_on_the_sql_path(commands: list[list[str]]) -> None:
    """Each command succeeds, and none loads SQLAlchemy, psycopg 3, Alembic or the heavy
    stacks (also used by tests/notices/test_cli.py for the movement commands)."""
    seen = _lean_probe(commands, SQL_PATH_MUST_NOT_LOAD)
    assert seen["codes"] == [0] * len(commands), seen["stderr"][0]
    assert seen["loaded"] == [], f"the commands load {seen['loaded']}"


def test_sql_path_commands_do_not_load_sqlalchemy(db_url: str, tmp_path: Path) -> None:
    """On SQLite and PostgreSQL at the head revision; each command must also succeed."""
    from corridor.agreements import generate_keypair
    from corridor.store import open_store

    open_store(db_url).close()
    pair = generate_keypair("p1", directory=tmp_path, passphrase=None)
    from tests.agreements.sql_commands import agreement_commands

    rules = tmp_path / "rules.yaml"
    rules.write_text("version: 1\nmargin_minutes: 20\nrules: []\n", encoding="utf-8")
    commands = [
        ["party", "add", "p1", "--role", "test", "--public-key", str(pair.public_path),
         "--db", db_url],
        *agreement_commands(db_url, tmp_path),
        ["rules", "set", str(rules), "--db", db_url],
        ["rules", "show", "--db", db_url],
        ["convoys", "list", "--corridor", "c1", "--db", db_url],
        ["db", "upgrade", "--db", db_url],  # already at the head: no Alembic to say so
        ["users", "add", "u1", "--role", "liaison", "--party", "p1", "--db", db_url],
        ["users", "disable", "u1", "--db", db_url],
        ["audit", "verify", "--db", db_url],
    ]  # fmt: skip
    assert_on_the_sql_path(commands)


_THREADS = """
import sys
from corridor.cli import main
try:
    main(["network", "info", sys.argv[1]])
except SystemExit:
    pass
status = open("/proc/self/status", encoding="ascii").read()
print(status.split("Threads:")[1].split()[0], file=sys.stderr)
"""


def test_the_cli_starts_numpy_with_one_blas_thread(krems_network: Any, tmp_path: Path) -> None:
    """OpenBLAS starts a thread per core on ``import numpy`` (0.05 s CPU, 0.1 s wall of a
    command's start-up); the CLI asks for one unless the user set ``OPENBLAS_NUM_THREADS``.
    Counted in the process itself: with the default restored the same command has more."""
    import os

    if (os.cpu_count() or 1) < 2 or not Path("/proc/self/status").exists():
        import pytest

        pytest.skip("needs Linux's /proc and two cores to tell one BLAS thread from several")
    from corridor.network import write_network

    krems_net = tmp_path / "krems.net"
    write_network(krems_network, krems_net)
    env = {k: v for k, v in os.environ.items() if k != "OPENBLAS_NUM_THREADS"}

    def threads(extra: dict[str, str]) -> int:
        done = subprocess.run(
            [sys.executable, "-c", _THREADS, str(krems_net)],
            capture_output=True, text=True, check=True, env={**env, **extra},
        )  # fmt: skip
        return int(done.stderr.strip().splitlines()[-1])

    assert threads({}) == 1
    assert threads({"OPENBLAS_NUM_THREADS": str(os.cpu_count())}) > 1
