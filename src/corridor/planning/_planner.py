"""The fast planner: CCRP-style reservations with windows and checkpoint throughput, multi-trip.

Vehicles are taken in the order they free up (the bus evacuation heuristic of Bish 2011: the
next round trip goes to the vehicle that is free first). For that vehicle every (gathering point,
corridor) pair is costed at once with numpy: drive there, load, drive to the corridor entry, wait
for a window and a convoy slot, queue at each checkpoint (each passes one vehicle per headway
``3600 / (agreed rate - private cars)`` seconds, holding it ``inspection`` minutes), leave the
corridor before the window closes, unload at the nearest reception point with room. As in CCRP
(Lu, George and Shekhar 2005) the chosen trip then *reserves* what it used (checkpoint slots, a
convoy place, reception places), so later trips see the capacity that is left.

The most urgent class first: a bus goes where the most urgent people it can carry wait, and
among those to the point whose people would arrive earliest. Families board whole or not at all.
Times inside are seconds from the plan start.
"""

from __future__ import annotations

import copy
import heapq
import math
import time
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

import numpy as np
from numpy.typing import NDArray

from corridor.planning._model import (
    PEOPLE_CLASSES,
    CheckpointLoad,
    CheckpointPass,
    Convoy,
    LeftBehind,
    PassengerGroup,
    PlanInput,
    Schedule,
    Trip,
    WindowLoad,
    WindowSpan,
)
from corridor.planning._travel import Corridor, TravelTimes

F64 = NDArray[np.float64]
INF = math.inf
BIG = 1e12  # separates class ranks in the selection key (seconds never reach it)
#: seconds added to a trip's key per seat it would leave empty
FILL_S = 60.0
#: third pass: how much earlier a trip through an under-used window counts
PREFER_S = 300.0


@dataclass
class Vehicle:
    """A vehicle as the planner tracks it (mutable; not part of the public model)."""

    id: str
    kind: str  # "bus" | "ambulance"
    capacity: int
    medical_only: bool
    free_s: float
    at_reception: int = -1  # -1: at its start (depot row of the travel table)
    start_row: int = 0
    start_to_gathering: F64 | None = None  # overrides the depot row (re-planning)
    driving_s: float = 0.0
    retired: bool = False


@dataclass
class Demand:
    """Who still waits at one gathering point: singles per class, families per class."""

    singles: list[int]
    families: list[list[tuple[str, int]]]  # per class, (id, size), largest first

    def left(self, c: int) -> int:
        return self.singles[c] + sum(s for _, s in self.families[c])


@dataclass
class _Window:
    start: float
    end: float


@dataclass
class _CorridorState:
    corridor: Corridor
    windows: list[_Window]
    legs: F64
    headway: F64  # seconds between two planned vehicles at each checkpoint (inf: none pass)
    inspection: F64
    next_free: F64
    convoy_max: int
    cars_per_hour: F64  # private cars through each checkpoint per hour, while windows are open
    convoys: list[_ConvoyRec] = field(default_factory=list)
    passes: list[list[float]] = field(default_factory=list)  # per checkpoint, pass-start times

    @property
    def transit_min(self) -> float:
        """Entry to exit with empty queues."""
        return float(self.legs.sum() + self.inspection.sum())


@dataclass
class _ConvoyRec:
    id: str
    window: int
    entry: float
    trips: list[int] = field(default_factory=list)


@dataclass
class _TripRec:
    vehicle: int
    gathering: int
    corridor: int
    window: int
    convoy: str
    load_start: float
    depart: float
    entry: float
    passes: list[tuple[float, float]]
    exit: float
    reception: int
    arrive: float
    unload_end: float
    groups: list[tuple[int, int, str | None]]  # (class, people, family id)
    capacity: int
    return_s: float | None = None


@dataclass
class PlannerInput:
    """Everything the planner needs, resolved (the re-planner builds one from a state)."""

    plan: PlanInput
    corridors: list[Corridor]
    travel: TravelTimes
    vehicles: list[Vehicle]
    demand: list[Demand]
    reception_left: list[int]
    start_s: float = 0.0  # nothing is planned before this (re-planning: "now")
    open_corridor: list[bool] | None = None
    problems: list[str] = field(default_factory=list)


def initial_demand(plan: PlanInput) -> list[Demand]:
    """Demand from the plan file: families are taken out of their class's count."""
    out = []
    for g in plan.gathering_points:
        fams: list[list[tuple[str, int]]] = [[] for _ in PEOPLE_CLASSES]
        for f in g.families:
            fams[PEOPLE_CLASSES.index(f.people_class)].append((f.id, f.size))
        for lst in fams:
            lst.sort(key=lambda x: -x[1])
        singles = [
            g.people.get(c) - sum(s for _, s in fams[i]) for i, c in enumerate(PEOPLE_CLASSES)
        ]
        out.append(Demand(singles, fams))
    return out


