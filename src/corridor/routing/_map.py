"""A static PNG map of roads, hazards and routes (matplotlib, Agg backend, no display needed).

Everything is drawn in the hazards' local transverse Mercator (metres), so hazard zones are
true circles and buffers; the view frames the routes and the hazards near them.
"""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from datetime import datetime
from pathlib import Path

import numpy as np
import shapely
from matplotlib.axes import Axes
from matplotlib.collections import LineCollection
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch, PathPatch
from matplotlib.path import Path as MplPath
from numpy.typing import NDArray
from pyproj import Transformer

from corridor._files import write_atomic
from corridor.hazards import Hazard, segment_index
from corridor.network import HIGHWAY_CLASSES, Network
from corridor.routing._export import ATTRIBUTION, route_coords
from corridor.routing._model import Route

# (highway classes, colour, line width) from minor to major, drawn in that order.
_ROAD_STYLE: tuple[tuple[tuple[str, ...], str, float], ...] = (
    (("service", "track", "living_street", "road", "busway"), "#c8c8c8", 0.6),
    (("residential", "unclassified"), "#a9a9a9", 0.9),
    (("tertiary", "tertiary_link", "secondary", "secondary_link"), "#d9a441", 1.4),
    (("primary", "primary_link"), "#e07b39", 1.9),
    (("motorway", "motorway_link", "trunk", "trunk_link"), "#c0392b", 2.4),
)
_ROUTE_COLOURS = ("#1f5fbf", "#1a9850", "#7b3294", "#e66101", "#008b8b")
_PAD_M = 700.0


def _route_colour(label: str, index: int) -> str:
    low = label.lower()
    if "fastest" in low:
        return _ROUTE_COLOURS[0]
    if "safest" in low:
        return _ROUTE_COLOURS[1]
    return _ROUTE_COLOURS[(index + 2) % len(_ROUTE_COLOURS)]


def _polygon_patch(geom: shapely.Geometry, **kw: object) -> list[PathPatch]:
    patches = []
    for poly in shapely.get_parts(geom):
        if poly.geom_type != "Polygon" or poly.is_empty:
            continue
        rings = [np.asarray(poly.exterior.coords)] + [np.asarray(r.coords) for r in poly.interiors]
        verts = np.concatenate(rings)
        codes = np.concatenate(
            [
                [MplPath.MOVETO] + [MplPath.LINETO] * (len(r) - 2) + [MplPath.CLOSEPOLY]
                for r in rings
            ]
        )
        patches.append(PathPatch(MplPath(verts, codes), **kw))
    return patches


def _zones(tf: Transformer, hazards: Sequence[Hazard]) -> NDArray[np.object_]:
    """Hazard zones in metres: each geometry buffered by its radius (as the risk model does)."""

    def fwd(xy: NDArray[np.float64]) -> NDArray[np.float64]:
        x, y = tf.transform(xy[:, 0], xy[:, 1])
        return np.column_stack([x, y])

    geoms = shapely.transform(np.array([h.geometry for h in hazards], dtype=object), fwd)
    radii = np.array([h.effective_radius_m for h in hazards], dtype=np.float64)
    return shapely.buffer(geoms, radii)  # type: ignore[no-any-return]


