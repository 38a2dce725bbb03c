"""Risk-aware routing: exact searches over CSR arrays, risk limits, alternatives, explanations."""

from corridor.routing._cost import (
    DEFAULT_RISK_WEIGHT,
    RISK_PENALTY_S,
    combined_risk,
    edge_costs,
    update_costs,
)
from corridor.routing._engine import Router, router_for
from corridor.routing._landmarks import Landmarks, compute_landmarks
from corridor.routing._model import SAFEST_RISK_WEIGHT, Route, RouteOptions, RouteResult, Waypoint
from corridor.routing._route import route, route_nodes

__all__ = [
    "DEFAULT_RISK_WEIGHT",
    "RISK_PENALTY_S",
    "SAFEST_RISK_WEIGHT",
    "Landmarks",
    "Route",
    "RouteOptions",
    "RouteResult",
    "Router",
    "Waypoint",
    "combined_risk",
    "compute_landmarks",
    "edge_costs",
    "route",
    "route_nodes",
    "router_for",
    "update_costs",
]
