"""How a stored hazard row is shown: a normalised GeoJSON Feature plus its provenance."""

from __future__ import annotations

from typing import Any

from corridor.audit import format_utc
from corridor.hazards import hazards_to_geojson
from corridor.store import HazardRow, hazard_from_row


def feature_of(row: HazardRow) -> dict[str, Any]:
    """Defaults resolved (as `corridor hazards import` writes them), plus who reported it when
    and whether a coordinator expired it."""
    feature: dict[str, Any] = hazards_to_geojson([hazard_from_row(row)])["features"][0]
    feature["properties"].update(
        created_at=format_utc(row.created_at),
        created_by=row.created_by,
        expired_at=None if row.expired_at is None else format_utc(row.expired_at),
    )
    return feature
