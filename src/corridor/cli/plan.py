"""`corridor plan`: a convoy schedule for an evacuation, its clearance time and exact bound."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from corridor.cli._common import ActorOption, actor_name, console, handle_errors
from corridor.cli.db import DbOption
from corridor.cli.route import parse_at
from corridor.errors import PlanError

if TYPE_CHECKING:
    from corridor.agreements import Terms
    from corridor.planning import PlanInput

app = typer.Typer()


def _agreements(plan: PlanInput, db: str | None) -> dict[str, Terms]:
    """Terms of every corridor the plan names by agreement id, from the store."""
    wanted = [(c.agreement, c.agreement_version) for c in plan.corridors if c.agreement]
    if not wanted:
        return {}
    from corridor.store import load_agreement, open_store

    out = {}
    with open_store(db) as store, store.session(write=False) as s:
        for cid, version in wanted:
            assert cid is not None
            out[cid] = load_agreement(s, cid, version=version).terms
    return out


def _relative(base: Path, value: str | None) -> Path | None:
    if value is None:
        return None
    p = Path(value)
    return p if p.is_absolute() else base.parent / p


@app.command("plan")
@handle_errors
def plan_cmd(  # noqa: PLR0917 (Typer maps each parameter to an option)
    plan_file: Annotated[Path, typer.Argument(metavar="PLAN", help="Plan file (YAML or JSON).")],
    network: Annotated[
        Path | None,
        typer.Option("--network", "-n", help="Network file or OSM extract (else the plan's)."),
    ] = None,
    hazards: Annotated[
        Path | None, typer.Option("--hazards", "-H", help="Hazard file (else the plan's).")
    ] = None,
    at: Annotated[
        str | None, typer.Option(help="Take hazards at this ISO time (default: the plan start).")
    ] = None,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write the schedule JSON here.")
    ] = None,
    gantt: Annotated[
        Path | None, typer.Option("--gantt", help="Write a Gantt chart (PNG) here.")
    ] = None,
    state: Annotated[
        Path | None,
        typer.Option(
            "--state", help="Re-plan the rest from this state (JSON/YAML: departed, vehicles...)."
        ),
    ] = None,
    bound: Annotated[
        bool, typer.Option("--bound/--no-bound", help="Also solve the exact bound (HiGHS).")
    ] = True,
    bound_time_limit: Annotated[
        float,
        typer.Option(
            min=1,
            max=3600,
            help=(
                "Safety net (seconds) for the exact bound. Its work limit, not this, decides "
                "which model gives the bound, so the same plan gets the same bound and gap on "
                "any machine; if this stops it, the bound says so."
            ),
        ),
    ] = 1800.0,
    bound_work: Annotated[
        int,
        typer.Option(
            min=1000,
            help=(
                "Simplex iterations the exact bound may spend over all its models "
                "(more: a finer model, a tighter bound)."
            ),
        ),
    ] = 100_000,
    save: Annotated[
        bool, typer.Option("--save", help="Store the plan and schedule as a new version.")
    ] = False,
    db: DbOption = None,
    actor: ActorOption = None,
) -> None:
    """Plan who leaves when, in which vehicle, through which corridor window and checkpoint."""
    from corridor._files import write_atomic
    from corridor.hazards import load_hazards
    from corridor.planning import (
        load_plan,
        plan_evacuation,
        render_gantt,
        replan,
        schedule_summary,
        state_from_data,
    )
    from corridor.routing import open_network

    plan = load_plan(plan_file)
    replan_state = None
    if state is not None:
        from corridor._input import load_yaml, read_input_text

        text = read_input_text(state, what="state file", error=PlanError)
        data = load_yaml(text, path=state, what="state file", error=PlanError)
        replan_state = state_from_data(data, source=state)
    net_path = network or _relative(plan_file, plan.network)
    if net_path is None:
        raise PlanError(
            "no road network", path=plan_file, field="network", hint="give --network NETWORK"
        )
    haz_path = hazards or _relative(plan_file, plan.hazards)
    when = parse_at(at)
    agreements = _agreements(plan, db)
    net = open_network(net_path)
    hz = load_hazards(haz_path) if haz_path is not None else []
    with console.status("planning..."):
        if replan_state is not None:
            schedule = replan(
                plan,
                replan_state,
                network=net,
                hazards=hz,
                agreements=agreements,
                bound=bound,
                bound_time_limit_s=bound_time_limit,
                bound_work=bound_work,
            )
        else:
            schedule = plan_evacuation(
                plan,
                network=net,
                hazards=hz,
                agreements=agreements,
                at=when,
                bound=bound,
                bound_time_limit_s=bound_time_limit,
                bound_work=bound_work,
            )
    if save:
        from corridor.store import open_store, save_plan

        with open_store(db) as store, store.session() as s:
            rec = save_plan(
                s,
                plan.model_dump(mode="json", exclude_none=True),
                schedule.model_dump(mode="json"),
                actor=actor_name(actor),
            )
        schedule = schedule.model_copy(update={"plan_version": rec.version})
        console.print(f"stored as plan [bold]{rec.plan_id}[/] version {rec.version}")
    console.print(schedule_summary(schedule))
    if output is not None:
        write_atomic(output, schedule.to_json() + "\n")
        console.print(f"schedule written to [cyan]{output}[/]")
    if gantt is not None:
        render_gantt(schedule, gantt)
        console.print(f"Gantt chart written to [cyan]{gantt}[/]")
