"""Issue 14, defect 10: ``corridor`` imports only the module of the command it runs.

The root group (:class:`corridor.cli._app.LazyGroup`) builds a command from the static table
:data:`corridor.cli._app.COMMANDS` on first lookup and draws ``corridor --help`` from the table
alone. Checked here: in a fresh interpreter, through ``sys.modules``, what a command loads;
that the table names every command the command modules define, with the help they give; and
that the help screens and parameter errors are the ones the eagerly built application (every
module imported and registered up front, as before) prints.
"""

from __future__ import annotations

import importlib
import inspect
import json
import pkgutil
import subprocess
import sys
from pathlib import Path

import pytest
import typer
from typer.main import get_command_name
from typer.testing import CliRunner

import corridor.cli
from corridor.cli._app import COMMANDS, Entry, LazyGroup, app, typer_of

REPO = Path(__file__).resolve().parents[1]
DEMO_HAZARDS = REPO / "data" / "demo" / "krems-hazards.geojson"

#: The modules that define commands (every ``corridor.cli`` module without a leading ``_``).
COMMAND_MODULES = sorted(
    m.name for m in pkgutil.iter_modules(corridor.cli.__path__) if not m.name.startswith("_")
)

_PROBE = """
import json, sys
from corridor.cli import main
try:
    main({argv!r})
    code = 0
except SystemExit as exc:
    code = exc.code
print(json.dumps({{"code": code, "modules": sorted(sys.modules)}}))
"""


def probe(argv: list[str], cwd: Path) -> tuple[object, set[str]]:
    """Run ``corridor ARGV`` in a fresh interpreter: (exit code, every module it imported)."""
    out = subprocess.run(
        [sys.executable, "-c", _PROBE.format(argv=argv)],
        capture_output=True, text=True, check=True, timeout=300, cwd=cwd, stdin=subprocess.DEVNULL,
    )  # fmt: skip
    seen = json.loads(out.stdout.strip().splitlines()[-1])
    return seen["code"], set(seen["modules"])


def command_modules(modules: set[str]) -> set[str]:
    return {m.rsplit(".", 1)[1] for m in modules if m.startswith("corridor.cli.")} & set(
        COMMAND_MODULES
    )


#: Libraries no command in the cases below needs: the database stack and the routing stacks.
NOT_NEEDED = ("sqlalchemy", "alembic", "psycopg", "numba", "scipy", "osmium", "pyproj")
#: A help screen or a usage error coerces no value, so it needs no pydantic TypeAdapter
#: (corridor.cli._app._Deferred) and none of the command's own libraries.
HELP_NEEDS_NOT = (*NOT_NEEDED, "pydantic", "cryptography", "numpy")


def _cases(tmp: Path) -> list[tuple[list[str], object, set[str], tuple[str, ...]]]:
    """(argv, exit code, the command modules it may load, libraries it must not load)."""
    junk = tmp / "junk.json"
    junk.write_text("{}", encoding="utf-8")
    rules = tmp / "rules.yaml"
    rules.write_text("rules: []\n", encoding="utf-8")
    agreement_needs = {"agreement", "party", "db"}  # PassphraseFile, DbOption, load_key
    return [
        (["--version"], 0, set(), (*NOT_NEEDED, "rich", "pydantic")),
        (["--help"], 0, set(), HELP_NEEDS_NOT),
        ([], 0, set(), HELP_NEEDS_NOT),
        (["nosuch"], 2, set(), HELP_NEEDS_NOT),
        (["party", "--help"], 0, {"party", "db"}, HELP_NEEDS_NOT),
        (["party", "keygen", "k", "--no-passphrase", "-o", str(tmp)], 0, {"party", "db"},
         (*NOT_NEEDED, "jsonschema", "numpy", "corridor.agreements._terms")),
        (["agreement", "verify-bundle", str(junk)], 2, agreement_needs,
         (*NOT_NEEDED, "numpy", "corridor.store")),
        (["agreement", "attest", str(junk), "--key", str(tmp / "k.key")], 2, agreement_needs,
         (*NOT_NEEDED, "numpy", "corridor.store")),
        (["agreement", "verify-bundle", "--help"], 0, agreement_needs, HELP_NEEDS_NOT),
        (["hazards", "validate", str(DEMO_HAZARDS), "--gazetteer", "none"], 0, {"hazards", "db"},
         (*NOT_NEEDED, "corridor.network", "corridor.store", "rich._emoji_codes")),
        (["rules", "check", str(rules)], 0, {"monitor", "db"},
         (*NOT_NEEDED, "numpy", "shapely", "corridor.store", "corridor.agreements._terms")),
        (["audit", "verify", "--file", str(junk)], 2, {"audit", "party", "db"},
         (*NOT_NEEDED, "numpy", "corridor.store")),
        (["route", "--help"], 0, {"route"}, HELP_NEEDS_NOT),
    ]  # fmt: skip


