"""What a routing request asks for and what it returns (shared by the CLI and the REST API)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import numpy as np
from numpy.typing import NDArray

from corridor.errors import RouteError
from corridor.network import Network
from corridor.routing._cost import DEFAULT_RISK_WEIGHT, combined_risk

# W large enough that risk always dominates, small enough that time still breaks ties exactly.
SAFEST_RISK_WEIGHT = 1e5


@dataclass(frozen=True)
class RouteOptions:
    """Options of one routing request.

    ``risk_weight``: hours of travel worth one unit of -log survival (1 % risk ~ W x 36 s).
    ``max_risk``: reject routes whose combined risk exceeds it (probability in [0, 1)).
    ``alternatives``: how many further routes that really differ (each shares at most
    ``max_overlap`` of its length with earlier ones and is at most ``max_stretch`` times the
    best cost). ``pareto``: return every non-dominated route in time vs risk instead.
    ``at``: the time hazards are evaluated at (UTC); None means now, decided by the caller.
    """

    risk_weight: float = DEFAULT_RISK_WEIGHT
    max_risk: float | None = None
    alternatives: int = 0
    max_overlap: float = 0.5
    max_stretch: float = 1.6
    pareto: bool = False
    at: datetime | None = None
    snap_max_m: float = 2000.0

    def __post_init__(self) -> None:
        if not (self.risk_weight >= 0 and np.isfinite(self.risk_weight)):
            raise RouteError(
                f"risk weight must be >= 0, got {self.risk_weight}", field="risk_weight"
            )
        if self.max_risk is not None and not 0.0 <= self.max_risk < 1.0:
            raise RouteError(f"max risk must be in [0, 1), got {self.max_risk}", field="max_risk")
        if self.alternatives < 0 or self.alternatives > 10:
            raise RouteError("alternatives must be between 0 and 10", field="alternatives")
        if not 0.0 <= self.max_overlap <= 1.0:
            raise RouteError("max overlap must be in [0, 1]", field="max_overlap")
        if self.max_stretch < 1.0:
            raise RouteError("max stretch must be >= 1", field="max_stretch")
        if self.pareto and self.alternatives:
            raise RouteError(
                "--pareto and --alternatives cannot be combined",
                hint="the Pareto routes already are the alternatives",
            )


@dataclass(frozen=True)
class Waypoint:
    """A requested coordinate and the graph node it was snapped to."""

    lat: float
    lon: float
    node: int
    snap_distance_m: float
    role: str  # "origin", "via", "destination"


@dataclass(frozen=True)
class Route:
    """One route: its edges in order and its totals (risk is a probability in [0, 1))."""

    edges: NDArray[np.int32]
    time_s: float
    length_m: float
    log_risk: float
    cost_s: float
    kind: str = "best"  # best | alternative | pareto

    @property
    def risk(self) -> float:
        return combined_risk(self.log_risk)

    @classmethod
    def from_edges(
        cls,
        network: Network,
        edges: NDArray[np.int32],
        *,
        log_risk: NDArray[np.float64],
        risk_weight_s: float,
        kind: str = "best",
    ) -> Route:
        time_s = float(network.edge_time_s[edges].astype(np.float64).sum())
        lr = float(log_risk[edges].sum())
        return cls(
            edges=np.ascontiguousarray(edges, dtype=np.int32),
            time_s=time_s,
            length_m=float(network.edge_length_m[edges].astype(np.float64).sum()),
            log_risk=lr,
            cost_s=time_s + risk_weight_s * lr,
            kind=kind,
        )

    def nodes(self, network: Network) -> NDArray[np.int32]:
        if self.edges.shape[0] == 0:
            return np.zeros(0, np.int32)
        src = np.asarray(network.edge_source)[self.edges]
        return np.append(src, network.edge_target[self.edges[-1]]).astype(np.int32)

    def summary(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "time_s": round(self.time_s, 1),
            "length_m": round(self.length_m, 1),
            "risk": self.risk,
            "edges": int(self.edges.shape[0]),
        }


@dataclass(frozen=True)
class RouteResult:
    """The routes found (the first is the recommended one) and the snapped waypoints."""

    routes: list[Route]
    waypoints: list[Waypoint]
    options: RouteOptions
    notes: list[str] = field(default_factory=list)

    @property
    def best(self) -> Route:
        return self.routes[0]
