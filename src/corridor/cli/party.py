"""`corridor party`: Parties to an agreement and their keys."""

from __future__ import annotations

import typer

app = typer.Typer(help="Parties to an agreement and their keys.", no_args_is_help=True)
