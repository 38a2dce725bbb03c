"""Risk-aware routing: exact searches over CSR arrays, risk limits, alternatives, explanations.

``render_map`` loads on first use (PEP 562): it needs matplotlib, which takes seconds to import
on a loaded machine, and `corridor serve` and the planners never draw a map.
"""

import importlib as _importlib
import typing as _typing

from corridor.routing._cch import Hierarchy, Metric
from corridor.routing._cost import (
    DEFAULT_RISK_WEIGHT,
    RISK_PENALTY_S,
    combined_risk,
    edge_costs,
    update_costs,
)
from corridor.routing._engine import PathResult, Router, router_for
from corridor.routing._explain import Explanation, explain, explanation_table
from corridor.routing._export import geojson_text, route_coords, to_geojson, to_gpx
from corridor.routing._landmarks import Landmarks, compute_landmarks
from corridor.routing._matrix import RouteMatrix, route_matrix, route_matrix_nodes
from corridor.routing._model import SAFEST_RISK_WEIGHT, Route, RouteOptions, RouteResult, Waypoint
from corridor.routing._request import Answer, answer, fastest_and_safest, open_network
from corridor.routing._route import route, route_nodes

if _typing.TYPE_CHECKING:
    from corridor.routing._map import render_map


def __getattr__(name: str) -> _typing.Any:
    if name == "render_map":
        value = _importlib.import_module("corridor.routing._map").render_map
        globals()[name] = value
        return value
    raise AttributeError(f"module 'corridor.routing' has no attribute {name!r}")


__all__ = [
    "DEFAULT_RISK_WEIGHT",
    "RISK_PENALTY_S",
    "SAFEST_RISK_WEIGHT",
    "Answer",
    "Explanation",
    "Hierarchy",
    "Landmarks",
    "Metric",
    "PathResult",
    "Route",
    "RouteMatrix",
    "RouteOptions",
    "RouteResult",
    "Router",
    "Waypoint",
    "answer",
    "combined_risk",
    "compute_landmarks",
    "edge_costs",
    "explain",
    "explanation_table",
    "fastest_and_safest",
    "geojson_text",
    "open_network",
    "render_map",
    "route",
    "route_coords",
    "route_matrix",
    "route_matrix_nodes",
    "route_nodes",
    "router_for",
    "to_geojson",
    "to_gpx",
    "update_costs",
]
