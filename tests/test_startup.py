"""Issue 14, defect 10: commands that only touch the database must not import the network,
hazard or routing stacks (numba, osmium, shapely, pyproj, scipy). A structural test, checked
in a fresh interpreter through ``sys.modules``; the start-up times are in docs/benchmarks.md."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

HEAVY = ("numba", "osmium", "shapely", "pyproj", "scipy")

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
