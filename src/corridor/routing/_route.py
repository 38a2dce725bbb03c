"""Risk-aware routing between coordinates: best route, risk limit, alternatives, Pareto set."""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np
from numpy.typing import NDArray

from corridor.errors import RouteError, SnapError
from corridor.network import Network, snap
from corridor.routing._alternatives import penalty_alternatives
from corridor.routing._blocked import no_route_error
from corridor.routing._cost import (
    RISK_PENALTY_S,
    closed_mask,
    combined_risk,
    edge_costs,
    risk_to_log,
    risk_to_logs,
)
from corridor.routing._engine import Router, router_for
from corridor.routing._model import Route, RouteOptions, RouteResult, Waypoint
from corridor.routing._pareto import Tradeoff, combine_legs, martins, supported_points

F64 = NDArray[np.float64]
I32 = NDArray[np.int32]
LatLon = tuple[float, float]
# The exact bi-objective search runs up to this network size; larger ones use the weight sweep.
MARTINS_MAX_NODES = 200_000


class RiskSource(Protocol):
    """A risk model as routing sees it (``corridor.hazards.RiskModel`` is one)."""

    risk: NDArray[np.float64]
    closed: NDArray[np.bool_]

    def closing_hazards(self, edges: NDArray[np.int32]) -> dict[int, list[str]]: ...


@dataclass
class _Problem:
    """One request's arrays and legs, with the searches every option builds on."""

    network: Network
    router: Router
    log_risk: F64
    closed: NDArray[np.bool_]
    legs: list[tuple[int, int, str]]
    closures: RiskSource | None

    def solve(self, cost: F64) -> I32 | None:
        parts = []
        for s, t, _ in self.legs:
            found = self.router.shortest(cost, s, t)
            if not np.isfinite(found.cost):
                return None
            parts.append(found.edges)
        return np.concatenate(parts) if parts else np.zeros(0, np.int32)

    def raise_no_route(self) -> RouteError:
        for s, t, leg in self.legs:
            if not self.router.reachable(self.closed, s)[t]:
                return no_route_error(
                    self.router, self.closed, s, t, leg=leg, closures=self.closures
                )
        return RouteError("no route found although every leg is connected (internal error)")

    def route(self, cost: F64, w_s: float, kind: str = "best") -> Route:
        edges = self.solve(cost)
        if edges is None:
            raise self.raise_no_route()
        return self.make(edges, w_s, kind)

    def make(self, edges: I32, w_s: float, kind: str = "best") -> Route:
        return Route.from_edges(
            self.network, edges, log_risk=self.log_risk, risk_weight_s=w_s, kind=kind
        )

    def tradeoff(self, w_s: float) -> Tradeoff:
        cost = edge_costs(
            self.network,
            log_risk=self.log_risk,
            closed=self.closed,
            risk_weight=w_s / RISK_PENALTY_S,
        )
        r = self.route(cost, w_s)
        return Tradeoff(r.time_s, r.log_risk, r.edges)

    def front(self, max_log_risk: float = np.inf) -> tuple[list[Tradeoff], bool]:
        """The Pareto front (exact if possible; ``False`` when only supported points)."""
        if self.network.n_nodes <= MARTINS_MAX_NODES:
            time_s = self.network.edge_time_s.astype(np.float64)
            fronts = []
            for s, t, _ in self.legs:
                f = martins(
                    self.router,
                    s,
                    t,
                    time_s=time_s,
                    log_risk=self.log_risk,
                    closed=self.closed,
                    max_log_risk=max_log_risk,
                )
                if f is None:
                    break
                fronts.append(f)
            else:
                return combine_legs(fronts), True
        return supported_points(self.tradeoff), False


def snap_waypoints(
    network: Network, points: Sequence[LatLon], roles: Sequence[str], max_m: float
) -> list[Waypoint]:
    out = []
    for (lat, lon), role in zip(points, roles, strict=True):
        try:
            found = snap(network, lat, lon, max_distance_m=max_m)
        except SnapError as exc:
            raise SnapError(exc.message, item=role, hint=exc.hint) from exc
        out.append(Waypoint(lat, lon, found.node, found.distance_m, role))
    return out


