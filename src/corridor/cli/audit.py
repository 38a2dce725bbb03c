"""`corridor audit`: Verify and export the tamper-evident audit log."""

from __future__ import annotations

import sys
from collections.abc import Iterable
from pathlib import Path
from typing import Annotated

import typer

from corridor._files import atomic_output
from corridor.cli._common import console, handle_errors
from corridor.cli.db import DbOption

app = typer.Typer(help="Verify and export the tamper-evident audit log.", no_args_is_help=True)


def _parse_head(head: str | None, head_seq: int | None) -> tuple[int, str] | str | None:
    if head is None:
        if head_seq is not None:
            raise typer.BadParameter("give --head HASH with --head-seq", param_hint="--head-seq")
        return None
    text = head.strip().lower()
    if len(text) != 64 or any(c not in "0123456789abcdef" for c in text):
        raise typer.BadParameter("expected 64 hex digits (a SHA-256)", param_hint="--head")
    return text if head_seq is None else (head_seq, text)


@app.command()
@handle_errors
def verify(
    db: DbOption = None,
    head: Annotated[
        str | None,
        typer.Option(help="A head hash published earlier: the log must still contain it."),
    ] = None,
    head_seq: Annotated[int | None, typer.Option(min=0, help="The --head's seq.")] = None,
    file: Annotated[
        Path | None,
        typer.Option("--file", "-f", help="Verify an exported JSON Lines file offline instead."),
    ] = None,
) -> None:
    """Check the hash chain; exit 2 naming the first bad sequence number and the fault."""
    from corridor.audit import verify_chain
    from corridor.errors import AuditError

    published = _parse_head(head, head_seq)
    if file is not None:
        from corridor._input import read_input_text
        from corridor.audit import read_export, verify_export

        lines = read_input_text(file, what="audit export").splitlines(keepends=True)
        fault = verify_export(lines, head=published)
        entries, stated = read_export(lines)
        count, last = len(entries), stated[1]
    else:
        from corridor.store import iter_audit, open_store

        with open_store(db) as store, store.session(write=False) as session:
            entries = list(iter_audit(session))
        fault = verify_chain(entries, head=published)
        count = len(entries)
        last = entries[-1].entry_hash if entries else "0" * 64
    if fault is not None:
        raise AuditError(fault.message(), sequence=fault.seq)
    console.print(
        f"audit chain verified: {count} entries, head {last}", highlight=False, soft_wrap=True
    )


def _write_lines(path: Path, lines: Iterable[str]) -> int:
    count = 0
    with atomic_output(path) as fh:
        for line in lines:
            fh.write((line + "\n").encode("utf-8"))
            count += 1
    return count


@app.command()
@handle_errors
def export(
    db: DbOption = None,
    output: Annotated[
        Path | None,
        typer.Option("--output", "-o", help="File to write (atomically); default standard output."),
    ] = None,
    payloads: Annotated[
        bool,
        typer.Option(
            "--payloads/--no-payloads",
            help="Include each payload, or only its digest (the chain verifies either way).",
        ),
    ] = True,
) -> None:
    """Write the log as JSON Lines; the last line holds the head hash to publish or sign."""
    from corridor.store import export_audit, open_store

    with open_store(db) as store, store.session(write=False) as session:
        if output is None:
            for line in export_audit(session, with_payloads=payloads):
                sys.stdout.write(line + "\n")
            return
        written = _write_lines(output, export_audit(session, with_payloads=payloads))
    console.print(f"wrote {written - 1} entries and the head line to {output}", highlight=False)
