"""What-if: remove each crossing in turn and rank them by what the evacuation loses.

A crossing is a connected group of bridge edges (both directions, all parts of one bridge), or
with ``highway_class`` one road segment of that class. Each is closed on top of the scenario's
hazard picture (hazards at their confidence, as a single plan sees them; checkpoints open), and
the route matrix from every gathering point to every exit is recomputed. Ranked by the number
of gathering points that lose every route, then by how much the clearance grows. Without a
plan that is the longest of the gathering points' best travel times to their nearest exit;
with a convoy plan (:func:`replan_crossings`) the plan is re-run, as Dask tasks on the
workers, wherever the crossing changes a travel time the planner uses, and the ranking is by
cut-off gathering points, then people the plan no longer moves, then planned clearance growth
(:func:`rank_by_plan`).
"""

from __future__ import annotations

import dataclasses
from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import numpy as np
from numpy.typing import NDArray
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from corridor.ensembles._job import STATS, Job, worker_network
from corridor.errors import ScenarioError
from corridor.hazards import Hazard, RiskModel
from corridor.network import FLAG_BRIDGE, HIGHWAY_CLASSES, Network
from corridor.planning import (
    PlanInput,
    Schedule,
    TravelTimes,
    plan_evacuation,
    resolve_corridors,
    travel_times,
)
from corridor.routing import RouteMatrix, route_matrix_nodes

I64 = NDArray[np.int64]


@dataclass(frozen=True)
class CrossingImpact:
    """What closing one crossing does to the evacuation."""

    rank: int
    name: str
    edges: tuple[int, ...]
    lon: float
    lat: float
    cut_off: tuple[str, ...]
    routes_lost: int
    clearance_s: float
    clearance_growth_s: float
    worst_growth_s: float


def candidate_crossings(network: Network, highway_class: str | None = None) -> list[I64]:
    """Edge groups to remove one at a time: bridges (connected bridge edges form one crossing)
    or, with ``highway_class``, each segment of that class."""
    if highway_class is None:
        chosen = np.flatnonzero((np.asarray(network.edge_flags) & FLAG_BRIDGE) != 0)
        if chosen.size == 0:
            return []
        src = np.asarray(network.edge_source)[chosen]
        dst = np.asarray(network.edge_target)[chosen]
        n = network.n_nodes
        graph = coo_matrix((np.ones(chosen.size), (src, dst)), shape=(n, n))
        _, label = connected_components(graph, directed=False)
        group = _merge_carriageways(network, chosen, label[src])
    else:
        if highway_class not in HIGHWAY_CLASSES:
            raise ScenarioError(
                f"unknown road class {highway_class!r}",
                hint="one of " + ", ".join(HIGHWAY_CLASSES),
            )
        code = HIGHWAY_CLASSES.index(highway_class)
        chosen = np.flatnonzero(np.asarray(network.edge_highway) == code)
        group = np.asarray(network.edge_segment)[chosen].astype(np.int64)
    order = np.argsort(group, kind="stable")
    chosen, group = chosen[order], group[order]
    cuts = np.flatnonzero(np.diff(group)) + 1
    return [g.astype(np.int64) for g in np.split(chosen, cuts)]


#: Two bridge parts with a common name this close (centre to centre) are one crossing: the
#: two carriageways of a dual-carriageway bridge are separate ways that share no node.
CARRIAGEWAY_M = 300.0


