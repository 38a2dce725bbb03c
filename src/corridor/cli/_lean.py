"""The lean path: database-only read commands that start in well under 0.3 s.

Importing SQLAlchemy's ORM, Typer and the store costs several tenths of a second before a
command does anything (issue 14, defect 10; docs/benchmarks.md). These commands read through
the bare DB-API driver instead (the store's own plain-SQL functions, on
``corridor.store.lean_transaction``) and print with the same Rich
renderers as their Typer twins (:mod:`corridor.cli._tables`):

    corridor agreement list [--db URL]
    corridor party list [--db URL]
    corridor users list [--db URL]
    corridor db status [--db URL]
    corridor audit export [--db URL] [--output FILE] [--payloads|--no-payloads]
    corridor movement list [--db URL] [--corridor ID]
    corridor movement status ID [--db URL]
    corridor movement export ID [--db URL] [--format json|html] [--output FILE]
    corridor notice ID --lang L [--format text|sms|html|cap] [--db URL]

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

    from corridor.store import MovementRecord


Options = dict[str, str | bool]
Show = Callable[["Console"], int]


def _db(opts: Options) -> str | None:
    db = opts.get("db")
    return db if isinstance(db, str) else None


def _agreement_list(opts: Options) -> Show:
    from corridor.cli._tables import agreements_table
    from corridor.store import lean_transaction, list_agreements

    with lean_transaction(_db(opts), write=False) as tx:
        return _table(agreements_table(list_agreements(tx)))


def _party_list(opts: Options) -> Show:
    from corridor.cli._tables import parties_table
    from corridor.store import lean_transaction, list_parties

    with lean_transaction(_db(opts), write=False) as tx:
        rows = [(p.name, p.role, p.public_key, p.created_at) for p in list_parties(tx)]
    return _table(parties_table(rows))


def _users_list(opts: Options) -> Show:
    from corridor.cli._tables import users_table
    from corridor.store import lean_transaction, list_user_rows

    with lean_transaction(_db(opts), write=False) as tx:
        rows = [(u.name, u.role, u.party, u.created_at, u.disabled_at) for u in list_user_rows(tx)]
    return _table(users_table(rows))


def _movement_list(opts: Options) -> Show:
    from corridor.cli._tables import movements_table
    from corridor.store import lean_transaction, list_movements, utc_now

    corridor = opts.get("corridor")
    now = utc_now()
    with lean_transaction(_db(opts), write=False) as tx:
        return _table(
            movements_table(
                list_movements(tx, corridor if isinstance(corridor, str) else None), now
            )
        )


def _movement_record(opts: Options) -> MovementRecord:
    from corridor.store import lean_transaction, load_movement

    with lean_transaction(_db(opts), write=False) as tx:
        return load_movement(tx, str(opts["id"]))


def _movement_status(opts: Options) -> Show:
    from corridor.cli._tables import print_movement_status
    from corridor.store import utc_now

    when = utc_now()
    rec = _movement_record(opts)
    return lambda console: 2 if print_movement_status(console, rec, when) else 0


def _movement_export(opts: Options) -> Show:
    import sys
    from pathlib import Path

    from corridor.store import utc_now

    fmt = opts.get("format", "json")
    if fmt not in ("json", "html"):
        raise ValueError(fmt)  # the full command words it
    when = utc_now()
    rec = _movement_record(opts)
    if fmt == "json":
        import json

        content = json.dumps(rec.signed_document(), indent=2, ensure_ascii=False) + "\n"
    else:
        from corridor.notices import render_movement_html

        content = render_movement_html(rec, at_utc=when)
    output = opts.get("output")
    if not isinstance(output, str):

        def to_stdout(_console: Console) -> int:
            sys.stdout.write(content)
            sys.stdout.flush()
            return 0

        return to_stdout
    path = Path(output)

    def to_file(console: Console) -> int:
        from corridor._files import write_atomic

        write_atomic(path, content)
        console.print(f"wrote {path}", highlight=False)
        return 0

    return to_file


def _notice(opts: Options) -> Show:
    """The notice to stdout, rendered from the stored agreement and its stored details."""
    import codecs
    import sys

    from corridor.cli._tables import print_notice, stored_notice
    from corridor.store import lean_transaction

    lang, fmt = opts.get("lang"), opts.get("format", "text")
    if not isinstance(lang, str) or not isinstance(fmt, str):
        raise ValueError("--lang")  # a missing required option: the full command words it
    with lean_transaction(_db(opts), write=False) as tx:
        rendered = stored_notice(tx, str(opts["id"]), lang, fmt)
    encoding = getattr(sys.stdout, "encoding", None)
    if "\x1b" in rendered.content or (encoding and codecs.lookup(encoding).name == "ascii"):
        # click's echo strips escape sequences off a pipe and writes UTF-8 to an ASCII stdout
        raise ValueError("stdout")

    def write() -> None:
        sys.stdout.write(rendered.content)
        sys.stdout.flush()

    def show(_console: Console) -> int:
        from rich.console import Console

        print_notice(Console(stderr=True, emoji=False), rendered, write)
        return 0

    return show


def _db_status(opts: Options) -> Show:
    from corridor.cli._tables import print_db_status
    from corridor.store import lean_schema_status

    url, have, need = lean_schema_status(_db(opts))
    return lambda console: print_db_status(console, url, have, need)


#: ``audit export`` reads the log into memory here (nothing may be printed before the read
#: has succeeded); a longer log goes to the full command, which streams it.
AUDIT_LEAN_MAX_ENTRIES = 20_000


class _LongLogError(Exception):
    """A log over :data:`AUDIT_LEAN_MAX_ENTRIES`: the full command streams it."""


def _audit_export(opts: Options) -> Show:
    import sys
    from pathlib import Path

    from corridor.audit import export_lines
    from corridor.store import audit_entries, lean_transaction

    with lean_transaction(_db(opts), write=False) as tx:
        entries = audit_entries(tx, limit=AUDIT_LEAN_MAX_ENTRIES + 1)
    if len(entries) > AUDIT_LEAN_MAX_ENTRIES:
        raise _LongLogError
    lines = export_lines(entries, with_payloads=opts.get("payloads", True) is True)
    output = opts.get("output")
    if not isinstance(output, str):

        def to_stdout(_console: Console) -> int:
            for line in lines:
                sys.stdout.write(line + "\n")
            return 0

        return to_stdout
    path = Path(output)

    def to_file(console: Console) -> int:
        from corridor._files import write_lines
        from corridor.cli._tables import export_written

        console.print(export_written(write_lines(path, lines), path), highlight=False)
        return 0

    return to_file


def _table(table: Table) -> Show:
    def show(console: Console) -> int:
        console.print(table)
        return 0

    return show


#: (group, command) -> (the options it takes, what reads the database and returns the printer)
COMMANDS: dict[tuple[str, ...], tuple[frozenset[str], Callable[[Options], Show]]] = {
    ("agreement", "list"): (frozenset({"db"}), _agreement_list),
    ("party", "list"): (frozenset({"db"}), _party_list),
    ("users", "list"): (frozenset({"db"}), _users_list),
    ("db", "status"): (frozenset({"db"}), _db_status),
    ("audit", "export"): (frozenset({"db", "output", "payloads"}), _audit_export),
    ("movement", "list"): (frozenset({"db", "corridor"}), _movement_list),
}
#: Commands of one movement, by id: ``movement status ID [--db URL]`` and ``movement export ID
#: [--format json|html] [--output FILE] [--db URL]`` (``--at`` is the full command's). The id
#: comes first, as the benchmark and the docs write them; the id is kept as option ``id``.
WITH_ID: dict[tuple[str, ...], tuple[frozenset[str], Callable[[Options], Show]]] = {
    ("movement", "status"): (frozenset({"db", "id"}), _movement_status),
    ("movement", "export"): (frozenset({"db", "id", "format", "output"}), _movement_export),
    # ``notice ID --lang L [--format F] [--db URL]``: a command of its own, not of a group
    ("notice",): (frozenset({"db", "id", "lang", "format"}), _notice),
}
#: option spelling -> where its value goes (options that take a value)
VALUED = {
    "--db": "db",
    "--output": "output",
    "-o": "output",
    "--corridor": "corridor",
    "--format": "format",
    "--lang": "lang",
}
#: flag spelling -> (where, value)
FLAGS = {"--payloads": ("payloads", True), "--no-payloads": ("payloads", False)}


def lean_command(argv: list[str]) -> tuple[tuple[str, ...], Options] | None:
    """((group, command), options) when ``argv`` is a lean form, else None.

    Taken: each option at most once, as ``--opt VALUE``, ``--opt=VALUE`` or a flag. Anything
    else (``--help``, a value that looks like an option, ``-oFILE``, an empty file name, an
    argument the command does not have) is Typer's to parse.
    """
    if len(argv) < 2:
        return None
    key: tuple[str, ...] = (argv[0], argv[1])
    opts: Options = {}
    i = 2
    if (argv[0],) in WITH_ID:
        key, i = (argv[0],), 1
    if key in WITH_ID:
        if len(argv) <= i or not argv[i] or argv[i].startswith("-"):
            return None
        opts["id"], i = argv[i], i + 1
        allowed = WITH_ID[key][0]
    elif key in COMMANDS:
        allowed = COMMANDS[key][0]
    else:
        return None
    while i < len(argv):
        arg = argv[i]
        name, eq, inline = arg.partition("=")
        value: str | bool
        if eq and name.startswith("--") and name in VALUED:
            dest, value, i = VALUED[name], inline, i + 1
        elif arg in VALUED and i + 1 < len(argv) and not argv[i + 1].startswith("-"):
            dest, value, i = VALUED[arg], argv[i + 1], i + 2
        elif arg in FLAGS:
            (dest, value), i = FLAGS[arg], i + 1
        else:
            return None
        if dest not in allowed or dest in opts or (dest == "output" and not value):
            return None
        opts[dest] = value
    return key, opts


def run_lean(argv: list[str]) -> int | None:
    """The exit code after running ``argv`` on the lean path, or None (nothing printed) when
    the full command must run instead."""
    found = lean_command(argv)
    if found is None:
        return None
    key, opts = found
    from rich.console import Console

    from corridor.cli._tables import print_error

    try:
        show = (WITH_ID[key] if key in WITH_ID else COMMANDS[key])[1](opts)
    except KeyboardInterrupt:
        print_error(Console(stderr=True, emoji=False), "interrupted")
        return 130
    except Exception:  # HandOverError, or anything else before printing: the full command's
        return None
    try:
        return show(Console(emoji=False))
    except OSError as exc:  # as corridor.cli._common.handle_errors words it (a closed pipe)
        where = f"{exc.filename}: " if exc.filename else ""
        print_error(Console(stderr=True, emoji=False), f"{where}{exc.strerror or exc}")
        return 2
    except KeyboardInterrupt:
        print_error(Console(stderr=True, emoji=False), "interrupted")
        return 130
