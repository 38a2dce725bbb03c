"""Edge risk and closures of a whole batch of samples at once, bit-identical to a RiskModel.

A sample used to build its own moved ``Hazard`` objects and a fresh ``RiskModel``: ~45 % of a
sample's time went on Python objects and one small spatial join per sample. Here a batch
draws every sample's uniforms (each from its own seed, as :func:`realise` does), moves the
point hazards as plain lon/lat arrays, and joins all moved disks of the batch with the road
segments in one vectorised pass (:meth:`SegmentIndex.disk_entries`). Each sample's risk is
then recombined from its entries with the same float operations, in the same order (hazards
in id order, then closed checkpoints; per edge in that order) as ``RiskModel`` adds them, so
the result is bit-identical (``tests/ensembles/test_oracle.py`` compares the two).
Non-point hazards (lines, polygons) are moved as geometries and joined through
``footprints``, also once per batch.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime

import numpy as np
import shapely
from numpy.typing import NDArray

from corridor.ensembles._sample import (
    UncertainCheckpoint,
    UncertainHazard,
    moved,
    sample_rng,
)
from corridor.hazards import MAX_RISK, Hazard, HazardKind, combine_entries, segment_index
from corridor.network import Network

F64 = NDArray[np.float64]
I32 = NDArray[np.int32]
I64 = NDArray[np.int64]
_M_PER_DEG_LAT = 111_320.0


@dataclass(frozen=True)
class SampleRisk:
    """One sample's picture: ``risk`` and ``closed`` are shared buffers, valid until the next
    sample of the iterator is drawn."""

    index: int
    risk: F64
    closed: NDArray[np.bool_]
    occurred: NDArray[np.bool_]
    #: the edges this sample gives risk or closes (zero / open everywhere else)
    touched: I64


def _checkpoint_hazard(cp: UncertainCheckpoint) -> Hazard:
    return Hazard(
        id=f"checkpoint:{cp.id}",
        kind=HazardKind.ROADBLOCK,
        geometry=shapely.Point(cp.lon, cp.lat),
        severity=1.0,
        confidence=1.0,
        radius_m=cp.radius_m,
        closes=True,
    )


def batch_risk(
    network: Network,
    hazards: tuple[UncertainHazard, ...],
    checkpoints: tuple[UncertainCheckpoint, ...],
    *,
    at: datetime,
    seed: int,
    start: int,
    stop: int,
) -> Iterator[SampleRisk]:
    """The risk picture of samples ``start`` to ``stop - 1``, one after another."""
    index = segment_index(network)
    n, h, c = stop - start, len(hazards), len(checkpoints)
    draws = np.empty((n, h, 3))
    gates = np.empty((n, c))
    for j in range(n):
        rng = sample_rng(seed, start + j)
        draws[j] = rng.random((h, 3))
        gates[j] = rng.random(c)
    # one row per zone that may occur: the hazards (realised: confidence 1), then checkpoints
    bases = [dataclasses.replace(u.hazard, confidence=1.0) for u in hazards]
    bases += [_checkpoint_hazard(cp) for cp in checkpoints]
    # RiskModel's state: a hazard not valid at ``at`` neither weighs nor closes
    valid = [b.valid_at(at) for b in bases]
    closes = np.array([b.effective_closes and v for b, v in zip(bases, valid, strict=True)])
    weight = np.array(
        [
            b.weight(at) if v and not b.effective_closes else 0.0
            for b, v in zip(bases, valid, strict=True)
        ]
    )
    radius = np.array([b.effective_radius_m for b in bases])
    bridges_only = np.array([b.defaults.bridges_only for b in bases], dtype=bool)
    is_point = np.array([b.geometry.geom_type == "Point" for b in bases], dtype=bool)
    lon0 = np.array([b.geometry.x if p else 0.0 for b, p in zip(bases, is_point, strict=True)])
    lat0 = np.array([b.geometry.y if p else 0.0 for b, p in zip(bases, is_point, strict=True)])
    confidence = np.array([u.confidence for u in hazards])
    jitter = np.array([u.jitter_m for u in hazards])
    present = np.zeros((n, h + c), dtype=bool)
    present[:, :h] = draws[:, :, 0] < confidence
    present[:, h:] = gates >= np.array([cp.p_open for cp in checkpoints])
    # displacement in degrees, with the scalar math of realise() (libm, not numpy's SIMD)
    s_idx, k_idx = np.nonzero(present[:, :h])
    r = jitter[k_idx] * np.sqrt(draws[s_idx, k_idx, 1])
    theta = (2.0 * math.pi) * draws[s_idx, k_idx, 2]
    dx = r * np.array([math.cos(t) for t in theta.tolist()])
    dy = r * np.array([math.sin(t) for t in theta.tolist()])
    lat_of = [b.lonlat[1] for b in bases[:h]]
    lon_scale = np.array([_M_PER_DEG_LAT * max(math.cos(math.radians(v)), 1e-6) for v in lat_of])
    dlat = dy / _M_PER_DEG_LAT
    dlon = dx / lon_scale[k_idx] if k_idx.size else np.zeros(0)
    # zone rows of the batch, sample-major and in hazard order: the order RiskModel adds them
    rows_s, rows_k = np.nonzero(present)
    shift = np.zeros((n, h, 2))
    shift[s_idx, k_idx, 0] = dlon
    shift[s_idx, k_idx, 1] = dlat
    hazard_row = rows_k < h
    row_lon = lon0[rows_k].copy()
    row_lat = lat0[rows_k].copy()
    row_lon[hazard_row] += shift[rows_s[hazard_row], rows_k[hazard_row], 0]
    row_lat[hazard_row] += shift[rows_s[hazard_row], rows_k[hazard_row], 1]
    disk = is_point[rows_k] & (radius[rows_k] > 0)
    disks = np.flatnonzero(disk)
    zone, edge, _, value = index.disk_entries(
        row_lon[disks], row_lat[disks], radius[rows_k[disks]], bridges_only[rows_k[disks]]
    )
    parts_z, parts_e, parts_v = [disks[zone]], [edge], [value]
    others = np.flatnonzero(~is_point[rows_k])
    if others.size:
        moved_zones = [
            moved(bases[k], float(shift[s, k, 0]), float(shift[s, k, 1]))
            for s, k in zip(rows_s[others].tolist(), rows_k[others].tolist(), strict=True)
        ]
        for row, fp in zip(others.tolist(), index.footprints(moved_zones), strict=True):
            parts_z.append(np.full(fp.edges.size, row, np.int64))
            parts_e.append(fp.edges)
            parts_v.append(fp.crossings)
    zone = np.concatenate(parts_z)
    edge = np.concatenate(parts_e)
    value = np.concatenate(parts_v)
    order = np.argsort(zone, kind="stable")
    zone, edge, value = zone[order], edge[order], value[order]
    kind = rows_k[zone]
    w = weight[kind]
    closing = closes[kind]
    sample_of = rows_s[zone]
    bounds = np.searchsorted(sample_of, np.arange(n + 1))
    risk = np.zeros(network.n_edges, dtype=np.float64)
    closed = np.zeros(network.n_edges, dtype=bool)
    scratch = (np.zeros(network.n_edges), np.zeros(network.n_edges, dtype=bool))
    for j in range(n):
        a, b = int(bounds[j]), int(bounds[j + 1])
        # RiskModel's own compiled combination, per edge in hazard order
        touched = combine_entries(
            edge[a:b], value[a:b], w[a:b], closing[a:b],
            scratch=scratch, risk=risk, closed=closed, max_risk=MAX_RISK,
        )  # fmt: skip
        yield SampleRisk(start + j, risk, closed, present[j, :h].copy(), touched)
        risk[touched] = 0.0
        closed[touched] = False