def initial_vehicles(plan: PlanInput) -> list[Vehicle]:
    """Buses then ambulances, in file order (the row order of ``depot_to_gathering``)."""
    t0 = plan.start_utc
    out = []
    for i, b in enumerate(plan.vehicles.buses):
        free = 0.0 if b.available_from_utc is None else (b.available_from_utc - t0).total_seconds()
        out.append(Vehicle(b.id, "bus", b.seats, False, max(0.0, free), start_row=i))
    nb = len(plan.vehicles.buses)
    for i, a in enumerate(plan.vehicles.ambulances):
        free = 0.0 if a.available_from_utc is None else (a.available_from_utc - t0).total_seconds()
        out.append(Vehicle(a.id, "ambulance", a.places, True, max(0.0, free), start_row=nb + i))
    return out


def _windows(corridor: Corridor, t0: datetime, problems: list[str]) -> list[_Window]:
    """Windows in seconds from the start; overlapping ones are reported and merged."""
    raw = sorted(
        ((w.start_utc - t0).total_seconds(), (w.end_utc - t0).total_seconds())
        for w in corridor.windows
    )
    merged: list[_Window] = []
    for i, (a, b) in enumerate(raw):
        if merged and a < merged[-1].end:
            problems.append(
                f"corridor {corridor.id}: window {i} overlaps the one before; planned as one"
            )
            merged[-1].end = max(merged[-1].end, b)
        else:
            merged.append(_Window(a, b))
    return merged


def _corridor_states(inp: PlannerInput) -> list[_CorridorState]:
    plan, travel = inp.plan, inp.travel
    cars = np.zeros(len(inp.corridors))
    for g, gp in enumerate(plan.gathering_points):
        if gp.private_cars_per_hour <= 0:
            continue
        allowed = _allowed(inp, g)
        times = np.where(allowed, travel.to_entry[g], INF)
        if np.isfinite(times).any():
            cars[int(np.argmin(times))] += gp.private_cars_per_hour
    states = []
    conv = plan.convoy
    for c, cor in enumerate(inp.corridors):
        rate = np.array([k.max_vehicles_per_hour for k in cor.checkpoints], dtype=np.float64)
        eff = rate - cars[c]
        for k, e in zip(cor.checkpoints, eff, strict=True):
            if e <= 0:
                inp.problems.append(
                    f"corridor {cor.id}: private cars ({cars[c]:g}/h) take all of checkpoint "
                    f"{k.name}'s {k.max_vehicles_per_hour}/h"
                )
        headway = np.where(eff > 0, 3600.0 / np.maximum(eff, 1e-9), INF)
        wins = _windows(cor, plan.start_utc, inp.problems)
        for i, w in enumerate(wins):
            if w.end <= inp.start_s:
                inp.problems.append(
                    f"corridor {cor.id}: window {i} ends before the plan starts; not used"
                )
        states.append(
            _CorridorState(
                corridor=cor,
                windows=wins,
                legs=np.asarray(travel.legs[c], dtype=np.float64),
                headway=headway,
                inspection=np.array([k.inspection_minutes * 60.0 for k in cor.checkpoints]),
                next_free=np.full(len(cor.checkpoints), -INF),
                convoy_max=min(conv.max_convoy_size, cor.max_convoy_size or conv.max_convoy_size),
                cars_per_hour=np.full(len(cor.checkpoints), cars[c]),
                passes=[[] for _ in cor.checkpoints],
            )
        )
    return states


def _allowed(inp: PlannerInput, g: int) -> NDArray[np.bool_]:
    names = inp.plan.gathering_points[g].corridors
    ok = np.array([names is None or c.id in names for c in inp.corridors], dtype=bool)
    if inp.open_corridor is not None:
        ok &= np.asarray(inp.open_corridor, dtype=bool)
    return ok


