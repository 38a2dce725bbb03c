"""`corridor db`: Database schema management."""

from __future__ import annotations

from typing import Annotated

import typer

from corridor.cli._common import console, handle_errors

app = typer.Typer(help="Database schema management.", no_args_is_help=True)

DB_HELP = (
    "Database URL (sqlite:///path or postgresql+psycopg://user@host/db); "
    "default $CORRIDOR_DB, else ~/.local/share/corridor/corridor.db."
)
DbOption = Annotated[str | None, typer.Option("--db", help=DB_HELP, show_default=False)]


@app.command()
@handle_errors
def upgrade(
    db: DbOption = None,
    revision: Annotated[str, typer.Option(help="Target revision.")] = "head",
) -> None:
    """Create the database or migrate it to the schema this corridor needs."""
    from corridor.store import revision_at_head

    current = revision_at_head(db, revision)
    if current is not None:  # already there: no need for Alembic to say so
        console.print(f"database already at revision {current}")
        return
    from corridor.store import upgrade_db

    before, after = upgrade_db(db, revision=revision)
    if before == after:
        console.print(f"database already at revision {after}")
    else:
        console.print(f"database upgraded from revision {before or '(empty)'} to {after}")


@app.command()
@handle_errors
def status(db: DbOption = None) -> None:
    """Show the database URL and its schema revision; exit 1 when an upgrade is needed."""
    from corridor.cli._tables import print_db_status
    from corridor.store import schema_status

    url, have, need = schema_status(db)
    code = print_db_status(console, url, have, need)
    if code:
        raise typer.Exit(code)
