"""`corridor party`: Parties to an agreement and their keys."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

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
    passphrase: Annotated[
        bool | None,
        typer.Option(
            "--passphrase/--no-passphrase",
            help="Protect the private key with a passphrase (the default: asked for, hidden, "
            "in a terminal), or --no-passphrase to write it unencrypted on purpose.",
            show_default=False,
        ),
    ] = None,
    passphrase_file: PassphraseFile = None,
) -> None:
    """Create an Ed25519 key pair: NAME.key (private, mode 0600, passphrase-protected unless
    --no-passphrase) and NAME.pub (public PEM)."""
    import sys

    from corridor.agreements import generate_keypair
    from corridor.errors import KeyFileError

    for suffix in (".key", ".pub"):  # before asking for a passphrase that would be wasted
        if (output / f"{name}{suffix}").exists():
            raise KeyFileError(
                "already exists; not overwriting a key", path=output / f"{name}{suffix}"
            )
    if passphrase is False and passphrase_file is not None:
        raise typer.BadParameter("--no-passphrase contradicts --passphrase-file")
    if passphrase is None and passphrase_file is None and not sys.stdin.isatty():
        raise KeyFileError(
            "party keys are passphrase-protected by default, and there is no terminal to ask in",
            hint="give --passphrase-file FILE, or --no-passphrase to store the key unencrypted",
        )
    prompt = passphrase is not False and passphrase_file is None
    secret = passphrase_of(prompt, passphrase_file, confirm=True)
    pair = generate_keypair(name, directory=output, passphrase=secret)
    console.print(
        f"private key: {pair.private_path} (mode 0600"
        + (", passphrase-protected)" if secret else ", NOT passphrase-protected)"),
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
    from corridor.store import add_party, transaction

    key = load_public_key(public_key)
    with transaction(db) as tx:
        add_party(tx, name=name, role=role, public_key=key, actor=actor_name(actor))
    console.print(f"registered party {name} ({role}), key {key}", highlight=False)


@app.command("list")
@handle_errors
def list_(db: DbOption = None) -> None:
    """List the registered parties and their keys."""
    from corridor.cli._tables import parties_table
    from corridor.store import list_parties, open_store

    with open_store(db) as store, store.session(write=False) as s:
        rows = [(p.name, p.role, p.public_key, p.created_at) for p in list_parties(s)]
    console.print(parties_table(rows))
