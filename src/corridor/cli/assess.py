"""`corridor assess`: how exposed proposed corridors are to the violence recorded around them."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Literal

import typer

from corridor.cli._common import console, err_console, handle_errors
from corridor.errors import InputError

if TYPE_CHECKING:
    from corridor.assessment import BatchResult
    from corridor.hazards import ImportResult

app = typer.Typer()

Format = Literal["table", "csv", "json", "geojson"]
_SUFFIX_FORMAT: dict[str, Format] = {".csv": "csv", ".json": "json", ".geojson": "geojson"}
DEFAULT_INCIDENTS = Path("incidents") / "bellingcat-civharm-2022-05-24.json"


def _incidents_summary(result: ImportResult) -> None:
    reasons = ", ".join(f"{r} {n}" for r, n in sorted(result.reasons().items()))
    err_console.print(
        f"incidents: {result.path.name}, {result.n_records} records, {len(result.hazards)} used"
        + (f", skipped {reasons}" if reasons else "")
        + (f", {len(result.not_hazards)} no hazard" if result.not_hazards else ""),
        highlight=False, soft_wrap=True,
    )  # fmt: skip
    for value, n in sorted(result.unmapped().items()):
        err_console.print(f"warning: {n} record(s) with unmapped {value!r} kept as an attack",
                          highlight=False, soft_wrap=True)  # fmt: skip


def _write(result: BatchResult, fmt: Format, output: Path | None, top: int) -> None:
    from corridor._files import write_atomic
    from corridor.assessment import table, to_csv, to_geojson_text, to_json

    if fmt == "table":
        if output is not None:
            raise InputError("a table goes to the terminal", hint="use --format csv/json/geojson")
        console.print(table(result, top=top))
        return
    if fmt == "csv":
        text = to_csv(result, top=top)
    else:
        text = to_json(result) if fmt == "json" else to_geojson_text(result)
    if output is None:
        typer.echo(text, nl=False)
    else:
        write_atomic(output, text)
        err_console.print(f"wrote {len(result.assessments)} assessments to {output}",
                          highlight=False, soft_wrap=True)  # fmt: skip


@app.command("assess")
@handle_errors
def assess_cmd(  # noqa: PLR0917 (Typer maps each parameter to an option)
    via: Annotated[
        list[str] | None,
        typer.Option(
            "--via",
            help="Places in order, origin first: repeat the option or separate with ';'. "
            "A place is LAT,LON or a name in the gazetteer.",
        ),
    ] = None,
    at: Annotated[
        str | None, typer.Option("--at", help="Time of the proposal, ISO 8601 (2022-03-08T10:00Z).")
    ] = None,
    proposal_id: Annotated[str, typer.Option("--id", help="Name of the proposal.")] = "proposal",
    batch: Annotated[
        Path | None,
        typer.Option(
            "--batch",
            help="CSV (id,time,origin,destination,via) or GeoJSON of proposals.",
            exists=True,
            dir_okay=False,
        ),
    ] = None,
    incidents: Annotated[
        Path | None,
        typer.Option(
            "--incidents",
            "-i",
            help="Incident record (Bellingcat JSON, hazard GeoJSON or CSV); default: the "
            "shared 2022 record.",
            dir_okay=False,
        ),
    ] = None,
    gazetteer: Annotated[
        str, typer.Option(help="Place names: cities (shared city list), geonames:CC, or a file.")
    ] = "cities",
    network: Annotated[
        Path | None,
        typer.Option(
            "--network",
            help="Road network (file or OSM extract) to route on where a proposal lies inside it.",
            exists=True,
            dir_okay=False,
        ),
    ] = None,
    params: Annotated[
        Path | None,
        typer.Option(
            "--params", help="TOML/JSON overriding model parameters.", exists=True, dir_okay=False
        ),
    ] = None,
    keep_suspect: Annotated[
        bool, typer.Option("--keep-suspect", help="Keep incidents with suspect positions, marked.")
    ] = False,
    fmt: Annotated[
        Format | None,
        typer.Option(
            "--format",
            "-f",
            help="table (default), csv, json, geojson; default from the --output suffix.",
        ),
    ] = None,
    output: Annotated[Path | None, typer.Option("--output", "-o", help="Write to a file.")] = None,
    top: Annotated[int, typer.Option(min=0, max=50, help="Incidents listed per proposal.")] = 3,
) -> None:
    """Exposure of proposed corridors to recorded violence at their time, and which incidents
    make it so. Not a probability that a corridor fails (see docs/assessment.md)."""
    from corridor.assessment import RiskParameters, assess, make_proposal, parse_time, read_batch
    from corridor.assessment import split_places as split
    from corridor.hazards import import_hazards, load_gazetteer, shared_data_dir

    if (batch is None) == (not via):
        raise InputError("give either --via (with --at) or --batch FILE", hint="see --help")
    if output is not None and output.is_dir():
        raise InputError("output is a directory", path=output)
    fmt = fmt or (_SUFFIX_FORMAT.get(output.suffix.lower()) if output else None) or "table"
    model = RiskParameters.from_file(params) if params else RiskParameters()
    places = load_gazetteer(gazetteer)
    if batch is not None:
        proposals = read_batch(batch, places)
    else:
        if at is None:
            raise InputError("--at is required with --via", hint="e.g. --at 2022-03-08T10:00Z")
        names = [name for v in via or [] for name in split(v)]
        from corridor.assessment import Batch

        proposals = Batch([make_proposal(proposal_id, parse_time(at, field="--at"), names,
                                         places)])  # fmt: skip
    for u in proposals.unresolved:
        err_console.print(f"not assessed: row {u.row}, id {u.id}: {u.reason}",
                          highlight=False, soft_wrap=True)  # fmt: skip
    if not proposals.proposals:
        raise InputError("no proposal could be assessed", path=batch)
    source = incidents or shared_data_dir() / DEFAULT_INCIDENTS
    if not source.is_file():
        raise InputError("incident record not found", path=source, hint="give --incidents FILE")
    imported = import_hazards(source, keep_suspect=keep_suspect, gazetteer=places)
    _incidents_summary(imported)
    net = None
    if network is not None:
        from corridor.routing import open_network

        net = open_network(network)
    result = assess(proposals.proposals, imported.hazards, params=model, network=net,
                    unresolved=proposals.unresolved)  # fmt: skip
    _write(result, fmt, output, top)
