"""`corridor route`: risk-aware routes between two points, explained."""

from __future__ import annotations

import json
import math
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Literal

import typer

from corridor.cli._common import console, handle_errors, parse_latlon, parse_utc
from corridor.errors import InputError

if TYPE_CHECKING:
    from rich.table import Table

    from corridor.routing import Explanation

app = typer.Typer()

Format = Literal["table", "json", "geojson", "gpx"]
_SUFFIX_FORMAT: dict[str, Format] = {".json": "json", ".geojson": "geojson", ".gpx": "gpx"}


def parse_at(text: str | None) -> datetime | None:
    """``--at``: see :func:`corridor.cli._common.parse_utc` (a time with no UTC equivalent,
    such as 0001-01-01T00:00+14:00, is a parameter error, not an overflow)."""
    return parse_utc(text, option="--at")


@app.command("route")
@handle_errors
def route_cmd(  # noqa: PLR0917 (Typer maps each parameter to an option)
    network_path: Annotated[
        Path, typer.Argument(metavar="NETWORK", help="Network file, or an OSM extract.")
    ],
    origin: Annotated[str, typer.Option("--from", help="Start as LAT,LON.")],
    destination: Annotated[str, typer.Option("--to", help="End as LAT,LON.")],
    hazards: Annotated[
        Path | None, typer.Option("--hazards", "-H", help="Hazard file (GeoJSON, CSV, Bellingcat).")
    ] = None,
    at: Annotated[
        str | None, typer.Option(help="Evaluate hazards at this ISO time (default now).")
    ] = None,
    risk_weight: Annotated[
        float,
        typer.Option(
            help="Hours of travel worth one unit of -log survival "
            "(1 % risk ~ W x 36 s); 0 = fastest."
        ),
    ] = 10.0,
    max_risk: Annotated[
        float | None,
        typer.Option(help="Reject routes whose combined risk exceeds this probability (0-1)."),
    ] = None,
    alternatives: Annotated[int, typer.Option(help="Further routes that really differ.")] = 0,
    max_overlap: Annotated[
        float,
        typer.Option(help="Share of an alternative's length it may share with earlier routes."),
    ] = 0.5,
    pareto: Annotated[bool, typer.Option(help="All non-dominated routes in time vs risk.")] = False,
    via: Annotated[
        list[str] | None, typer.Option(help="Pass through LAT,LON (repeatable).")
    ] = None,
    max_distance: Annotated[
        float, typer.Option("--max-distance", help="How far (m) a point may be from a road.")
    ] = 2000.0,
    fmt: Annotated[
        str, typer.Option("--format", "-f", help="table, json, geojson or gpx.")
    ] = "table",
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write to this file.")
    ] = None,
) -> None:
    """Find the best route from --from to --to, trading travel time against hazard risk."""
    from corridor._files import write_atomic
    from corridor.hazards import load_hazards
    from corridor.routing import (
        RouteOptions,
        answer,
        explanation_table,
        geojson_text,
        open_network,
    )

    chosen = _format(fmt, output)
    start, end = parse_latlon(origin, option="--from"), parse_latlon(destination, option="--to")
    stops = [parse_latlon(v, option="--via") for v in via or []]
    options = RouteOptions(
        risk_weight=risk_weight,
        max_risk=max_risk,
        alternatives=alternatives,
        max_overlap=max_overlap,
        pareto=pareto,
        at=parse_at(at),
        snap_max_m=max_distance,
    )
    network = open_network(network_path)
    hazard_list = load_hazards(hazards) if hazards is not None else []
    found = answer(
        network, origin=start, destination=end, via=stops, hazards=hazard_list, options=options
    )
    if chosen == "table":
        if len(found.explanations) > 1:
            console.print(_summary(found.explanations))
        for i, expl in enumerate(found.explanations):
            title = f"route {i + 1} ({expl.kind})" if len(found.explanations) > 1 else "route"
            console.print(explanation_table(expl, title=title))
            console.print()
        for note in found.result.notes:
            console.print(f"[dim]note: {note}[/]")
        return
    if chosen == "json":
        text = json.dumps(found.to_dict(), ensure_ascii=False, indent=1) + "\n"
    elif chosen == "geojson":
        text = geojson_text(found.geojson(network))
    else:
        text = found.gpx(network)
    if output is None:
        console.out(text, end="", highlight=False)
    else:
        write_atomic(output, text)
        console.print(f"wrote {output} ({len(found.result.routes)} route(s))", highlight=False)


