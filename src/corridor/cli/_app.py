"""The full ``corridor`` command line (Typer): every command, help and parameter errors.

:func:`corridor.cli.main` tries the lean path (:mod:`corridor.cli._lean`) first and comes
here for everything else."""

from __future__ import annotations

import typer

from corridor import __version__
from corridor.cli import (
    agreement,
    assess,
    audit,
    db,
    ensemble,
    hazards,
    monitor,
    network,
    notice,
    party,
    plan,
    route,
    serve,
    users,
)

app = typer.Typer(
    name="corridor",
    help="Plan, agree, schedule and monitor humanitarian evacuation corridors.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
app.add_typer(network.app, name="network")
app.add_typer(hazards.app, name="hazards")
app.registered_commands.extend(route.app.registered_commands)
app.add_typer(db.app, name="db")
app.add_typer(audit.app, name="audit")
app.add_typer(party.app, name="party")
app.add_typer(agreement.app, name="agreement")
app.registered_commands.extend(serve.app.registered_commands)
app.add_typer(users.app, name="users")
app.registered_commands.extend(notice.app.registered_commands)
app.add_typer(notice.movement_app, name="movement")
app.registered_commands.extend(plan.app.registered_commands)
app.registered_commands.extend(assess.app.registered_commands)
monitor.register(app)
app.registered_commands.extend(ensemble.app.registered_commands)


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

    from corridor.cli._common import fail, usage_error_line

    try:
        code = app(args=argv, prog_name="corridor", standalone_mode=False)
    except NoArgsIsHelpError as exc:
        typer.echo(exc.ctx.get_help())
        sys.exit(0)
    except ClickException as exc:
        sys.exit(fail(usage_error_line(exc), exc.exit_code or 2).exit_code)
    except (typer.Abort, KeyboardInterrupt):
        sys.exit(fail("interrupted", 130).exit_code)
    except typer.Exit as exc:
        sys.exit(exc.exit_code)
    sys.exit(code if isinstance(code, int) else 0)


__all__ = ["app", "run"]
