"""`corridor agreement`: Draft, propose, sign, verify and export corridor agreements."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from corridor.cli._common import (
    ActorOption,
    actor_name,
    console,
    handle_errors,
    parse_latlon,
    parse_utc,
)
from corridor.cli.db import DbOption
from corridor.cli.party import PassphraseFile, PassphraseFlag, load_key

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from corridor.network import Network
    from corridor.store import AgreementRecord, Sql

app = typer.Typer(
    help="Draft, propose, sign, verify and export corridor agreements.", no_args_is_help=True
)

IdArg = Annotated[str, typer.Argument(help="Corridor id, as in the terms' corridor_id.")]
VersionOption = Annotated[
    int | None, typer.Option("--version", "-v", min=1, help="Version (default: the latest).")
]
KeyOption = Annotated[
    Path, typer.Option("--key", "-k", help="Your private key file (NAME.key).", dir_okay=False)
]
PartyOption = Annotated[
    str | None,
    typer.Option(
        "--party", help="Sign as this party (checked against the key).", show_default=False
    ),
]


def _parse_window(text: str) -> tuple[str, str]:
    start, sep, end = text.partition("/")
    if not sep:
        raise typer.BadParameter(
            f"expected START/END in ISO 8601 UTC, e.g. 2030-03-01T06:00Z/2030-03-01T12:00Z, "
            f"got {text!r}",
            param_hint="--window",
        )
    return start.strip(), end.strip()


def _as_party(
    db: str | None,
    key: Path,
    passphrase: bool,
    passphrase_file: Path | None,
    change: Callable[[Sql, Ed25519PrivateKey], AgreementRecord],
) -> AgreementRecord:
    """A write signed with a party's key: the key (and any passphrase prompt) comes first, so
    no transaction is held open while the user types."""
    from corridor.store import transaction

    private = load_key(key, passphrase, passphrase_file)
    with transaction(db) as tx:
        return change(tx, private)


def _edge_count(path: Path) -> int | None:
    """The network file's edge count from its header (no numpy); None when the header does not
    say, and the ids are then checked only if the file is read."""
    from corridor.errors import NetworkFileError
    from corridor.network import read_network_header

    try:
        return int(read_network_header(path)["arrays"]["edge_source"]["shape"][0])
    except (NetworkFileError, KeyError, TypeError, ValueError, IndexError):
        return None


@app.command()
@handle_errors
def draft(  # noqa: PLR0917 (Typer maps each parameter to an option)
    route: Annotated[
        Path,
        typer.Option(
            "--route", help="Route GeoJSON from `corridor route --format geojson`.", dir_okay=False
        ),
    ],
    corridor_id: Annotated[str, typer.Option("--id", help="Corridor id (lowercase, digits, -).")],
    output: Annotated[Path, typer.Option("--output", "-o", help="Terms file to write (.yaml).")],
    network: Annotated[
        Path | None,
        typer.Option(
            "--network",
            help="The network file the route was computed on: fills in "
            "road names, lengths and the file hash.",
            dir_okay=False,
        ),
    ] = None,
    title: Annotated[str | None, typer.Option(help="A human title.")] = None,
    party: Annotated[
        list[str] | None, typer.Option("--party", help="A registered party (repeat).")
    ] = None,
    origin: Annotated[str | None, typer.Option(help="Origin gathering point LAT,LON.")] = None,
    origin_name: Annotated[str | None, typer.Option(help="Origin gathering point name.")] = None,
    destination: Annotated[str | None, typer.Option(help="Destination LAT,LON.")] = None,
    destination_name: Annotated[str | None, typer.Option(help="Destination name.")] = None,
    window: Annotated[
        list[str] | None,
        typer.Option("--window", help="Ceasefire window START/END in ISO 8601 (repeat)."),
    ] = None,
    vehicle: Annotated[
        list[str] | None, typer.Option("--vehicle", help="Permitted vehicle kind (repeat).")
    ] = None,
    markings: Annotated[str | None, typer.Option(help="Vehicle markings.")] = None,
    max_convoy: Annotated[int, typer.Option(min=1, help="Maximum convoy size.")] = 20,
    escort: Annotated[str | None, typer.Option(help="Escort arrangement.")] = None,
    observer: Annotated[
        list[str] | None, typer.Option("--observer", help="Observer, e.g. ICRC (repeat).")
    ] = None,
    db: DbOption = None,
) -> None:
    """Write a terms skeleton from a computed route; edit what it lists, then `propose` it."""
    from corridor import _records
    from corridor._files import write_atomic
    from corridor.agreements import (
        Party,
        Place,
        Window,
        draft_terms,
        read_route_geojson,
        record_schema,
        route_from_geojson,
        terms_to_yaml,
    )
    from corridor.errors import InputError

    load: Callable[[], Network] | None = None
    sha = None
    edge_count: int | None = None
    if network is not None:
        from corridor._files import sha256_file

        path = network

        def load() -> Network:
            from corridor.network import read_network

            return read_network(path)

        try:
            sha = sha256_file(path)  # what Network.file_sha256 gives, without loading the file
        except OSError:
            load()  # missing, a folder, unreadable: the network reader's own words
            raise
        edge_count = _edge_count(path)

    block = route_from_geojson(
        read_route_geojson(route), network=load, network_sha256=sha, edge_count=edge_count,
        source=route,
    )  # fmt: skip
    parties: list[Party] = []
    if party:
        from corridor.store import get_party, transaction

        with transaction(db, write=False) as tx:
            rows = [get_party(tx, name) for name in party]
            parties = [Party(name=r.name, role=r.role, public_key=r.public_key) for r in rows]

    def place(latlon: str | None, name: str | None, option: str) -> Place | None:
        if latlon is None:
            return None
        lat, lon = parse_latlon(latlon, option=option)
        return Place(name=name or "TODO", lat=lat, lon=lon)

    try:
        windows = [
            _records.validate(
                Window, {"start_utc": a, "end_utc": b}, schema_json=record_schema("Window")
            )
            for a, b in map(_parse_window, window or [])
        ]
    except ValueError as exc:
        why = _records.error_message(exc)
        raise InputError(f"bad --window: {why}", field="--window") from exc
    data, todo = draft_terms(
        block,
        corridor_id=corridor_id,
        title=title,
        parties=parties,
        origin=place(origin, origin_name, "--origin"),
        destination=place(destination, destination_name, "--destination"),
        windows=windows,
        vehicles=vehicle or ["bus", "ambulance"],
        markings=markings or "TODO",
        max_convoy_size=max_convoy,
        escort=escort,
        observers=observer or [],
    )
    write_atomic(output, terms_to_yaml(data))
    console.print(f"wrote {output}: route of {len(block['edges'])} edges", highlight=False)
    if todo:
        console.print("[yellow]still to fill in before proposing:[/]")
        for item in todo:
            console.print(f"  - {item}", highlight=False)
    else:
        console.print("ready to propose")


@app.command()
@handle_errors
def propose(
    terms_file: Annotated[Path, typer.Argument(help="Terms (.yaml or .json).", dir_okay=False)],
    db: DbOption = None,
    actor: ActorOption = None,
) -> None:
    """Store the terms as the next version of their corridor (state proposed, audited)."""
    from corridor.agreements import terms_from_file
    from corridor.store import propose_agreement, transaction

    terms = terms_from_file(terms_file)
    with transaction(db) as tx:
        rec = propose_agreement(tx, terms, actor=actor_name(actor))
    note = "" if rec.version == terms.version else f" (the file said version {terms.version})"
    console.print(f"proposed {rec.corridor_id} version {rec.version}{note}", highlight=False)
    console.print(f"digest: {rec.digest}", highlight=False)
    console.print(
        f"every party must now sign: corridor agreement sign {rec.corridor_id} --key NAME.key",
        highlight=False,
    )


@app.command()
@handle_errors
def sign(  # noqa: PLR0917 (Typer maps each parameter to an option)
    corridor_id: IdArg,
    key: KeyOption,
    party: PartyOption = None,
    version: VersionOption = None,
    passphrase: PassphraseFlag = False,
    passphrase_file: PassphraseFile = None,
    db: DbOption = None,
    actor: ActorOption = None,
) -> None:
    """Sign the latest version's digest with a party's key (refused for a superseded one)."""
    from corridor.store import sign_agreement

    rec = _as_party(
        db,
        key,
        passphrase,
        passphrase_file,
        lambda tx, private: sign_agreement(
            tx, corridor_id, key=private, party=party, version=version, actor=actor_name(actor)
        ),
    )
    done = sum(st.valid for st in rec.statuses)
    console.print(
        f"signed {corridor_id} v{rec.version} ({done}/{len(rec.statuses)} parties); "
        f"state {rec.stored_state.value}",
        highlight=False,
    )


@app.command()
@handle_errors
def verify(corridor_id: IdArg, version: VersionOption = None, db: DbOption = None) -> None:
    """Each party's signature status; exit 2 when the agreement is not in force."""
    from corridor.cli._agreement_view import print_verdict, signature_table, why_not_in_force
    from corridor.store import load_agreement, transaction

    with transaction(db, write=False) as tx:
        rec = load_agreement(tx, corridor_id, version=version)
    console.print(
        signature_table(
            rec.statuses, title=f"{corridor_id} v{rec.version}, digest {rec.digest[:16]}..."
        )
    )
    extra = [f"superseded by v{rec.latest_version}"] if rec.superseded else []
    if rec.stored_state.value in ("suspended", "closed"):
        extra.append(rec.stored_state.value)
    print_verdict(rec.in_force, why_not_in_force(rec.statuses, extra=extra))
    if not rec.in_force:
        raise typer.Exit(2)


