"""One hazard realisation per sample, from a generator seeded for that sample alone.

Sample ``i`` of a run with seed ``s`` draws from ``SeedSequence(s, spawn_key=(i,))``, which is
exactly the ``i``-th child of ``SeedSequence(s).spawn(n)``: its draws depend on (s, i) only, so
a sample comes out the same on any worker, in any batch, in any order.

Per hazard (in the job's fixed order) three uniforms are drawn whether or not it occurs, so one
hazard's outcome never shifts another's stream: occurrence (``u < confidence``), then a uniform
point in a disc of radius ``jitter_m`` for its displacement. A realised hazard has confidence 1
(it happened); its severity and decay are the record's. Then one uniform per checkpoint: closed
when ``u >= p_open``, as a closing zone of the checkpoint's radius.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass

import numpy as np
import shapely
from numpy.typing import NDArray
from shapely.geometry import Point

from corridor.hazards import Hazard, HazardKind

#: Kinds whose reported position is the centre of a spread of impacts: a realisation's centre
#: may lie anywhere within the zone's radius (plus the report's location uncertainty).
STRIKE_KINDS = frozenset(
    {HazardKind.SHELLING, HazardKind.AIRSTRIKE, HazardKind.MISSILE, HazardKind.ATTACK}
)
_M_PER_DEG_LAT = 111_320.0


@dataclass(frozen=True, slots=True)
class UncertainHazard:
    """A hazard report with the probability that it is real and how far it may be off."""

    hazard: Hazard
    confidence: float
    jitter_m: float


@dataclass(frozen=True, slots=True)
class UncertainCheckpoint:
    id: str
    lat: float
    lon: float
    p_open: float
    radius_m: float


def jitter_radius_m(hazard: Hazard, location_uncertainty_m: float) -> float:
    """How far a realisation's position may move: the report's uncertainty, plus the zone's
    radius for strikes (the reported point is where impacts were centred, not each impact)."""
    extra = hazard.effective_radius_m if hazard.kind in STRIKE_KINDS else 0.0
    return float(location_uncertainty_m) + extra


def sample_rng(seed: int, index: int) -> np.random.Generator:
    """The generator of sample ``index``: the ``index``-th child of ``SeedSequence(seed)``."""
    return np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(index,)))


def moved(hazard: Hazard, dlon: float, dlat: float) -> Hazard:
    """The realised hazard: its geometry shifted by (dlon, dlat) degrees, confidence 1."""
    shift = np.array([dlon, dlat])
    geometry = shapely.transform(hazard.geometry, lambda xy: xy + shift)
    return dataclasses.replace(hazard, geometry=geometry, confidence=1.0)


def _moved(hazard: Hazard, dx_m: float, dy_m: float) -> Hazard:
    _, lat = hazard.lonlat
    dlat = dy_m / _M_PER_DEG_LAT
    dlon = dx_m / (_M_PER_DEG_LAT * max(math.cos(math.radians(lat)), 1e-6))
    return moved(hazard, dlon, dlat)


def realise(
    hazards: tuple[UncertainHazard, ...],
    checkpoints: tuple[UncertainCheckpoint, ...],
    rng: np.random.Generator,
) -> tuple[list[Hazard], NDArray[np.bool_]]:
    """The hazards present in one sample (moved, confidence 1; closed checkpoints as closing
    zones), and which of ``hazards`` occurred."""
    draws = rng.random((len(hazards), 3))
    out: list[Hazard] = []
    occurred = np.zeros(len(hazards), dtype=np.bool_)
    for k, (u, uh) in enumerate(zip(draws, hazards, strict=True)):
        if not u[0] < uh.confidence:
            continue
        occurred[k] = True
        r = uh.jitter_m * math.sqrt(u[1])
        theta = 2.0 * math.pi * u[2]
        out.append(_moved(uh.hazard, r * math.cos(theta), r * math.sin(theta)))
    gates = rng.random(len(checkpoints))
    for u_gate, cp in zip(gates, checkpoints, strict=True):
        if u_gate >= cp.p_open:
            out.append(
                Hazard(
                    id=f"checkpoint:{cp.id}",
                    kind=HazardKind.ROADBLOCK,
                    geometry=Point(cp.lon, cp.lat),
                    severity=1.0,
                    confidence=1.0,
                    radius_m=cp.radius_m,
                    closes=True,
                )
            )
    return out, occurred
