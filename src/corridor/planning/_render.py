"""The schedule for people: a Rich summary and a Gantt chart (matplotlib, no display needed)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from pathlib import Path

from rich.console import Group
from rich.table import Table
from rich.text import Text

from corridor.planning._model import PEOPLE_CLASSES, Schedule


def _hm(t: datetime | None) -> str:
    return "-" if t is None else t.strftime("%d %H:%M")


_KINDS = {
    "mip_optimum": "MIP optimum (whole vehicles)",
    "lp_relaxation": "LP relaxation",
    "trivial": "trivial bound (everyone who can move; no model solved)",
}
_STATUS = {
    "optimal": "",
    "mip_node_limit": "; the MIP was not proved optimal within its node limit",
    "safety_net": "; the wall-clock safety net stopped the solver: may be tighter elsewhere",
    "trivial": "",
}


def _bound_line(s: Schedule) -> str:
    """The bound, what kind of figure it is, the model that gave it, and the gap."""
    b = s.bound
    assert b is not None
    kind = _KINDS.get(b.kind, b.kind)
    status = _STATUS.get(b.status, f"; {b.status}")
    model = ""
    if b.kind != "trivial":
        groups = b.gathering_groups
        pts = "every gathering point" if groups is None else f"{groups} gathering point groups"
        model = f" of the time-expanded model ({b.step_minutes}-min steps, {pts})"
    return (
        f"\nexact bound: {b.people:.0f} people, {kind}{model}{status}"
        f"\ngap {b.gap:.1%} (bound - moved) / bound; planner {s.plan_s:.2f} s, "
        f"bound {b.solve_s:.2f} s"
    )


def _guide_line(s: Schedule) -> str:
    """Whether the exact MIP's trips (the guide) were solved and used."""
    used = s.method.endswith("+mip")
    return {
        None: "",
        "not_needed": "MIP guide: not needed (greedy gap <= 5 %)",
        "optimal": "MIP guide: solved to optimality, "
        + ("its schedule used" if used else "greedy schedule kept (moved as many or more)"),
        "node_limit": "MIP guide: solved to its node limit, "
        + ("its schedule used" if used else "greedy schedule kept (moved as many or more)"),
        "time_limit": "MIP guide: stopped by its safety net, discarded (greedy schedule)",
        "too_large": "MIP guide: instance too large for it (greedy schedule)",
        "no_solution": "MIP guide: no integer solution within its node limit (greedy schedule)",
    }.get(s.guide, f"MIP guide: {s.guide}")


def schedule_summary(schedule: Schedule) -> Group:
    """Headline, per-window loads, busiest checkpoint hours, who is left and why."""
    s = schedule
    head = Text()
    head.append(f"plan {s.plan_id}", style="bold")
    head.append(
        f": {s.moved} of {s.total_people} people moved in {len(s.trips)} trips, "
        f"{len(s.convoys)} convoys; clearance {_hm(s.clearance_utc)} UTC"
    )
    if s.bound is not None:
        head.append(_bound_line(s))
    guide = _guide_line(s)
    if guide:
        head.append(f"\n{guide}")
    by = ", ".join(f"{c} {s.moved_by_class.get(c, 0)}" for c in PEOPLE_CLASSES)
    head.append(f"\nmoved by class: {by}")
    win = Table(title="Windows", title_justify="left")
    for col in ("corridor", "window (UTC)", "convoys", "vehicles", "people", "places"):
        win.add_column(col, justify="right" if col not in ("corridor", "window (UTC)") else "left")
    spans = {(w.corridor_id, w.window_index): w for w in s.windows}
    for wl in s.window_loads:
        w = spans[(wl.corridor_id, wl.window_index)]
        win.add_row(
            wl.corridor_id,
            f"{_hm(w.start_utc)}-{w.end_utc:%H:%M}",
            str(wl.convoys),
            str(wl.vehicles),
            str(wl.people),
            str(wl.places),
        )
    cps = Table(title="Checkpoints (busiest hours)", title_justify="left")
    for col in ("corridor", "checkpoint", "hour (UTC)", "vehicles", "private cars", "max/h"):
        cps.add_column(col)
    for cl in sorted(s.checkpoint_loads, key=lambda x: -(x.vehicles + x.private_cars))[:6]:
        cps.add_row(
            cl.corridor_id,
            cl.checkpoint,
            _hm(cl.hour_start_utc),
            str(cl.vehicles),
            f"{cl.private_cars:g}",
            str(cl.max_vehicles_per_hour),
        )
    parts: list[Table | Text] = [head, win]
    if s.checkpoint_loads:
        parts.append(cps)
    if s.left_behind:
        lb = Table(title="Still waiting after the last window", title_justify="left")
        for col in ("gathering point", "class", "family", "people", "reason", "detail"):
            lb.add_column(col)
        for x in s.left_behind:
            lb.add_row(
                x.gathering_point_id,
                x.people_class,
                x.family_id or "",
                str(x.people),
                x.reason,
                x.detail,
            )
        parts.append(lb)
    if s.problems:
        parts.append(Text("\n".join(f"! {p}" for p in s.problems), style="yellow"))
    return Group(*parts)