@app.command("list")
@handle_errors
def list_(db: DbOption = None) -> None:
    """List corridors with their latest version and stored state."""
    from corridor.cli._tables import agreements_table
    from corridor.store import list_agreements, transaction

    with transaction(db, write=False) as tx:
        rows = list_agreements(tx)
    console.print(agreements_table(rows))


@app.command()
@handle_errors
def show(
    corridor_id: IdArg,
    version: VersionOption = None,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print the stored terms as JSON.")
    ] = False,
    db: DbOption = None,
) -> None:
    """Show the terms, windows in UTC and local time, and the state now."""
    from corridor.cli._agreement_view import print_terms
    from corridor.store import load_agreement, transaction

    with transaction(db, write=False) as tx:
        rec = load_agreement(tx, corridor_id, version=version)
    if as_json:
        console.print_json(json.dumps(rec.terms_data))
        return
    now = datetime.now(UTC)
    print_terms(
        rec.terms, digest=rec.digest, state=rec.state_at(now), at_utc=now, latest=rec.latest_version
    )


@app.command()
@handle_errors
def diff(
    corridor_id: IdArg,
    v1: Annotated[int, typer.Argument(min=1, help="Older version.")],
    v2: Annotated[int, typer.Argument(min=1, help="Newer version.")],
    db: DbOption = None,
) -> None:
    """Say in words what changed between two versions."""
    from corridor.agreements import diff_terms
    from corridor.store import load_agreement, transaction

    with transaction(db, write=False) as tx:
        a = load_agreement(tx, corridor_id, version=v1)
        b = load_agreement(tx, corridor_id, version=v2)
    changes = diff_terms(a.terms, b.terms)
    console.print(f"{corridor_id}: v{v1} -> v{v2}", highlight=False)
    for line in changes or ["no changes"]:
        console.print(f"  - {line}", highlight=False)


