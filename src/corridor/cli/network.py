"""`corridor network`: Import, inspect and export road networks."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated, Literal

import typer

from corridor.cli._common import console, handle_errors, parse_latlon
from corridor.errors import InputError

app = typer.Typer(help="Import, inspect and export road networks.", no_args_is_help=True)

# The phases import_osm reports, in order, then the CLI's own.
_PHASES = (
    "reading ways",
    "building graph",
    "connected components",
    "routing landmarks",
    "writing network file",
)


def _output_path(path: Path, *, what: str) -> Path:
    """Check an output path before any long work, so a typo fails in a second, not a minute."""
    if path.is_dir():
        raise InputError(
            f"the {what} output is a directory",
            path=path,
            hint="give a file name, e.g. -o out/krems.net",
        )
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InputError(
            f"cannot create the output folder: {exc.strerror or exc}",
            path=path.parent,
            hint="choose another output path",
        ) from exc
    if not os.access(path.parent, os.W_OK):
        raise InputError(
            "the output folder is not writable", path=path.parent, hint="choose another output path"
        )
    return path


def _write_failed(exc: OSError, path: Path) -> InputError:
    return InputError(
        f"cannot write the output: {exc.strerror or exc}",
        path=path,
        hint="check free disk space and permissions, or choose another path",
    )


_Network = Annotated[Path, typer.Argument(metavar="NETWORK", help="Network file (from import).")]


@app.command("import")
@handle_errors
def import_(
    input_path: Annotated[
        Path,
        typer.Argument(metavar="INPUT", help="OSM extract: .osm.pbf, .osm, .osm.gz or .osm.bz2."),
    ],
    output: Annotated[
        Path, typer.Option("--output", "-o", help="Network file to write (e.g. krems.net).")
    ],
    profile: Annotated[str, typer.Option(help="Vehicle profile: car or bus.")] = "car",
    keep_all: Annotated[
        bool,
        typer.Option(
            "--keep-all", help="Keep every component, not only the largest strongly connected."
        ),
    ] = False,
    quiet: Annotated[
        bool, typer.Option("--quiet", "-q", help="No progress bar and no summary.")
    ] = False,
) -> None:
    """Import an OpenStreetMap extract into a routable network file and print its summary."""
    from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    from corridor.network import import_osm, render_summary, summarize, write_network
    from corridor.routing import Hierarchy, compute_landmarks

    if profile not in ("car", "bus"):
        raise typer.BadParameter(
            f"{profile!r} is not a profile; use car or bus", param_hint="--profile"
        )
    chosen: Literal["car", "bus"] = "car" if profile == "car" else "bus"
    output = _output_path(output, what="network")
    with Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        BarColumn(),
        TimeElapsedColumn(),
        console=console,
        disable=quiet,
        transient=True,
    ) as bar:
        # Reading has no known total (libosmium does not report its position), so the bar
        # pulses with a way count; the later phases advance it step by step.
        task = bar.add_task("reading ways", total=None)

        def progress(phase: str, done: int) -> None:
            if phase == "reading ways":
                bar.update(task, description=f"reading ways ({done:,} roads)")
                return
            step = _PHASES.index(phase) if phase in _PHASES else 0
            bar.update(task, total=len(_PHASES), completed=step, description=phase)

        network = import_osm(input_path, profile=chosen, keep_all=keep_all, progress=progress)
        # Landmark distances make later A* queries fast on big networks; stored beside the
        # network so that `corridor route` and `corridor serve` never recompute them.
        progress("routing landmarks", 0)
        landmarks = compute_landmarks(network)
        # and the metric-independent contraction hierarchy (hazards never invalidate it)
        hierarchy = Hierarchy.build(network)
        progress("writing network file", 0)
        try:
            write_network(network, output, extra=landmarks.as_extras() | hierarchy.as_extras())
        except OSError as exc:
            raise _write_failed(exc, output) from exc
        bar.update(task, completed=len(_PHASES))
    if not quiet:
        console.print(render_summary(summarize(network), title=f"Road network -> {output}"))


@app.command("info")
@handle_errors
def info(network_path: _Network) -> None:
    """Print a network file's summary: nodes, edges, km of road by class, bridges, drops."""
    from corridor.network import read_network, render_summary, summarize

    network = read_network(network_path)
    console.print(render_summary(summarize(network), title=str(network_path)))


@app.command("export")
@handle_errors
def export(
    network_path: _Network,
    output: Annotated[Path, typer.Option("--output", "-o", help="File to write.")],
    fmt: Annotated[
        str, typer.Option("--format", "-f", help="Output format (geojson).")
    ] = "geojson",
) -> None:
    """Write the roads to a file, one GeoJSON LineString per road segment."""
    from corridor.network import read_network, to_geojson

    if fmt.lower() != "geojson":
        raise typer.BadParameter(f"{fmt!r} is not supported; use geojson", param_hint="--format")
    network = read_network(network_path)
    output = _output_path(output, what="GeoJSON")
    try:
        count = to_geojson(network, output)
    except OSError as exc:
        raise _write_failed(exc, output) from exc
    console.print(f"wrote {count:,} road segments to {output}", highlight=False)


@app.command("snap")
@handle_errors
def snap_(
    network_path: _Network,
    at: Annotated[str, typer.Option("--at", help="Point as LAT,LON, e.g. 48.4105,15.6030.")],
    max_distance_m: Annotated[
        float,
        typer.Option("--max-distance", min=0.0, help="Fail if the nearest road is farther (m)."),
    ] = 2000.0,
) -> None:
    """Show the nearest road to a point, how far it is and the graph node a route would use."""
    from corridor.network import read_network, snap

    lat, lon = parse_latlon(at, option="--at")
    network = read_network(network_path)
    found = snap(network, lat, lon, max_distance_m=max_distance_m)
    way_id = int(network.arrays["edge_way_id"][found.edge])
    osm_node = int(network.arrays["node_osm_id"][found.node])
    console.print(
        f"{network.edge_label(found.edge)} ({network.highway_class(found.edge)}, OSM way "
        f"{way_id}): {found.distance_m:,.1f} m away at {found.lat:.6f},{found.lon:.6f}; "
        f"route node {found.node} (OSM node {osm_node})",
        highlight=False,
        soft_wrap=True,
    )
