"""The full ``corridor`` command line (Typer): every command, help and parameter errors.

:func:`corridor.cli.main` tries the lean path (:mod:`corridor.cli._lean`) first and comes
here for everything else.

The application is built lazily (issue 14, defect 10): importing every command module and
turning every command into a click command cost more than a tenth of a second before any
command ran. :data:`COMMANDS` names each top-level command, the module and attribute that
define it and the first paragraph of its help; :class:`LazyGroup` imports a module only when
its command runs (or its own ``--help`` is asked for). ``corridor --help`` is drawn from the
table alone; ``tests/test_startup.py`` holds the table to the modules it points at.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterator, Mapping
from typing import Any, NamedTuple

import typer
from typer import _click
from typer.core import TyperCommand, TyperGroup

from corridor import __version__


class Entry(NamedTuple):
    """Where a top-level command lives and what ``corridor --help`` says about it."""

    module: str
    """Module under ``corridor.cli``."""
    attr: str
    """The ``typer.Typer`` in that module."""
    command: str | None
    """The command of that Typer to run as ``corridor NAME``; None: the whole Typer is the
    group ``corridor NAME``."""
    help: str
    """The first paragraph of the command's help, exactly (``corridor --help`` shows it)."""


#: Every top-level command in ``corridor --help`` order (commands first, then groups, as
#: Typer lists them).
COMMANDS: dict[str, Entry] = {
    "route": Entry(
        "route", "app", "route",
        "Find the best route from --from to --to, trading travel time against hazard risk.",
    ),
    "route-matrix": Entry(
        "route", "app", "route-matrix",
        "Travel times and risks from every origin to every destination in one call.",
    ),
    "serve": Entry(
        "serve", "app", "serve",
        "Serve the REST API; OpenAPI at /openapi.json, interactive docs at /docs.",
    ),
    "notice": Entry(
        "notice", "app", "notice",
        "Write a notice for civilians from an agreement (and its schedule, with --plan).",
    ),
    "plan": Entry(
        "plan", "app", "plan",
        "Plan who leaves when, in which vehicle, through which corridor window and checkpoint.",
    ),
    "assess": Entry(
        "assess", "app", "assess",
        "Exposure of proposed corridors to recorded violence at their time, and which incidents\n"
        "make it so. Not a probability that a corridor fails (see docs/assessment.md).",
    ),
    "checkin": Entry(
        "monitor", "commands", "checkin",
        "Report a convoy's position and status (kept once under its id).",
    ),
    "incident": Entry(
        "monitor", "commands", "incident",
        "Report an incident near the route (kept once under its id).",
    ),
    "confirm": Entry(
        "monitor", "commands", "confirm",
        "Confirm an incident as coordinator (rules that need confirmation may fire now).",
    ),
    "watch": Entry(
        "monitor", "commands", "watch",
        "A live view of the corridor: convoys against schedule, holds, incidents, violations "
        "and\nthe agreement's state (Ctrl-C to leave).",
    ),
    "ensemble": Entry(
        "ensemble", "app", "ensemble",
        "Sample hazard realisations of SCENARIO and route every gathering point to every exit.",
    ),
    "what-if": Entry(
        "ensemble", "app", "what-if",
        "Remove each bridge (or each road of a class) in turn; rank them by the gathering "
        "points\nthat lose every route, then by how much the clearance grows: with --plan the "
        "planned\nclearance (people no longer moved first), else the longest best trip.",
    ),
    "network": Entry("network", "app", None, "Import, inspect and export road networks."),
    "hazards": Entry("hazards", "app", None, "Import and validate hazard records."),
    "db": Entry("db", "app", None, "Database schema management."),
    "audit": Entry("audit", "app", None, "Verify and export the tamper-evident audit log."),
    "party": Entry("party", "app", None, "Parties to an agreement and their keys."),
    "agreement": Entry(
        "agreement", "app", None, "Draft, propose, sign, verify and export corridor agreements."
    ),
    "users": Entry("users", "app", None, "API users and their tokens."),
    "movement": Entry(
        "notice", "movement_app", None,
        "Convoy movement notifications: sign and submit, export, acknowledge, check.",
    ),
    "convoys": Entry(
        "monitor", "convoys_app", None, "Register and list the convoys being monitored."
    ),
    "rules": Entry(
        "monitor", "rules_app", None, "Check, set and show the monitoring rules (YAML)."
    ),
}  # fmt: skip


def typer_of(entry: Entry) -> typer.Typer:
    """The ``typer.Typer`` an entry points at (imports its module)."""
    sub = getattr(importlib.import_module(f"corridor.cli.{entry.module}"), entry.attr)
    if not isinstance(sub, typer.Typer):
        raise TypeError(f"corridor.cli.{entry.module}.{entry.attr} is not a typer.Typer")
    return sub


def load_command(name: str, group: TyperGroup) -> _click.Command:
    """Import the module of ``corridor NAME`` and build its click command as Typer would have
    for ``app.add_typer(sub, name=NAME)`` or a command copied into the root app."""
    from typer.main import get_command_from_info, get_command_name, get_group_from_info

    entry = COMMANDS[name]
    sub = typer_of(entry)
    if entry.command is None:
        holder = typer.Typer()
        holder.add_typer(sub, name=name)
        return get_group_from_info(
            holder.registered_groups[0],
            pretty_exceptions_short=app.pretty_exceptions_short,
            suggest_commands=group.suggest_commands,
            rich_markup_mode=group.rich_markup_mode,
        )
    for info in sub.registered_commands:
        callback_name = info.callback.__name__ if info.callback else ""
        if (info.name or get_command_name(callback_name)) == entry.command:
            return get_command_from_info(
                info,
                pretty_exceptions_short=app.pretty_exceptions_short,
                rich_markup_mode=group.rich_markup_mode,
            )
    raise LookupError(f"corridor.cli.{entry.module}.{entry.attr} has no command {entry.command}")