def test_a_command_loads_only_its_own_module(tmp_path: Path) -> None:
    """`party keygen` loads `corridor.cli.party` (and `db`, whose option it shares), not the
    other groups' modules nor SQLAlchemy; `--version` and `--help` load no command module."""
    for argv, code, allowed, forbidden in _cases(tmp_path):
        got, modules = probe(argv, tmp_path)
        assert got == code, (argv, got)
        loaded = command_modules(modules)
        assert loaded <= allowed, f"corridor {' '.join(argv)} loads {sorted(loaded - allowed)}"
        heavy = sorted(m for m in forbidden if m in modules)
        assert heavy == [], f"corridor {' '.join(argv)} loads {heavy}"


def test_the_probe_sees_a_command_module_when_it_runs(tmp_path: Path) -> None:
    """The check above can fail: what a command needs does show up in ``sys.modules``."""
    _, modules = probe(["rules", "--help"], tmp_path)
    assert command_modules(modules) == {"monitor", "db"}
    _, modules = probe(["hazards", "validate", str(DEMO_HAZARDS), "--gazetteer", "none"], tmp_path)
    assert {"corridor.hazards._io", "shapely", "jsonschema_rs"} <= modules


def _registered_name(info: typer.models.CommandInfo) -> str:
    return info.name or get_command_name(info.callback.__name__ if info.callback else "")


def test_the_table_names_every_command_of_every_module() -> None:
    """A command added to a module but not to COMMANDS would silently vanish from the CLI."""
    in_table = {(e.module, e.attr, e.command) for e in COMMANDS.values()}
    assert {e.module for e in COMMANDS.values()} == set(COMMAND_MODULES)
    for name in COMMAND_MODULES:
        module = importlib.import_module(f"corridor.cli.{name}")
        for attr, value in vars(module).items():
            if not isinstance(value, typer.Typer):
                continue
            assert not value.registered_groups, f"{name}.{attr}: nested groups are not listed"
            if (name, attr, None) in in_table:
                continue
            for info in value.registered_commands:
                assert (name, attr, _registered_name(info)) in in_table, (name, attr, info)


@pytest.mark.parametrize("name", list(COMMANDS))
def test_each_entry_builds_its_command_with_the_help_it_lists(name: str) -> None:
    entry: Entry = COMMANDS[name]
    group = typer.main.get_command(app)
    assert isinstance(group, LazyGroup)
    command = group.get_command(typer.Context(group), name)
    assert command is not None and command.name == name
    assert isinstance(command, typer.core.TyperGroup) == (entry.command is None)
    first = inspect.cleandoc(command.short_help or command.help or "").split("\n\n")[0]
    assert first == entry.help


def eager_app() -> typer.Typer:
    """The application built as before: every module imported, every command registered."""
    from corridor.cli._app import _root

    eager = typer.Typer(
        name="corridor",
        help="Plan, agree, schedule and monitor humanitarian evacuation corridors.",
        no_args_is_help=True,
        pretty_exceptions_enable=False,
        add_completion=False,
    )
    eager.callback()(_root)
    for name, entry in COMMANDS.items():
        sub = typer_of(entry)
        if entry.command is None:
            eager.add_typer(sub, name=name)
        else:
            eager.registered_commands.extend(
                info for info in sub.registered_commands if _registered_name(info) == name
            )
    return eager


def _help_paths(group: typer.core.TyperGroup, ctx: typer.Context) -> list[list[str]]:
    """The root, every top-level command and group, and the first and last command of each
    group (a group's commands are built by one code path; all 66 screens take a minute)."""
    paths: list[list[str]] = [[]]
    for name in group.list_commands(ctx):
        sub = group.get_command(ctx, name)
        paths.append([name])
        if isinstance(sub, typer.core.TyperGroup):
            names = sub.list_commands(ctx)
            paths += [[name, n] for n in dict.fromkeys([names[0], names[-1]])]
    return paths


def test_every_help_screen_and_usage_error_is_the_eager_applications() -> None:
    eager = eager_app()
    group = typer.main.get_command(eager)
    assert isinstance(group, typer.core.TyperGroup)
    paths = _help_paths(group, typer.Context(group))
    assert len(paths) > len(COMMANDS) + 15  # group members as well
    runner = CliRunner()
    extra = [
        [], ["nosuch"], ["part"], ["party", "keygn"], ["party"], ["agreement", "sign"],
        ["agreement", "suspend", "x"], ["party", "keygen"], ["party", "keygen", "--bogus"],
        ["audit", "verify", "--head-seq", "-1"], ["audit", "verify", "--head-seq", "x"],
        ["hazards", "update", "h", "--severity", "2"], ["db", "status", "--db"],
    ]  # fmt: skip
    for argv in [[*p, "--help"] for p in paths] + extra:
        want = runner.invoke(eager, argv, env={"COLUMNS": "100"})
        got = runner.invoke(app, argv, env={"COLUMNS": "100"})
        assert (got.exit_code, got.output) == (want.exit_code, want.output), argv
    assert "Did you mean 'party'?" in runner.invoke(app, ["part"]).output
