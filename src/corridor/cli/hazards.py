"""`corridor hazards`: Import and validate hazard records."""

from __future__ import annotations

import typer

app = typer.Typer(help="Import and validate hazard records.", no_args_is_help=True)
