"""What the database-only read commands print, for the full Typer commands and their lean
twins (:mod:`corridor.cli._lean`) alike: one renderer, so the two print the same.

Imports Rich's console only at module level (no Typer; the store, notices and Rich's tables
when called): the lean path must start in under 0.3 s, and a command that prints no table (a
report, a write) need not load them (issue 14, defect 10).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rich.console import Console

if TYPE_CHECKING:
    from rich.table import Table
    from sqlalchemy.orm import Session

    from corridor.notices import NoticeDetails, RenderedNotice
    from corridor.store import MovementRecord, Sql


def print_error(err_console: Console, message: str) -> None:
    """The one-line error every command prints (see :func:`corridor.cli._common.fail`)."""
    err_console.print(f"[bold red]error:[/] {message}", highlight=False, soft_wrap=True)


def agreements_table(rows: Iterable[tuple[str, int, str]]) -> Table:
    from rich.table import Table

    table = Table("corridor", "latest version", "stored state")
    for corridor_id, version, state in rows:
        table.add_row(corridor_id, str(version), state)
    return table


def parties_table(rows: Iterable[tuple[str, str, str, datetime]]) -> Table:
    from rich.table import Table

    table = Table("name", "role", "public key (base64)", "registered (UTC)")
    for name, role, public_key, created_at in rows:
        table.add_row(name, role, public_key, f"{created_at:%Y-%m-%d %H:%M}")
    return table


def users_table(
    rows: Iterable[tuple[str, str, str | None, datetime, datetime | None]],
) -> Table:
    from rich.table import Table

    table = Table("name", "role", "party", "created (UTC)", "disabled (UTC)")
    for name, role, party, created_at, disabled_at in rows:
        table.add_row(
            name,
            role,
            party or "",
            f"{created_at:%Y-%m-%d %H:%M}",
            f"{disabled_at:%Y-%m-%d %H:%M}" if disabled_at else "",
        )
    return table


def movements_table(recs: Iterable[MovementRecord], now: datetime) -> Table:
    """``movement list``: each movement's departure, size and clearance at ``now``."""
    from rich.table import Table

    table = Table("movement", "corridor", "departure (UTC)", "vehicles", "people", "status")
    for rec in recs:
        m = rec.movement
        table.add_row(
            m.movement_id, m.corridor_id, f"{m.departure_utc:%Y-%m-%d %H:%M}",
            str(len(m.vehicles)), str(m.passenger_total), rec.clearance(now).status,
        )  # fmt: skip
    return table


def print_movement_status(console: Console, rec: MovementRecord, at: datetime) -> bool:
    """``movement status``: each party's acknowledgement and the verdict at ``at``; whether
    the movement is flagged (the command then exits 2)."""
    from rich.table import Table

    verdict = rec.clearance(at)
    table = Table(
        "party", "acknowledgement", "at (UTC)", title=f"movement {rec.movement.movement_id}"
    )
    table.add_row(rec.sender, "sender (signed)", rec.created_at_utc)
    for a in verdict.acks:
        table.add_row(a.party, a.state, a.acked_at_utc or "")
    console.print(table)
    colour = {"cleared": "green", "pending": "yellow", "flagged": "bold red"}[verdict.status]
    text = verdict.status.upper()
    if verdict.flagged:
        text += ": DO NOT DEPART as notified"
    console.print(
        f"[{colour}]{text}[/]" + (": " + "; ".join(verdict.reasons) if verdict.reasons else ""),
        highlight=False,
    )
    return verdict.flagged


def print_db_status(console: Console, url: str, have: str | None, need: str) -> int:
    """Print ``db status``; the exit code is 1 when the database needs an upgrade (or does
    not exist yet)."""
    console.print(f"database: {url}", highlight=False)
    console.print(f"revision: {have or '(none)'}; this corridor needs {need}")
    if have != need:
        console.print("run 'corridor db upgrade'" if have is not None else "created on first use")
        return 1
    return 0


def export_written(lines: int, output: Path) -> str:
    """What ``audit export -o FILE`` says once the file is in place (``lines`` with the head)."""
    return f"wrote {lines - 1} entries and the head line to {output}"


def stored_notice(  # noqa: PLR0917 (each is an option of `corridor notice`)
    tx: Sql | Session,
    agreement: str,
    lang: str,
    fmt: str,
    version: int | None = None,
    given: NoticeDetails | None = None,
    schedule: Any = None,
    plan_input: Any = None,
    draft: bool = False,
    issued_at: datetime | None = None,
    max_segments: int | None = None,
) -> RenderedNotice:
    """The notice for a stored agreement (with the details stored for it unless given): one
    reading for `corridor notice` and its lean twin, so the two render the same document."""
    from corridor.notices import notice_for
    from corridor.store import load_agreement, load_notice_details

    rec = load_agreement(tx, agreement, version=version)
    previous = load_agreement(tx, agreement, version=rec.version - 1) if rec.version > 1 else None
    stored = load_notice_details(tx, agreement)
    extra = {} if max_segments is None else {"max_segments": max_segments}
    return notice_for(
        rec,
        lang=lang,
        fmt=fmt,
        details=given or stored,
        previous=previous,
        plan_schedule=schedule,
        plan_input=plan_input,
        draft=draft,
        issued_at_utc=issued_at,
        **extra,
    )


def print_notice(err_console: Console, rendered: RenderedNotice, write: Callable[[], None]) -> None:
    """The warnings (stderr), the document (``write``), then the SMS part count (stderr)."""
    for w in rendered.warnings:
        err_console.print(f"[yellow]warning:[/] {w}", highlight=False, soft_wrap=True)
    write()
    if rendered.sms is not None:
        from corridor.notices import sms_report

        err_console.print(sms_report(rendered.sms), highlight=False, end="")
