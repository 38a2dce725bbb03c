"""`corridor network`: Import, inspect and export road networks."""

from __future__ import annotations

import typer

app = typer.Typer(help="Import, inspect and export road networks.", no_args_is_help=True)