class _Planner:
    def __init__(
        self,
        inp: PlannerInput,
        *,
        big_only: dict[int, set[int]] | None = None,
        prefer: dict[int, set[int]] | None = None,
        largest_first: bool = False,
        quota: dict[tuple[bool, int], dict[tuple[int, int, int], int]] | None = None,
        chains: dict[int, list[tuple[int, int, int]]] | None = None,
    ) -> None:
        self.inp = inp
        #: each vehicle's trips in order (vehicle index -> (gathering point, corridor,
        #: window)), from the exact MIP: the vehicle makes its next one if the real rules let
        #: it (a trip that cannot be timed is dropped and counted in ``untimed``)
        self.chains = chains
        self.untimed = 0
        #: trips to make, per vehicle (medical only, capacity): (gathering point, corridor,
        #: window) -> count, from the exact MIP; each vehicle takes the quota trip it reaches
        #: first and times it under the same rules, then plans freely when none is left
        self.quota = quota
        #: vehicles free at the same time pick in order of size, largest first, rather than
        #: ambulances first: the first slots of a short window then go to the most seats (on
        #: the benchmark's 10-point Krems instance 1,170 people instead of 1,139)
        self.largest_first = largest_first
        #: windows (corridor -> window indices) a trip is drawn to (``PREFER_S`` off its key):
        #: they closed with checkpoint slots unused while vehicles went elsewhere
        self.prefer = prefer or {}
        #: windows (corridor -> window indices) kept for the largest buses: their checkpoint
        #: slots run out, so each pass should carry as many people as a vehicle can
        self.big_only = big_only or {}
        #: seconds added to a trip's key per seat it would leave empty: checkpoint slots are
        #: scarce, so a bus goes for a full load before a leftover nearby (on the benchmark's
        #: 200-point instance this alone moved 26,530 instead of 24,734 people)
        self.fill_s = FILL_S
        self.left_g = np.array(
            [sum(d.left(c) for c in range(len(PEOPLE_CLASSES))) for d in inp.demand],
            dtype=np.float64,
        )
        self.plan = inp.plan
        self.travel = inp.travel
        self.states = _corridor_states(inp)
        self.G = len(inp.demand)
        self.C = len(inp.corridors)
        self.allowed = np.array([_allowed(inp, g) for g in range(self.G)]).reshape(self.G, self.C)
        self.rec_left = list(inp.reception_left)
        self.trips: list[_TripRec] = []
        self.last_trip: dict[int, int] = {}
        self.conv = self.plan.convoy
        self.convoy_seq = 0
        big_bus = max((v.capacity for v in inp.vehicles if not v.medical_only), default=0)
        big_amb = max((v.capacity for v in inp.vehicles if v.medical_only), default=0)
        self.max_cap = [max(big_bus, big_amb)] + [big_bus] * (len(PEOPLE_CLASSES) - 1)
        self.max_bus = big_bus
        self.max_amb = big_amb
        self._ranks: dict[tuple[bool, int], NDArray[np.int64]] = {}
        self._rank_vehicle: dict[tuple[bool, int], Vehicle] = {}

    # ---- demand bookkeeping -----------------------------------------------------------
    def _rank(self, g: int, v: Vehicle) -> int:
        """The most urgent class at g this vehicle can carry something of; 99 = none."""
        d = self.inp.demand[g]
        classes = (0,) if v.medical_only else range(len(PEOPLE_CLASSES))
        for c in classes:
            if d.singles[c] > 0 or any(s <= v.capacity for _, s in d.families[c]):
                return c
        return 99

    def _load(self, g: int, v: Vehicle, room: int) -> list[tuple[int, int, str | None]]:
        """Board up to ``room`` people: most urgent class first, families whole, then singles."""
        d = self.inp.demand[g]
        groups: list[tuple[int, int, str | None]] = []
        classes = (0,) if v.medical_only else range(len(PEOPLE_CLASSES))
        for c in classes:
            if room <= 0:
                break
            keep = []
            for fid, size in d.families[c]:
                if size <= room:
                    groups.append((c, size, fid))
                    room -= size
                else:
                    keep.append((fid, size))
            d.families[c] = keep
            take = min(room, d.singles[c])
            if take > 0:
                groups.append((c, take, None))
                d.singles[c] -= take
                room -= take
        return groups

    # ---- costing a trip for one vehicle to every (gathering point, corridor) -------------
    def _to_gathering(self, v: Vehicle) -> F64:
        if v.at_reception >= 0:
            return np.asarray(self.travel.reception_to_gathering[v.at_reception], dtype=np.float64)
        if v.start_to_gathering is not None:
            return v.start_to_gathering
        return np.asarray(self.travel.depot_to_gathering[v.start_row], dtype=np.float64)

    def _corridor_times(
        self,
        st: _CorridorState,
        ready: F64,
        skip: set[int] | frozenset[int] = frozenset(),
        only: int | None = None,
    ) -> tuple[F64, F64, NDArray[np.int64], bool]:
        """Entry, exit and window index for vehicles ready at the entry at ``ready`` (vector).

        Also whether the entry joins the open convoy (same for every element that does).
        """
        n = ready.shape[0]
        entry = np.full(n, INF)
        exit_ = np.full(n, INF)
        win = np.full(n, -1, dtype=np.int64)
        if not np.isfinite(st.legs).all() or not np.isfinite(st.headway).all():
            return entry, exit_, win, False
        last = st.convoys[-1] if st.convoys else None
        spacing = self.conv.min_spacing_minutes * 60.0
        held = np.zeros(n, dtype=bool)
        for w_i, w in enumerate(st.windows):
            if only is not None and w_i != only:
                continue
            if w_i in skip:
                # kept for larger buses: this vehicle waits until it closes rather than taking
                # a later window's slot now (reservations only move forward in time)
                held |= ~np.isfinite(exit_) & (ready < w.end)
                continue
            todo = ~np.isfinite(exit_) & (ready < w.end) & ~held
            if not todo.any():
                continue
            e = np.maximum(ready, max(w.start, self.inp.start_s))
            if last is not None:
                can_join = (
                    (last.window == w_i) & (len(last.trips) < st.convoy_max) & (ready <= last.entry)
                )
                e = np.where(can_join, last.entry, np.maximum(e, last.entry + spacing))
            t = e.copy()
            for k in range(st.legs.shape[0] - 1):
                a = t + st.legs[k]
                s = np.maximum(a, st.next_free[k])
                t = s + st.inspection[k]
            x = t + st.legs[-1]
            ok = todo & (x <= w.end)
            entry = np.where(ok, e, entry)
            exit_ = np.where(ok, x, exit_)
            win = np.where(ok, w_i, win)
        return entry, exit_, win, last is not None

    def _best_reception(self, c: int) -> int:
        row = self.travel.exit_to_reception[c]
        best, best_t = -1, INF
        for r, t in enumerate(row):
            if self.rec_left[r] > 0 and t < best_t:
                best, best_t = r, float(t)
        return best

    def _timed(
        self, trip: tuple[int, int, int], ranks: NDArray[np.int64], arrive_g: F64, depart: F64
    ) -> tuple[int, int, int, float, int, float] | None:
        """A given trip (point g through corridor c's window w_i) timed now, or None."""
        g, c, w_i = trip
        r = self._best_reception(c)
        if r < 0 or ranks[g] >= 99 or not self.allowed[g, c] or not np.isfinite(arrive_g[g]):
            return None
        ready = np.array([depart[g] + self.travel.to_entry[g, c]])
        entry, exit_, _, _ = self._corridor_times(self.states[c], ready, only=w_i)
        arrive = float(exit_[0] + self.travel.exit_to_reception[c, r])
        if not math.isfinite(arrive):
            return None
        return c, g, r, float(entry[0]), w_i, arrive

    def step(self, v: Vehicle) -> bool:
        """Plan the best next trip for v; False if it has none left."""
        conv = self.conv
        if v.driving_s >= conv.max_driving_minutes * 60.0:
            v.free_s += conv.rest_minutes * 60.0
            v.driving_s = 0.0
        kind = (v.medical_only, v.capacity)
        ranks = self._ranks.get(kind)
        if ranks is None:  # per vehicle kind and size; only the loaded point changes later
            ranks = np.array([self._rank(g, v) for g in range(self.G)], dtype=np.int64)
            self._ranks[kind] = ranks
            self._rank_vehicle[kind] = v
        if (ranks >= 99).all():
            return False
        to_g = self._to_gathering(v)
        arrive_g = max(v.free_s, self.inp.start_s) + to_g
        depart = arrive_g + conv.loading_minutes * 60.0
        best_key, best = INF, None
        chain = self.chains.get(self.inp.vehicles.index(v), []) if self.chains else []
        while chain and best is None:
            best = self._timed(chain.pop(0), ranks, arrive_g, depart)
            self.untimed += best is None
        mine = self.quota.get(kind, {}) if self.quota is not None else {}
        for trip, n in mine.items() if best is None else ():
            if n <= 0:
                continue
            cand = self._timed(trip, ranks, arrive_g, depart)
            if cand is not None and cand[5] < best_key:
                best_key, best = cand[5], cand
        if best is not None and mine:
            mine[(best[1], best[0], best[4])] -= 1
        free_choice = list(enumerate(self.states)) if best is None else []
        for c, st in free_choice:
            r = self._best_reception(c)
            if r < 0:
                continue
            elig = (ranks < 99) & self.allowed[:, c] & np.isfinite(arrive_g)
            if not elig.any():
                continue
            ready = depart + self.travel.to_entry[:, c]
            ready = np.where(elig, ready, INF)
            skip = self.big_only.get(c, set()) if v.capacity < self.max_bus else set()
            entry, exit_, win, _ = self._corridor_times(st, ready, skip)
            arrive = exit_ + self.travel.exit_to_reception[c, r]
            key = ranks * BIG + arrive
            if c in self.prefer:
                pref = np.array([i in self.prefer[c] for i in range(len(st.windows))] + [False])
                key = key - PREFER_S * pref[win]
            if self.fill_s > 0:
                key = key + self.fill_s * np.maximum(v.capacity - self.left_g, 0.0)
            key = np.where(np.isfinite(arrive), key, INF)
            g = int(np.argmin(key))
            if key[g] < best_key:
                best_key = float(key[g])
                best = (c, g, r, float(entry[g]), int(win[g]), float(arrive[g]))
        if best is None:
            # held back from windows kept for larger buses: try again when the first closes
            later = [
                w.end
                for c, ws in self.big_only.items()
                for i, w in enumerate(self.states[c].windows)
                if i in ws and w.end > v.free_s
            ]
            if v.capacity < self.max_bus and later:
                v.free_s = min(later)
                return True
            return False
        c, g, r, entry_s, w_i = best[:5]
        st = self.states[c]
        room = min(v.capacity, self.rec_left[r])
        groups = self._load(g, v, room)
        for kind, arr in self._ranks.items():
            arr[g] = self._rank(g, self._rank_vehicle[kind])
        if not groups:  # nothing fits this vehicle here (e.g. a family too big for it)
            return False
        people = sum(p for _, p, _ in groups)
        self.rec_left[r] -= people
        self.left_g[g] -= people
        # reserve the convoy place and the checkpoint slots (CCRP)
        last = st.convoys[-1] if st.convoys else None
        if (
            last is not None
            and last.window == w_i
            and abs(last.entry - entry_s) < 1e-6
            and len(last.trips) < st.convoy_max
        ):
            convoy = last
        else:
            self.convoy_seq += 1
            convoy = _ConvoyRec(f"{st.corridor.id}-c{self.convoy_seq:03d}", w_i, entry_s)
            st.convoys.append(convoy)
        t = entry_s
        passes = []
        for k in range(st.legs.shape[0] - 1):
            a = t + st.legs[k]
            s = max(a, float(st.next_free[k]))
            st.next_free[k] = s + st.headway[k]
            st.passes[k].append(s)
            t = s + st.inspection[k]
            passes.append((a, t))
        exit_s = t + float(st.legs[-1])
        arrive = exit_s + float(self.travel.exit_to_reception[c, r])
        unload_end = arrive + conv.unloading_minutes * 60.0
        # board just in time: people wait at the gathering point, not in a bus at the entry
        at_g = float(arrive_g[g])
        dep = max(float(depart[g]), entry_s - float(self.travel.to_entry[g, c]))
        load_start = dep - conv.loading_minutes * 60.0
        prev = self.last_trip.get(id(v))
        if prev is not None:
            self.trips[prev].return_s = at_g
        self.trips.append(
            _TripRec(
                vehicle=self.inp.vehicles.index(v),
                gathering=g,
                corridor=c,
                window=w_i,
                convoy=convoy.id,
                load_start=load_start,
                depart=dep,
                entry=entry_s,
                passes=passes,
                exit=exit_s,
                reception=r,
                arrive=arrive,
                unload_end=unload_end,
                groups=groups,
                capacity=v.capacity,
            )
        )
        convoy.trips.append(len(self.trips) - 1)
        self.last_trip[id(v)] = len(self.trips) - 1
        v.driving_s += float(to_g[g]) + (exit_s - dep) + float(self.travel.exit_to_reception[c, r])
        v.free_s = unload_end
        v.at_reception = r
        v.start_to_gathering = None
        return True

    def binding_windows(self) -> dict[int, set[int]]:
        """Windows whose slowest checkpoint passed all it could, with smaller vehicles in it."""
        out: dict[int, set[int]] = {}
        later = max(self.inp.start_s, 0.0)
        used: dict[tuple[int, int], int] = {}
        small: set[tuple[int, int]] = set()
        for tr in self.trips:
            used[(tr.corridor, tr.window)] = used.get((tr.corridor, tr.window), 0) + 1
            if tr.capacity < self.max_bus:
                small.add((tr.corridor, tr.window))
        for c, st in enumerate(self.states):
            if not st.headway.size or not np.isfinite(st.headway).all():
                continue
            for w_i, w in enumerate(st.windows):
                span = w.end - max(w.start, later) - st.transit_min
                if span < 0 or (c, w_i) not in small:
                    continue
                slots = min(math.floor(span / float(h)) + 1 for h in st.headway)
                if used.get((c, w_i), 0) >= slots:
                    out.setdefault(c, set()).add(w_i)
        return out

    def unfilled(self, windows: dict[int, set[int]]) -> dict[int, set[int]]:
        """Of ``windows``, those whose slowest checkpoint still had slots at the end."""
        later = max(self.inp.start_s, 0.0)
        used: dict[tuple[int, int], int] = {}
        for tr in self.trips:
            used[(tr.corridor, tr.window)] = used.get((tr.corridor, tr.window), 0) + 1
        out: dict[int, set[int]] = {}
        for c, ws in windows.items():
            st = self.states[c]
            for w_i in ws:
                w = st.windows[w_i]
                span = w.end - max(w.start, later) - st.transit_min
                slots = min(math.floor(span / float(h)) + 1 for h in st.headway)
                if used.get((c, w_i), 0) < slots:
                    out.setdefault(c, set()).add(w_i)
        return out

    def underused_windows(self) -> dict[int, set[int]]:
        """Windows that closed before the last one with checkpoint slots left unused."""
        out: dict[int, set[int]] = {}
        later = max(self.inp.start_s, 0.0)
        last_end = max((w.end for st in self.states for w in st.windows), default=0.0)
        used: dict[tuple[int, int], int] = {}
        for tr in self.trips:
            used[(tr.corridor, tr.window)] = used.get((tr.corridor, tr.window), 0) + 1
        for c, st in enumerate(self.states):
            if not st.headway.size or not np.isfinite(st.headway).all():
                continue
            for w_i, w in enumerate(st.windows):
                span = w.end - max(w.start, later) - st.transit_min
                if span < 0 or w.end >= last_end:
                    continue
                slots = min(math.floor(span / float(h)) + 1 for h in st.headway)
                if 0 < used.get((c, w_i), 0) < slots:
                    out.setdefault(c, set()).add(w_i)
        return out

    def _tie(self, v: Vehicle) -> int:
        # by default ties go to ambulances, so the medical cases they exist for are theirs first
        return -v.capacity if self.largest_first else int(not v.medical_only)

    def run(self) -> None:
        heap = [
            (v.free_s, self._tie(v), i) for i, v in enumerate(self.inp.vehicles) if not v.retired
        ]
        heapq.heapify(heap)
        while heap:
            _, _, i = heapq.heappop(heap)
            v = self.inp.vehicles[i]
            if self.step(v):
                heapq.heappush(heap, (v.free_s, self._tie(v), i))
            else:
                v.retired = True