@app.command()
@handle_errors
def suspend(  # noqa: PLR0917 (Typer maps each parameter to an option)
    corridor_id: IdArg,
    key: KeyOption,
    reason: Annotated[str, typer.Option(help="Why (recorded and signed).")],
    party: PartyOption = None,
    passphrase: PassphraseFlag = False,
    passphrase_file: PassphraseFile = None,
    db: DbOption = None,
    actor: ActorOption = None,
) -> None:
    """Suspend the agreement with a party's signed statement (audited)."""
    from corridor.store import suspend_agreement

    rec = _as_party(
        db,
        key,
        passphrase,
        passphrase_file,
        lambda tx, private: suspend_agreement(
            tx, corridor_id, reason=reason, key=private, party=party, actor=actor_name(actor)
        ),
    )
    console.print(f"suspended {corridor_id} v{rec.version}: {reason}", highlight=False)


@app.command()
@handle_errors
def close(
    corridor_id: IdArg,
    reason: Annotated[str | None, typer.Option(help="Why it is closed.")] = None,
    db: DbOption = None,
    actor: ActorOption = None,
) -> None:
    """Close the corridor for good (audited); no further versions or signatures."""
    from corridor.store import close_agreement, transaction

    with transaction(db) as tx:
        rec = close_agreement(tx, corridor_id, reason=reason, actor=actor_name(actor))
    console.print(f"closed {corridor_id} v{rec.version}", highlight=False)


