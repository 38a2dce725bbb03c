"""Why there is no route: the closed edges that cut the origin off from the destination."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Protocol

import numpy as np
from numpy.typing import NDArray

from corridor.errors import RouteError
from corridor.network import FLAG_BRIDGE, FLAG_TUNNEL, Network
from corridor.routing._engine import Router

_MAX_NAMED = 8


class ClosureSource(Protocol):
    """What the diagnosis needs from a risk model: which hazards close which edges."""

    def closing_hazards(self, edges: NDArray[np.int32]) -> dict[int, list[str]]: ...


def blocking_edges(router: Router, closed: NDArray[np.bool_], s: int, t: int) -> NDArray[np.int32]:
    """The closed edges leaving the area reachable from ``s``: the cut that blocks the route."""
    net = router.network
    reach = router.reachable(closed, s)
    src, dst = np.asarray(net.edge_source), np.asarray(net.edge_target)
    return np.flatnonzero(closed & reach[src] & ~reach[dst]).astype(np.int32)


def fewest_to_reopen(
    router: Router, closed: NDArray[np.bool_], s: int, t: int
) -> NDArray[np.int32]:
    """The closed edges on the route that needs the fewest reopened edges (then the fastest).

    Several closures can lie in series (a bridge and its approach ramps), so the cut alone does
    not say what would restore a route; this does.
    """
    big = 1e7  # seconds per closed edge: any closure outweighs any travel time
    cost = router.network.edge_time_s.astype(np.float64) + big * closed
    found = router.shortest(cost, s, t, method="dijkstra")
    return found.edges[closed[found.edges]]


def _kind(network: Network, edge: int) -> str:
    flags = int(network.edge_flags[edge])
    return "bridge " if flags & FLAG_BRIDGE else "tunnel " if flags & FLAG_TUNNEL else ""


def describe_cut(
    network: Network, edges: NDArray[np.int32], hazards_by_edge: Mapping[int, list[str]]
) -> str:
    """One phrase per blocked road (grouped by road and hazards), bridges named as bridges."""
    groups: dict[tuple[str, tuple[str, ...]], int] = {}
    for e in edges.tolist():
        key = (
            f"{_kind(network, e)}{network.edge_label(e)}",
            tuple(sorted(hazards_by_edge.get(e, []))),
        )
        groups[key] = groups.get(key, 0) + 1
    parts = []
    for (label, hazard_ids), _count in sorted(groups.items())[:_MAX_NAMED]:
        by = f" (closed by {', '.join(hazard_ids)})" if hazard_ids else ""
        parts.append(f"{label}{by}")
    if len(groups) > _MAX_NAMED:
        parts.append(f"and {len(groups) - _MAX_NAMED} more")
    return "; ".join(parts)


def no_route_error(
    router: Router,
    closed: NDArray[np.bool_],
    s: int,
    t: int,
    *,
    leg: str,
    closures: ClosureSource | None = None,
) -> RouteError:
    """A RouteError naming what blocks the leg: the closed roads of the cut and their hazards."""
    net = router.network
    if not router.reachable(np.zeros(net.n_edges, np.bool_), s)[t]:
        return RouteError(
            f"no road in this network leads {leg}, even with every road open",
            hint="check the points, or import a larger extract",
        )
    cut = blocking_edges(router, closed, s, t)
    reopen = fewest_to_reopen(router, closed, s, t)
    edges = np.union1d(cut, reopen).astype(np.int32)
    by_edge = closures.closing_hazards(edges) if closures is not None else {}
    bridges = [e for e in cut.tolist() if int(net.edge_flags[e]) & FLAG_BRIDGE]
    what = "every bridge" if bridges and len(bridges) == len(cut) else "every road"
    return RouteError(
        f"no open route {leg}: {what} out of the reachable area is closed: "
        f"{describe_cut(net, cut, by_edge)}. Reopening the fewest closed edges needs: "
        f"{describe_cut(net, reopen, by_edge)}",
        hint="wait until a closure expires (--at), or choose another exit",
    )
