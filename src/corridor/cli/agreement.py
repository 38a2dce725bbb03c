"""`corridor agreement`: Draft, propose, sign, verify and export corridor agreements."""

from __future__ import annotations

import typer

app = typer.Typer(help="Draft, propose, sign, verify and export corridor agreements.", no_args_is_help=True)
