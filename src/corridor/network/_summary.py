"""What a network contains, in the figures a planner checks first, and their Rich rendering."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from corridor.network._model import FLAG_BRIDGE, FLAG_ONEWAY, FLAG_TUNNEL, Network
from corridor.network._tags import HIGHWAY_CLASSES


@dataclass(frozen=True, slots=True)
class NetworkSummary:
    """Counts and lengths of a network; road lengths count a two-way road once."""

    nodes: int
    edges: int
    segments: int
    road_km: float
    km_by_class: Mapping[str, float]  # highway class -> km, longest first
    bridges: int  # OSM ways tagged bridge
    bridge_names: tuple[str, ...]  # distinct "name (ref)" labels of named bridges, sorted
    tunnels: int
    oneway_share: float  # share of road length that is one-way
    components_dropped: int
    nodes_dropped: int
    edges_dropped: int
    profile: str
    source: str
    source_sha256: str


def summarize(network: Network) -> NetworkSummary:
    """Summarise ``network`` from its arrays and import metadata."""
    seg_edge = network.segment_edges
    seg_len_km = network.edge_length_m[seg_edge].astype(np.float64) / 1000.0
    seg_class = network.edge_highway[seg_edge]
    km = np.bincount(seg_class, weights=seg_len_km, minlength=len(HIGHWAY_CLASSES))
    by_class = {
        HIGHWAY_CLASSES[i]: float(km[i]) for i in np.argsort(-km, kind="stable") if km[i] > 0
    }
    flags = network.edge_flags[seg_edge]
    way_ids = network.arrays["edge_way_id"][seg_edge]
    is_bridge = (flags & FLAG_BRIDGE) != 0
    labels = {
        label
        for e in np.unique(seg_edge[is_bridge])
        if not (label := network.edge_label(int(e))).startswith("unnamed ")
    }
    total_km = float(seg_len_km.sum())
    oneway_km = float(seg_len_km[(flags & FLAG_ONEWAY) != 0].sum())
    dropped: Mapping[str, Any] = network.meta.get("dropped", {})
    return NetworkSummary(
        nodes=network.n_nodes,
        edges=network.n_edges,
        segments=network.n_segments,
        road_km=total_km,
        km_by_class=by_class,
        bridges=int(np.unique(way_ids[is_bridge]).shape[0]),
        bridge_names=tuple(sorted(labels)),
        tunnels=int(np.unique(way_ids[(flags & FLAG_TUNNEL) != 0]).shape[0]),
        oneway_share=oneway_km / total_km if total_km > 0 else 0.0,
        components_dropped=int(dropped.get("components", 0)),
        nodes_dropped=int(dropped.get("nodes", 0)),
        edges_dropped=int(dropped.get("edges", 0)),
        profile=network.profile,
        source=str(network.meta.get("source", "")),
        source_sha256=network.source_sha256,
    )


def render_summary(summary: NetworkSummary, *, title: str = "Road network") -> RenderableType:
    """Two Rich tables: the overview, then km of road by highway class."""
    overview = Table(title=title, show_header=False, title_justify="left")
    overview.add_column(style="bold")
    overview.add_column()
    overview.add_row("source", f"{summary.source} (sha256 {summary.source_sha256[:12]}…)")
    overview.add_row("profile", summary.profile)
    overview.add_row("nodes", f"{summary.nodes:,}")
    overview.add_row("edges", f"{summary.edges:,} directed ({summary.segments:,} road segments)")
    overview.add_row("road", f"{summary.road_km:,.1f} km ({summary.oneway_share:.0%} one-way)")
    names = ", ".join(summary.bridge_names[:8])
    if len(summary.bridge_names) > 8:
        names += f", … {len(summary.bridge_names) - 8} more"
    overview.add_row("bridges", f"{summary.bridges:,}" + (f": {names}" if names else ""))
    overview.add_row("tunnels", f"{summary.tunnels:,}")
    overview.add_row(
        "dropped",
        f"{summary.components_dropped:,} small components "
        f"({summary.nodes_dropped:,} nodes, {summary.edges_dropped:,} edges)",
    )
    classes = Table(show_edge=False, box=None, padding=(0, 2))
    classes.add_column("highway class")
    classes.add_column("km", justify="right")
    classes.add_column("share", justify="right")
    for name, km in summary.km_by_class.items():
        share = km / summary.road_km if summary.road_km else 0.0
        classes.add_row(name, f"{km:,.1f}", f"{share:.1%}")
    return Group(overview, Text(""), classes)