def route(
    network: Network,
    *,
    origin: LatLon,
    destination: LatLon,
    via: Sequence[LatLon] = (),
    risk_model: RiskSource | None = None,
    risk: NDArray[np.floating] | None = None,
    closed: NDArray[np.bool_] | None = None,
    options: RouteOptions | None = None,
) -> RouteResult:
    """Route from ``origin`` to ``destination`` (lat, lon) through ``via`` in order.

    Risk and closures come from ``risk_model`` or from plain per-edge arrays. Raises
    ``SnapError`` for a point far from any road and ``RouteError`` when no route exists (the
    message names the closed roads and hazards that block it) or none meets ``max_risk``.
    """
    opts = options or RouteOptions()
    roles = ["origin"] + ["via"] * len(via) + ["destination"]
    waypoints = snap_waypoints(network, [origin, *via, destination], roles, opts.snap_max_m)
    return route_nodes(
        network, waypoints, risk_model=risk_model, risk=risk, closed=closed, options=opts
    )


def route_nodes(
    network: Network,
    waypoints: Sequence[Waypoint],
    *,
    risk_model: RiskSource | None = None,
    risk: NDArray[np.floating] | None = None,
    closed: NDArray[np.bool_] | None = None,
    options: RouteOptions | None = None,
) -> RouteResult:
    """As :func:`route`, for waypoints already on graph nodes."""
    opts = options or RouteOptions()
    if len(waypoints) < 2:
        raise RouteError("a route needs an origin and a destination")
    if risk_model is not None:
        risk, closed = risk_model.risk, risk_model.closed
    m = network.n_edges
    log_risk = risk_to_logs(risk, m)
    closed_arr = closed_mask(closed, m)
    legs = [
        (
            a.node,
            b.node,
            f"from the {a.role} to the {b.role}"
            if b.role != "via" or a.role != "via"
            else "between via points",
        )
        for a, b in itertools.pairwise(waypoints)
    ]
    problem = _Problem(network, router_for(network), log_risk, closed_arr, legs, risk_model)
    w_s = opts.risk_weight * RISK_PENALTY_S
    cost = edge_costs(network, log_risk=log_risk, closed=closed_arr, risk_weight=opts.risk_weight)
    notes: list[str] = []
    best = problem.route(cost, w_s)
    limit = np.inf if opts.max_risk is None else risk_to_log(opts.max_risk)

    if opts.pareto:
        front, exact = problem.front(limit)
        if not exact:
            notes.append("network too large for the exact front: supported points only")
        routes = [
            problem.make(p.edges, w_s, "pareto") for p in front if p.log_risk <= limit + 1e-12
        ]
        if not routes:
            raise _too_risky(problem, opts.max_risk or 0.0)
        return RouteResult(routes, list(waypoints), opts, notes)

    if best.log_risk > limit + 1e-12:
        front, exact = problem.front(limit)
        ok = [p for p in front if p.log_risk <= limit + 1e-12]
        if not ok:
            raise _too_risky(problem, opts.max_risk or 0.0)
        pick = min(ok, key=lambda p: p.time_s + w_s * p.log_risk)
        best = problem.make(pick.edges, w_s)
        notes.append(
            "risk limit applied: "
            + (
                "exact (label-setting search)"
                if exact
                else "best supported point of the weight sweep"
            )
        )

    routes = [best]
    if opts.alternatives:
        alts = penalty_alternatives(
            network,
            best,
            cost,
            problem.solve,
            lambda e: problem.make(e, w_s),
            count=opts.alternatives,
            max_overlap=opts.max_overlap,
            max_stretch=opts.max_stretch,
        )
        alts = [a for a in alts if a.log_risk <= limit + 1e-12]
        if len(alts) < opts.alternatives:
            notes.append(
                f"found {len(alts)} of {opts.alternatives} alternatives within "
                f"overlap {opts.max_overlap:.0%} and stretch {opts.max_stretch:g}"
            )
        routes.extend(alts)
    return RouteResult(routes, list(waypoints), opts, notes)


def _too_risky(problem: _Problem, max_risk: float) -> RouteError:
    safest = problem.tradeoff(1e9)
    return RouteError(
        f"no route keeps the risk at or below {max_risk:.1%}: the safest route has risk "
        f"{combined_risk(safest.log_risk):.1%}",
        field="max_risk",
        hint="raise --max-risk, or evaluate hazards at another time with --at",
    )
