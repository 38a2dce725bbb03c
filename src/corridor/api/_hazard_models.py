"""Request and response bodies of `/hazards` (a hazard travels as a GeoJSON Feature)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from corridor._times import UtcDatetime
from corridor.hazards import HazardKind


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)


class Geometry(_Model):
    """GeoJSON geometry in WGS84 lon/lat; the hazard validator checks its coordinates."""

    type: Literal["Point", "LineString", "Polygon", "MultiPolygon"]
    coordinates: list[Any] = Field(min_length=1, max_length=100_000)


class HazardProperties(_Model):
    id: str | None = Field(
        default=None,
        min_length=1,
        max_length=200,
        description="Leave out to have the server assign one.",
    )
    kind: HazardKind
    severity: float | None = Field(default=None, ge=0, le=1)
    confidence: float | None = Field(default=None, ge=0, le=1)
    observed_at: UtcDatetime | None = None
    valid_from: UtcDatetime | None = None
    valid_until: UtcDatetime | None = None
    source: str | None = Field(default=None, max_length=2000)
    notes: str | None = Field(default=None, max_length=4000)
    source_links: list[str] = Field(default_factory=list, max_length=50)
    radius_m: float | None = Field(default=None, ge=0, le=1_000_000)
    closes: bool | None = None
    half_life_h: float | None = Field(default=None, gt=0, le=1_000_000)


class HazardIn(_Model):
    """A hazard as a GeoJSON Feature; omitted numbers take the kind's defaults."""

    type: Literal["Feature"]
    geometry: Geometry
    properties: HazardProperties


class HazardPatch(_Model):
    """Fields to change; anything left out stays as it is (null clears an optional field)."""

    severity: float | None = Field(default=None, ge=0, le=1)
    confidence: float | None = Field(default=None, ge=0, le=1)
    valid_from: UtcDatetime | None = None
    valid_until: UtcDatetime | None = None
    notes: str | None = Field(default=None, max_length=4000)
    source: str | None = Field(default=None, max_length=2000)
    radius_m: float | None = Field(default=None, ge=0, le=1_000_000)
    closes: bool | None = None
    half_life_h: float | None = Field(default=None, gt=0, le=1_000_000)


class ExpireIn(_Model):
    reason: str | None = Field(default=None, max_length=2000)


class HazardOut(BaseModel):
    """A stored hazard: a normalised GeoJSON Feature (defaults resolved) with provenance."""

    type: Literal["Feature"]
    id: str
    geometry: dict[str, Any]
    properties: dict[str, Any]


class ImportProblem(BaseModel):
    index: int
    line: int | None
    id: str | None
    reason: str
    detail: str


class ImportReport(BaseModel):
    """What a bulk import did: one entry per record that was skipped, and why."""

    format: str
    records: int
    imported: int
    imported_ids: list[str]
    skipped: list[ImportProblem]
