"""`corridor hazards`: import and validate hazard files; show, update, confirm and expire
stored hazards by id."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Literal

import typer

from corridor.cli._common import ActorOption, actor_name, console, err_console, handle_errors
from corridor.cli.db import DbOption
from corridor.errors import HazardInputError, InputError

if TYPE_CHECKING:
    from corridor.hazards import Gazetteer, ImportResult

app = typer.Typer(help="Import and validate hazard records.", no_args_is_help=True)

_SHOWN = 20  # problems listed on the terminal; the --report file has all of them

_Input = Annotated[
    Path,
    typer.Argument(
        metavar="FILE",
        help="GeoJSON (.geojson/.json), CSV with lat/lon columns, or Bellingcat JSON.",
        exists=True,
        dir_okay=False,
    ),
]
_FormatOpt = Annotated[
    Literal["auto", "geojson", "csv", "bellingcat"],
    typer.Option("--format", "-f", help="Input format; auto looks at the suffix and content."),
]


def _render(result: ImportResult, *, quiet: bool = False) -> None:
    counts = Counter(h.kind.value for h in result.hazards)
    if not quiet:
        console.print(
            f"{result.path.name}: {result.format}, {result.n_records} records, "
            f"[green]{len(result.hazards)} usable[/], "
            + (f"[yellow]{result.n_skipped} skipped[/]" if result.n_skipped else "0 skipped"),
            highlight=False,
            soft_wrap=True,
        )
        if counts:
            console.print(
                "  " + ", ".join(f"{k} {n}" for k, n in sorted(counts.items())),
                highlight=False,
                soft_wrap=True,
            )
    _render_caveats(result)
    if not result.problems:
        return
    from rich.table import Table

    reasons = ", ".join(f"{r} {n}" for r, n in sorted(result.reasons().items()))
    err_console.print(f"skipped records by reason: {reasons}", highlight=False, soft_wrap=True)
    table = Table("index", "line", "id", "reason", "detail", title="records that cannot be used")
    for p in result.problems[:_SHOWN]:
        table.add_row(str(p.index), "" if p.line is None else str(p.line), p.id or "",
                      p.reason, p.detail)  # fmt: skip
    err_console.print(table)
    if result.n_skipped > _SHOWN:
        err_console.print(f"... and {result.n_skipped - _SHOWN} more (use --report FILE)")


def _render_caveats(result: ImportResult) -> None:
    """What an incident file needed: unmapped values kept as attacks, fixed links, suspect
    positions, records that are no hazard (on stderr, as warnings)."""
    for value, n in sorted(result.unmapped().items()):
        err_console.print(
            f"warning: {n} record(s) with unmapped {value!r} kept as a generic attack",
            highlight=False, soft_wrap=True,
        )  # fmt: skip
    fixed = result.warning_reasons().get("link_normalised", 0)
    if fixed:
        err_console.print(f"note: {fixed} source link(s) without a scheme given https://",
                          highlight=False, soft_wrap=True)  # fmt: skip
    suspects = result.suspects()
    if suspects:
        kept = sum(1 for p in suspects if p in result.warnings)
        by = ", ".join(f"{r} {n}" for r, n in sorted(Counter(p.reason for p in suspects).items()))
        err_console.print(
            f"suspect positions: {by} ("
            + (f"{kept} kept, marked suspect)" if kept else "skipped; --keep-suspect keeps them)"),
            highlight=False, soft_wrap=True,
        )  # fmt: skip
        for p in suspects[:_SHOWN]:
            err_console.print(f"  record {p.index}, id {p.id}: {p.reason}: {p.detail}",
                              highlight=False, soft_wrap=True)  # fmt: skip
    if result.not_hazards:
        err_console.print(f"{len(result.not_hazards)} record(s) are no hazard, not imported:",
                          highlight=False, soft_wrap=True)  # fmt: skip
        for p in result.not_hazards[:_SHOWN]:
            err_console.print(f"  record {p.index}, id {p.id}: {p.detail}",
                              highlight=False, soft_wrap=True)  # fmt: skip


_KeepSuspect = Annotated[
    bool,
    typer.Option(
        "--keep-suspect",
        help="Keep records whose position is suspect ((0,0), outside the file's region, far "
        "from the place they name), marked suspect; by default they are skipped and listed.",
    ),
]
_Gazetteer = Annotated[
    str,
    typer.Option(
        "--gazetteer",
        help="Places to check incident locations against: cities (the shared city list), "
        "geonames:CC, a CSV/GeoJSON file, or none.",
    ),
]


def _gazetteer(spec: str) -> Callable[[], Gazetteer] | None:
    """The gazetteer's loader: it runs only if the file is an incident file (issue 14)."""
    if spec == "none":
        return None

    def load() -> Gazetteer:
        from corridor.hazards import load_gazetteer

        return load_gazetteer(spec)

    return load