def _merge_carriageways(network: Network, edges: I64, group: I64) -> I64:
    """``group`` with components that share a road name (or ref) and lie close merged."""
    names: dict[int, set[str]] = {}
    points: dict[int, list[tuple[float, float]]] = {}
    for e, g in zip(edges.tolist(), group.tolist(), strict=True):
        label = network.edge_name(e) or network.edge_ref(e)
        if label:
            names.setdefault(g, set()).add(label)
        lon, lat = network.edge_coords(e)
        points.setdefault(g, []).append((float(np.mean(lon)), float(np.mean(lat))))
    centre = {g: np.mean(np.array(p), axis=0) for g, p in points.items()}
    parent = {g: g for g in centre}

    def root(g: int) -> int:
        while parent[g] != g:
            parent[g] = parent[parent[g]]
            g = parent[g]
        return g

    named = sorted(names)
    for i, a in enumerate(named):
        for b in named[i + 1 :]:
            if not names[a] & names[b]:
                continue
            dlon, dlat = centre[a] - centre[b]
            dx = dlon * 111_320.0 * np.cos(np.radians(centre[a][1]))
            if float(np.hypot(dx, dlat * 111_320.0)) <= CARRIAGEWAY_M:
                parent[root(b)] = root(a)
    return np.array([root(g) for g in group.tolist()], dtype=np.int64)


def _label(network: Network, edges: I64) -> str:
    """The most common road name among the edges (named ones first)."""
    named = Counter(
        network.edge_label(e) for e in edges.tolist() if network.edge_name(e) or network.edge_ref(e)
    )
    return named.most_common(1)[0][0] if named else network.edge_label(int(edges[0]))


def _best_times(m: RouteMatrix) -> NDArray[np.float64]:
    """Each gathering point's travel time to its least-cost exit (inf: none reachable)."""
    ok = np.isfinite(m.cost_s)
    best = np.argmin(np.where(ok, m.cost_s, np.inf), axis=1)
    times = m.time_s[np.arange(best.shape[0]), best]
    return np.where(ok.any(axis=1), times, np.inf)


def _clearance(times: NDArray[np.float64]) -> float:
    """The longest best time among the gathering points that reach an exit."""
    ok = np.isfinite(times)
    return float(times[ok].max()) if ok.any() else 0.0


@dataclass(frozen=True)
class WhatIfJob:
    """What a worker needs to assess crossings: the network by path, the base picture."""

    network_path: str
    origins: I64
    exits: I64
    gathering_ids: tuple[str, ...]
    risk: NDArray[np.float64]
    closed: NDArray[np.bool_]
    risk_weight: float
    candidates: tuple[I64, ...]


