"""How a stored hazard row is shown: a normalised GeoJSON Feature plus its provenance."""

from __future__ import annotations

from typing import Any

from corridor.store import StoredHazard, hazard_feature


def feature_of(row: StoredHazard) -> dict[str, Any]:
    """See :func:`corridor.store.hazard_feature` (the CLI shows the same Feature)."""
    return hazard_feature(row)
