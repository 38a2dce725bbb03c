"""The exact reference: vehicles and people on a time-expanded condensed network (HiGHS).

Nodes are (vehicle type, place, step) for gathering points and corridor exits only, never the
road graph (DESIGN-NOTES). A vehicle waits at a gathering point, runs loaded from it through a
corridor in a window to the exit (boarding, the drive to the entry, waiting for the window and
the corridor's transit in one arc, so one rounding), then delivers and runs back empty to any
gathering point (unloading and the fastest reception in one arc). People ride loaded arcs up
to the type's capacity; the objective is the most people delivered. Every arc is built at once
with numpy and the constraint matrix with ``scipy.sparse``; HiGHS solves it.

The model is a *relaxation* of what the planner may do, so its optimum bounds every schedule
from above:

- a node's step stands for any moment in it and durations are rounded down to whole steps;
- checkpoint passes are bounded per window by ``floor(span / headway) + 1`` and corridor
  entries by ``(floor(span / spacing) + 1) * convoy size``, not slot by slot;
- classes are pooled (ambulances only carry the medical class; buses anyone); families are not
  modelled, except that a family larger than every vehicle cannot move at all;
- reception points are pooled: a delivery goes to the fastest one for the run back and only
  the capacity reachable from each corridor (and in all) is kept; driver rest is ignored;
- when the model would be too large, gathering points with similar times are merged into one
  node with the members' *shortest* times and their summed demand.

With integer vehicle flows on small instances it is the MIP optimum of that relaxation
(method ``mip``); otherwise its LP relaxation (``lp``), a weaker but still valid bound.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from datetime import datetime, timedelta

import numpy as np
from numpy.typing import NDArray
from scipy.sparse import coo_matrix

from corridor.planning._model import Bound, BoundStep
from corridor.planning._planner import PlannerInput, _windows

INF = math.inf
BIG_S = 1e7  # stands for "unreachable" in the clustering features (seconds)
I64 = NDArray[np.int64]
F64 = NDArray[np.float64]


@dataclass
class ExactResult:
    """The bound and what was solved (for benchmarks)."""

    bound: Bound
    n_cols: int
    n_rows: int
    iterations: int = 0  # simplex iterations spent over every model tried (the work limit's unit)


#: Lengths (in headways) of the sliding limits on checkpoint passes.
SLIDING = (1, 2, 3, 5, 8)


@dataclass
class _Win:
    corridor: int
    start: float
    end: float
    transit: float
    passes: float  # most vehicles that can enter (checkpoints and convoy rules)
    pre: float  # entry to the slowest checkpoint (legs and inspections before it)
    post: float  # its inspection and everything after it to the exit
    headway: float  # seconds between two vehicles passing it (0: no checkpoint)
    index: int = 0  # the window's index in its corridor (as the planner numbers them)


@dataclass
class _Instance:
    """The instance reduced to arrays (seconds from the plan start)."""

    t0: float
    load_s: float
    unload_s: float
    wins: list[_Win]
    to_entry: F64  # (G, C), inf where not allowed
    back: F64  # (C, G): unload + fastest exit -> reception -> gathering point
    rec_cap_c: F64  # (C,) reception places reachable from each exit
    rec_cap: float
    types: list[tuple[bool, int]]  # (medical only, capacity)
    supply: list[tuple[int, float, F64, int]]  # (type, free from, times to each point, count)
    supply_vehicles: list[list[int]]  # each supply group's vehicles (index in inp.vehicles)
    movable: F64  # (G,)
    medical: F64  # (G,)


def _instance(inp: PlannerInput) -> _Instance:
    plan, travel = inp.plan, inp.travel
    conv = plan.convoy
    t0 = inp.start_s
    n_g, n_c = len(inp.demand), len(inp.corridors)
    allowed = np.ones((n_g, n_c), dtype=bool)
    for g, gp in enumerate(plan.gathering_points):
        if gp.corridors is not None:
            allowed[g] = [c.id in gp.corridors for c in inp.corridors]
    if inp.open_corridor is not None:
        allowed &= np.asarray(inp.open_corridor, dtype=bool)[None, :]
    to_entry = np.where(allowed, np.asarray(travel.to_entry, dtype=np.float64), INF)
    # private cars take checkpoint capacity on the corridor nearest their point (as planned)
    cars = np.zeros(n_c)
    for g, gp in enumerate(plan.gathering_points):
        if gp.private_cars_per_hour > 0 and np.isfinite(to_entry[g]).any():
            cars[int(np.argmin(to_entry[g]))] += gp.private_cars_per_hour
    wins: list[_Win] = []
    spacing = conv.min_spacing_minutes * 60.0
    for c, cor in enumerate(inp.corridors):
        legs = np.asarray(travel.legs[c], dtype=np.float64)
        insp = np.array([k.inspection_minutes * 60.0 for k in cor.checkpoints])
        rates = np.array([k.max_vehicles_per_hour for k in cor.checkpoints], dtype=np.float64)
        rates = rates - cars[c]
        if not np.isfinite(legs).all() or (rates <= 0).any():
            continue
        transit = float(legs.sum() + insp.sum())
        # the slowest checkpoint gets a queue in time (the k-th vehicle of a window passes it
        # no earlier than (k - 1) headways after the first could); the others only counts
        if rates.size:
            j = int(np.argmin(rates))
            pre = float(legs[: j + 1].sum() + insp[:j].sum())
            headway = 3600.0 / float(rates[j])
        else:
            pre, headway = transit, 0.0
        cmax = min(conv.max_convoy_size, cor.max_convoy_size or conv.max_convoy_size)
        for w_idx, w in enumerate(_windows(cor, plan.start_utc, [])):
            ws, we = max(w.start, t0), w.end
            span = we - ws - transit  # entries happen in [ws, we - transit]
            if span < 0:
                continue
            slots = np.floor(span / (3600.0 / rates)) + 1.0 if rates.size else np.array([INF])
            entries = (math.floor(span / spacing) + 1.0) * cmax if spacing > 0 else INF
            passes = float(min(slots.min(initial=INF), entries))
            wins.append(_Win(c, ws, we, transit, passes, pre, transit - pre, headway, w_idx))
    rec_left = np.maximum(np.asarray(inp.reception_left, dtype=np.float64), 0.0)
    e2r = np.asarray(travel.exit_to_reception, dtype=np.float64)  # (C, R)
    e2r = np.where(rec_left[None, :] > 0, e2r, INF)
    r2g = np.asarray(travel.reception_to_gathering, dtype=np.float64)  # (R, G)
    back = conv.unloading_minutes * 60.0 + np.min(
        e2r[:, :, None] + r2g[None, :, :], axis=1, initial=INF
    )  # (C, G)
    rec_cap_c = (np.isfinite(e2r) * rec_left[None, :]).sum(axis=1)

    types: dict[tuple[bool, int], int] = {}
    sup_index: dict[tuple[int, float, bytes], int] = {}
    sup: list[tuple[int, float, F64, int]] = []
    sup_v: list[list[int]] = []
    for v_i, v in enumerate(inp.vehicles):
        if v.retired:
            continue
        k = types.setdefault((v.medical_only, v.capacity), len(types))
        if v.at_reception >= 0:
            row = np.asarray(travel.reception_to_gathering[v.at_reception], dtype=np.float64)
        elif v.start_to_gathering is not None:
            row = np.asarray(v.start_to_gathering, dtype=np.float64)
        else:
            row = np.asarray(travel.depot_to_gathering[v.start_row], dtype=np.float64)
        free = max(v.free_s, t0)
        key = (k, free, row.tobytes())
        if key in sup_index:
            i = sup_index[key]
            sup[i] = (k, free, row, sup[i][3] + 1)
            sup_v[i].append(v_i)
        else:
            sup_index[key] = len(sup)
            sup.append((k, free, row, 1))
            sup_v.append([v_i])
    tlist = sorted(types, key=lambda x: types[x])
    max_any = max((cap for _, cap in tlist), default=0)
    max_amb = max((cap for med, cap in tlist if med), default=0)
    max_bus = max((cap for med, cap in tlist if not med), default=0)
    movable = np.zeros(n_g)
    medical = np.zeros(n_g)
    for g, d in enumerate(inp.demand):
        for c in range(len(d.singles)):
            cap = max_any if c == 0 else max_bus
            movable[g] += d.singles[c] + sum(s for _, s in d.families[c] if s <= cap)
        medical[g] = d.singles[0] + sum(s for _, s in d.families[0] if s <= max_amb)
    return _Instance(
        t0=t0,
        load_s=conv.loading_minutes * 60.0,
        unload_s=conv.unloading_minutes * 60.0,
        wins=wins,
        to_entry=to_entry,
        back=back,
        rec_cap_c=rec_cap_c,
        rec_cap=float(rec_left.sum()),
        types=tlist,
        supply=sup,
        supply_vehicles=sup_v,
        movable=movable,
        medical=medical,
    )


def _groups(ins: _Instance, n: int) -> I64:
    """Gathering points merged into at most ``n`` groups of similar times (complete linkage).

    Complete linkage on the largest time difference keeps every group's spread small, and the
    group takes its members' shortest times, so merging only ever relaxes the model.
    """
    n_g = ins.movable.shape[0]
    if n >= n_g:
        return np.arange(n_g, dtype=np.int64)
    from scipy.cluster.hierarchy import fcluster, linkage

    feats = [ins.to_entry, ins.back.T, *(row[:, None] for _, _, row, _ in ins.supply[:8])]
    x = np.minimum(np.hstack(feats), BIG_S)
    labels = fcluster(linkage(x, method="complete", metric="chebyshev"), n, criterion="maxclust")
    inverse: I64 = np.unique(labels, return_inverse=True)[1].astype(np.int64)
    return inverse


@dataclass
class _Built:
    n_cols: int
    cost: F64
    upper: F64
    integer: NDArray[np.bool_]
    a: coo_matrix
    row_hi: F64
    people_cols: I64  # the P variables, one per (type, group, window)
    people_win_end: F64  # the window end of each P variable
    arc_tail: I64  # node of each arc column (-1: from a supply group); node = (k * P + p) * T + t
    arc_head: I64
    n_t: int
    load_arcs: I64  # the loaded arcs' columns, with their type, group and window
    load_k: I64
    load_g: I64
    load_w: I64
    supply_arcs: I64  # the supply arcs' columns and their supply group
    supply_group: I64


def _build(ins: _Instance, dt: float, label: I64) -> _Built:
    """The time-expanded LP, arc families as arrays (no loop over variables)."""
    n_gr = int(label.max()) + 1 if label.size else 0
    n_c = ins.to_entry.shape[1]
    n_k = len(ins.types)
    # group times: the shortest of the members (a relaxation), demand summed
    to_entry = np.full((n_gr, n_c), INF)
    np.minimum.at(to_entry, label, ins.to_entry)
    back = np.full((n_c, n_gr), INF)
    for c in range(n_c):
        np.minimum.at(back[c], label, ins.back[c])
    movable = np.bincount(label, ins.movable, minlength=n_gr).astype(np.float64)
    medical = np.bincount(label, ins.medical, minlength=n_gr).astype(np.float64)
    horizon = max((w.end for w in ins.wins), default=ins.t0)
    n_t = max(1, math.floor((horizon - ins.t0) / dt) + 1)
    n_p = n_gr + 2 * n_c  # places: groups, corridor exits, queues at the slowest checkpoint

    def node(k: I64 | int, p: I64 | int, t: I64) -> I64:
        out: I64 = (np.asarray(k, dtype=np.int64) * n_p + np.asarray(p, dtype=np.int64)) * n_t + t
        return out

    tails: list[I64] = []  # per arc family: tail node (-1: a supply arc), head node
    heads: list[I64] = []
    n_arc = 0
    supply_rows: list[I64] = []  # arc index -> supply group (for supply arcs)
    supply_arcs: list[I64] = []
    present = np.full((n_k, n_gr), n_t, dtype=np.int64)
    for i, (k, free, row, _count) in enumerate(ins.supply):
        rg = np.full(n_gr, INF)
        np.minimum.at(rg, label, row)
        t = np.floor((free - ins.t0 + rg) / dt)
        ok = np.isfinite(t) & (t < n_t) & (movable > 0)
        gs = np.flatnonzero(ok)
        ts = t[ok].astype(np.int64)
        np.minimum.at(present[k], gs, ts)
        tails.append(np.full(gs.size, -1, dtype=np.int64))
        heads.append(node(k, gs, ts))
        supply_arcs.append(np.arange(n_arc, n_arc + gs.size))
        supply_rows.append(np.full(gs.size, i, dtype=np.int64))
        n_arc += gs.size

    # a vehicle may also first reach a group on a run back from an exit: its earliest step
    for w in ins.wins:
        first_exit = math.floor((w.start + w.transit - ins.t0) / dt)
        arr = first_exit + np.floor(back[w.corridor] / dt)
        arr = np.where(np.isfinite(arr), arr, n_t).astype(np.int64)
        for k in range(n_k):
            np.minimum(present[k], arr, out=present[k])

    # loaded arcs: per window, every (type, group, departure step) that still gets out in time
    load_k: list[I64] = []
    load_g: list[I64] = []
    load_w: list[I64] = []
    load_arc: list[I64] = []
    last_dep = np.full((n_k, n_gr), -1, dtype=np.int64)
    for w_i, w in enumerate(ins.wins):
        tau = to_entry[:, w.corridor]
        for k, (med_only, _cap) in enumerate(ins.types):
            need = medical if med_only else movable
            ok_g = np.isfinite(tau) & (need > 0)
            gs = np.flatnonzero(ok_g)
            if not gs.size:
                continue
            # first useful step: boarding then driving just reaches the window's start
            first = np.maximum(
                np.floor((w.start - ins.load_s - tau[gs] - ins.t0) / dt), present[k, gs]
            )
            first = np.maximum(first, 0)
            last = np.floor((w.end - w.transit - ins.load_s - tau[gs] - ins.t0) / dt)
            last = np.minimum(last, n_t - 1)
            cnt = np.maximum(last - first + 1, 0).astype(np.int64)
            if not cnt.sum():
                continue
            g_rep = np.repeat(gs, cnt)
            t_dep = np.repeat(first.astype(np.int64), cnt) + (
                np.arange(cnt.sum()) - np.repeat(np.cumsum(cnt) - cnt, cnt)
            )
            depart = ins.t0 + t_dep * dt
            entry = np.maximum(depart + ins.load_s + tau[g_rep], w.start)
            t_queue = np.floor((entry + w.pre - ins.t0) / dt).astype(np.int64)
            keep = t_queue < n_t
            g_rep, t_dep, t_queue = g_rep[keep], t_dep[keep], t_queue[keep]
            np.maximum.at(last_dep[k], g_rep, t_dep)
            tails.append(node(k, g_rep, t_dep))
            heads.append(node(k, n_gr + n_c + w.corridor, t_queue))
            load_arc.append(np.arange(n_arc, n_arc + g_rep.size))
            load_k.append(np.full(g_rep.size, k, dtype=np.int64))
            load_g.append(g_rep)
            load_w.append(np.full(g_rep.size, w_i, dtype=np.int64))
            n_arc += g_rep.size
    la = np.concatenate(load_arc) if load_arc else np.zeros(0, dtype=np.int64)
    lk = np.concatenate(load_k) if load_k else np.zeros(0, dtype=np.int64)
    lg = np.concatenate(load_g) if load_g else np.zeros(0, dtype=np.int64)
    lw = np.concatenate(load_w) if load_w else np.zeros(0, dtype=np.int64)
    # the queue at the slowest checkpoint: wait, then pass (at most one vehicle a headway)
    pass_w: list[I64] = []
    pass_t: list[I64] = []
    pass_arc: list[I64] = []
    exit_heads: list[I64] = []
    for w_i, w in enumerate(ins.wins):
        q0 = math.floor((w.start + w.pre - ins.t0) / dt)
        q1 = min(math.floor((w.end - w.post - ins.t0) / dt), n_t - 1)
        if q1 < q0:
            continue
        ts = np.arange(q0, q1 + 1, dtype=np.int64)
        for k in range(n_k):
            q = n_gr + n_c + w.corridor
            tails.append(node(k, q, ts[:-1]))  # waiting in the queue
            heads.append(node(k, q, ts[1:]))
            n_arc += ts.size - 1
            tq = ts + math.floor(w.post / dt)
            okq = tq < n_t
            tails.append(node(k, q, ts[okq]))
            heads.append(node(k, n_gr + w.corridor, tq[okq]))
            exit_heads.append(heads[-1])
            pass_arc.append(np.arange(n_arc, n_arc + int(okq.sum())))
            pass_t.append(ts[okq] - q0)
            pass_w.append(np.full(int(okq.sum()), w_i, dtype=np.int64))
            n_arc += int(okq.sum())
    exits = np.unique(np.concatenate(exit_heads)) if exit_heads else la
    # empty runs back: from every exit step reached to every group that still has a departure
    if exits.size:
        kp, t_x = np.divmod(exits, n_t)
        k_x, p_x = np.divmod(kp, n_p)
        c_x = p_x - n_gr
        gs_all = np.arange(n_gr)
        dur = np.floor(back[c_x][:, gs_all] / dt)  # (exits, groups)
        t_back = t_x[:, None] + dur
        ok = np.isfinite(t_back) & (t_back <= last_dep[k_x][:, gs_all])
        e_i, g_i = np.nonzero(ok)
        tails.append(exits[e_i])
        heads.append(node(k_x[e_i], g_i, t_back[e_i, g_i].astype(np.int64)))
        n_arc += e_i.size
    # waiting at a group between its first arrival and its last useful departure
    for k in range(n_k):
        lo, up = present[k], last_dep[k]
        cnt = np.maximum(up - lo, 0)
        if not cnt.sum():
            continue
        gs = np.repeat(np.arange(n_gr), cnt)
        ts = np.repeat(lo, cnt) + (np.arange(cnt.sum()) - np.repeat(np.cumsum(cnt) - cnt, cnt))
        tails.append(node(k, gs, ts))
        heads.append(node(k, gs, ts + 1))
        n_arc += gs.size
    tail = np.concatenate(tails) if tails else np.zeros(0, dtype=np.int64)
    head = np.concatenate(heads) if heads else np.zeros(0, dtype=np.int64)

    # people variables, one per (type, group, window) with loaded arcs
    pkey = (lk * n_gr + lg) * max(1, len(ins.wins)) + lw
    ukeys, p_of_arc = np.unique(pkey, return_inverse=True)
    n_pv = ukeys.size
    p_cols = n_arc + np.arange(n_pv)
    pk, rest = np.divmod(ukeys, n_gr * max(1, len(ins.wins)))
    pg, pw = np.divmod(rest, max(1, len(ins.wins)))
    # cumulative passes per window at the slowest checkpoint: Y_s >= Y_(s-1) + passes in s,
    # Y_s <= floor(((s + 1) * dt - pre) / headway) + 1 (vehicles that can be through by then)
    pa = np.concatenate(pass_arc) if pass_arc else np.zeros(0, dtype=np.int64)
    pt = np.concatenate(pass_t) if pass_t else np.zeros(0, dtype=np.int64)
    sw = np.concatenate(pass_w) if pass_w else np.zeros(0, dtype=np.int64)
    limited = np.array([w.headway > 0 for w in ins.wins], dtype=bool)
    sel = limited[sw] if sw.size else np.zeros(0, dtype=bool)
    pa, pt, sw = pa[sel], pt[sel], sw[sel]
    n_s = np.zeros(len(ins.wins), dtype=np.int64)
    if sw.size:
        np.maximum.at(n_s, sw, pt + 1)
    y_off = np.concatenate([[0], np.cumsum(n_s)]).astype(np.int64)
    n_y = int(y_off[-1])
    y_cols = n_arc + n_pv + np.arange(n_y)
    y_w = np.repeat(np.arange(len(ins.wins)), n_s)
    y_s = np.arange(n_y) - y_off[y_w]
    y_cap = np.zeros(n_y)
    for w_i, w in enumerate(ins.wins):
        if n_s[w_i]:
            q0 = math.floor((w.start + w.pre - ins.t0) / dt)
            s_ = np.arange(n_s[w_i])
            end = ins.t0 + (q0 + s_ + 1) * dt - 1e-6  # passes strictly before this
            y_cap[y_off[w_i] : y_off[w_i + 1]] = (
                np.floor(np.maximum(end - (w.start + w.pre), 0.0) / w.headway) + 1.0
            )
    n_cols = n_arc + n_pv + n_y
    caps = np.array([cap for _, cap in ins.types], dtype=np.float64)
    med = np.array([m for m, _ in ins.types], dtype=bool)
    wc = np.array([w.corridor for w in ins.wins], dtype=np.int64)
    wend = np.array([w.end for w in ins.wins], dtype=np.float64)

    rows: list[I64] = []
    cols: list[I64] = []
    vals: list[F64] = []
    hi: list[F64] = []
    n_rows = 0

    def add(r: I64, c: I64, v: F64 | float, bounds: F64) -> None:
        nonlocal n_rows
        rows.append(r + n_rows)
        cols.append(c)
        vals.append(np.broadcast_to(np.asarray(v, dtype=np.float64), c.shape).copy())
        hi.append(bounds)
        n_rows += bounds.size

    # flow: out - in <= 0 at every node something leaves (inflow from supply arcs too)
    out_nodes, out_idx = np.unique(tail[tail >= 0], return_inverse=True)
    arc_ids = np.arange(n_arc)
    out_arcs = arc_ids[tail >= 0]
    in_pos = np.searchsorted(out_nodes, head)
    in_pos_c = np.minimum(in_pos, max(out_nodes.size - 1, 0))
    has = out_nodes.size > 0
    in_ok = (out_nodes[in_pos_c] == head) if has else np.zeros(n_arc, dtype=bool)
    add(
        np.concatenate([out_idx, in_pos_c[in_ok]]),
        np.concatenate([out_arcs, arc_ids[in_ok]]),
        np.concatenate([np.ones(out_arcs.size), -np.ones(int(in_ok.sum()))]),
        np.zeros(out_nodes.size),
    )
    # a vehicle in a checkpoint queue passes it (in - out <= 0 there too): the people on its
    # loaded arc count only if it gets through
    q_nodes, q_idx = np.unique(head[(head // n_t) % n_p >= n_gr + n_c], return_inverse=True)
    is_q_head = ((head // n_t) % n_p) >= n_gr + n_c
    is_q_tail = (tail >= 0) & (((tail // n_t) % n_p) >= n_gr + n_c)
    t_pos = np.searchsorted(q_nodes, tail[is_q_tail])
    t_ok = t_pos < q_nodes.size
    t_ok[t_ok] &= q_nodes[t_pos[t_ok]] == tail[is_q_tail][t_ok]
    add(
        np.concatenate([q_idx, t_pos[t_ok]]),
        np.concatenate([arc_ids[is_q_head], arc_ids[is_q_tail][t_ok]]),
        np.concatenate([np.ones(int(is_q_head.sum())), -np.ones(int(t_ok.sum()))]),
        np.zeros(q_nodes.size),
    )
    # supply: each group's vehicles go to one first point
    if supply_arcs:
        sa = np.concatenate(supply_arcs)
        sr = np.concatenate(supply_rows)
        add(sr, sa, 1.0, np.array([float(n) for *_, n in ins.supply]))
    # people on loaded arcs: P - cap * x <= 0
    add(
        np.concatenate([np.arange(n_pv), p_of_arc]),
        np.concatenate([p_cols, la]),
        np.concatenate([np.ones(n_pv), -caps[lk]]),
        np.zeros(n_pv),
    )
    # demand per group, medical per group (ambulances), reception per corridor and in all
    add(pg, p_cols, 1.0, movable)
    mm = med[pk]
    add(pg[mm], p_cols[mm], 1.0, medical)
    add(wc[pw], p_cols, 1.0, ins.rec_cap_c.astype(np.float64))
    add(np.zeros(n_pv, dtype=np.int64), p_cols, 1.0, np.array([ins.rec_cap]))
    # vehicles entering each window: checkpoints and convoy rules
    add(lw, la, 1.0, np.array([w.passes for w in ins.wins], dtype=np.float64))
    # the queue in time: passes(s) + Y_(s-1) - Y_s <= 0
    if n_y:
        prev = y_s > 0
        add(
            np.concatenate([y_off[sw] + pt, np.arange(n_y), np.flatnonzero(prev)]),
            np.concatenate([pa, y_cols, y_cols[prev] - 1]),
            np.concatenate([np.ones(pa.size), -np.ones(n_y), np.ones(int(prev.sum()))]),
            np.zeros(n_y),
        )
        # and anywhere in the window: passes in steps (s - l, s] happen within l steps, so at
        # most ceil(l * dt / headway) of them (Y_s - Y_(s-l) bounds them from above)
        heads_y = np.array([w.headway for w in ins.wins])[y_w]
        for mult in SLIDING:
            span_l = np.maximum(np.floor(mult * heads_y / dt), 1).astype(np.int64)
            ok = y_s >= span_l
            at = np.flatnonzero(ok)
            n_ok = at.size
            cap = np.ceil(span_l[at] * dt / heads_y[at] - 1e-9)
            add(
                np.concatenate([np.arange(n_ok), np.arange(n_ok)]),
                np.concatenate([y_cols[at], y_cols[at] - span_l[at]]),
                np.concatenate([np.ones(n_ok), -np.ones(n_ok)]),
                cap,
            )

    a = coo_matrix(
        (np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))),
        shape=(n_rows, n_cols),
    )
    cost = np.zeros(n_cols)
    cost[p_cols] = 1.0
    integer = np.zeros(n_cols, dtype=bool)
    integer[:n_arc] = True
    upper = np.full(n_cols, INF)
    upper[y_cols] = y_cap
    return _Built(
        n_cols=n_cols,
        cost=cost,
        upper=upper,
        integer=integer,
        a=a,
        row_hi=np.concatenate(hi) if hi else np.zeros(0),
        people_cols=p_cols,
        people_win_end=wend[pw] if n_pv else np.zeros(0),
        arc_tail=tail,
        arc_head=head,
        n_t=n_t,
        load_arcs=la,
        load_k=lk,
        load_g=lg,
        load_w=lw,
        supply_arcs=np.concatenate(supply_arcs) if supply_arcs else np.zeros(0, dtype=np.int64),
        supply_group=np.concatenate(supply_rows) if supply_rows else np.zeros(0, dtype=np.int64),
    )


#: the bound's work budget: simplex iterations over all the models it solves (one thread, so
#: the same count, and the same models and bound, on every machine and load)
BOUND_WORK = 100_000
#: branch-and-bound nodes for the bound's MIP (small models); past it, the LP relaxation of
#: the same model is the bound (labelled ``lp_relaxation``)
BOUND_MAX_NODES = 2_000
#: the bound's wall-clock safety net (seconds): it only fires on a machine far slower than the
#: work budget assumes, and the bound then says so (status ``safety_net``)
BOUND_SAFETY_S = 1800.0


class _Solver:
    """One HiGHS model, re-solved with other objectives for the bound by time.

    Limits counted in work (simplex iterations, branch-and-bound nodes) on one thread make
    what it returns independent of the machine's speed; ``time_limit_s`` is a safety net.
    """

    def __init__(
        self,
        b: _Built,
        *,
        mip: bool,
        time_limit_s: float,
        iteration_limit: int | None = None,
        node_limit: int | None = None,
    ) -> None:
        import highspy

        self.hs = highspy
        h = highspy.Highs()  # type: ignore[no-untyped-call]
        h.setOptionValue("output_flag", False)
        h.setOptionValue("time_limit", float(time_limit_s))
        h.setOptionValue("threads", 1)
        if iteration_limit is not None:
            h.setOptionValue("simplex_iteration_limit", max(1, int(iteration_limit)))
        if node_limit is not None:
            h.setOptionValue("mip_max_nodes", max(0, int(node_limit)))
        lp = highspy.HighsLp()
        n = b.n_cols
        inf = highspy.kHighsInf
        lp.num_col_ = n
        lp.num_row_ = b.a.shape[0]
        lp.col_cost_ = b.cost
        lp.col_lower_ = np.zeros(n)
        lp.col_upper_ = np.where(np.isfinite(b.upper), b.upper, inf)
        lp.row_lower_ = np.full(b.a.shape[0], -inf)
        lp.row_upper_ = np.where(np.isfinite(b.row_hi), b.row_hi, inf)
        a = b.a.tocsc()
        a.sum_duplicates()
        lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
        lp.a_matrix_.start_ = a.indptr.astype(np.int32)
        lp.a_matrix_.index_ = a.indices.astype(np.int32)
        lp.a_matrix_.value_ = a.data.astype(np.float64)
        lp.sense_ = highspy.ObjSense.kMaximize
        if mip:
            kinds = np.where(b.integer, 1, 0).astype(np.uint8)
            lp.integrality_ = [highspy.HighsVarType(int(x)) for x in kinds]
        h.passModel(lp)
        self.h = h
        self.mip = mip

    def run(self) -> tuple[str, float]:
        """(status, value): ``optimal`` or why not (``iteration_limit``, ``node_limit``,
        ``time_limit``, ...; the value is then infinite: only an optimum is a bound here)."""
        h, hs = self.h, self.hs
        h.run()
        status = h.getModelStatus()
        info = h.getInfo()
        if status == hs.HighsModelStatus.kOptimal:
            return "optimal", float(info.objective_function_value)
        named = {
            hs.HighsModelStatus.kIterationLimit: "iteration_limit",
            hs.HighsModelStatus.kSolutionLimit: "node_limit",
            hs.HighsModelStatus.kTimeLimit: "time_limit",
        }
        return named.get(status, h.modelStatusToString(status).lower().replace(" ", "_")), INF

    @property
    def iterations(self) -> int:
        return int(self.h.getInfo().simplex_iteration_count)

    def set_cost(self, cols: I64, cost: F64) -> None:
        self.h.changeColsCost(int(cols.size), cols.astype(np.int32), cost.astype(np.float64))


def exact_bound(
    inp: PlannerInput,
    *,
    step_minutes: int | None = None,
    time_limit_s: float = BOUND_SAFETY_S,
    work_limit: int = BOUND_WORK,
    mip_max_cols: int = 4000,
    mip_max_nodes: int = BOUND_MAX_NODES,
    max_cols: int = 150_000,
    by_step: bool = True,
    moved: int = 0,
    groups: int | None = None,
) -> ExactResult:
    """The most people that can be out by the end (and by each window's end if ``by_step``).

    Models are solved from coarse to fine within a work budget: a 5-minute step with the
    gathering points merged into 15 and then 50 groups of similar times, a 2-minute step with
    120 groups, and the plan's own step (``step_minutes``, default 1 minute) with every point.
    Each is a valid relaxation (durations rounded down, merged points take their members'
    shortest times), so the smallest optimum found is the bound. Which models are solved
    depends only on the instance: models over ``max_cols`` columns are skipped (the coarsest
    is always solved), and refining stops when ``work_limit`` simplex iterations are spent
    (a model that runs out is not used: only an optimum is a bound) or the bound equals
    ``moved``. On the finest model, when it has at most ``mip_max_cols`` columns, the vehicle
    flows are integer; a MIP not proved optimal within ``mip_max_nodes`` branch-and-bound
    nodes gives way to the LP relaxation of the same model. One thread and these counted
    limits make the bound the same on every machine and load. ``time_limit_s`` is only a
    safety net: if it stops a solve, the bound is what was solved before (status
    ``safety_net``, since that may differ on a faster machine). The bound says which model
    gave it (step, groups) and its ``kind``.
    """
    started = time.perf_counter()
    ins = _instance(inp)
    n_g = ins.movable.shape[0]
    first = step_minutes or inp.plan.step_minutes
    if groups is not None:
        plan_ = [(first, min(groups, n_g))]
    else:
        plan_ = [
            (max(first, 5), min(15, n_g)),
            (max(first, 5), min(50, n_g)),
            (max(first, 2), min(120, n_g)),
            (first, n_g),
        ]
    configs = list(dict.fromkeys(plan_))
    labels: dict[int, I64] = {}
    best: tuple[ExactResult, _Built, _Solver | None] | None = None
    used = 0
    safety = False
    for i, (step, n) in enumerate(configs):
        left_s = time_limit_s - (time.perf_counter() - started)
        if i > 0 and (left_s <= 0 or used >= work_limit):
            safety = left_s <= 0
            break
        if n not in labels:
            labels[n] = _groups(ins, n)
        b = _build(ins, step * 60.0, labels[n])
        if i > 0 and b.n_cols > max_cols:
            continue
        res, iters, why, solver = _solve_built(
            inp,
            b,
            step=step,
            n_groups=n,
            time_limit_s=max(1.0, left_s),
            iteration_limit=max(1, work_limit - used),
            # whole vehicles only on the finest model: a MIP on a coarse one spends the work
            # a finer LP would use better
            mip_max_cols=mip_max_cols if i == len(configs) - 1 else 0,
            mip_max_nodes=mip_max_nodes,
            moved=moved,
        )
        used += iters
        if res is not None and (best is None or res.bound.people <= best[0].bound.people):
            best = (res, b, solver)
        if why == "time_limit":
            safety = True
            break
        if res is None:  # out of work: the finer models are larger still
            break
        if best is not None and best[0].bound.people <= moved + 1e-6:
            break
    if best is None:  # nothing solved: the trivial bound (everyone who can move)
        res = _result(
            inp,
            method="lp",
            kind="trivial",
            status="safety_net" if safety else "trivial",
            value=float(min(ins.movable.sum(), ins.rec_cap)),
            steps=[],
            moved=moved,
            started=started,
            step=configs[0][0],
            n_groups=None,
            n_cols=0,
            n_rows=0,
        )
    else:
        res, b, solver = best
        if by_step and not safety and solver is not None:  # by each window's end
            left_s = time_limit_s - (time.perf_counter() - started)
            steps = _by_step(inp, solver, b, res.bound.people, left_s)
            if steps is None:
                safety = True
            else:
                res.bound = res.bound.model_copy(update={"by_step": steps})
        if safety:
            res.bound = res.bound.model_copy(update={"status": "safety_net"})
    res.iterations = used
    res.bound = res.bound.model_copy(update={"solve_s": round(time.perf_counter() - started, 3)})
    return res


def _solve_built(
    inp: PlannerInput,
    b: _Built,
    *,
    step: int,
    n_groups: int,
    time_limit_s: float,
    iteration_limit: int,
    mip_max_cols: int,
    mip_max_nodes: int,
    moved: int,
) -> tuple[ExactResult | None, int, str, _Solver | None]:
    """The model's optimum as a bound (None if none), simplex iterations spent, why not, and
    the solver holding the optimum (re-solved warm for the bound by each window's end)."""
    started = time.perf_counter()
    if b.people_cols.size == 0:
        empty = _result(
            inp,
            method="lp",
            kind="lp_relaxation",
            status="optimal",
            value=0.0,
            steps=[],
            moved=moved,
            started=started,
            step=step,
            n_groups=n_groups,
            n_cols=b.n_cols,
            n_rows=0,
        )
        return empty, 0, "optimal", None
    use_mip = b.n_cols <= mip_max_cols
    s = _Solver(
        b,
        mip=use_mip,
        time_limit_s=time_limit_s,
        iteration_limit=iteration_limit,
        node_limit=mip_max_nodes if use_mip else None,
    )
    status, value = s.run()
    iters = s.iterations
    method, kind, label = "lp", "lp_relaxation", "optimal"
    if use_mip:
        method, kind = "mip", "mip_optimum"
    if use_mip and status not in {"optimal", "time_limit"}:
        # the MIP was not proved optimal within its node limit: its LP relaxation is the
        # bound (the MIP's dual bound at that point would depend on HiGHS' search)
        s = _Solver(b, mip=False, time_limit_s=time_limit_s, iteration_limit=iteration_limit)
        status, value = s.run()
        iters += s.iterations
        method, kind, label = "lp", "lp_relaxation", "mip_node_limit"
    if status != "optimal":
        return None, iters, status, None
    res = _result(
        inp,
        method=method,
        kind=kind,
        status=label,
        value=value,
        steps=[],
        moved=moved,
        started=started,
        step=step,
        n_groups=n_groups,
        n_cols=b.n_cols,
        n_rows=b.a.shape[0],
    )
    return res, iters, "optimal", s


def _by_step(
    inp: PlannerInput, s: _Solver, b: _Built, value: float, time_limit_s: float
) -> list[BoundStep] | None:
    """The bound by each window's end: the kept model re-solved warm with another objective
    (people out by then); None if the safety net stopped it. A re-solve stopped by its work
    limit leaves that step out (the same on every machine)."""
    s.h.setOptionValue("time_limit", max(1.0, float(time_limit_s)))
    steps: list[BoundStep] = []
    ends = sorted({float(e) for e in b.people_win_end})
    for end in ends[:-1]:
        s.set_cost(b.people_cols, (b.people_win_end <= end).astype(np.float64))
        st, val = s.run()
        if st == "time_limit":
            return None
        if st == "optimal":
            steps.append(BoundStep(at_utc=_utc(inp, end), people=round(val, 3)))
    s.set_cost(b.people_cols, np.ones(b.people_cols.size))
    if ends:
        steps.append(BoundStep(at_utc=_utc(inp, ends[-1]), people=round(value, 3)))
    return steps


#: trips the MIP gave each vehicle (index in ``inp.vehicles``), in order: (gathering point,
#: corridor, window index in the corridor)
TripChains = dict[int, list[tuple[int, int, int]]]


#: the MIP guide stops after this many branch-and-bound nodes: a limit counted in work, not
#: seconds, so the same plan gives the same guide (and schedule) on any machine and load
GUIDE_MAX_NODES = 50
# Krems 10 (bench): 1, 50 and 200 nodes give 1,221 people (2.6 s at 50), 1,000 nodes 1,205
#: the guide's wall-clock safety net (seconds); when it, not the node limit, stops the MIP
#: the guide is discarded, so a schedule never depends on machine speed
GUIDE_SAFETY_S = 120.0


@dataclass(frozen=True)
class MipGuide:
    """The MIP guide's trips (None: no guide) and what happened to it.

    ``status``: ``optimal``; ``node_limit`` (the deterministic limit stopped it, its incumbent
    is used); ``time_limit`` (the wall-clock safety net fired; discarded); ``too_large``
    (more gathering points or columns than the guide takes; not built); ``no_solution``
    (HiGHS found no integer solution within the node limit, or another status).
    """

    chains: TripChains | None
    status: str
    nodes: int = 0


def mip_guide(
    inp: PlannerInput,
    *,
    step_minutes: int | None = None,
    time_limit_s: float = GUIDE_SAFETY_S,
    max_nodes: int = GUIDE_MAX_NODES,
    max_cols: int = 60_000,
    max_points: int = 40,
) -> MipGuide:
    """Each vehicle's trips in the MIP on every point (small instances; 5-minute step).

    The MIP's integer vehicle flows are split into one path per vehicle (a flow
    decomposition, walking forward in time from its supply arc); the loaded arcs on a path are
    that vehicle's trips. The planner then times them under the real rules
    (``plan_schedule(chains=...)``). None with more than ``max_points`` gathering points (the
    model is not even built: on the benchmark's 25- and 50-point instances the MIP's
    incumbent did not beat the greedy planner), when the model is larger than ``max_cols``
    columns or HiGHS found no integer solution within ``max_nodes`` branch-and-bound nodes
    (a solution stopped by the node limit is still used: it only guides a schedule that is
    checked like any other). The node limit, one thread and HiGHS' fixed random seed make
    the guide the same on every machine; ``time_limit_s`` is only a safety net, and a guide
    it stopped is discarded (status ``time_limit``) rather than used, since its incumbent
    would depend on the machine's speed and load.
    """
    if len(inp.demand) > max_points:
        return MipGuide(None, "too_large")
    ins = _instance(inp)
    n_g = ins.movable.shape[0]
    # the guide needs whole trips, not the finest timing (the planner times them): a coarse
    # step solves far faster (Krems 10: 3- and 5-minute models give the same 1,205 people,
    # the 1-minute MIP had no better incumbent after 60 s)
    step = step_minutes or max(inp.plan.step_minutes, 5)
    b = _build(ins, step * 60.0, np.arange(n_g, dtype=np.int64))
    if b.people_cols.size == 0 or b.n_cols > max_cols:
        return MipGuide(None, "too_large")
    s = _Solver(b, mip=True, time_limit_s=time_limit_s)
    s.h.setOptionValue("mip_max_nodes", int(max_nodes))
    s.h.run()
    model_status = s.h.getModelStatus()
    info = s.h.getInfo()
    nodes = int(info.mip_node_count)
    hs = s.hs.HighsModelStatus
    if model_status == hs.kTimeLimit:
        return MipGuide(None, "time_limit", nodes)
    status = {hs.kOptimal: "optimal", hs.kSolutionLimit: "node_limit"}.get(model_status)
    # 2 = a feasible integer solution exists (HiGHS' kSolutionStatusFeasible)
    if status is None or info.primal_solution_status != 2:
        return MipGuide(None, "no_solution", nodes)
    x_all = np.asarray(s.h.getSolution().col_value, dtype=np.float64)
    if x_all.size != b.n_cols:
        return MipGuide(None, "no_solution", nodes)
    n_arc = b.arc_tail.size
    left = np.rint(x_all[:n_arc]).astype(np.int64)
    loaded = {
        int(a): (int(g), ins.wins[int(w)].corridor, ins.wins[int(w)].index)
        for a, g, w in zip(b.load_arcs, b.load_g, b.load_w, strict=True)
    }
    out: dict[int, list[int]] = {}
    for a in np.flatnonzero((left > 0) & (b.arc_tail >= 0)):
        out.setdefault(int(b.arc_tail[a]), []).append(int(a))
    chains: TripChains = {}
    for a, grp in zip(b.supply_arcs, b.supply_group, strict=True):
        for _ in range(int(left[a])):
            if not ins.supply_vehicles[grp]:
                break
            v_i = ins.supply_vehicles[grp].pop(0)
            trips = chains.setdefault(v_i, [])
            node, hops = int(b.arc_head[a]), 0
            while hops < n_arc:  # times never decrease along a path; this only guards
                arc = next((e for e in out.get(node, ()) if left[e] > 0), -1)
                if arc < 0:
                    break
                left[arc] -= 1
                if arc in loaded:
                    trips.append(loaded[arc])
                node, hops = int(b.arc_head[arc]), hops + 1
    return MipGuide(chains, status, nodes)


def _utc(inp: PlannerInput, s: float) -> datetime:
    return inp.plan.start_utc + timedelta(seconds=s)


def _result(
    inp: PlannerInput,
    *,
    method: str,
    kind: str,
    status: str,
    value: float,
    steps: list[BoundStep],
    moved: int,
    started: float,
    step: int,
    n_groups: int | None,
    n_cols: int,
    n_rows: int,
) -> ExactResult:
    people = max(value, 0.0)
    gap = 0.0 if people <= 0 else max(0.0, (people - moved) / people)
    bound = Bound(
        method=method,
        kind=kind,
        status=status,
        people=round(people, 3),
        by_step=steps,
        gap=round(gap, 5),
        solve_s=round(time.perf_counter() - started, 3),
        step_minutes=step,
        # None: every gathering point is its own node (nothing merged)
        gathering_groups=n_groups if n_groups is not None and n_groups < len(inp.demand) else None,
    )
    return ExactResult(bound, n_cols, n_rows)