def _impacts(job: WhatIfJob, network: Network, start: int, stop: int) -> list[CrossingImpact]:
    """The (unranked) impacts of candidates ``start`` to ``stop - 1``."""
    kw = {"risk": job.risk, "risk_weight": job.risk_weight}
    base = route_matrix_nodes(network, job.origins, job.exits, closed=job.closed, **kw)  # type: ignore[arg-type]
    base_times = _best_times(base)
    base_reach, base_clear = np.isfinite(base_times), _clearance(base_times)
    base_open = np.isfinite(base.cost_s)
    out = []
    for edges in job.candidates[start:stop]:
        shut = job.closed.copy()
        shut[edges] = True
        m = route_matrix_nodes(network, job.origins, job.exits, closed=shut, **kw)  # type: ignore[arg-type]
        times = _best_times(m)
        reach, clear = np.isfinite(times), _clearance(times)
        still = base_reach & reach
        worst = float((times[still] - base_times[still]).max()) if still.any() else 0.0
        cut = tuple(job.gathering_ids[g] for g in np.flatnonzero(base_reach & ~reach).tolist())
        lon, lat = network.edge_coords(int(edges[0]))
        out.append(
            CrossingImpact(
                rank=0,
                name=_label(network, edges),
                edges=tuple(int(e) for e in edges.tolist()),
                lon=float(lon[len(lon) // 2]),
                lat=float(lat[len(lat) // 2]),
                cut_off=cut,
                routes_lost=int((base_open & ~np.isfinite(m.cost_s)).sum()),
                clearance_s=clear,
                clearance_growth_s=clear - base_clear,
                worst_growth_s=worst,
            )
        )
    return out


def impacts_batch(job: WhatIfJob, start: int, stop: int) -> list[CrossingImpact]:
    """:func:`_impacts` on a worker (the network memory-mapped once per process)."""
    return _impacts(job, worker_network(job.network_path), start, stop)


def _ranked(impacts: list[CrossingImpact]) -> list[CrossingImpact]:
    """Most critical first: gathering points cut off, then clearance growth (the longest best
    trip), then routes lost, then the worst single growth; ties by edge ids."""
    impacts = sorted(
        impacts,
        key=lambda c: (
            -len(c.cut_off),
            -c.clearance_growth_s,
            -c.routes_lost,
            -c.worst_growth_s,
            c.edges,
        ),
    )
    return [dataclasses.replace(c, rank=i + 1) for i, c in enumerate(impacts)]


def critical_crossings(
    job: WhatIfJob, network: Network, *, client: Any = None, batch_size: int = 8
) -> list[CrossingImpact]:
    """Each candidate's impact, most critical first; on ``client``'s Dask cluster when given
    (batches of ``batch_size`` crossings, the job scattered once), else in this process."""
    n = len(job.candidates)
    if client is None:
        return _ranked(_impacts(job, network, 0, n))
    [job_future] = client.scatter([job], broadcast=True, hash=False)
    futures = [
        client.submit(impacts_batch, job_future, s, min(s + batch_size, n), pure=False)
        for s in range(0, n, batch_size)
    ]
    return _ranked([c for batch in client.gather(futures) for c in batch])


def scenario_crossings(
    job: Job,
    network: Network,
    gathering_ids: tuple[str, ...],
    highway_class: str | None = None,
    *,
    client: Any = None,
) -> list[CrossingImpact]:
    """:func:`critical_crossings` for a prepared scenario: its hazards at their (possibly
    overridden) confidence, checkpoints open."""
    hazards = [dataclasses.replace(u.hazard, confidence=u.confidence) for u in job.hazards]
    model = RiskModel(network, hazards, at=job.at)
    what_if = WhatIfJob(
        network_path=job.network_path,
        origins=job.origins,
        exits=job.exits,
        gathering_ids=gathering_ids,
        risk=model.risk.copy(),
        closed=model.closed.copy(),
        risk_weight=job.risk_weight,
        candidates=tuple(candidate_crossings(network, highway_class)),
    )
    return critical_crossings(what_if, network, client=client)


@dataclass(frozen=True)
class PlanImpact:
    """The convoy plan re-run with one crossing closed (or the base plan, where the crossing
    changes no travel time the planner uses)."""

    rank: int
    replanned: bool
    moved: int
    waiting: int
    clearance_utc: datetime | None
    clearance_growth_s: float | None


@dataclass(frozen=True)
class PlanJob:
    """What a worker needs to re-run a plan: the network by path, the plan and the picture."""

    network_path: str
    plan: PlanInput
    hazards: tuple[Hazard, ...]
    at: datetime


def _base_plan(job: PlanJob, network: Network) -> tuple[TravelTimes, Schedule]:
    corridors = resolve_corridors(job.plan)
    travel = travel_times(job.plan, corridors, network, hazards=list(job.hazards), at=job.at)
    return travel, plan_evacuation(job.plan, travel=travel, bound=False)


def _replan(
    job: PlanJob,
    network: Network,
    base: tuple[TravelTimes, Schedule],
    crossings: list[tuple[int, tuple[int, ...]]],
) -> list[PlanImpact]:
    """Per (rank, edges): the plan with those edges closed; the planner runs again only where
    the closure changes the condensed network's travel times."""
    base_travel, base_schedule = base
    corridors = resolve_corridors(job.plan)
    out = []
    for rank, edges in crossings:
        travel = travel_times(
            job.plan, corridors, network, hazards=list(job.hazards), at=job.at,
            closed_edges=list(edges),
        )  # fmt: skip
        same = _same_travel(travel, base_travel)
        if same:
            schedule = base_schedule
        else:
            schedule = plan_evacuation(job.plan, travel=travel, bound=False)
            STATS["plans"] += 1
        growth = None
        if schedule.clearance_utc is not None and base_schedule.clearance_utc is not None:
            growth = (schedule.clearance_utc - base_schedule.clearance_utc).total_seconds()
        out.append(
            PlanImpact(
                rank, not same, schedule.moved, schedule.waiting, schedule.clearance_utc, growth
            )
        )
    return out


def base_plan_task(job: PlanJob) -> tuple[TravelTimes, Schedule]:
    """The base plan's travel times and schedule, on a worker."""
    return _base_plan(job, worker_network(job.network_path))


def replan_task(
    job: PlanJob, base: tuple[TravelTimes, Schedule], crossings: list[tuple[int, tuple[int, ...]]]
) -> list[PlanImpact]:
    """:func:`_replan` on a worker (the network memory-mapped once per process)."""
    return _replan(job, worker_network(job.network_path), base, crossings)


def replan_crossings(
    plan: PlanInput,
    network: Network,
    crossings: list[CrossingImpact],
    *,
    hazards: list[Hazard],
    at: datetime,
    client: Any = None,
    network_path: str | None = None,
    batch_size: int = 4,
) -> tuple[Schedule, list[PlanImpact]]:
    """The base schedule, and per crossing the schedule with it closed. On ``client``'s Dask
    cluster (the network opened by ``network_path`` on each worker) the base plan and the
    re-runs are tasks, ``batch_size`` crossings each; else in this process."""
    job = PlanJob(network_path or "", plan, tuple(hazards), at)
    todo = [(c.rank, c.edges) for c in crossings]
    if client is None:
        base = _base_plan(job, network)
        return base[1], _replan(job, network, base, todo)
    if network_path is None:
        raise ValueError("network_path is needed to re-plan on a Dask cluster")
    [job_future] = client.scatter([job], broadcast=True, hash=False)
    base_future = client.submit(base_plan_task, job_future, pure=False)
    futures = [
        client.submit(replan_task, job_future, base_future, todo[s : s + batch_size], pure=False)
        for s in range(0, len(todo), batch_size)
    ]
    impacts = [i for batch in client.gather(futures) for i in batch]
    return base_future.result()[1], impacts


def rank_by_plan(
    crossings: list[CrossingImpact], impacts: list[PlanImpact], base: Schedule
) -> tuple[list[CrossingImpact], list[PlanImpact]]:
    """Crossings and their plan impacts ranked again by what the plan loses: gathering points
    cut off, then people the plan no longer moves, then the growth of the planned clearance
    (a plan that clears nobody counts none), then the rest of :func:`_ranked`'s order."""
    by_rank = {i.rank: i for i in impacts}
    pairs = [(c, by_rank[c.rank]) for c in crossings]

    def key(pair: tuple[CrossingImpact, PlanImpact]) -> tuple[Any, ...]:
        c, i = pair
        return (
            -len(c.cut_off),
            -(base.moved - i.moved),
            -(i.clearance_growth_s or 0.0),
            -c.clearance_growth_s,
            -c.routes_lost,
            -c.worst_growth_s,
            c.edges,
        )

    pairs.sort(key=key)
    ranked = [dataclasses.replace(c, rank=n + 1) for n, (c, _) in enumerate(pairs)]
    return ranked, [dataclasses.replace(i, rank=n + 1) for n, (_, i) in enumerate(pairs)]


def _same_travel(a: TravelTimes, b: TravelTimes) -> bool:
    pairs = [
        (a.to_entry, b.to_entry),
        (a.exit_to_reception, b.exit_to_reception),
        (a.reception_to_gathering, b.reception_to_gathering),
        (a.depot_to_gathering, b.depot_to_gathering),
        *zip(a.legs, b.legs, strict=True),
    ]
    return all(np.array_equal(x, y) for x, y in pairs)