def _copy_input(inp: PlannerInput) -> PlannerInput:
    """The mutable parts copied (demand, vehicles, reception places, problems)."""
    return replace(
        inp,
        vehicles=copy.deepcopy(inp.vehicles),
        demand=copy.deepcopy(inp.demand),
        reception_left=list(inp.reception_left),
        problems=list(inp.problems),
    )


def _score(p: _Planner) -> tuple[int, float]:
    """More people moved, then an earlier last arrival."""
    moved = sum(n for tr in p.trips for _, n, _ in tr.groups)
    return moved, -max((tr.arrive for tr in p.trips), default=0.0)


def _dt(t0: datetime, s: float) -> datetime:
    return t0 + timedelta(seconds=round(s))


def _guided(
    inp: PlannerInput, chains: dict[int, list[tuple[int, int, int]]]
) -> tuple[_Planner, PlannerInput]:
    """The MIP's trips timed under the real rules; the best of four runs.

    Each vehicle follows its own MIP trips, or each vehicle type shares the MIP's trips for
    that type and a vehicle takes the one it reaches first; both with either tie order.
    """
    quota: dict[tuple[bool, int], dict[tuple[int, int, int], int]] = {}
    for v_i, trips in chains.items():
        v = inp.vehicles[v_i]
        per = quota.setdefault((v.medical_only, v.capacity), {})
        for t in trips:
            per[t] = per.get(t, 0) + 1
    best: tuple[_Planner, PlannerInput] | None = None
    for per_vehicle in (True, False):
        for largest_first in (False, True):
            mine = _copy_input(inp)
            p = _Planner(
                mine,
                largest_first=largest_first,
                chains=copy.deepcopy(chains) if per_vehicle else None,
                quota=None if per_vehicle else copy.deepcopy(quota),
            )
            p.run()
            if best is None or _score(p) > _score(best[0]):
                best = (p, mine)
    assert best is not None
    return best


