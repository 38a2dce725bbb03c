"""The exact reference: vehicles and people on a time-expanded condensed network (HiGHS).

Nodes are (place, step) for gathering points, corridor exits and reception points only, never
the road graph (DESIGN-NOTES). Vehicle flows are per vehicle type (kind and capacity): they
wait, run loaded from a gathering point through a corridor in a window to its exit, deliver to a
reception point, and run back empty. People ride loaded arcs up to the type's capacity; the
objective is the most people delivered by the horizon. The model is a *relaxation* of what the
planner may do, so its optimum bounds every schedule from above:

- durations are rounded down to whole steps and a vehicle may leave at the start of the step it
  arrives in; checkpoint passes are bounded per window by ``floor(span / headway) + 1`` and
  corridor entries by ``(floor(span / spacing) + 1) * convoy size``, not slot by slot;
- classes are pooled (ambulances only carry the medical class; buses anyone); families are
  not modelled, except that a family larger than every vehicle cannot move at all;
- driver rest is ignored; with many reception/gathering pairs the empty runs back go through a
  hub whose times are the per-gathering-point minimum (faster than reality).

With integer vehicle flows on small instances it is the MIP optimum of that relaxation
(method ``mip``); otherwise its LP relaxation (``lp``), a weaker but still valid bound.
"""

from __future__ import annotations

import itertools
import math
import time
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import timedelta

import numpy as np
from scipy.sparse import coo_matrix

from corridor.planning._model import Bound, BoundStep
from corridor.planning._planner import PlannerInput, _windows

INF = math.inf
AT_G, AT_X, AT_R, AT_HUB = 0, 1, 2, 3  # kinds of place in the time-expanded network


@dataclass
class _Model:
    cost: list[float] = field(default_factory=list)
    ub: list[float] = field(default_factory=list)
    integer: list[bool] = field(default_factory=list)
    rows: list[int] = field(default_factory=list)
    cols: list[int] = field(default_factory=list)
    vals: list[float] = field(default_factory=list)
    row_lo: list[float] = field(default_factory=list)
    row_hi: list[float] = field(default_factory=list)
    n_rows: int = 0

    def col(self, cost: float = 0.0, ub: float = INF, integer: bool = False) -> int:
        self.cost.append(cost)
        self.ub.append(ub)
        self.integer.append(integer)
        return len(self.cost) - 1

    def row(self, terms: list[tuple[int, float]], lo: float, hi: float) -> int:
        r = self.n_rows
        for c, v in terms:
            self.rows.append(r)
            self.cols.append(c)
            self.vals.append(v)
        self.row_lo.append(lo)
        self.row_hi.append(hi)
        self.n_rows += 1
        return r


def _solve(
    m: _Model, *, mip: bool, time_limit_s: float, threads: int = 1
) -> tuple[str, float, np.ndarray | None]:
    import highspy

    h = highspy.Highs()  # type: ignore[no-untyped-call]
    h.setOptionValue("output_flag", False)
    h.setOptionValue("time_limit", float(time_limit_s))
    h.setOptionValue("threads", threads)
    lp = highspy.HighsLp()
    n = len(m.cost)
    lp.num_col_ = n
    lp.num_row_ = m.n_rows
    lp.col_cost_ = np.asarray(m.cost, dtype=np.float64)
    lp.col_lower_ = np.zeros(n)
    lp.col_upper_ = np.where(np.isfinite(m.ub), m.ub, highspy.kHighsInf).astype(np.float64)
    lp.row_lower_ = np.where(np.isfinite(m.row_lo), m.row_lo, -highspy.kHighsInf).astype(np.float64)
    lp.row_upper_ = np.where(np.isfinite(m.row_hi), m.row_hi, highspy.kHighsInf).astype(np.float64)
    a = coo_matrix(
        (np.asarray(m.vals), (np.asarray(m.rows), np.asarray(m.cols))), shape=(m.n_rows, n)
    ).tocsc()
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.start_ = a.indptr.astype(np.int32)
    lp.a_matrix_.index_ = a.indices.astype(np.int32)
    lp.a_matrix_.value_ = a.data.astype(np.float64)
    lp.sense_ = highspy.ObjSense.kMaximize
    if mip:
        lp.integrality_ = [
            highspy.HighsVarType.kInteger if i else highspy.HighsVarType.kContinuous
            for i in m.integer
        ]
    h.passModel(lp)
    h.run()
    status = h.getModelStatus()
    info = h.getInfo()
    text = h.modelStatusToString(status).lower().replace(" ", "_")
    if status == highspy.HighsModelStatus.kOptimal:
        return "optimal", float(info.objective_function_value), None
    if mip and status == highspy.HighsModelStatus.kTimeLimit:
        # a MIP stopped early still has a valid upper bound: its dual bound
        return "time_limit", float(info.mip_dual_bound), None
    return text, INF, None


