"""`corridor audit`: Verify and export the tamper-evident audit log."""

from __future__ import annotations

import typer

app = typer.Typer(help="Verify and export the tamper-evident audit log.", no_args_is_help=True)