def _search(inp: PlannerInput, *, largest_first: bool) -> tuple[_Planner, PlannerInput]:
    """The greedy planner and its repair passes on a copy of ``inp``; the best run and its input."""
    total = sum(d.left(c) for d in inp.demand for c in range(len(PEOPLE_CLASSES)))
    base = _copy_input(inp)
    inp = _copy_input(inp)
    spare = _copy_input(base)
    p = _Planner(inp, largest_first=largest_first)
    p.run()
    big = p.binding_windows()
    if big:
        # second pass: where checkpoint slots ran out, keep them for the largest buses (the
        # bound showed 30-seat buses and ambulances using slots a 50-seat bus would fill);
        # the better of the two schedules is kept
        p2 = _Planner(spare, big_only=big, largest_first=largest_first)
        p2.run()
        # windows the largest buses alone could not fill go back to every vehicle (once)
        short = p2.unfilled(big)
        if short:
            again = {c: ws - short.get(c, set()) for c, ws in big.items()}
            spare2 = _copy_input(base)
            p2b = _Planner(
                spare2,
                big_only={c: ws for c, ws in again.items() if ws},
                largest_first=largest_first,
            )
            p2b.run()
            if _score(p2b) > _score(p2):
                p2, spare = p2b, spare2
        if _score(p2) > _score(p):
            p, inp = p2, spare
    prefer = p.underused_windows() if total else {}
    if prefer:
        # third pass: draw trips to windows that closed with slots unused (a bus that took a
        # slightly earlier trip elsewhere left a slot no one else could use)
        spare3 = _copy_input(base)
        p3 = _Planner(spare3, big_only=p.big_only, prefer=prefer, largest_first=largest_first)
        p3.run()
        if _score(p3) > _score(p):
            p, inp = p3, spare3
    return p, inp


