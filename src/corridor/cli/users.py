"""`corridor users`: API users and their tokens (a token is shown once, stored only hashed)."""

from __future__ import annotations

import typer

from corridor.cli._common import actor_name, console, handle_errors

app = typer.Typer(help="API users and their tokens.", no_args_is_help=True)

DB_HELP = "Database URL (default: the store's default database)."


@app.command("add")
@handle_errors
def add(
    name: str = typer.Argument(..., help="A unique user name, e.g. 'unhcr-liaison-1'."),
    role: str = typer.Option(..., help="coordinator, liaison, field or observer."),
    party: str | None = typer.Option(
        None, help="The party the user acts for (a liaison must have one)."
    ),
    db: str | None = typer.Option(None, "--db", help=DB_HELP),
) -> None:
    """Create a user and print its API token ONCE; only the token's hash is kept."""
    from corridor.api import hash_token, new_token
    from corridor.store import add_user_row, transaction

    token = new_token()
    with transaction(db) as tx:
        add_user_row(
            tx, name=name, role=role, party=party, token_hash=hash_token(token), actor=actor_name()
        )
    console.print(f"created {role} {name!r}" + (f" for party {party!r}" if party else ""))
    console.print("token (shown once, store it safely):", style="bold")
    typer.echo(token)


@app.command("list")
@handle_errors
def list_(db: str | None = typer.Option(None, "--db", help=DB_HELP)) -> None:
    """List users, their roles and whether they are disabled (never tokens)."""
    from corridor.cli._tables import users_table
    from corridor.store import list_user_rows, transaction

    with transaction(db, write=False) as tx:
        users = list_user_rows(tx)
    console.print(
        users_table((u.name, u.role, u.party, u.created_at, u.disabled_at) for u in users)
    )


@app.command("disable")
@handle_errors
def disable(
    name: str = typer.Argument(..., help="The user to disable; their token stops working."),
    db: str | None = typer.Option(None, "--db", help=DB_HELP),
) -> None:
    """Disable a user at once; the row stays so the audit log's actors still resolve."""
    from corridor.store import disable_user_row, transaction

    with transaction(db) as tx:
        disable_user_row(tx, name=name, actor=actor_name())
    console.print(f"disabled {name!r}")
