"""`corridor ensemble`: how likely each corridor is to stay open, sampled on Dask."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from corridor.cli._common import console, handle_errors
from corridor.errors import InputError, ScenarioError

app = typer.Typer()


@app.command("ensemble")
@handle_errors
def ensemble_cmd(  # noqa: PLR0917 (Typer maps each parameter to an option)
    scenario_file: Annotated[
        Path, typer.Argument(metavar="SCENARIO", help="Scenario file (YAML or JSON).")
    ],
    samples: Annotated[
        int, typer.Option("--samples", "-n", min=1, max=10_000_000, help="Hazard realisations.")
    ] = 1000,
    seed: Annotated[
        int, typer.Option("--seed", min=0, max=2**63 - 1, help="Seed; same seed, same result.")
    ] = 0,
    scheduler: Annotated[
        str | None,
        typer.Option(
            "--scheduler",
            help="Dask scheduler address (tcp://host:8786); default: a local cluster.",
        ),
    ] = None,
    workers: Annotated[
        int | None,
        typer.Option("--workers", min=1, max=512, help="Local cluster processes (default: cores)."),
    ] = None,
    batch_size: Annotated[
        int | None, typer.Option("--batch-size", min=1, max=100_000, help="Samples per task.")
    ] = None,
    output: Annotated[
        Path | None,
        typer.Option(
            "--output", "-o", help="Folder for ensemble.json, stability.geojson, stability.png."
        ),
    ] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar.")] = False,
    network_transfer: Annotated[
        str,
        typer.Option(
            "--network-transfer",
            help="How workers get the network: path (same file on every machine), scatter "
            "(sent once to each worker), auto (path if every worker sees the file).",
        ),
    ] = "auto",
) -> None:
    """Sample hazard realisations of SCENARIO and route every gathering point to every exit.

    Reports per route the share of samples in which it stays open and its time and risk
    quantiles, and per road the share of samples in which it lies on a safest route.
    """
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn
    from rich.table import Table

    from corridor.ensembles import (
        TRANSFERS,
        connect,
        load_scenario,
        prepare,
        render_stability_png,
        run_ensemble,
        stability_geojson,
    )

    if network_transfer not in TRANSFERS:
        raise InputError(
            f"unknown network transfer {network_transfer!r}",
            field="--network-transfer",
            hint="one of " + ", ".join(TRANSFERS),
        )
    scenario = load_scenario(scenario_file)
    if output is not None and output.exists() and not output.is_dir():
        raise ScenarioError("output must be a folder", path=output, hint="give a folder name")
    prepared = prepare(scenario, scenario_file, seed=seed)
    with (
        connect(scheduler, workers) as client,
        Progress(
            "[progress.description]{task.description}",
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=console,
            disable=quiet,
            transient=True,
        ) as bar,
    ):
        task = bar.add_task(f"{samples:,} samples", total=None)

        def advance(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        partial = run_ensemble(
            client,
            prepared.job,
            samples=samples,
            batch_size=batch_size,
            on_batch=advance,
            transfer=network_transfer,
            network=prepared.network,
        )
    summary = prepared.summary(partial, seed)
    if output is not None:
        from corridor._files import write_atomic

        output.mkdir(parents=True, exist_ok=True)
        write_atomic(
            output / "ensemble.json",
            json.dumps(summary.to_dict(), indent=2, ensure_ascii=False) + "\n",
        )
        write_atomic(
            output / "stability.geojson",
            json.dumps(stability_geojson(summary, prepared.network), ensure_ascii=False) + "\n",
        )
        render_stability_png(summary, prepared.network, output / "stability.png")
    if quiet:
        return
    table = Table(title=f"{scenario.id}: {summary.samples:,} samples, seed {seed}")
    for col in ("from", "to", "P(open)", "time p50 (min)", "time p95 (min)", "risk p50"):
        table.add_column(col, justify="left" if col in ("from", "to") else "right")
    for row in summary.routes():
        t, r = row.get("time_s"), row.get("risk")
        table.add_row(
            row["gathering_point"],
            row["exit"],
            f"{row['p_open']:.3f}",
            f"{t['q50'] / 60:.1f}" if t else "-",
            f"{t['q95'] / 60:.1f}" if t else "-",
            f"{r['q50']:.2%}" if r else "-",
        )
    console.print(table)
    if prepared.not_valid:
        when = f"{scenario.at:%Y-%m-%d %H:%M}Z"
        console.print(f"not valid at {when}, left out: {', '.join(prepared.not_valid)}")
    if output is not None:
        console.print(f"wrote {output}/ensemble.json, stability.geojson, stability.png")


@app.command("what-if")
@handle_errors
def what_if_cmd(  # noqa: PLR0917 (Typer maps each parameter to an option)
    scenario_file: Annotated[
        Path, typer.Argument(metavar="SCENARIO", help="Scenario file (YAML or JSON).")
    ],
    highway_class: Annotated[
        str | None,
        typer.Option(
            "--class", help="Remove each road segment of this class (default: each bridge)."
        ),
    ] = None,
    plan_file: Annotated[
        Path | None,
        typer.Option(
            "--plan",
            help="Also re-run this convoy plan with each crossing closed (where times change).",
        ),
    ] = None,
    top: Annotated[int, typer.Option("--top", min=1, max=10_000, help="Rows shown.")] = 20,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write the full ranking (JSON) here.")
    ] = None,
    scheduler: Annotated[
        str | None,
        typer.Option("--scheduler", help="Run the crossings on this Dask scheduler."),
    ] = None,
    workers: Annotated[
        int | None,
        typer.Option("--workers", min=1, max=512, help="Run them on a local Dask cluster."),
    ] = None,
) -> None:
    """Remove each bridge (or each road of a class) in turn; rank them by the gathering points
    that lose every route, then by how much the clearance grows: with --plan the planned
    clearance (people no longer moved first), else the longest best trip.

    Runs in this process unless --scheduler or --workers asks for a Dask cluster (then the
    crossings and the plan re-runs are tasks on its workers).
    """
    from contextlib import ExitStack
    from dataclasses import asdict

    from rich.table import Table

    from corridor.ensembles import (
        PlanImpact,
        connect,
        load_scenario,
        prepare,
        rank_by_plan,
        replan_crossings,
        scenario_crossings,
    )

    scenario = load_scenario(scenario_file)
    prepared = prepare(scenario, scenario_file, seed=0)
    impacts: dict[int, PlanImpact] = {}
    with ExitStack() as stack:
        client = stack.enter_context(connect(scheduler, workers)) if scheduler or workers else None
        ranking = scenario_crossings(
            prepared.job, prepared.network, prepared.gathering_ids, highway_class, client=client
        )
        if plan_file is not None:
            from dataclasses import replace

            from corridor.planning import load_plan

            hazards = [replace(u.hazard, confidence=u.confidence) for u in prepared.job.hazards]
            base, found = replan_crossings(
                load_plan(plan_file), prepared.network, ranking, hazards=hazards,
                at=scenario.at, client=client, network_path=prepared.job.network_path,
            )  # fmt: skip
            ranking, found = rank_by_plan(ranking, found, base)
            impacts = {i.rank: i for i in found}
            console.print(
                f"base plan: {base.moved:,} of {base.total_people:,} moved, clearance "
                f"{base.clearance_utc:%Y-%m-%d %H:%M}Z"
                if base.clearance_utc
                else "base plan: nobody moved"
            )
    if output is not None:
        from corridor._files import write_atomic

        rows = [
            asdict(c) | ({"plan": asdict(impacts[c.rank])} if c.rank in impacts else {})
            for c in ranking
        ]
        text = json.dumps({"crossings": rows}, indent=2, ensure_ascii=False, default=str)
        write_atomic(output, text + "\n")
    table = Table(title=f"{scenario.id}: {len(ranking)} crossings, most critical first")
    cols: tuple[str, ...] = (
        "#",
        "crossing",
        "cut off",
        "routes lost",
        "clearance +min",
        "worst +min",
        "lat, lon",
    )
    if impacts:
        cols = (*cols[:-1], "plan clearance +min", "plan moved", cols[-1])
    for col in cols:
        table.add_column(col, justify="left" if col in ("crossing", "cut off") else "right")
    for c in ranking[:top]:
        cells = [
            str(c.rank),
            c.name,
            ", ".join(c.cut_off) or "-",
            str(c.routes_lost),
            f"{c.clearance_growth_s / 60:+.1f}",
            f"{c.worst_growth_s / 60:+.1f}",
        ]
        if impacts:
            i = impacts[c.rank]
            growth = i.clearance_growth_s
            cells += [
                "-"
                if growth is None
                else f"{growth / 60:+.0f}" + ("" if i.replanned else " (same)"),
                f"{i.moved:,}",
            ]
        table.add_row(*cells, f"{c.lat:.5f}, {c.lon:.5f}")
    console.print(table)
