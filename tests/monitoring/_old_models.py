"""The monitoring models as pydantic models, as they were before they became records (main at
aa4f704): the reference the records are held to (tests/monitoring/test_records.py)."""

from __future__ import annotations

import base64
import binascii
from datetime import UTC, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from corridor._times import UtcDatetime
from corridor.monitoring._model import (
    ATTACHMENT_TYPES,
    CONVOY_ID_RE,
    MAX_ATTACHMENT_BYTES,
    NEEDS_CHECKPOINT,
    REPORT_ID_RE,
    CheckinStatus,
    IncidentKind,
)
from corridor.monitoring._rules import Action

ReportId = str
_CONVOY = Field(pattern=CONVOY_ID_RE)


class _Report(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)

    id: str = Field(pattern=REPORT_ID_RE, description="client-generated, unique")
    corridor_id: str = Field(pattern=r"^[a-z0-9][a-z0-9._-]{0,63}$")
    at_utc: UtcDatetime = Field(description="when it happened (event time), any offset")
    lat: float = Field(ge=-90, le=90)
    lon: float = Field(ge=-180, le=180)
    notes: str = Field(default="", max_length=4000)

    @field_validator("at_utc")
    @classmethod
    def _utc(cls, value: datetime) -> datetime:
        value = value.astimezone(UTC)
        return value.replace(microsecond=value.microsecond // 1000 * 1000)


class Checkin(_Report):
    convoy_id: str = Field(pattern=CONVOY_ID_RE)
    status: CheckinStatus
    checkpoint: str | None = Field(default=None, min_length=1, max_length=200)
    vehicles: int | None = Field(default=None, ge=0, le=10_000)
    people: int | None = Field(default=None, ge=0, le=1_000_000)

    @model_validator(mode="after")
    def _checkpoint_named(self) -> Checkin:
        if self.status in NEEDS_CHECKPOINT and self.checkpoint is None:
            raise ValueError(f"status {self.status.value!r} needs the checkpoint's name")
        return self


class Attachment(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    media_type: str
    data_base64: str = Field(max_length=(MAX_ATTACHMENT_BYTES * 4) // 3 + 8)

    @field_validator("media_type")
    @classmethod
    def _known(cls, value: str) -> str:
        if value not in ATTACHMENT_TYPES:
            raise ValueError(f"media type {value!r} is not one of {', '.join(ATTACHMENT_TYPES)}")
        return value

    @field_validator("data_base64")
    @classmethod
    def _decodes(cls, value: str) -> str:
        try:
            raw = base64.b64decode(value, validate=True)
        except (binascii.Error, ValueError) as exc:
            raise ValueError("is not valid base64") from exc
        if len(raw) > MAX_ATTACHMENT_BYTES:
            raise ValueError(f"attachment is {len(raw)} bytes, over {MAX_ATTACHMENT_BYTES}")
        if not raw:
            raise ValueError("attachment is empty")
        return value


class Incident(_Report):
    kind: IncidentKind
    severity: float = Field(default=0.5, ge=0, le=1)
    confidence: float = Field(default=0.5, ge=0, le=1)
    convoy_id: str | None = Field(default=None, pattern=CONVOY_ID_RE)
    attributed_to: str | None = Field(default=None, min_length=1, max_length=200)
    attachment: Attachment | None = None


class ExpectedStop(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)

    place: str = Field(min_length=1, max_length=200)
    at_utc: UtcDatetime

    @field_validator("at_utc")
    @classmethod
    def _utc(cls, value: datetime) -> datetime:
        return value.astimezone(UTC)


class ConvoyPlan(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)

    id: str = Field(pattern=CONVOY_ID_RE)
    corridor_id: str = Field(pattern=r"^[a-z0-9][a-z0-9._-]{0,63}$")
    label: str = Field(default="", max_length=200)
    kind: str = Field(default="bus", min_length=1, max_length=64)
    vehicles: int = Field(ge=1, le=10_000)
    people: int = Field(ge=0, le=1_000_000)
    depart_utc: UtcDatetime
    stops: list[ExpectedStop] = Field(default_factory=list, max_length=200)
    movement_id: str | None = Field(default=None, pattern=r"^[a-z0-9][a-z0-9._-]{0,63}$")

    @field_validator("depart_utc")
    @classmethod
    def _utc(cls, value: datetime) -> datetime:
        return value.astimezone(UTC)

    @model_validator(mode="after")
    def _ordered(self) -> ConvoyPlan:
        last = self.depart_utc
        for i, stop in enumerate(self.stops):
            if stop.at_utc < last:
                raise ValueError(f"stops[{i}] ({stop.place}) is expected before the stop before it")
            last = stop.at_utc
        return self


_Strict = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)
ViolationKind = Literal["hold", "turned_back", "convoy_size", "outside_window", "incident",
                        "unacknowledged_movement", "movement_deviation"]  # fmt: skip


class When(BaseModel):
    model_config = _Strict
    incident: list[IncidentKind] | None = Field(default=None, min_length=1)
    violation: list[ViolationKind] | None = Field(default=None, min_length=1)
    confirmed: bool | None = None
    within_m: float | None = Field(default=None, gt=0, le=100_000)
    in_window: bool | None = None
    min_severity: float | None = Field(default=None, ge=0, le=1)
    min_confidence: float | None = Field(default=None, ge=0, le=1)
    min_minutes: float | None = Field(default=None, ge=0)


class Rule(BaseModel):
    model_config = _Strict
    name: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]{0,63}$")
    when: When
    then: list[Action] = Field(min_length=1, max_length=4)


class RuleSet(BaseModel):
    model_config = _Strict
    version: Literal[1] = 1
    margin_minutes: float = Field(default=15.0, ge=0, le=24 * 60)
    near_route_m: float = Field(default=1000.0, gt=0, le=100_000)
    rules: list[Rule] = Field(default_factory=list, max_length=200)
