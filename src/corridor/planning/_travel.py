"""The condensed network the planners work on: travel times between the places that matter.

Never a time-expanded copy of the road graph (DESIGN-NOTES): only gathering points, corridor
entries, checkpoints, corridor exits, reception points and vehicle depots, with times from the
routing engine's route matrix under the hazard picture at the planned time. ``inf`` = no open
route. Tests and benchmarks may also build a :class:`TravelTimes` by hand.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

import numpy as np
from numpy.typing import NDArray

from corridor.agreements import Terms
from corridor.errors import PlanError
from corridor.hazards import Hazard, RiskModel
from corridor.network import Network
from corridor.planning._model import (
    CorridorCheckpoint,
    CorridorSpec,
    PlanInput,
    Point,
    TimeWindow,
)
from corridor.routing import route_matrix

F64 = NDArray[np.float64]


@dataclass(frozen=True)
class Corridor:
    """A corridor resolved from the plan (inline) or from stored agreement terms."""

    id: str
    name: str
    entry: Point
    exit: Point
    checkpoints: tuple[CorridorCheckpoint, ...]
    windows: tuple[TimeWindow, ...]
    max_convoy_size: int | None
    edge_ids: tuple[int, ...] = ()
    network_sha256: str | None = None


@dataclass
class TravelTimes:
    """Seconds between the condensed network's places (rows/columns in the plan's order).

    ``to_entry[g, c]``: gathering point g to corridor c's entry; ``legs[c]``: entry to the first
    checkpoint, between checkpoints, last checkpoint to the exit (len = checkpoints + 1);
    ``exit_to_reception[c, r]``; ``reception_to_gathering[r, g]`` (empty runs back);
    ``depot_to_gathering[v, g]`` for every vehicle (buses first, then ambulances).
    """

    to_entry: F64
    legs: list[F64]
    exit_to_reception: F64
    reception_to_gathering: F64
    depot_to_gathering: F64
    network_sha256: str | None = None
    notes: list[str] = field(default_factory=list)


def corridor_from_terms(spec: CorridorSpec, terms: Terms) -> Corridor:
    """A corridor from agreed terms: route, checkpoints, windows and convoy size as signed."""
    return Corridor(
        id=spec.id,
        name=spec.name or terms.title or terms.corridor_id,
        entry=Point(lat=terms.origin.lat, lon=terms.origin.lon),
        exit=Point(lat=terms.destination.lat, lon=terms.destination.lon),
        checkpoints=tuple(
            CorridorCheckpoint(
                name=c.name,
                lat=c.lat,
                lon=c.lon,
                max_vehicles_per_hour=c.max_vehicles_per_hour,
                inspection_minutes=c.inspection_minutes,
            )
            for c in terms.checkpoints
        ),
        windows=tuple(
            TimeWindow(start_utc=w.start_utc, end_utc=w.end_utc) for w in terms.windows_sorted()
        ),
        max_convoy_size=terms.max_convoy_size,
        edge_ids=tuple(terms.route.edge_ids),
        network_sha256=terms.route.network_sha256,
    )


def resolve_corridors(
    plan: PlanInput, agreements: Mapping[str, Terms] | None = None
) -> list[Corridor]:
    """Every corridor of the plan; agreement corridors need their terms in ``agreements``.

    The checkpoints of an agreement are taken in the order the terms list them, which is the
    order along the route (the agreement draft writes them so).
    """
    out: list[Corridor] = []
    for i, spec in enumerate(plan.corridors):
        if spec.agreement is not None:
            terms = (agreements or {}).get(spec.agreement)
            if terms is None:
                raise PlanError(
                    f"agreement {spec.agreement!r} was not loaded",
                    field=f"corridors[{i}].agreement",
                    hint="store it with `corridor agreement propose` or give the corridor inline",
                )
            out.append(corridor_from_terms(spec, terms))
            continue
        assert spec.entry is not None and spec.exit is not None
        out.append(
            Corridor(
                id=spec.id,
                name=spec.name or spec.id,
                entry=spec.entry,
                exit=spec.exit,
                checkpoints=tuple(spec.checkpoints),
                windows=tuple(sorted(spec.windows, key=lambda w: w.start_utc)),
                max_convoy_size=spec.max_convoy_size,
            )
        )
    return out


def _ll(points: Sequence[Point]) -> list[tuple[float, float]]:
    return [(p.lat, p.lon) for p in points]


def travel_times(
    plan: PlanInput,
    corridors: Sequence[Corridor],
    network: Network,
    *,
    hazards: Sequence[Hazard] = (),
    at: datetime | None = None,
    closed_edges: Sequence[int] = (),
    depots: Sequence[Point] | None = None,
    risk_weight: float = 0.0,
) -> TravelTimes:
    """Travel times from the routing engine with the hazards valid at ``at`` (default: start).

    Closed edges (hazards or ``closed_edges``) are impassable; with ``risk_weight`` > 0 routes
    avoid risk as the router does (times are still the chosen routes' driving times). An
    agreement corridor whose agreed edges include a closed one is closed (all its times inf).
    """
    when = at or plan.start_utc
    closed = np.zeros(network.n_edges, dtype=bool)
    risk: F64 | None = None
    if hazards:
        model = RiskModel(network, hazards, at=when)
        closed |= model.closed
        risk = model.risk
    extra = np.asarray(closed_edges, dtype=np.int64)
    if extra.size:
        if extra.min() < 0 or extra.max() >= network.n_edges:
            raise PlanError("closed edge id outside the network", field="closed_edges")
        closed[extra] = True
    gps = [Point(lat=g.lat, lon=g.lon) for g in plan.gathering_points]
    recs = [Point(lat=r.lat, lon=r.lon) for r in plan.reception_points]
    if depots is None:
        depots = [v.depot for v in plan.vehicles.all()]
    entries = [c.entry for c in corridors]
    exits = [c.exit for c in corridors]
    kw = {"risk": risk, "closed": closed, "risk_weight": risk_weight}
    notes: list[str] = []

    # one matrix from every origin place to every destination place (deduplicated by position)
    origins = list(dict.fromkeys(_ll([*gps, *recs, *depots])))
    dests = list(dict.fromkeys(_ll([*entries, *gps])))
    m = route_matrix(network, origins, dests, **kw)  # type: ignore[arg-type]
    oi = {p: i for i, p in enumerate(origins)}
    di = {p: j for j, p in enumerate(dests)}

    def sub(rows: Sequence[Point], cols: Sequence[Point]) -> F64:
        r = np.array([oi[(p.lat, p.lon)] for p in rows], dtype=np.int64)
        c = np.array([di[(p.lat, p.lon)] for p in cols], dtype=np.int64)
        if r.size == 0 or c.size == 0:
            return np.zeros((r.size, c.size))
        return np.asarray(m.time_s[np.ix_(r, c)], dtype=np.float64)

    to_entry = sub(gps, entries)
    rec_to_gp = sub(recs, gps)
    depot_to_gp = sub(depots, gps)
    ex = route_matrix(network, _ll(exits), _ll(recs), **kw)  # type: ignore[arg-type]
    exit_to_rec = np.asarray(ex.time_s, dtype=np.float64)
    legs: list[F64] = []
    for c in corridors:
        stops = [c.entry, *(Point(lat=k.lat, lon=k.lon) for k in c.checkpoints), c.exit]
        lm = route_matrix(network, _ll(stops[:-1]), _ll(stops[1:]), **kw)  # type: ignore[arg-type]
        leg = np.diagonal(lm.time_s).astype(np.float64).copy()
        if c.edge_ids and c.network_sha256 == network.file_sha256:
            ids = np.asarray(c.edge_ids, dtype=np.int64)
            ok = (ids >= 0) & (ids < network.n_edges)
            if not ok.all() or closed[ids[ok]].any():
                leg[:] = np.inf
                notes.append(f"corridor {c.id}: an agreed road is closed at {when:%H:%M} UTC")
        legs.append(leg)
    return TravelTimes(
        to_entry=to_entry,
        legs=legs,
        exit_to_reception=exit_to_rec,
        reception_to_gathering=rec_to_gp,
        depot_to_gathering=depot_to_gp,
        network_sha256=getattr(network, "file_sha256", None),
        notes=notes,
    )