def render_map(
    network: Network,
    *,
    hazards: Sequence[Hazard],
    routes: Mapping[str, Route] | Sequence[Route],
    path: str | Path,
    at: datetime | None = None,
    title: str | None = None,
) -> None:
    """Write a PNG: roads by class, hazard zones (closures hatched), routes with a legend."""
    index = segment_index(network)
    tf = index.transformer
    named = (
        dict(routes)
        if isinstance(routes, Mapping)
        else {f"{r.kind} {i + 1}": r for i, r in enumerate(routes)}
    )
    shown = [h for h in hazards if at is None or h.valid_at(at)]

    fig = Figure(figsize=(11, 9), dpi=110)  # no pyplot: no global state, Agg via savefig
    ax = fig.subplots()
    ax.set_facecolor("#f7f5f0")
    seg_class = np.asarray(network.edge_highway)[network.segment_edges]

    for classes, colour, width in _ROAD_STYLE:
        codes = [HIGHWAY_CLASSES.index(c) for c in classes if c in HIGHWAY_CLASSES]
        segs = np.flatnonzero(np.isin(seg_class, codes))
        lines = [np.asarray(shapely.get_coordinates(index.lines[s])) for s in segs]
        ax.add_collection(LineCollection(lines, colors=colour, linewidths=width, zorder=1))

    xs: list[float] = []
    ys: list[float] = []
    if shown:
        zones = _zones(tf, shown)
        for h, zone in zip(shown, zones, strict=True):
            closes = h.effective_closes
            face = "#d7301f" if closes else "#fc8d59"
            for patch in _polygon_patch(
                zone,
                facecolor=face,
                alpha=0.28 if closes else 0.22,
                edgecolor=face,
                linewidth=1.0,
                hatch="///" if closes else None,
                zorder=2,
            ):
                ax.add_patch(patch)
            x, y = tf.transform(*h.lonlat)
            ax.plot(
                [x],
                [y],
                marker="X" if closes else "o",
                color="#8b0000" if closes else "#b35806",
                markersize=9 if closes else 5,
                markeredgecolor="white",
                zorder=5,
            )
            ax.annotate(
                f"{h.id} {h.kind}",
                (x, y),
                xytext=(5, 5),
                textcoords="offset points",
                fontsize=7,
                color="#5a0000",
                zorder=6,
            )
            bx0, by0, bx1, by1 = shapely.bounds(zone)
            xs += [bx0, bx1]
            ys += [by0, by1]

    handles: list[Line2D | Patch] = []
    for i, (label, r) in enumerate(named.items()):
        lon, lat = route_coords(network, r)
        x, y = tf.transform(lon, lat)
        colour = _route_colour(label, i)
        # earlier routes wider and below, so a later route on the same road leaves a visible rim
        width = max(7.0 - 2.2 * i, 2.0)
        ax.plot(x, y, color="white", linewidth=width + 2.5, solid_capstyle="round", zorder=3 + i)
        ax.plot(x, y, color=colour, linewidth=width, solid_capstyle="round", zorder=3.5 + i)
        if len(x):
            ax.plot([x[0]], [y[0]], marker="o", color="black", markersize=7, zorder=20)
            ax.plot([x[-1]], [y[-1]], marker="s", color="black", markersize=7, zorder=20)
        xs += list(np.asarray(x))
        ys += list(np.asarray(y))
        handles.append(
            Line2D(
                [],
                [],
                color=colour,
                linewidth=4,
                label=f"{label}: {r.time_s / 60:.1f} min, {r.length_m / 1000:.1f} km, "
                f"risk {r.risk:.1%}",
            )
        )
    handles += [
        Patch(facecolor="#fc8d59", alpha=0.4, label="hazard zone (adds risk)"),
        Patch(facecolor="#d7301f", alpha=0.4, hatch="///", label="closure"),
        Line2D([], [], marker="o", color="black", linestyle="", label="start"),
        Line2D([], [], marker="s", color="black", linestyle="", label="destination"),
    ]
    if xs:
        x0, x1, y0, y1 = min(xs) - _PAD_M, max(xs) + _PAD_M, min(ys) - _PAD_M, max(ys) + _PAD_M
        ax.set_xlim(x0, x1)
        ax.set_ylim(y0, y1)
        fig.set_size_inches(11, float(np.clip(10.4 * (y1 - y0) / (x1 - x0) + 0.9, 5.0, 12.0)))
    else:
        ax.autoscale()
    ax.set_aspect("equal")
    ax.set_xticks([])
    ax.set_yticks([])
    _scale_bar(ax)
    ax.legend(handles=handles, loc="upper left", fontsize=8, framealpha=0.9)
    ax.set_title(title or "corridor routes", fontsize=12)
    ax.text(
        0.995,
        0.005,
        ATTRIBUTION,
        transform=ax.transAxes,
        ha="right",
        va="bottom",
        fontsize=7,
        color="#333333",
        bbox={"facecolor": "white", "alpha": 0.7, "linewidth": 0},
    )
    fig.tight_layout()
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    write_atomic(path, buf.getvalue())


def _scale_bar(ax: Axes) -> None:
    x0, x1 = ax.get_xlim()
    y0, y1 = ax.get_ylim()
    span = x1 - x0
    length = 10 ** np.floor(np.log10(span / 4))
    length *= 5 if span / 4 / length >= 5 else 2 if span / 4 / length >= 2 else 1
    bx, by = x0 + 0.04 * span, y0 + 0.04 * (y1 - y0)
    ax.plot([bx, bx + length], [by, by], color="black", linewidth=3, zorder=8)
    text = f"{length / 1000:g} km" if length >= 1000 else f"{length:g} m"
    ax.text(bx + length / 2, by + 0.01 * (y1 - y0), text, ha="center", va="bottom", fontsize=8)
