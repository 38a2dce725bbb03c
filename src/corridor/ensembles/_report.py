"""The ensemble's answer: per route P(open) and time/risk quantiles; per road a stability map.

A route is a (gathering point, exit) pair and its least-cost route in each sample; "open" means
some route connects them at all. The stability map gives, per road segment, the share of
samples in which it lay on the safest route of some gathering point: roads near 1 are what the
plan depends on whatever happens, roads in between are where the safest choice flips.
"""

from __future__ import annotations

import io
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from corridor._files import write_atomic
from corridor.ensembles._partial import RISK_UNIT, Partial, hist_quantile
from corridor.network import Network

QUANTILES = (0.05, 0.5, 0.95)


@dataclass(frozen=True)
class Summary:
    """A reduced ensemble with its labels."""

    partial: Partial
    gathering_ids: tuple[str, ...]
    exit_ids: tuple[str, ...]
    hazard_ids: tuple[str, ...]
    seed: int
    not_valid: tuple[str, ...] = ()

    @property
    def samples(self) -> int:
        return self.partial.n

    def p_open(self) -> np.ndarray:
        """[G, E] share of samples in which the pair had an open route."""
        return self.partial.open / max(1, self.partial.n)

    def routes(self) -> list[dict[str, Any]]:
        p = self.partial
        out = []
        for g, gid in enumerate(self.gathering_ids):
            for e, eid in enumerate(self.exit_ids):
                k = int(p.open[g, e])
                row: dict[str, Any] = {
                    "gathering_point": gid,
                    "exit": eid,
                    "p_open": k / max(1, p.n),
                    "open_samples": k,
                }
                if k:
                    tq = [
                        hist_quantile(p.time_hist[g, e], q, p.time_min[g, e], p.time_max[g, e])
                        for q in QUANTILES
                    ]
                    rq = [
                        hist_quantile(
                            p.risk_hist[g, e], q, p.risk_min[g, e], p.risk_max[g, e], kind="risk"
                        )
                        for q in QUANTILES
                    ]
                    row["time_s"] = {
                        "mean": p.time_ms[g, e] / 1000.0 / k,
                        "min": float(p.time_min[g, e]),
                        "max": float(p.time_max[g, e]),
                        **{f"q{round(q * 100):02d}": v for q, v in zip(QUANTILES, tq, strict=True)},
                    }
                    row["risk"] = {
                        "mean": p.risk_e9[g, e] * RISK_UNIT / k,
                        "min": float(p.risk_min[g, e]),
                        "max": float(p.risk_max[g, e]),
                        **{f"q{round(q * 100):02d}": v for q, v in zip(QUANTILES, rq, strict=True)},
                    }
                out.append(row)
        return out

    def to_dict(self) -> dict[str, Any]:
        p = self.partial
        n = max(1, p.n)
        return {
            "samples": p.n,
            "seed": self.seed,
            "routes": self.routes(),
            "gathering_points": [
                {"id": gid, "p_any_exit": int(p.reach[g]) / n}
                for g, gid in enumerate(self.gathering_ids)
            ],
            "hazards": [
                {"id": hid, "occurred_share": int(p.occurred[h]) / n}
                for h, hid in enumerate(self.hazard_ids)
            ],
            "hazards_not_valid_at_time": list(self.not_valid),
        }


def stability_geojson(summary: Summary, network: Network) -> dict[str, Any]:
    """Segments that were on some safest route, with their share of samples."""
    p = summary.partial
    n = max(1, p.n)
    edges_of = network.segment_edges
    features = []
    for s in np.flatnonzero(p.safest).tolist():
        lon, lat = network.segment_coords(s)
        edge = int(edges_of[s])
        features.append(
            {
                "type": "Feature",
                "geometry": {
                    "type": "LineString",
                    "coordinates": [
                        [round(float(x), 7), round(float(y), 7)]
                        for x, y in zip(lon, lat, strict=True)
                    ],
                },
                "properties": {
                    "segment": s,
                    "p_safest": int(p.safest[s]) / n,
                    "samples": int(p.safest[s]),
                    "name": network.edge_label(edge) if edge >= 0 else "",
                },
            }
        )
    return {"type": "FeatureCollection", "features": features}


def render_stability_png(summary: Summary, network: Network, path: str | Path) -> None:
    """The stability map as a PNG: every road in grey, roads on safest routes by share."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.collections import LineCollection

    p = summary.partial
    n = max(1, p.n)
    offsets = np.asarray(network.seg_offsets)
    lon = np.asarray(network.arrays["seg_lon"], dtype=np.float64)
    lat = np.asarray(network.arrays["seg_lat"], dtype=np.float64)
    lines = [
        np.column_stack([lon[a:b], lat[a:b]])
        for a, b in zip(offsets[:-1].tolist(), offsets[1:].tolist(), strict=True)
    ]
    fig, ax = plt.subplots(figsize=(8, 8), dpi=110)
    try:
        ax.add_collection(LineCollection(lines, colors="#c8c8c8", linewidths=0.5))
        hot = np.flatnonzero(p.safest)
        if hot.size:
            share = p.safest[hot] / n
            lc = LineCollection(
                [lines[i] for i in hot.tolist()], array=share, cmap="viridis", linewidths=2.0
            )
            lc.set_clim(0.0, 1.0)
            ax.add_collection(lc)
            fig.colorbar(lc, ax=ax, shrink=0.7, label="share of samples on the safest route")
        ax.autoscale()
        ax.set_aspect(1.0 / max(math.cos(math.radians(float(np.mean(lat)))), 1e-6))
        ax.set_title(f"Route stability, {p.n:,} samples (seed {summary.seed})")
        ax.set_xlabel("longitude")
        ax.set_ylabel("latitude")
        buf = io.BytesIO()
        fig.savefig(buf, format="png", bbox_inches="tight")
        write_atomic(path, buf.getvalue())  # a reader never sees half a PNG
    finally:
        plt.close(fig)