class _Deferred:
    """Typer's coercion of one parameter, built when a value first arrives.

    Typer (0.29) builds a pydantic ``TypeAdapter`` for every parameter it processes, even one
    not given (``--help`` on every level, each absent option), and importing pydantic and
    building the first adapter is about a third of a help screen's start-up. A parameter
    without a value needs no adapter: Typer's own ``RuntimeParam.coerce`` answers None (or ()
    for a multi-value parameter) before using it, and so does this; any other value goes to
    the real coercion, built then and kept, unless it is a plain value
    (:func:`corridor.cli._coerce.plain_value`: a string, a path, a number in range, a choice),
    converted here without pydantic.
    """

    def coerce(self, value: Any, param: Any, ctx: _click.Context) -> Any:
        if value is None:
            return () if (param.multiple or param.nargs == -1) else None
        from corridor.cli._coerce import MISS, plain_value

        plain = plain_value(param, value, ctx)
        if plain is not MISS:
            return plain
        param._runtime_param = None
        return param.get_runtime_param().coerce(value, param=param, ctx=ctx)


_DEFERRED = _Deferred()


def defer_coercion(command: _click.Command, ctx: _click.Context) -> None:
    """Give ``command``'s parameters (its help option too) and its subcommands' the deferred
    coercion; a Typer without the private ``_runtime_param`` slot is left as it is."""
    params = [*command.params, command.get_help_option(ctx)]
    for param in params:
        if getattr(param, "_runtime_param", False) is None:
            param._runtime_param = _DEFERRED  # type: ignore[union-attr]
    if isinstance(command, TyperGroup) and not isinstance(command.commands, LazyCommands):
        for sub in command.commands.values():
            defer_coercion(sub, ctx)


class LazyCommands(Mapping[str, _click.Command]):
    """The root group's ``commands``: every name from :data:`COMMANDS`, each built on first
    lookup. A mapping (not a dict filled up front) so that Typer's own uses of ``commands``,
    such as "Did you mean 'party'?", see every name without importing anything."""

    def __init__(self, group: TyperGroup) -> None:
        self._group = group
        self._built: dict[str, _click.Command] = {}

    def __getitem__(self, name: str) -> _click.Command:
        if name not in COMMANDS:
            raise KeyError(name)
        if name not in self._built:
            self._built[name] = load_command(name, self._group)
        return self._built[name]

    def __iter__(self) -> Iterator[str]:
        return iter(COMMANDS)

    def __len__(self) -> int:
        return len(COMMANDS)


class LazyGroup(TyperGroup):
    """The root ``corridor`` group: commands imported on demand, help from the table."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.commands = LazyCommands(self)  # type: ignore[assignment]
        self._summaries_only = False

    def list_commands(self, ctx: _click.Context) -> list[str]:
        return list(COMMANDS)

    def parse_args(self, ctx: _click.Context, args: list[str]) -> list[str]:
        defer_coercion(self, ctx)
        return super().parse_args(ctx, args)

    def resolve_command(
        self, ctx: _click.Context, args: list[str]
    ) -> tuple[str | None, _click.Command | None, list[str]]:
        name, command, rest = super().resolve_command(ctx, args)
        if command is not None:
            defer_coercion(command, ctx)  # a subcommand's context inherits the help names
        return name, command, rest

    def get_command(self, ctx: _click.Context, cmd_name: str) -> _click.Command | None:
        if cmd_name not in COMMANDS:
            return None
        if self._summaries_only:
            return TyperCommand(cmd_name, help=COMMANDS[cmd_name].help)
        return self.commands[cmd_name]

    def format_help(self, ctx: _click.Context, formatter: _click.HelpFormatter) -> None:
        """``corridor --help`` lists every command with its one paragraph from the table; a
        stand-in command carries it, so no command module is imported to draw the list."""
        self._summaries_only = True
        try:
            super().format_help(ctx, formatter)
        finally:
            self._summaries_only = False


app = typer.Typer(
    name="corridor",
    cls=LazyGroup,
    help="Plan, agree, schedule and monitor humanitarian evacuation corridors.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"corridor {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Show the version and exit."
    ),
) -> None:
    """Plan, agree, schedule and monitor humanitarian evacuation corridors."""


def run(argv: list[str] | None = None) -> None:
    """Run the CLI; a parameter error is one line and exit 2, like every other user error.

    Typer would print a framed multi-line panel for a missing option or a bad value; here the
    same message goes through the one renderer (:func:`corridor.cli._common.fail`).
    """
    import sys

    # Typer vendors its own click; its exceptions are the ones raised here.
    from typer._click.exceptions import ClickException, NoArgsIsHelpError

    try:
        code = app(args=argv, prog_name="corridor", standalone_mode=False)
    except NoArgsIsHelpError as exc:
        typer.echo(exc.ctx.get_help())
        sys.exit(0)
    except ClickException as exc:
        from corridor.cli._common import fail, usage_error_line

        sys.exit(fail(usage_error_line(exc), exc.exit_code or 2).exit_code)
    except (typer.Abort, KeyboardInterrupt):
        from corridor.cli._common import fail

        sys.exit(fail("interrupted", 130).exit_code)
    except typer.Exit as exc:
        sys.exit(exc.exit_code)
    sys.exit(code if isinstance(code, int) else 0)


__all__ = ["COMMANDS", "LazyGroup", "app", "run"]