def plan_schedule(
    inp: PlannerInput,
    *,
    method: str = "ccrp-bish",
    chains: dict[int, list[tuple[int, int, int]]] | None = None,
    greedy: bool = True,
) -> Schedule:
    """Run the planner and build the schedule (without the bound; see ``plan_evacuation``).

    With ``chains`` (each vehicle's trips in the exact MIP, ``corridor.planning.mip_guide``)
    those trips are also timed under the same rules, and that schedule is kept when it moves
    more people (``method`` then gets ``+mip``); with ``greedy=False`` and ``chains`` that
    schedule is the only one made (for checking it on its own).
    """
    started = time.perf_counter()
    total = sum(d.left(c) for d in inp.demand for c in range(len(PEOPLE_CLASSES)))
    if chains and not greedy:
        p, used = _guided(inp, chains)
        method = f"{method}+mip"
    else:
        p, used = _search(inp, largest_first=False)
        # the same search with the largest vehicles choosing first at ties; the better is
        # kept (first on ties, so medical cases keep the ambulances' first pick when it
        # costs nothing)
        p_big, used_big = _search(inp, largest_first=True)
        if _score(p_big) > _score(p):
            p, used = p_big, used_big
        if chains:
            p_mip, used_mip = _guided(inp, chains)
            if _score(p_mip) > _score(p):
                p, used = p_mip, used_mip
                method = f"{method}+mip"
    inp = used
    plan = inp.plan
    t0 = plan.start_utc
    trips: list[Trip] = []
    vid = [v.id for v in inp.vehicles]
    seq: dict[str, int] = {}
    trip_ids: list[str] = []
    for tr in p.trips:
        v = inp.vehicles[tr.vehicle]
        seq[v.id] = seq.get(v.id, 0) + 1
        tid = f"{v.id}/{seq[v.id]}"
        trip_ids.append(tid)
        cor = inp.corridors[tr.corridor]
        trips.append(
            Trip(
                trip_id=tid,
                vehicle_id=v.id,
                vehicle_kind="bus" if v.kind == "bus" else "ambulance",
                convoy_id=tr.convoy,
                corridor_id=cor.id,
                window_index=tr.window,
                gathering_point_id=plan.gathering_points[tr.gathering].id,
                load_start_utc=_dt(t0, tr.load_start),
                depart_utc=_dt(t0, tr.depart),
                entry_utc=_dt(t0, tr.entry),
                checkpoints=[
                    CheckpointPass(checkpoint=k.name, arrive_utc=_dt(t0, a), pass_utc=_dt(t0, b))
                    for k, (a, b) in zip(cor.checkpoints, tr.passes, strict=True)
                ],
                exit_utc=_dt(t0, tr.exit),
                reception_point_id=plan.reception_points[tr.reception].id,
                arrive_utc=_dt(t0, tr.arrive),
                unload_end_utc=_dt(t0, tr.unload_end),
                return_utc=None if tr.return_s is None else _dt(t0, tr.return_s),
                passengers=[
                    PassengerGroup(
                        gathering_point_id=plan.gathering_points[tr.gathering].id,
                        people_class=PEOPLE_CLASSES[c],
                        people=n,
                        family_id=f,
                    )
                    for c, n, f in tr.groups
                ],
                people=sum(n for _, n, _ in tr.groups),
                capacity=tr.capacity,
            )
        )
    convoys = []
    for st in p.states:
        for cv in st.convoys:
            recs = [p.trips[i] for i in cv.trips]
            convoys.append(
                Convoy(
                    convoy_id=cv.id,
                    corridor_id=st.corridor.id,
                    window_index=cv.window,
                    entry_utc=_dt(t0, cv.entry),
                    exit_utc=_dt(t0, max(r.exit for r in recs)),
                    vehicle_ids=[vid[r.vehicle] for r in recs],
                    trip_ids=[trip_ids[i] for i in cv.trips],
                    people=sum(n for r in recs for _, n, _ in r.groups),
                )
            )
    windows = [
        WindowSpan(
            corridor_id=st.corridor.id,
            window_index=i,
            start_utc=_dt(t0, w.start),
            end_utc=_dt(t0, w.end),
        )
        for st in p.states
        for i, w in enumerate(st.windows)
    ]
    window_loads = []
    for st in p.states:
        for i, _w in enumerate(st.windows):
            ts = [t for t in trips if t.corridor_id == st.corridor.id and t.window_index == i]
            by = dict.fromkeys(PEOPLE_CLASSES, 0)
            for t in ts:
                for k, n in t.by_class().items():
                    by[k] += n
            window_loads.append(
                WindowLoad(
                    corridor_id=st.corridor.id,
                    window_index=i,
                    vehicles=len(ts),
                    convoys=len({t.convoy_id for t in ts}),
                    people=sum(t.people for t in ts),
                    by_class=by,
                    places=sum(t.capacity for t in ts),
                )
            )
    checkpoint_loads = _checkpoint_loads(p, t0)
    moved_by = dict.fromkeys(PEOPLE_CLASSES, 0)
    for t in trips:
        for k, n in t.by_class().items():
            moved_by[k] += n
    moved = sum(moved_by.values())
    left = _left_behind(p)
    clearance = max((t.arrive_utc for t in trips), default=None)
    return Schedule(
        plan_id=plan.id,
        method=method,
        created_utc=datetime.now(t0.tzinfo),
        start_utc=_dt(t0, inp.start_s),
        network_sha256=inp.travel.network_sha256,
        windows=windows,
        trips=trips,
        convoys=convoys,
        window_loads=window_loads,
        checkpoint_loads=checkpoint_loads,
        total_people=total,
        moved=moved,
        moved_by_class=moved_by,
        clearance_utc=clearance,
        left_behind=left,
        problems=list(dict.fromkeys([*inp.problems, *inp.travel.notes])),
        plan_s=time.perf_counter() - started,
    )