@app.command()
@handle_errors
def export(
    corridor_id: IdArg,
    output: Annotated[Path, typer.Option("--output", "-o", help="Bundle file to write (JSON).")],
    version: VersionOption = None,
    db: DbOption = None,
) -> None:
    """Write a bundle (terms, digest, signatures, keys, audit head) to check offline."""
    from corridor._files import write_atomic
    from corridor.store import export_agreement_bundle, transaction

    with transaction(db, write=False) as tx:
        bundle = export_agreement_bundle(tx, corridor_id, version=version)
    write_atomic(output, json.dumps(bundle, indent=2, ensure_ascii=False) + "\n")
    console.print(
        f"wrote {output}: {corridor_id} v{bundle['version']}, "
        f"{len(bundle['signatures'])} signatures",
        highlight=False,
    )


@app.command("attest")
@handle_errors
def attest(
    bundle: Annotated[
        Path, typer.Argument(help="A bundle from `agreement export`.", dir_okay=False)
    ],
    key: KeyOption,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write here (default: in place).")
    ] = None,
    passphrase: PassphraseFlag = False,
    passphrase_file: PassphraseFile = None,
) -> None:
    """Sign a bundle's lifecycle (state, suspensions, closure) with your party's key.

    A checkpoint verifying an attested bundle detects any suspension or closure removed, or
    state changed, after you attested it.
    """
    from corridor._files import write_atomic
    from corridor.agreements import attest_bundle, read_bundle, verify_bundle
    from corridor.errors import InputError

    data = read_bundle(bundle)
    report = verify_bundle(data)
    if report.problems:
        raise InputError(
            "the bundle does not verify; refusing to attest it: " + report.problems[0],
            path=bundle,
        )
    attested = attest_bundle(data, load_key(key, passphrase, passphrase_file))
    target = output or bundle
    write_atomic(target, json.dumps(attested, indent=2, ensure_ascii=False) + "\n")
    who = attested["attestations"][-1]["party"]
    console.print(f"wrote {target}: lifecycle attested by {who}", highlight=False)


@app.command("verify-bundle")
@handle_errors
def verify_bundle_cmd(
    bundle: Annotated[
        Path, typer.Argument(help="A bundle from `agreement export`.", dir_okay=False)
    ],
    at: Annotated[
        str | None,
        typer.Option(
            "--at", help="Judge at this UTC time (ISO 8601; default now).", show_default=False
        ),
    ] = None,
) -> None:
    """Check a bundle offline (no database): digest, every signature, its lifecycle (state,
    suspensions, closure, attestations) and the time; exit 2 if not in force."""
    from corridor.agreements import read_bundle, verify_bundle
    from corridor.cli._agreement_view import print_bundle_report

    report = verify_bundle(read_bundle(bundle), at_utc=parse_utc(at))
    print_bundle_report(report)
    if not report.in_force:
        raise typer.Exit(2)
