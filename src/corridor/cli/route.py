"""`corridor route`: risk-aware routes between two points."""

from __future__ import annotations

import typer

app = typer.Typer()
