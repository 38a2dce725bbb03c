"""`corridor notice` (civilian notices) and `corridor movement` (convoy notifications)."""

from __future__ import annotations

import json
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from corridor.cli._common import ActorOption, actor_name, console, err_console, handle_errors
from corridor.cli.db import DbOption
from corridor.cli.party import PassphraseFile, PassphraseFlag, load_key

if TYPE_CHECKING:
    from collections.abc import Iterator

    from sqlalchemy.orm import Session

    from corridor.store import MovementRecord, Sql

app = typer.Typer(help="Civilian notices.", no_args_is_help=True)
movement_app = typer.Typer(
    help="Convoy movement notifications: sign and submit, export, acknowledge, check.",
    no_args_is_help=True,
)


def _when(text: str | None, option: str) -> datetime | None:
    from corridor.errors import InputError

    if text is None:
        return None
    try:
        at = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError as exc:
        raise InputError(f"not an ISO 8601 time: {text!r}", field=option) from exc
    if at.tzinfo is None:
        raise InputError(
            f"{text!r} has no time zone", field=option, hint="add Z (UTC) or an offset"
        )
    return at.astimezone(UTC)


@app.command("notice")
@handle_errors
def notice(  # noqa: PLR0917 (Typer maps each parameter to an option)
    agreement: Annotated[str, typer.Argument(help="Corridor id of the agreement.")],
    lang: Annotated[str, typer.Option("--lang", help="uk, ru or en.")],
    fmt: Annotated[str, typer.Option("--format", help="text, sms, html or cap.")] = "text",
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="File to write (default: stdout).")
    ] = None,
    plan: Annotated[
        Path | None,
        typer.Option(
            "--plan",
            help="Schedule JSON from `corridor plan -o` (default: one "
            "convoy per window, from the agreement).",
            dir_okay=False,
        ),
    ] = None,
    plan_input: Annotated[
        Path | None,
        typer.Option(
            "--plan-input",
            help="The plan file, for gathering point names and addresses.",
            dir_okay=False,
        ),
    ] = None,
    details: Annotated[
        Path | None,
        typer.Option(
            "--details",
            help="Notice details YAML (hotline, addresses); default: "
            "the details stored for the corridor.",
            dir_okay=False,
        ),
    ] = None,
    save_details: Annotated[
        bool, typer.Option("--save-details", help="Store --details for the corridor.")
    ] = False,
    version: Annotated[
        int | None, typer.Option("--version", "-v", min=1, help="Version (default: latest).")
    ] = None,
    draft: Annotated[
        bool, typer.Option("--draft", help="Draft a notice for an agreement not in force.")
    ] = False,
    issued_at: Annotated[
        str | None,
        typer.Option("--issued-at", help="Issue time, ISO 8601 (default: when the state began)."),
    ] = None,
    sms_max_segments: Annotated[
        int, typer.Option("--sms-max-segments", min=1, max=10, help="SMS part limit.")
    ] = 4,
    db: DbOption = None,
    actor: ActorOption = None,
) -> None:
    """Write a notice for civilians from an agreement (and its schedule, with --plan)."""
    from corridor._files import write_atomic
    from corridor.cli._tables import print_notice, stored_notice
    from corridor.notices import check_format, check_language, read_details
    from corridor.store import save_notice_details, transaction

    check_language(lang)
    check_format(fmt)
    at = _when(issued_at, "--issued-at")
    given = read_details(details) if details is not None else None
    schedule = plan_file = None
    if plan is not None:
        from corridor._input import loads_json, read_input_text
        from corridor.errors import InputError
        from corridor.planning import schedule_from_data

        try:  # an unreadable file too (InputError is a ValueError), as before
            text = read_input_text(plan, what="schedule file")
            schedule = schedule_from_data(loads_json(text, path=plan, what="JSON file"))
        except ValueError as exc:
            raise InputError(
                "not a schedule from `corridor plan`", path=plan, hint=str(exc)[:200]
            ) from exc
    if plan_input is not None:
        from corridor.planning import load_plan

        plan_file = load_plan(plan_input)
    with transaction(db, write=save_details) as s:
        rendered = stored_notice(
            s,
            agreement,
            lang,
            fmt,
            version=version,
            given=given,
            schedule=schedule,
            plan_input=plan_file,
            draft=draft,
            issued_at=at,
            max_segments=sms_max_segments,
        )
        if save_details and given is not None:
            save_notice_details(s, agreement, given, actor=actor_name(actor))

    def write() -> None:
        if output is not None:
            write_atomic(output, rendered.content)
            console.print(f"wrote {output} ({fmt}, {lang})", highlight=False)
        else:
            typer.echo(rendered.content, nl=False)

    print_notice(err_console, rendered, write)


def _print_status(rec: MovementRecord, at: datetime) -> bool:
    from corridor.cli._tables import print_movement_status

    return print_movement_status(console, rec, at)


