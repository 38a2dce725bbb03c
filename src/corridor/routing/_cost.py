"""Edge costs that make one shortest-path search trade travel time against survival.

A route survives if every edge does, so ``-log P(survive) = sum(-log(1 - r_e))`` is additive.
The cost of an edge is ``time_s + W * RISK_PENALTY_S * -log(1 - r_e)``: ``W`` (``risk_weight``)
is the number of *hours* of travel a driver would accept to avoid one unit of ``-log survival``.
For small risks ``-log(1 - r) ~ r``, so with the default ``W = 10`` a 1 % risk costs about
6 minutes and a 10 % risk about an hour. ``W = 0`` is the fastest route. Closed edges cost
infinity; open edges have their risk clamped below ``1 - 1e-9`` so that their cost stays finite.
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import NDArray

from corridor.errors import RouteError
from corridor.network import Network

F64 = NDArray[np.float64]
BoolArray = NDArray[np.bool_]

RISK_PENALTY_S = 3600.0  # one unit of -log survival weighs W hours of travel
DEFAULT_RISK_WEIGHT = 10.0
MAX_OPEN_RISK = 1.0 - 1e-9


def risk_to_logs(risk: NDArray[np.floating] | None, n_edges: int) -> F64:
    """Per-edge ``-log(1 - r)``, with r clamped below 1 (closures are handled apart)."""
    if risk is None:
        return np.zeros(n_edges, dtype=np.float64)
    r = np.asarray(risk, dtype=np.float64)
    if r.shape != (n_edges,):
        raise RouteError(f"risk array has shape {r.shape}, expected ({n_edges},)")
    if np.isnan(r).any() or (r < 0).any():
        raise RouteError("risk array holds NaN or negative values")
    return -np.log1p(-np.minimum(r, MAX_OPEN_RISK))


def closed_mask(closed: NDArray[np.bool_] | None, n_edges: int) -> BoolArray:
    if closed is None:
        return np.zeros(n_edges, dtype=np.bool_)
    c = np.asarray(closed, dtype=np.bool_)
    if c.shape != (n_edges,):
        raise RouteError(f"closed array has shape {c.shape}, expected ({n_edges},)")
    return c


def edge_costs(
    network: Network,
    *,
    log_risk: F64,
    closed: BoolArray,
    risk_weight: float = DEFAULT_RISK_WEIGHT,
) -> F64:
    """Search cost of each edge in seconds (infinite where closed)."""
    if not math.isfinite(risk_weight) or risk_weight < 0:
        raise RouteError(f"risk weight must be a finite number >= 0, got {risk_weight}")
    cost = network.edge_time_s.astype(np.float64)
    if risk_weight > 0:
        cost += (risk_weight * RISK_PENALTY_S) * log_risk
    cost[closed] = np.inf
    return cost


def combined_risk(log_risk_sum: float) -> float:
    """Probability that something on the route goes wrong, from its summed ``-log(1 - r)``."""
    return float(-math.expm1(-log_risk_sum))


def risk_to_log(probability: float) -> float:
    """``-log(1 - p)``, the additive form of a route risk limit ``p``."""
    if not 0.0 <= probability < 1.0:
        raise RouteError(f"risk limit must be in [0, 1), got {probability}")
    return -math.log1p(-probability)


def update_costs(
    cost: F64,
    network: Network,
    edges: NDArray[np.integer],
    *,
    risk: NDArray[np.floating],
    closed: BoolArray,
    risk_weight: float = DEFAULT_RISK_WEIGHT,
) -> None:
    """Refresh ``cost`` in place for ``edges`` only (those a hazard update reports as changed).

    Landmark bounds need no refresh: hazards only raise costs, so they stay admissible.
    """
    e = np.asarray(edges, dtype=np.int64)
    r = np.minimum(np.asarray(risk, dtype=np.float64)[e], MAX_OPEN_RISK)
    fresh = network.edge_time_s[e].astype(np.float64) - (risk_weight * RISK_PENALTY_S) * np.log1p(
        -r
    )
    fresh[np.asarray(closed)[e]] = np.inf
    cost[e] = fresh
