"""`corridor audit`: Verify and export the tamper-evident audit log."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from corridor._files import atomic_output, write_lines
from corridor.cli._common import ActorOption, actor_name, console, handle_errors
from corridor.cli.db import DbOption
from corridor.cli.party import PassphraseFile, PassphraseFlag, load_key

if TYPE_CHECKING:
    from corridor.audit import ChainEntry

app = typer.Typer(help="Verify and export the tamper-evident audit log.", no_args_is_help=True)


def _parse_head(head: str | None, head_seq: int | None) -> tuple[int, str] | str | None:
    if head is None:
        if head_seq is not None:
            raise typer.BadParameter("give --head HASH with --head-seq", param_hint="--head-seq")
        return None
    text = head.strip().lower()
    if len(text) != 64 or any(c not in "0123456789abcdef" for c in text):
        raise typer.BadParameter("expected 64 hex digits (a SHA-256)", param_hint="--head")
    return text if head_seq is None else (head_seq, text)


@app.command()
@handle_errors
def verify(
    *,
    db: DbOption = None,
    head: Annotated[
        str | None,
        typer.Option(help="A head hash published earlier: the log must still contain it."),
    ] = None,
    head_seq: Annotated[int | None, typer.Option(min=0, help="The --head's seq.")] = None,
    file: Annotated[
        Path | None,
        typer.Option("--file", "-f", help="Verify an exported JSON Lines file offline instead."),
    ] = None,
    checkpoint: Annotated[
        list[Path] | None,
        typer.Option(
            "--checkpoint",
            "-c",
            dir_okay=False,
            help="A signed checkpoint you kept: prove the log extends it (repeat for several).",
        ),
    ] = None,
    public_key: Annotated[
        list[Path] | None,
        typer.Option(
            "--public-key",
            dir_okay=False,
            help="A signer's NAME.pub to check checkpoint signatures with, instead of the "
            "keys in the database (which an insider could change). Repeat for several.",
        ),
    ] = None,
) -> None:
    """Check the hash chain, replay it against the agreement tables, and prove it extends
    each --checkpoint; exit 2 naming the first fault (truncated, rewritten, edited...)."""
    from corridor.audit import verify_chain
    from corridor.errors import AuditError

    published = _parse_head(head, head_seq)
    problems: list[str] = []
    keys: dict[str, tuple[str, str]] = {}
    if file is not None:
        from corridor._input import read_input_text
        from corridor.audit import read_export, verify_export

        lines = read_input_text(file, what="audit export").splitlines(keepends=True)
        fault = verify_export(lines, head=published)
        entries, stated = read_export(lines)
        count, last = len(entries), stated[1]
    else:
        from corridor.store import iter_audit, party_keys, replay_problems, transaction

        with transaction(db, write=False) as tx:
            entries = list(iter_audit(tx))
            problems = [p.message() for p in replay_problems(tx)]
            keys = party_keys(tx)
        fault = verify_chain(entries, head=published)
        count = len(entries)
        last = entries[-1].entry_hash if entries else "0" * 64
    if fault is not None:
        raise AuditError(fault.message(), sequence=fault.seq)
    for path in checkpoint or []:
        _check_checkpoint(path, entries, keys, public_key or [])
    if problems:
        shown = "; ".join(problems[:5]) + (
            f"; and {len(problems) - 5} more" if len(problems) > 5 else ""
        )
        raise AuditError(f"the state tables disagree with the audit log: {shown}")
    console.print(
        f"audit chain verified: {count} entries, head {last}", highlight=False, soft_wrap=True
    )
    if file is None:
        console.print("state tables: every agreement, signature, suspension and party row "
                      "is accounted for by the log", highlight=False)  # fmt: skip


def _check_checkpoint(
    path: Path,
    entries: list[ChainEntry],
    store_keys: dict[str, tuple[str, str]],
    key_files: list[Path],
) -> None:
    """Prove ``entries`` extend the checkpoint at ``path``; AuditError (exit 2) if not."""
    from corridor.agreements import load_public_key
    from corridor.audit import (
        check_against_checkpoint,
        parse_checkpoint,
        verify_checkpoint_signature,
    )
    from corridor.errors import AuditError

    cp = parse_checkpoint(_read_small(path), source=str(path))
    keys = dict(store_keys)
    for key_file in key_files:
        pub = load_public_key(key_file)
        for name in cp.signers():
            if verify_checkpoint_signature(cp, name, pub):
                keys[name] = (pub, str(key_file))
    report = check_against_checkpoint(entries, cp, keys=keys)
    for sig in report.signatures:
        verdict = "verifies" if sig.ok else "DOES NOT VERIFY"
        source = (
            sig.key_source if sig.key_source == "unknown signer" else f"key from {sig.key_source}"
        )
        console.print(
            f"{path}: signature by {sig.name} {verdict} ({source})", highlight=False, soft_wrap=True
        )
    bad = [s.name for s in report.signatures if not s.ok]
    if report.problems or bad:
        why = report.problems + [f"signature by {n} does not verify" for n in bad]
        raise AuditError(f"{path}: " + "; ".join(why), path=path)
    console.print(
        f"{path}: the log ({report.log_size} entries) extends the checkpoint signed at size "
        f"{cp.size} (consistency proof of {len(report.proof)} hashes verified)",
        highlight=False,
        soft_wrap=True,
    )


def _read_small(path: Path) -> bytes:
    from corridor._input import read_input
    from corridor.audit import MAX_CHECKPOINT_BYTES

    return read_input(path, what="checkpoint file", max_bytes=MAX_CHECKPOINT_BYTES)


@app.command()
@handle_errors
def checkpoint(
    *,
    key: Annotated[
        Path,
        typer.Option("--key", "-k", help="Your party's private key (NAME.key).", dir_okay=False),
    ],
    db: DbOption = None,
    party: Annotated[
        str | None,
        typer.Option("--party", help="Sign as this party (default: the party whose key it is)."),
    ] = None,
    output: Annotated[
        Path | None,
        typer.Option("--output", "-o", help="Where to write the checkpoint (default stdout)."),
    ] = None,
    cosign: Annotated[
        Path | None,
        typer.Option(
            "--cosign",
            dir_okay=False,
            help="Add your signature to this checkpoint (after proving it is this log's head "
            "at its size) instead of signing the current head.",
        ),
    ] = None,
    keep: Annotated[
        bool,
        typer.Option("--keep/--no-keep", help="Also leave a copy in the database (audited)."),
    ] = True,
    passphrase: PassphraseFlag = False,
    passphrase_file: PassphraseFile = None,
    actor: ActorOption = None,
) -> None:
    """Sign the log's current tree head (size and RFC 9162 root) with your party's key and
    export it. Keep the file: `corridor audit verify --checkpoint FILE` later proves the
    log still extends it, whoever has had the database since."""
    from corridor.agreements import public_key_b64
    from corridor.audit import parse_checkpoint, sign_checkpoint
    from corridor.errors import InputError, SignatureError
    from corridor.store import log_tree, party_keys, save_checkpoint, transaction

    private = load_key(key, passphrase, passphrase_file)
    mine = public_key_b64(private)
    with transaction(db) as tx:
        registered = party_keys(tx)
        owners = [name for name, (pub, _) in registered.items() if pub == mine]
        name = party or (owners[0] if owners else None)
        if name is None:
            raise SignatureError("this key is not the key of any registered party",
                                 hint="register it with `corridor party add`")  # fmt: skip
        if registered.get(name, ("", ""))[0] != mine:
            raise SignatureError(f"this key is not the registered key of party {name!r}")
        tree = log_tree(tx)
        if cosign is not None:
            cp = parse_checkpoint(_read_small(cosign), source=str(cosign))
            if cp.origin != tree.origin or cp.size > tree.size or tree.root(cp.size) != cp.root:
                raise InputError("not a head this log ever had; refusing to cosign", path=cosign)
        else:
            cp = tree.checkpoint()
        signed = sign_checkpoint(cp, name, private)
        if keep:
            save_checkpoint(tx, signed, actor=actor_name(actor), tree=tree)
    text = signed.text()
    if output is None:
        sys.stdout.write(text)
        return
    with atomic_output(output) as fh:
        fh.write(text.encode("utf-8"))
    console.print(
        f"checkpoint of {signed.size} entries (root {signed.root_hex[:16]}...) signed by "
        f"{', '.join(signed.signers())}, written to {output}",
        highlight=False,
        soft_wrap=True,
    )


@app.command()
@handle_errors
def export(
    db: DbOption = None,
    output: Annotated[
        Path | None,
        typer.Option("--output", "-o", help="File to write (atomically); default standard output."),
    ] = None,
    payloads: Annotated[
        bool,
        typer.Option(
            "--payloads/--no-payloads",
            help="Include each payload, or only its digest (the chain verifies either way).",
        ),
    ] = True,
) -> None:
    """Write the log as JSON Lines; the last line holds the head hash to publish or sign."""
    from corridor.cli._tables import export_written
    from corridor.store import export_audit, open_store

    with open_store(db) as store, store.session(write=False) as session:
        if output is None:
            for line in export_audit(session, with_payloads=payloads):
                sys.stdout.write(line + "\n")
            return
        written = write_lines(output, export_audit(session, with_payloads=payloads))
    console.print(export_written(written, output), highlight=False)