def _checkpoint_loads(p: _Planner, t0: datetime) -> list[CheckpointLoad]:
    out = []
    base = t0.replace(minute=0, second=0, microsecond=0)
    off = (t0 - base).total_seconds()
    for st in p.states:
        for k, cp in enumerate(st.corridor.checkpoints):
            hours: dict[int, int] = {}
            for s in st.passes[k]:
                h = int((s + off) // 3600)
                hours[h] = hours.get(h, 0) + 1
            for w in st.windows:  # hours in open windows carry private cars
                for h in range(int((w.start + off) // 3600), math.ceil((w.end + off) / 3600)):
                    hours.setdefault(h, 0)
            for h in sorted(hours):
                lo, hi = h * 3600 - off, (h + 1) * 3600 - off
                open_s = sum(max(0.0, min(hi, w.end) - max(lo, w.start)) for w in st.windows)
                out.append(
                    CheckpointLoad(
                        corridor_id=st.corridor.id,
                        checkpoint=cp.name,
                        hour_start_utc=base + timedelta(hours=h),
                        vehicles=hours[h],
                        private_cars=round(float(st.cars_per_hour[k]) * open_s / 3600.0, 2),
                        max_vehicles_per_hour=cp.max_vehicles_per_hour,
                    )
                )
    return out


def _left_behind(p: _Planner) -> list[LeftBehind]:
    """Who still waits, and the binding reason for each group (checked in a fixed order)."""
    out: list[LeftBehind] = []
    plan, inp = p.plan, p.inp
    no_vehicles = not inp.vehicles
    for g, d in enumerate(inp.demand):
        gid = plan.gathering_points[g].id
        reason, detail = _reason_for(p, g)
        for c in range(len(PEOPLE_CLASSES)):
            cls = PEOPLE_CLASSES[c]
            for fid, size in d.families[c]:
                cap = p.max_amb if c == 0 else 0
                cap = max(cap, p.max_bus)
                if size > cap and not no_vehicles and reason != "no_open_route":
                    out.append(
                        LeftBehind(
                            gathering_point_id=gid,
                            people_class=cls,
                            people=size,
                            family_id=fid,
                            reason="family_too_large",
                            detail=f"family {fid} of {size} is larger than any vehicle ({cap} "
                            "places) and is never split",
                        )
                    )
                else:
                    out.append(
                        LeftBehind(
                            gathering_point_id=gid,
                            people_class=cls,
                            people=size,
                            family_id=fid,
                            reason=reason,
                            detail=detail,
                        )
                    )
            if d.singles[c] > 0:
                r2, d2 = reason, detail
                if c == 0 and p.max_bus == 0 and p.max_amb > 0:
                    pass
                elif c > 0 and p.max_bus == 0 and not no_vehicles:
                    r2, d2 = "seats", "only ambulances in the fleet; they carry medical cases only"
                out.append(
                    LeftBehind(
                        gathering_point_id=gid,
                        people_class=cls,
                        people=d.singles[c],
                        reason=r2,
                        detail=d2,
                    )
                )
    return out


def _reason_for(p: _Planner, g: int) -> tuple[str, str]:  # noqa: PLR0911
    inp, travel = p.inp, p.travel
    gp = inp.plan.gathering_points[g]
    usable = []
    for c, st in enumerate(p.states):
        if not p.allowed[g, c] or not np.isfinite(travel.to_entry[g, c]):
            continue
        if not np.isfinite(st.legs).all():
            continue
        if not np.isfinite(travel.exit_to_reception[c]).any():
            continue
        usable.append(c)
    if not usable:
        return "no_open_route", f"no open route from {gp.name} through any corridor to reception"
    if not inp.vehicles:
        return "seats", "the plan has no vehicles"
    reach = {
        r
        for c in usable
        for r in range(len(p.rec_left))
        if np.isfinite(travel.exit_to_reception[c, r])
    }
    if all(p.rec_left[r] <= 0 for r in reach):
        cap = sum(inp.reception_left[r] for r in reach)
        return "reception_capacity", f"the reception points reachable take {cap} people in all"
    later = max(inp.start_s, 0.0)
    fits = False
    for c in usable:
        st = p.states[c]
        need = float(travel.to_entry[g, c])
        for w in st.windows:
            if w.end > later and st.transit_min <= w.end - max(w.start, later + need):
                fits = True
    if not fits:
        return "window_length", "no remaining window is long enough to get through the corridor"
    for c in usable:
        st = p.states[c]
        if not np.isfinite(st.headway).all():
            return "checkpoint_throughput", (
                f"private cars use all the throughput of a checkpoint on {st.corridor.id}"
            )
        for k, cp in enumerate(st.corridor.checkpoints):
            # passes can only happen while a vehicle entering in the window still gets out
            slots = sum(
                math.floor(span / float(st.headway[k])) + 1
                for w in st.windows
                if (span := w.end - max(w.start, later) - st.transit_min) >= 0
            )
            if slots > 0 and len(st.passes[k]) >= 0.9 * slots:
                return "checkpoint_throughput", (
                    f"checkpoint {cp.name} passed {len(st.passes[k])} of about {slots:.0f} "
                    "possible vehicles in the windows"
                )
    return "seats", "every vehicle was busy until the last window closed; more seats would help"


def summarize_moved(schedules: Sequence[Schedule]) -> list[int]:
    """People moved by each schedule (benchmarks)."""
    return [s.moved for s in schedules]
