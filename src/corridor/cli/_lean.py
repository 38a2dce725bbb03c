"""The lean path: database-only read commands that start in well under 0.3 s.

Importing SQLAlchemy's ORM, Typer and the store costs several tenths of a second before a
command does anything (issue 14, defect 10; docs/benchmarks.md). These commands read through
the bare DB-API driver instead (:mod:`corridor.store._dbapi`) and print with the same Rich
renderers as their Typer twins (:mod:`corridor.cli._tables`):

    corridor agreement list [--db URL]
    corridor party list [--db URL]
    corridor users list [--db URL]
    corridor db status [--db URL]

Only these exact forms are taken; any other argument (``--help``, a typo, a second option)
goes to Typer. The lean path never prints an error: for a missing or unreachable database, a
schema behind or ahead, a URL it does not take apart the plain way, it hands over before
printing anything and the full command words the error (and creates a new database, as it
always has). ``tests/test_lean_cli.py`` holds each command to its Typer twin's output.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from rich.console import Console
    from rich.table import Table


def _agreement_list(db: str | None) -> Callable[[Console], int]:
    from corridor.cli._tables import agreements_table
    from corridor.store._dbapi import agreement_rows

    return _table(agreements_table(agreement_rows(db)))


def _party_list(db: str | None) -> Callable[[Console], int]:
    from corridor.cli._tables import parties_table
    from corridor.store._dbapi import party_rows

    return _table(parties_table(party_rows(db)))


def _users_list(db: str | None) -> Callable[[Console], int]:
    from corridor.cli._tables import users_table
    from corridor.store._dbapi import user_rows

    return _table(users_table(user_rows(db)))


def _db_status(db: str | None) -> Callable[[Console], int]:
    from corridor.cli._tables import print_db_status
    from corridor.store._dbapi import schema_status

    url, have, need = schema_status(db)
    return lambda console: print_db_status(console, url, have, need)


def _table(table: Table) -> Callable[[Console], int]:
    def show(console: Console) -> int:
        console.print(table)
        return 0

    return show


#: (group, command) -> reads the database and returns what prints the answer
COMMANDS: dict[tuple[str, str], Callable[[str | None], Callable[[Console], int]]] = {
    ("agreement", "list"): _agreement_list,
    ("party", "list"): _party_list,
    ("users", "list"): _users_list,
    ("db", "status"): _db_status,
}


def lean_command(argv: list[str]) -> tuple[tuple[str, str], str | None] | None:
    """((group, command), --db value) when ``argv`` is exactly a lean form, else None."""
    if len(argv) < 2 or (argv[0], argv[1]) not in COMMANDS:
        return None
    key, rest = (argv[0], argv[1]), argv[2:]
    if not rest:
        return key, None
    if len(rest) == 2 and rest[0] == "--db" and not rest[1].startswith("-"):
        return key, rest[1]
    if len(rest) == 1 and rest[0].startswith("--db="):
        return key, rest[0][len("--db=") :]
    return None


def run_lean(argv: list[str]) -> int | None:
    """The exit code after running ``argv`` on the lean path, or None (nothing printed) when
    the full command must run instead."""
    found = lean_command(argv)
    if found is None:
        return None
    key, db = found
    from rich.console import Console

    from corridor.cli._tables import print_error

    try:
        show = COMMANDS[key](db)
    except KeyboardInterrupt:
        print_error(Console(stderr=True), "interrupted")
        return 130
    except Exception:  # HandOverError, or anything else before printing: the full command's
        return None
    try:
        return show(Console())
    except OSError as exc:  # as corridor.cli._common.handle_errors words it (a closed pipe)
        where = f"{exc.filename}: " if exc.filename else ""
        print_error(Console(stderr=True), f"{where}{exc.strerror or exc}")
        return 2
    except KeyboardInterrupt:
        print_error(Console(stderr=True), "interrupted")
        return 130