def render_gantt(schedule: Schedule, path: str | Path, *, title: str | None = None) -> Path:
    """Vehicles against time: trips by phase, windows shaded, checkpoint queues in red."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.dates as mdates
    import matplotlib.pyplot as plt
    from matplotlib.patches import Patch

    from corridor._files import atomic_output

    def num(t: datetime) -> float:
        return float(mdates.date2num(t))  # type: ignore[no-untyped-call]

    s = schedule
    vehicles: list[str] = list(dict.fromkeys(t.vehicle_id for t in s.trips))
    row = {v: i for i, v in enumerate(vehicles)}
    height = max(3.0, 0.28 * len(vehicles) + 1.5)
    fig, ax = plt.subplots(figsize=(12, min(height, 40)))
    colours = {
        "load": "#9ecae1",
        "drive": "#3182bd",
        "corridor": "#31a354",
        "queue": "#de2d26",
        "unload": "#fdae6b",
        "return": "#bdbdbd",
    }

    def bar(y: int, a: datetime, b: datetime, colour: str) -> None:
        if b > a:
            ax.barh(
                y,
                num(b) - num(a),
                left=num(a),
                height=0.6,
                color=colour,
                edgecolor="none",
            )

    for w in s.windows:
        ax.axvspan(
            num(w.start_utc),
            num(w.end_utc),
            color="#e5f5e0",
            zorder=0,
        )
    for t in s.trips:
        y = row[t.vehicle_id]
        bar(y, t.load_start_utc, t.depart_utc, colours["load"])
        bar(y, t.depart_utc, t.entry_utc, colours["drive"])
        bar(y, t.entry_utc, t.exit_utc, colours["corridor"])
        for cp in t.checkpoints:
            bar(y, cp.arrive_utc, cp.pass_utc, colours["queue"])
        bar(y, t.exit_utc, t.arrive_utc, colours["drive"])
        bar(y, t.arrive_utc, t.unload_end_utc, colours["unload"])
        if t.return_utc is not None:
            bar(y, t.unload_end_utc, t.return_utc, colours["return"])
    ax.set_yticks(range(len(vehicles)))
    ax.set_yticklabels(vehicles, fontsize=7)
    ax.invert_yaxis()
    fmt = mdates.DateFormatter("%H:%M", tz=s.start_utc.tzinfo)  # type: ignore[no-untyped-call]
    ax.xaxis.set_major_formatter(fmt)
    ax.set_xlabel("time (UTC)")
    legend: Sequence[Patch] = [
        Patch(color="#e5f5e0", label="ceasefire window"),
        Patch(color=colours["load"], label="loading"),
        Patch(color=colours["drive"], label="driving"),
        Patch(color=colours["corridor"], label="in corridor"),
        Patch(color=colours["queue"], label="checkpoint queue + inspection"),
        Patch(color=colours["unload"], label="unloading"),
        Patch(color=colours["return"], label="running back"),
    ]
    ax.legend(handles=legend, loc="upper right", fontsize=7)
    ax.set_title(
        title or f"{s.plan_id}: {s.moved}/{s.total_people} moved, clearance {_hm(s.clearance_utc)}"
    )
    fig.tight_layout()
    out = Path(path)
    with atomic_output(out) as fh:
        fig.savefig(fh, format="png", dpi=110)
    plt.close(fig)
    return out
