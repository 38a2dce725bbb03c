"""`corridor party`: Parties to an agreement and their keys."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from corridor.cli._common import ActorOption, actor_name, console, handle_errors
from corridor.cli.db import DbOption

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

app = typer.Typer(help="Parties to an agreement and their keys.", no_args_is_help=True)

PassphraseFlag = Annotated[
    bool, typer.Option("--passphrase", help="Prompt for the key's passphrase (hidden).")
]
PassphraseFile = Annotated[
    Path | None,
    typer.Option(
        "--passphrase-file", help="Read the passphrase from the first line of FILE.", dir_okay=False
    ),
]


def passphrase_of(prompt: bool, file: Path | None, *, confirm: bool = False) -> bytes | None:
    """The passphrase from --passphrase-file, or a hidden prompt for --passphrase, or None."""
    from corridor.agreements import read_passphrase_file

    if file is not None:
        return read_passphrase_file(file)
    if prompt:
        text = typer.prompt("Passphrase", hide_input=True, confirmation_prompt=confirm)
        return str(text).encode()
    return None


def load_key(path: Path, prompt: bool, file: Path | None) -> Ed25519PrivateKey:
    from corridor.agreements import load_private_key

    return load_private_key(path, passphrase=passphrase_of(prompt, file))


@app.command()
@handle_errors
def keygen(
    name: Annotated[str, typer.Argument(help="Party name; the files are NAME.key and NAME.pub.")],
    output: Annotated[
        Path, typer.Option("--output", "-o", help="Folder for the key files.", file_okay=False)
    ] = Path(),
    passphrase: PassphraseFlag = False,
    passphrase_file: PassphraseFile = None,
) -> None:
    """Create an Ed25519 key pair: NAME.key (private, mode 0600) and NAME.pub (public PEM)."""
    from corridor.agreements import generate_keypair

    secret = passphrase_of(passphrase, passphrase_file, confirm=True)
    pair = generate_keypair(name, directory=output, passphrase=secret)
    console.print(
        f"private key: {pair.private_path} (mode 0600"
        + (", passphrase-protected)" if secret else ")"),
        highlight=False,
    )
    console.print(f"public key:  {pair.public_path}", highlight=False)
    console.print(f"public key (base64, as in the terms): {pair.public_key}", highlight=False)


@app.command()
@handle_errors
def add(
    name: Annotated[str, typer.Argument(help="Party name as it will appear in the terms.")],
    role: Annotated[str, typer.Option(help="What the party is, e.g. 'armed forces', 'ICRC'.")],
    public_key: Annotated[
        Path,
        typer.Option("--public-key", help="The party's NAME.pub (PEM or base64).", dir_okay=False),
    ],
    db: DbOption = None,
    actor: ActorOption = None,
) -> None:
    """Register a party and its public key in the store (audited)."""
    from corridor.agreements import load_public_key
    from corridor.store import add_party, open_store

    key = load_public_key(public_key)
    with open_store(db) as store, store.session() as s:
        add_party(s, name=name, role=role, public_key=key, actor=actor_name(actor))
    console.print(f"registered party {name} ({role}), key {key}", highlight=False)


@app.command("list")
@handle_errors
def list_(db: DbOption = None) -> None:
    """List the registered parties and their keys."""
    from corridor.store import list_parties, open_store

    table = Table("name", "role", "public key (base64)", "registered (UTC)")
    with open_store(db) as store, store.session(write=False) as s:
        for p in list_parties(s):
            table.add_row(p.name, p.role, p.public_key, f"{p.created_at:%Y-%m-%d %H:%M}")
    console.print(table)