@contextmanager
def _movement_tx(db: str | None, *, write: bool = True) -> Iterator[Sql | Session]:
    """The transaction a movement command runs in: the bare driver when the database is
    plainly there (``corridor.store.transaction``), else the full store."""
    from corridor.store import transaction

    with transaction(db, write=write) as tx:
        yield tx


def _read_movement(path: Path) -> Any:

    from corridor._input import load_yaml, read_input_text
    from corridor.errors import InputError

    text = read_input_text(path, what="movement file", error=InputError)
    return load_yaml(text, timestamps_as_text=True, path=path, what="movement file")


@movement_app.command("sign")
@handle_errors
def movement_sign(  # noqa: PLR0917
    movement_file: Annotated[
        Path, typer.Argument(help="Movement (.yaml or .json).", dir_okay=False)
    ],
    key: Annotated[
        Path, typer.Option("--key", "-k", help="The sender's private key.", dir_okay=False)
    ],
    passphrase: PassphraseFlag = False,
    passphrase_file: PassphraseFile = None,
    db: DbOption = None,
    actor: ActorOption = None,
) -> None:
    """Sign a movement notification as its sender and submit it (checked against the agreement)."""
    from corridor.store import submit_movement

    data = _read_movement(movement_file)
    private = load_key(key, passphrase, passphrase_file)
    with _movement_tx(db) as s:
        rec = submit_movement(s, data, key=private, actor=actor_name(actor))
    console.print(
        f"submitted movement {rec.movement.movement_id} (digest {rec.digest[:16]}...); every "
        f"other party must acknowledge by {rec.movement.ack_deadline_utc:%Y-%m-%d %H:%M} UTC",
        highlight=False,
    )


@movement_app.command("ack")
@handle_errors
def movement_ack(  # noqa: PLR0917
    movement_id: Annotated[str, typer.Argument(help="Movement id.")],
    key: Annotated[
        Path, typer.Option("--key", "-k", help="Your party's private key.", dir_okay=False)
    ],
    party: Annotated[str | None, typer.Option("--party", help="Acknowledge as this party.")] = None,
    passphrase: PassphraseFlag = False,
    passphrase_file: PassphraseFile = None,
    db: DbOption = None,
    actor: ActorOption = None,
) -> None:
    """Acknowledge a movement with your party's key (signed, with the time)."""
    from corridor.store import acknowledge_movement

    private = load_key(key, passphrase, passphrase_file)
    with _movement_tx(db) as s:
        rec = acknowledge_movement(
            s, movement_id, key=private, party=party, actor=actor_name(actor)
        )
    done = len(rec.acks)
    console.print(
        f"acknowledged {movement_id} ({done}/{len(rec.parties) - 1} parties)", highlight=False
    )


@movement_app.command("status")
@handle_errors
def movement_status(
    movement_id: Annotated[str, typer.Argument(help="Movement id.")],
    at: Annotated[
        str | None, typer.Option("--at", help="Judge at this time (default: now).")
    ] = None,
    db: DbOption = None,
) -> None:
    """Each party's acknowledgement; exit 2 when the movement is flagged."""
    from corridor.store import load_movement, utc_now

    when = _when(at, "--at") or utc_now()
    with _movement_tx(db, write=False) as s:
        rec = load_movement(s, movement_id)
    if _print_status(rec, when):
        raise typer.Exit(2)


@movement_app.command("list")
@handle_errors
def movement_list(
    corridor: Annotated[str | None, typer.Option("--corridor", help="Only this corridor.")] = None,
    db: DbOption = None,
) -> None:
    """Movements with departure time and their clearance now."""
    from corridor.cli._tables import movements_table
    from corridor.store import list_movements, utc_now

    now = utc_now()
    with _movement_tx(db, write=False) as s:
        table = movements_table(list_movements(s, corridor), now)
    console.print(table)


@movement_app.command("export")
@handle_errors
def movement_export(
    movement_id: Annotated[str, typer.Argument(help="Movement id.")],
    fmt: Annotated[str, typer.Option("--format", help="json or html.")] = "json",
    output: Annotated[Path | None, typer.Option("--output", "-o", help="File to write.")] = None,
    at: Annotated[str | None, typer.Option("--at", help="Status as of (default: now).")] = None,
    db: DbOption = None,
) -> None:
    """The signed notification as JSON (verifiable offline) or a printable HTML page."""
    from corridor._files import write_atomic
    from corridor.errors import InputError
    from corridor.store import load_movement, utc_now

    if fmt not in ("json", "html"):
        raise InputError(f"format {fmt!r} is not supported", field="--format", hint="json or html")
    when = _when(at, "--at") or utc_now()
    with _movement_tx(db, write=False) as s:
        rec = load_movement(s, movement_id)
    if fmt == "json":
        content = json.dumps(rec.signed_document(), indent=2, ensure_ascii=False) + "\n"
    else:  # Jinja2 and Babel only for the page
        from corridor.notices import render_movement_html

        content = render_movement_html(rec, at_utc=when)
    if output is None:
        typer.echo(content, nl=False)
    else:
        write_atomic(output, content)
        console.print(f"wrote {output}", highlight=False)
