"""``make demo``: the main job end to end on the bundled Krems extract and demo scenario.

Imports the OSM extract into a network file, prints its summary, loads the demo hazard picture
(shelling, a destroyed Danube bridge, mines on an exit road, a no-go zone, a checkpoint) and
prints the fastest and the safest route from the centre to the east exit with their
explanations, writing both as GeoJSON and a PNG map. Then plans the evacuation of three
gathering points through the demo corridor (schedule JSON and a Gantt chart), and ends with
a demo database and how to open the web dashboard on it.
"""

from __future__ import annotations

import argparse
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from rich.console import Console

from corridor._files import write_atomic
from corridor.errors import CorridorError
from corridor.hazards import load_hazards
from corridor.network import import_osm, render_summary, summarize, write_network
from corridor.routing import explanation_table, fastest_and_safest, geojson_text, render_map

REPO = Path(__file__).resolve().parents[2]
DATA = REPO / "data"
OSM_FILE = DATA / "krems.osm.gz"
HAZARDS_FILE = DATA / "demo" / "krems-hazards.geojson"
PLAN_FILE = DATA / "demo" / "krems-plan.yaml"
# The scenario: 10:00 UTC on 8 March 2022, evacuating from the centre of Krems to the east.
AT_UTC = datetime(2022, 3, 8, 10, 0, tzinfo=UTC)
CENTRE = (48.4096, 15.6080)  # Austrasse by the Ringstrasse
EAST_EXIT = (48.4098, 15.6723)  # Dammstrasse towards Rohrendorf


def run(out_dir: Path, console: Console) -> None:
    out_dir.mkdir(parents=True, exist_ok=True)
    console.rule("[bold]1. Road network")
    network = import_osm(OSM_FILE)
    net_path = out_dir / "krems.net"
    write_network(network, net_path)
    console.print(render_summary(summarize(network)))
    console.print(f"network written to [cyan]{net_path}[/]")

    console.rule("[bold]2. Hazard picture")
    hazards = load_hazards(HAZARDS_FILE)
    valid = [h for h in hazards if h.valid_at(AT_UTC)]
    console.print(
        f"{len(hazards)} hazards in {HAZARDS_FILE.name}, {len(valid)} valid at "
        f"{AT_UTC:%Y-%m-%d %H:%M} UTC: " + ", ".join(sorted({str(h.kind) for h in valid}))
    )

    console.rule("[bold]3. Fastest and safest routes, centre -> east exit")
    answers = fastest_and_safest(
        network, origin=CENTRE, destination=EAST_EXIT, hazards=hazards, at=AT_UTC
    )
    for label, ans in answers.items():
        console.print(explanation_table(ans.explanations[0], title=f"{label} route"))
        path = out_dir / f"route-{label}.geojson"
        write_atomic(path, geojson_text(ans.geojson(network)))
        console.print(f"{label} route written to [cyan]{path}[/]")
    routes = {label: ans.result.best for label, ans in answers.items()}
    png = out_dir / "krems-routes.png"
    render_map(
        network,
        hazards=hazards,
        routes=routes,
        path=png,
        at=AT_UTC,
        title="Krems an der Donau, 2022-03-08 10:00 UTC (demo scenario)",
    )
    f, s = routes["fastest"], routes["safest"]
    console.print(
        f"fastest: {f.time_s / 60:.1f} min, risk {f.risk:.1%};  "
        f"safest: {s.time_s / 60:.1f} min, risk {s.risk:.1%}"
    )
    console.print(f"map written to [cyan]{png}[/]  (map data © OpenStreetMap contributors, ODbL)")

    console.rule("[bold]4. Evacuation plan: three gathering points, 12 buses, 2 ambulances")
    from corridor.planning import load_plan, plan_evacuation, render_gantt, schedule_summary

    schedule = plan_evacuation(load_plan(PLAN_FILE), network=network, hazards=hazards)
    console.print(schedule_summary(schedule))
    write_atomic(out_dir / "schedule.json", schedule.to_json() + "\n")
    render_gantt(schedule, out_dir / "schedule-gantt.png")
    console.print(f"schedule and Gantt chart written to [cyan]{out_dir}[/]")

    dashboard(out_dir, net_path, hazards, console)


def dashboard(out_dir: Path, net_path: Path, hazards: list[Any], console: Console) -> None:
    """A fresh demo database (the hazard picture, one user per role) and how to open the web
    dashboard on it. The tokens are printed once; only their hashes are stored."""
    from corridor.api import add_user
    from corridor.store import add_hazards, open_store

    console.rule("[bold]5. Web dashboard")
    db = (out_dir / "demo.db").resolve()
    db.unlink(missing_ok=True)  # each run starts from the same picture
    url = f"sqlite:///{db}"
    with open_store(url) as store:
        with store.session() as session:
            add_hazards(session, hazards, actor="demo")
        tokens = {
            role: add_user(store, name=f"demo-{role}", role=role, party=None, actor="demo")
            for role in ("coordinator", "field", "observer")
        }
    console.print(f"demo database with {len(hazards)} hazards written to [cyan]{db}[/]")
    console.print("Open the dashboard (offline, nothing is fetched from the internet):")
    console.print(
        f"  .venv/bin/corridor serve --db {url} --network {net_path.resolve()}", soft_wrap=True
    )
    console.print("  then browse to http://127.0.0.1:8000/ and log in with one of these tokens:")
    for role, token in tokens.items():
        console.print(f"  {role:<12} {token}", soft_wrap=True)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m corridor.demo", description=__doc__)
    parser.add_argument("--out", type=Path, default=Path("out/demo"), help="output folder")
    args = parser.parse_args(argv)
    console = Console()
    try:
        run(args.out, console)
    except CorridorError as exc:
        Console(stderr=True).print(f"[bold red]error:[/] {exc.one_line()}")
        sys.exit(exc.exit_code)


if __name__ == "__main__":
    main()
