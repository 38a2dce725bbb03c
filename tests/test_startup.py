"""Issue 14, defect 10: commands that only touch the database must not import the network,
hazard or routing stacks (numba, osmium, shapely, pyproj, scipy). A structural test, checked
in a fresh interpreter through ``sys.modules``; the start-up times are in docs/benchmarks.md."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

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