@dataclass
class ExactResult:
    """The bound and what was solved (for benchmarks)."""

    bound: Bound
    n_cols: int
    n_rows: int


def exact_bound(
    inp: PlannerInput,
    *,
    step_minutes: int | None = None,
    time_limit_s: float = 60.0,
    mip_max_cols: int = 4000,
    by_step: bool = True,
    moved: int = 0,
) -> ExactResult:
    """The most people that can be out by the end (and by each window's end if ``by_step``)."""
    started = time.perf_counter()
    plan, travel = inp.plan, inp.travel
    step_min = step_minutes or plan.step_minutes
    dt = step_min * 60.0
    conv = plan.convoy
    load_s, unload_s = conv.loading_minutes * 60.0, conv.unloading_minutes * 60.0
    t0 = inp.start_s
    n_g, n_r, n_c = len(inp.demand), len(inp.reception_left), len(inp.corridors)

    # corridor windows, transit and capacity per window (as the planner sees them)
    cars = np.zeros(n_c)
    for g, gp in enumerate(plan.gathering_points):
        if gp.private_cars_per_hour > 0:
            names = gp.corridors
            ok = np.array([names is None or c.id in names for c in inp.corridors])
            if inp.open_corridor is not None:
                ok &= np.asarray(inp.open_corridor, dtype=bool)
            times = np.where(ok, travel.to_entry[g], INF)
            if np.isfinite(times).any():
                cars[int(np.argmin(times))] += gp.private_cars_per_hour
    corr: list[list[tuple[float, float, float, list[float], float]]] = []
    for c, cor in enumerate(inp.corridors):
        legs = np.asarray(travel.legs[c], dtype=np.float64)
        insp = [k.inspection_minutes * 60.0 for k in cor.checkpoints]
        rates = [k.max_vehicles_per_hour - cars[c] for k in cor.checkpoints]
        usable = np.isfinite(legs).all() and all(r > 0 for r in rates)
        if inp.open_corridor is not None and not inp.open_corridor[c]:
            usable = False
        transit = float(legs.sum() + sum(insp))
        wins = []
        for w in _windows(cor, plan.start_utc, []):
            ws, we = max(w.start, t0), w.end
            if not usable or we - ws < transit:
                continue
            span = we - ws - transit  # entries happen in [ws, we - transit]
            slots = []
            for k in range(len(cor.checkpoints)):
                headway = 3600.0 / rates[k]
                slots.append(math.floor(span / headway) + 1.0)
            spacing = conv.min_spacing_minutes * 60.0
            cmax = min(conv.max_convoy_size, cor.max_convoy_size or conv.max_convoy_size)
            entries = (math.floor(span / spacing) + 1.0) * cmax if spacing > 0 else INF
            wins.append((ws, we, transit, slots, entries))
        corr.append(wins)

    horizon_s = max(
        (
            we + float(np.nanmin(np.where(np.isfinite(row), row, np.nan)))
            for c, row in enumerate(travel.exit_to_reception)
            for (_, we, _, _, _) in corr[c]
            if np.isfinite(row).any()
        ),
        default=t0,
    )
    n_steps = max(1, math.ceil((horizon_s - t0) / dt) + 1)

    def step_of(t: float) -> int:
        return math.floor((t - t0) / dt + 1e-9)

    # vehicle types and supply groups
    types: dict[tuple[bool, int], int] = {}
    supply: dict[tuple[int, int, bytes], int] = defaultdict(int)
    supply_rows: dict[tuple[int, int, bytes], np.ndarray] = {}
    for v in inp.vehicles:
        if v.retired:
            continue
        k = types.setdefault((v.medical_only, v.capacity), len(types))
        if v.at_reception >= 0:
            row = np.asarray(travel.reception_to_gathering[v.at_reception], dtype=np.float64)
        elif v.start_to_gathering is not None:
            row = v.start_to_gathering
        else:
            row = np.asarray(travel.depot_to_gathering[v.start_row], dtype=np.float64)
        key = (k, step_of(max(v.free_s, t0)), row.tobytes())
        supply[key] += 1
        supply_rows[key] = row
    tlist = sorted(types, key=lambda x: types[x])
    max_any = max((cap for _, cap in tlist), default=0)
    max_amb = max((cap for med, cap in tlist if med), default=0)
    max_bus = max((cap for med, cap in tlist if not med), default=0)

    # demand that any vehicle could move (families larger than every vehicle cannot)
    movable = np.zeros(n_g)
    medical = np.zeros(n_g)
    for g, d in enumerate(inp.demand):
        for c in range(len(d.singles)):
            cap = max_any if c == 0 else max_bus
            n = d.singles[c] + sum(s for _, s in d.families[c] if s <= cap)
            movable[g] += n
            if c == 0:
                medical[g] = d.singles[0] + sum(s for _, s in d.families[0] if s <= max_amb)

    m = _Model()
    # vehicle node balance rows: (type, place kind, place, step) -> list of (col, +-1)
    bal: dict[tuple[int, int, int, int], list[tuple[int, float]]] = defaultdict(list)
    ppl_bal: dict[tuple[int, int, int], list[tuple[int, float]]] = defaultdict(list)

    demand_terms: dict[int, list[tuple[int, float]]] = defaultdict(list)
    med_terms: dict[int, list[tuple[int, float]]] = defaultdict(list)
    rec_terms: dict[int, list[tuple[int, float]]] = defaultdict(list)
    cp_terms: dict[tuple[int, int, int], list[tuple[int, float]]] = defaultdict(list)
    entry_terms: dict[tuple[int, int], list[tuple[int, float]]] = defaultdict(list)
    arrivals: list[tuple[int, int]] = []  # (col, arrival step) of people delivered
    integer = True
    present = np.full((len(tlist), n_g), n_steps, dtype=np.int64)  # first step a type can be at g

    for (k, s0, _), count in supply.items():
        row = supply_rows[(k, s0, _)]
        terms = []
        for g in range(n_g):
            if not np.isfinite(row[g]):
                continue
            t = s0 + math.floor(row[g] / dt)
            if t >= n_steps:
                continue
            x = m.col(integer=integer)
            terms.append((x, 1.0))
            bal[(k, AT_G, g, t)].append((x, 1.0))
            present[k, g] = min(present[k, g], t)
        if terms:
            m.row(terms, -INF, float(count))

    # loaded arcs g -> exit of c, per type, from the steps where a departure fits a window
    for k, (med_only, cap) in enumerate(tlist):
        for g in range(n_g):
            if movable[g] <= 0 or (med_only and medical[g] <= 0):
                continue
            names = plan.gathering_points[g].corridors
            for c, cor in enumerate(inp.corridors):
                if names is not None and cor.id not in names:
                    continue
                tau = float(travel.to_entry[g, c])
                if not np.isfinite(tau) or not corr[c]:
                    continue
                for w_i, (ws, we, transit, _slots, _entries) in enumerate(corr[c]):
                    first = max(present[k, g], step_of(ws - load_s - tau))
                    last = step_of(we - load_s - tau - transit)
                    for t in range(max(first, 0), min(last, n_steps - 1) + 1):
                        depart = t0 + t * dt
                        entry = max(depart + load_s + tau, ws)
                        if entry + transit > we + 1e-6:
                            continue
                        t_exit = step_of(entry + transit)
                        if t_exit >= n_steps:
                            continue
                        x = m.col(integer=integer)
                        p = m.col()
                        m.row([(p, 1.0), (x, -float(cap))], -INF, 0.0)
                        bal[(k, AT_G, g, t)].append((x, -1.0))
                        bal[(k, AT_X, c, t_exit)].append((x, 1.0))
                        ppl_bal[(k, c, t_exit)].append((p, 1.0))
                        demand_terms[g].append((p, 1.0))
                        if med_only:
                            med_terms[g].append((p, 1.0))
                        for j in range(len(cor.checkpoints)):
                            cp_terms[(c, w_i, j)].append((x, 1.0))
                        entry_terms[(c, w_i)].append((x, 1.0))
    # delivery arcs exit of c -> reception r
    x_steps = sorted({(k, c, t) for (k, kind, c, t) in bal if kind == AT_X})
    for k, c, t in x_steps:
        cap = tlist[k][1]
        for r in range(n_r):
            tau = float(travel.exit_to_reception[c, r])
            if not np.isfinite(tau) or inp.reception_left[r] <= 0:
                continue
            t_arr = t + math.floor(tau / dt)
            if t_arr >= n_steps:
                continue
            t_free = t + math.floor((tau + unload_s) / dt)
            x = m.col(integer=integer)
            p = m.col(cost=1.0)
            m.row([(p, 1.0), (x, -float(cap))], -INF, 0.0)
            bal[(k, AT_X, c, t)].append((x, -1.0))
            ppl_bal[(k, c, t)].append((p, -1.0))
            if t_free < n_steps:
                bal[(k, AT_R, r, t_free)].append((x, 1.0))
            rec_terms[r].append((p, 1.0))
            arrivals.append((p, t_arr))
    # empty runs back: direct when few pairs, else through a hub (a relaxation)
    back = np.asarray(travel.reception_to_gathering, dtype=np.float64)
    direct = n_r * n_g <= 4000
    hub_in = np.zeros(n_g)
    if not direct and n_g:
        hub_in = np.where(
            np.isfinite(back).any(axis=0),
            np.min(np.where(np.isfinite(back), back, INF), axis=0),
            INF,
        )
    r_steps = sorted({(k, r, t) for (k, kind, r, t) in bal if kind == AT_R})
    useful = {(k, g) for (k, kind, g, _t) in bal if kind == AT_G}
    for k, r, t in r_steps:
        if direct:
            for g in range(n_g):
                if (k, g) not in useful or not np.isfinite(back[r, g]):
                    continue
                t2 = t + math.floor(back[r, g] / dt)
                if t2 >= n_steps:
                    continue
                x = m.col(integer=integer)
                bal[(k, AT_R, r, t)].append((x, -1.0))
                bal[(k, AT_G, g, t2)].append((x, 1.0))
        else:
            x = m.col(integer=integer)
            bal[(k, AT_R, r, t)].append((x, -1.0))
            bal[(k, AT_HUB, 0, t)].append((x, 1.0))
    if not direct:
        h_steps = sorted({(k, t) for (k, kind, _p, t) in bal if kind == AT_HUB})
        for k, t in h_steps:
            for g in range(n_g):
                if (k, g) not in useful or not np.isfinite(hub_in[g]):
                    continue
                t2 = t + math.floor(hub_in[g] / dt)
                if t2 >= n_steps:
                    continue
                x = m.col(integer=integer)
                bal[(k, AT_HUB, 0, t)].append((x, -1.0))
                bal[(k, AT_G, g, t2)].append((x, 1.0))
    # waiting arcs at gathering and reception points and the hub
    nodes = sorted(bal)
    by_place: dict[tuple[int, int, int], list[int]] = defaultdict(list)
    for k, kind, place, t in nodes:
        if kind != AT_X:
            by_place[(k, kind, place)].append(t)
    for (k, kind, place), at_steps in by_place.items():
        for a, b in itertools.pairwise(sorted(set(at_steps))):
            x = m.col(integer=integer)
            bal[(k, kind, place, a)].append((x, -1.0))
            bal[(k, kind, place, b)].append((x, 1.0))
    for terms in bal.values():  # out <= in
        if any(v < 0 for _, v in terms):
            m.row(terms, 0.0, INF)
    for terms in ppl_bal.values():
        m.row(terms, 0.0, INF)
    for g, terms in demand_terms.items():
        m.row(terms, -INF, float(movable[g]))
    for g, terms in med_terms.items():
        m.row(terms, -INF, float(medical[g]))
    for r, terms in rec_terms.items():
        m.row(terms, -INF, float(inp.reception_left[r]))
    for (c, w_i, j), terms in cp_terms.items():
        m.row(terms, -INF, corr[c][w_i][3][j])
    for (c, w_i), terms in entry_terms.items():
        if np.isfinite(corr[c][w_i][4]):
            m.row(terms, -INF, corr[c][w_i][4])

    n_cols = len(m.cost)
    per_left = max(1.0, time_limit_s)
    use_mip = 0 < n_cols <= mip_max_cols
    if n_cols == 0 or not arrivals:
        status, value, method = "optimal", 0.0, "lp"
    else:
        method = "mip" if use_mip else "lp"
        status, value, _ = _solve(m, mip=use_mip, time_limit_s=per_left)
        if use_mip and status not in ("optimal", "time_limit"):
            method = "lp"
            status, value, _ = _solve(m, mip=False, time_limit_s=per_left)
    bound_steps: list[BoundStep] = []
    if by_step and arrivals and status in ("optimal", "time_limit") and n_cols <= 200_000:
        ends = sorted({we for wins in corr for (_, we, _, _, _) in wins})
        cost = list(m.cost)
        for end in ends[:-1]:
            cut = step_of(end + 3600.0)
            for p, t_arr in arrivals:
                m.cost[p] = 1.0 if t_arr <= cut else 0.0
            st, val, _ = _solve(m, mip=use_mip, time_limit_s=per_left)
            if st in ("optimal", "time_limit"):
                bound_steps.append(
                    BoundStep(
                        at_utc=plan.start_utc + timedelta(seconds=t0 + (cut + 1) * dt),
                        people=round(val, 3),
                    )
                )
        m.cost = cost
    if status in ("optimal", "time_limit"):
        bound_steps.append(
            BoundStep(at_utc=plan.start_utc + timedelta(seconds=t0 + n_steps * dt), people=value)
        )
    people = value if math.isfinite(value) else float(sum(movable))
    gap = 0.0 if people <= 0 else max(0.0, (people - moved) / people)
    bound = Bound(
        method=method,
        status=status,
        people=round(people, 3),
        by_step=bound_steps,
        gap=round(gap, 5),
        solve_s=round(time.perf_counter() - started, 3),
        step_minutes=step_min,
    )
    return ExactResult(bound, n_cols, m.n_rows)
