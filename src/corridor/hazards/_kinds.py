"""Hazard kinds and their documented defaults (radius, decay, closure); see docs/risk-model.md."""

from __future__ import annotations

import math
from dataclasses import dataclass
from enum import StrEnum


class HazardKind(StrEnum):
    """What a hazard is; the value is the string used in files."""

    SHELLING = "shelling"
    AIRSTRIKE = "airstrike"
    MISSILE = "missile"
    MINES = "mines"
    CHECKPOINT = "checkpoint"
    ROADBLOCK = "roadblock"
    DESTROYED_BRIDGE = "destroyed_bridge"
    DAMAGED_ROAD = "damaged_road"
    FRONT_LINE = "front_line"
    NO_GO_ZONE = "no_go_zone"
    ACTIVE_FIGHTING = "active_fighting"
    ATTACK = "attack"  # an attack of unknown type (an incident file's unmapped weapon/category)


@dataclass(frozen=True, slots=True)
class KindDefaults:
    """Defaults a hazard of one kind takes when its record does not say otherwise.

    ``half_life_h`` is ``math.inf`` for hazards that do not decay. ``lifetime_h`` is used only
    where a source gives no end time at all (Bellingcat incidents): ten half-lives, after which
    the decayed probability is below 0.1 % of the initial one; ``None`` means open-ended.
    ``bridges_only`` restricts the footprint to bridge edges (a destroyed bridge closes the
    bridge, not the roads near it).
    """

    radius_m: float
    half_life_h: float
    closes: bool
    severity: float
    confidence: float
    bridges_only: bool = False

    @property
    def lifetime_h(self) -> float | None:
        return None if math.isinf(self.half_life_h) else 10.0 * self.half_life_h


INF = math.inf

KIND_DEFAULTS: dict[HazardKind, KindDefaults] = {
    HazardKind.SHELLING: KindDefaults(300.0, 6.0, False, 0.6, 0.7),
    HazardKind.AIRSTRIKE: KindDefaults(250.0, 12.0, False, 0.7, 0.7),
    HazardKind.MISSILE: KindDefaults(300.0, 12.0, False, 0.7, 0.7),
    HazardKind.MINES: KindDefaults(50.0, INF, False, 0.9, 0.6),
    HazardKind.CHECKPOINT: KindDefaults(100.0, INF, False, 0.2, 0.9),
    HazardKind.ROADBLOCK: KindDefaults(30.0, INF, True, 1.0, 0.9),
    HazardKind.DESTROYED_BRIDGE: KindDefaults(60.0, INF, True, 1.0, 0.9, bridges_only=True),
    HazardKind.DAMAGED_ROAD: KindDefaults(50.0, INF, False, 0.3, 0.8),
    HazardKind.FRONT_LINE: KindDefaults(2000.0, 48.0, False, 0.8, 0.6),
    HazardKind.NO_GO_ZONE: KindDefaults(0.0, INF, True, 1.0, 1.0),
    HazardKind.ACTIVE_FIGHTING: KindDefaults(1000.0, 12.0, False, 0.8, 0.6),
    # Conservative on purpose: as wide as active fighting, as long-lived and as severe as the
    # worst strike kind, and the lowest confidence, since nobody has said what it was.
    HazardKind.ATTACK: KindDefaults(1000.0, 12.0, False, 0.9, 0.6),
}

KINDS: tuple[str, ...] = tuple(k.value for k in HazardKind)
