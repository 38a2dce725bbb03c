"""What every CLI command shares: the console, error rendering and option parsers."""

from __future__ import annotations

import functools
import os
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Annotated, ParamSpec, TypeVar

import typer
from rich.console import Console
from typer._click.exceptions import ClickException, UsageError

from corridor.cli._tables import print_error
from corridor.errors import CorridorError

# emoji=False: text is printed as given (a report that says ":fire:" stays so), and the emoji
# table (5-20 ms to import) is not loaded by every command that prints a colon (issue 14).
console = Console(emoji=False)
err_console = Console(stderr=True, emoji=False)

P = ParamSpec("P")
R = TypeVar("R")


def fail(message: str, code: int = 2) -> typer.Exit:
    """Print one red line to stderr and return the Exit to raise."""
    print_error(err_console, message)
    return typer.Exit(code)


def usage_error_line(exc: ClickException) -> str:
    """A Typer parameter error as one line: which command, what is wrong, where help is."""
    message = " ".join(exc.format_message().split())
    ctx = getattr(exc, "ctx", None)
    if ctx is not None and isinstance(exc, UsageError):
        return f"{ctx.command_path}: {message} (see {ctx.command_path} --help)"
    return message


def handle_errors(func: Callable[P, R]) -> Callable[P, R]:
    """Render CorridorError (and OS errors on user paths) as one line with exit code 2."""

    @functools.wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return func(*args, **kwargs)
        except CorridorError as exc:
            raise fail(exc.one_line(), exc.exit_code) from None
        except OSError as exc:
            where = f"{exc.filename}: " if exc.filename else ""
            raise fail(f"{where}{exc.strerror or exc}") from None
        except KeyboardInterrupt:
            raise fail("interrupted", 130) from None

    return wrapper


def parse_latlon(text: str, *, option: str = "--from") -> tuple[float, float]:
    """Parse "LAT,LON" into floats, with a clear message naming the option."""
    parts = text.replace(" ", "").split(",")
    try:
        if len(parts) != 2:
            raise ValueError
        lat, lon = float(parts[0]), float(parts[1])
    except ValueError:
        raise typer.BadParameter(
            f"expected LAT,LON such as 48.41,15.60, got {text!r}", param_hint=option
        ) from None
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        raise typer.BadParameter(
            f"{text!r} is out of range (lat -90..90, lon -180..180)", param_hint=option
        )
    return lat, lon


def parse_utc(text: str | None, *, option: str = "--at") -> datetime | None:
    """ISO time with an offset (``2026-03-01T12:00Z``) as aware UTC; a bare time is refused,
    not guessed, and so is one that has no UTC equivalent (``0001-01-01T00:00+14:00``)."""
    if text is None:
        return None
    try:
        at = datetime.fromisoformat(text.replace("z", "Z").replace("Z", "+00:00"))
    except ValueError:
        raise typer.BadParameter(
            f"expected an ISO time such as 2026-03-01T12:00Z, got {text!r}", param_hint=option
        ) from None
    if at.tzinfo is None:
        raise typer.BadParameter("give a UTC offset, e.g. 2026-03-01T12:00Z", param_hint=option)
    try:
        return at.astimezone(UTC)
    except OverflowError:
        raise typer.BadParameter(
            f"{text!r} is outside the years 1..9999 in UTC", param_hint=option
        ) from None


ActorOption = Annotated[
    str | None,
    typer.Option(
        "--actor",
        help="Who is acting, for the audit log (default $CORRIDOR_ACTOR, else your login name); "
        "recorded as cli:NAME.",
        show_default=False,
    ),
]

CLI_PREFIX = "cli:"


def login_name() -> str:
    """This shell's user name; a uid without a passwd entry (containers) is ``uid-N``."""
    import getpass

    try:
        return getpass.getuser()
    except (KeyError, OSError):  # getpwuid() has no entry for this uid
        return f"uid-{os.getuid()}" if hasattr(os, "getuid") else "unknown"


def actor_name(actor: str | None = None) -> str:
    """The one name every CLI write records in the audit log: ``cli:NAME``.

    NAME is ``--actor``, else ``$CORRIDOR_ACTOR``, else the login name, so the same person is
    the same actor whichever command they run (the API records ``ROLE:NAME``).
    """
    name = (actor or os.environ.get("CORRIDOR_ACTOR") or "").strip() or login_name()
    return name if name.startswith(CLI_PREFIX) else CLI_PREFIX + name