@app.command("import")
@handle_errors
def import_(  # noqa: PLR0917 (Typer maps each parameter to an option)
    input_path: _Input,
    output: Annotated[
        Path, typer.Option("--output", "-o", help="HAZARDS file to write (normalised GeoJSON).")
    ],
    format: _FormatOpt = "auto",
    strict: Annotated[
        bool,
        typer.Option(
            "--strict",
            help="Refuse the whole file (exit 2, write nothing) if any record cannot be used.",
        ),
    ] = False,
    report: Annotated[
        Path | None,
        typer.Option("--report", help="Write the skipped records to this file (.json or .csv)."),
    ] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Print only problems.")] = False,
    keep_suspect: _KeepSuspect = False,
    gazetteer: _Gazetteer = "cities",
) -> None:
    """Import hazards into a normalised GeoJSON file; unusable records are skipped and listed."""
    from corridor.hazards import import_hazards, write_hazards, write_report

    for path in (output, report):
        if path is not None and path.is_dir():
            raise InputError("output is a directory", path=path, hint="give a file name")
    result = import_hazards(
        input_path, format=format, keep_suspect=keep_suspect,
        gazetteer=_gazetteer(gazetteer),
    )  # fmt: skip
    _render(result, quiet=quiet)
    if strict and result.problems:
        raise HazardInputError(
            f"{result.n_skipped} of {result.n_records} records cannot be used; nothing written",
            path=input_path, problems=[p.detail for p in result.problems],
            hint="fix them, or drop --strict to skip them",
        )  # fmt: skip
    output.parent.mkdir(parents=True, exist_ok=True)
    write_hazards(result.hazards, output)
    if report is not None:
        write_report(result.problems, report)
    if not quiet:
        console.print(
            f"wrote {len(result.hazards)} hazards to {output}", highlight=False, soft_wrap=True
        )


@app.command("validate")
@handle_errors
def validate(
    input_path: _Input, format: _FormatOpt = "auto", gazetteer: _Gazetteer = "cities"
) -> None:
    """Check a hazard file against the schema and rules; exit 2 if any record cannot be used."""
    from corridor.hazards import import_hazards

    result = import_hazards(input_path, format=format, gazetteer=_gazetteer(gazetteer))
    _render(result)
    if result.problems:
        raise HazardInputError(
            f"{result.n_skipped} of {result.n_records} records cannot be used", path=input_path
        )
    console.print("[green]valid[/]")


# Commands against the store: every stored hazard is reachable by its id.

_IdArg = Annotated[str, typer.Argument(metavar="ID", help="The stored hazard's id.")]


def _print_feature(feature: dict[str, object]) -> None:
    import json

    console.print_json(json.dumps(feature, ensure_ascii=False))


@app.command("show")
@handle_errors
def show(hazard_id: _IdArg, db: DbOption = None) -> None:
    """Print one stored hazard as a GeoJSON Feature, with who reported it and its state."""
    from corridor.store import get_hazard_row, hazard_feature, transaction

    with transaction(db, write=False) as tx:
        row = get_hazard_row(tx, hazard_id)
    feature = hazard_feature(row)
    _print_feature(feature)


@app.command("expire")
@handle_errors
def expire(
    hazard_id: _IdArg,
    reason: Annotated[str | None, typer.Option(help="Why (recorded in the audit log).")] = None,
    db: DbOption = None,
    actor: ActorOption = None,
) -> None:
    """Take a stored hazard out of the picture from now on (the record stays, audited)."""
    from corridor.store import expire_hazard, transaction

    with transaction(db) as tx:
        row = expire_hazard(tx, hazard_id, actor=actor_name(actor), reason=reason)
    at = row.expired_at.isoformat() if row.expired_at else ""
    console.print(f"expired hazard {hazard_id} at {at}", highlight=False, soft_wrap=True)


@app.command("confirm")
@handle_errors
def confirm(hazard_id: _IdArg, db: DbOption = None, actor: ActorOption = None) -> None:
    """Confirm a field team's provisional closure: from now on it closes roads (audited)."""
    from corridor.store import confirm_hazard, transaction

    with transaction(db) as tx:
        confirm_hazard(tx, hazard_id, actor=actor_name(actor))
    console.print(f"confirmed hazard {hazard_id}", highlight=False, soft_wrap=True)


_Unit = Annotated[float | None, typer.Option(min=0.0, max=1.0, show_default=False)]


@app.command("update")
@handle_errors
def update(  # noqa: PLR0917 (Typer maps each parameter to an option)
    hazard_id: _IdArg,
    severity: _Unit = None,
    confidence: _Unit = None,
    radius_m: Annotated[
        float | None, typer.Option("--radius-m", min=0.0, max=1_000_000.0, show_default=False)
    ] = None,
    closes: Annotated[bool | None, typer.Option("--closes/--no-closes", show_default=False)] = None,
    valid_from: Annotated[
        str | None, typer.Option(help="ISO 8601 time with offset.", show_default=False)
    ] = None,
    valid_until: Annotated[
        str | None, typer.Option(help="ISO 8601 time with offset.", show_default=False)
    ] = None,
    notes: Annotated[str | None, typer.Option(show_default=False)] = None,
    db: DbOption = None,
    actor: ActorOption = None,
) -> None:
    """Change fields of a stored, unexpired hazard (audited with before and after)."""
    from corridor.store import change_hazard, hazard_feature, transaction

    changes: dict[str, object] = {
        k: v
        for k, v in {
            "severity": severity, "confidence": confidence, "radius_m": radius_m,
            "closes": closes, "notes": notes,
        }.items()
        if v is not None
    }  # fmt: skip
    for name, text in (("valid_from", valid_from), ("valid_until", valid_until)):
        if text is not None:
            changes[name] = _parse_time(text, name)
    if not changes:
        raise InputError("nothing to change", hint="give at least one option, see --help")
    with transaction(db) as tx:
        row = change_hazard(tx, hazard_id, changes, actor=actor_name(actor))
    feature = hazard_feature(row)
    _print_feature(feature)


def _parse_time(text: str, name: str) -> object:
    from datetime import datetime

    try:
        at = datetime.fromisoformat(text.replace("z", "Z"))
    except ValueError:
        raise InputError(f"{text!r} is not an ISO 8601 time", field=name) from None
    if at.tzinfo is None:
        raise InputError(f"{text!r} has no UTC offset", field=name, hint="add Z or +00:00")
    return at