def _summary(explanations: list[Explanation]) -> Table:
    """One line per route, so a Pareto set or alternatives compare at a glance."""
    from rich.table import Table

    table = Table(title="routes", title_justify="left")
    for name in ("#", "kind", "min", "km", "risk", "bridges"):
        table.add_column(name, justify="left" if name in ("kind", "bridges") else "right")
    for i, e in enumerate(explanations, start=1):
        bridges = ", ".join(dict.fromkeys(b.name for b in e.structures if b.kind == "bridge"))
        table.add_row(
            str(i),
            e.kind,
            f"{e.time_s / 60:.1f}",
            f"{e.length_m / 1000:.2f}",
            f"{e.risk:.2%}",
            bridges or "-",
        )
    return table


def _format(fmt: str, output: Path | None) -> Format:
    if fmt not in ("table", "json", "geojson", "gpx"):
        raise InputError(
            f"unknown format {fmt!r}", field="--format", hint="use table, json, geojson or gpx"
        )
    if fmt == "table" and output is not None:
        inferred = _SUFFIX_FORMAT.get(output.suffix.lower())
        if inferred is None:
            raise InputError(
                "cannot write a table to a file",
                path=output,
                hint="use --format json, geojson or gpx (or a .json/.geojson/.gpx name)",
            )
        return inferred
    return fmt  # type: ignore[return-value]


@app.command("route-matrix")
@handle_errors
def route_matrix_cmd(  # noqa: PLR0917 (Typer maps each parameter to an option)
    network_path: Annotated[
        Path, typer.Argument(metavar="NETWORK", help="Network file, or an OSM extract.")
    ],
    origins: Annotated[list[str], typer.Option("--from", help="Origin LAT,LON (repeatable).")],
    destinations: Annotated[
        list[str], typer.Option("--to", help="Destination LAT,LON (repeatable).")
    ],
    hazards: Annotated[Path | None, typer.Option("--hazards", "-H", help="Hazard file.")] = None,
    at: Annotated[str | None, typer.Option(help="Evaluate hazards at this ISO time.")] = None,
    risk_weight: Annotated[float, typer.Option(help="As for `corridor route`.")] = 10.0,
    fmt: Annotated[str, typer.Option("--format", "-f", help="table or json.")] = "table",
) -> None:
    """Travel times and risks from every origin to every destination in one call."""
    from rich.table import Table

    from corridor.hazards import RiskModel, load_hazards
    from corridor.routing import open_network, route_matrix

    if fmt not in ("table", "json"):
        raise InputError(f"unknown format {fmt!r}", field="--format", hint="use table or json")
    src = [parse_latlon(v, option="--from") for v in origins]
    dst = [parse_latlon(v, option="--to") for v in destinations]
    network = open_network(network_path)
    when = parse_at(at) or datetime.now(UTC)
    model = RiskModel(network, load_hazards(hazards), at=when) if hazards is not None else None
    mat = route_matrix(
        network,
        src,
        dst,
        risk=None if model is None else model.risk,
        closed=None if model is None else model.closed,
        risk_weight=risk_weight,
    )
    if fmt == "json":
        doc = {
            "at_utc": when.isoformat(),
            "origins": src,
            "destinations": dst,
            "time_s": [
                [None if t == float("inf") else round(t, 1) for t in row]
                for row in mat.time_s.tolist()
            ],
            "risk": [
                [r if math.isfinite(t) else None for t, r in zip(trow, rrow, strict=True)]
                for trow, rrow in zip(mat.time_s.tolist(), mat.risk.tolist(), strict=True)
            ],
        }
        console.out(json.dumps(doc, indent=1), highlight=False)
        return
    table = Table(title="minutes / risk (least-cost route)")
    table.add_column("from \\ to")
    for lat, lon in dst:
        table.add_column(f"{lat:.4f},{lon:.4f}", justify="right")
    for (lat, lon), times, risks in zip(src, mat.time_s.tolist(), mat.risk.tolist(), strict=True):
        cells = [
            "no route" if t == float("inf") else f"{t / 60:.1f} / {r:.1%}"
            for t, r in zip(times, risks, strict=True)
        ]
        table.add_row(f"{lat:.4f},{lon:.4f}", *cells)
    console.print(table)
