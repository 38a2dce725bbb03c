"""Explanations a driver and a negotiator can both read: roads, structures, hazards, totals."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import numpy as np
from rich.console import Group
from rich.table import Table

from corridor.hazards import Hazard, RiskModel, hazards_near
from corridor.network import FLAG_BRIDGE, FLAG_TUNNEL, Network
from corridor.routing._export import route_coords
from corridor.routing._model import Route

NEAR_M = 1000.0


@dataclass(frozen=True)
class RoadStep:
    """A stretch of one road (consecutive edges with the same name/ref merged)."""

    road: str
    highway: str
    length_m: float
    time_s: float


@dataclass(frozen=True)
class Structure:
    kind: str  # bridge | tunnel
    name: str
    length_m: float


@dataclass(frozen=True)
class NearbyHazard:
    """A hazard within reach of the route; ``risk`` is its own share of the route's risk."""

    id: str
    kind: str
    distance_m: float
    risk: float
    closes: bool
    source: str


@dataclass(frozen=True)
class Explanation:
    kind: str
    time_s: float
    length_m: float
    risk: float
    roads: list[RoadStep]
    structures: list[Structure]
    hazards: list[NearbyHazard]
    at_utc: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


def _roads(network: Network, edges: Sequence[int]) -> list[RoadStep]:
    steps: list[RoadStep] = []
    for e in edges:
        label = network.edge_label(e)
        length, time_s = float(network.edge_length_m[e]), float(network.edge_time_s[e])
        if steps and steps[-1].road == label:
            last = steps[-1]
            steps[-1] = RoadStep(label, last.highway, last.length_m + length, last.time_s + time_s)
        else:
            steps.append(RoadStep(label, network.highway_class(e), length, time_s))
    return [RoadStep(s.road, s.highway, round(s.length_m, 1), round(s.time_s, 1)) for s in steps]


def _structures(network: Network, edges: Sequence[int]) -> list[Structure]:
    out: list[Structure] = []
    prev_key: tuple[str, str] | None = None
    for e in edges:
        flags = int(network.edge_flags[e])
        kind = "bridge" if flags & FLAG_BRIDGE else "tunnel" if flags & FLAG_TUNNEL else None
        if kind is None:
            prev_key = None
            continue
        key = (kind, network.edge_label(e))
        length = float(network.edge_length_m[e])
        if key == prev_key:
            out[-1] = Structure(kind, key[1], out[-1].length_m + length)
        else:
            out.append(Structure(kind, key[1], length))
        prev_key = key
    return [Structure(s.kind, s.name, round(s.length_m, 1)) for s in out]


def explain(
    network: Network,
    route: Route,
    *,
    risk_model: RiskModel | None = None,
    hazards: Sequence[Hazard] | None = None,
    at: datetime | None = None,
    within_m: float = NEAR_M,
) -> Explanation:
    """The route told as roads, bridges/tunnels, nearby hazards (with their share of the risk)."""
    edges = route.edges.tolist()
    when = risk_model.at if risk_model is not None else at
    pool = list(hazards) if hazards is not None else (risk_model.hazards if risk_model else [])
    lon, lat = route_coords(network, route)
    near = hazards_near(pool, lon, lat, within_m=within_m, at=when) if pool else []
    per_hazard: dict[str, float] = {}
    closing: set[str] = set()
    if risk_model is not None:
        log_survive: dict[str, float] = {}
        for c in risk_model.contributions(route.edges):
            log_survive[c.hazard_id] = log_survive.get(c.hazard_id, 0.0) + float(
                -np.log1p(-min(c.probability, 1.0 - 1e-9))
            )
            if c.closes:
                closing.add(c.hazard_id)
        per_hazard = {h: float(-np.expm1(-v)) for h, v in log_survive.items()}
    nearby = [
        NearbyHazard(
            h.id, str(h.kind), round(d, 1), per_hazard.get(h.id, 0.0), h.id in closing, h.source
        )
        for h, d in near
    ]
    return Explanation(
        kind=route.kind,
        time_s=round(route.time_s, 1),
        length_m=round(route.length_m, 1),
        risk=route.risk,
        roads=_roads(network, edges),
        structures=_structures(network, edges),
        hazards=nearby,
        at_utc=when.isoformat() if when is not None else None,
    )


def _minutes(seconds: float) -> str:
    return f"{seconds / 60:.1f} min"


def explanation_table(expl: Explanation, *, title: str | None = None) -> Group:
    """Rich rendering: a totals line, the roads in order, structures and nearby hazards."""
    head = Table.grid(padding=(0, 2))
    head.add_row(
        f"[bold]{title or expl.kind}[/]",
        _minutes(expl.time_s),
        f"{expl.length_m / 1000:.2f} km",
        f"risk [bold]{expl.risk:.2%}[/]",
    )
    roads = Table(title="roads", title_justify="left", show_edge=False)
    roads.add_column("#", justify="right")
    roads.add_column("road")
    roads.add_column("class")
    roads.add_column("km", justify="right")
    roads.add_column("min", justify="right")
    for i, s in enumerate(expl.roads, start=1):
        roads.add_row(str(i), s.road, s.highway, f"{s.length_m / 1000:.2f}", f"{s.time_s / 60:.1f}")
    parts: list[Any] = [head, roads]
    if expl.structures:
        st = Table(title="bridges and tunnels", title_justify="left", show_edge=False)
        st.add_column("kind")
        st.add_column("name")
        st.add_column("m", justify="right")
        for b in expl.structures:
            st.add_row(b.kind, b.name, f"{b.length_m:.0f}")
        parts.append(st)
    hz = Table(title=f"hazards within {NEAR_M:.0f} m", title_justify="left", show_edge=False)
    hz.add_column("id")
    hz.add_column("kind")
    hz.add_column("distance m", justify="right")
    hz.add_column("risk on route", justify="right")
    for h in expl.hazards:
        hz.add_row(h.id, h.kind, f"{h.distance_m:.0f}", "closed" if h.closes else f"{h.risk:.2%}")
    if not expl.hazards:
        hz.add_row("-", "none", "", "")
    parts.append(hz)
    return Group(*parts)
