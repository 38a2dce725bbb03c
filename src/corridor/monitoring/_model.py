"""Field reports as they arrive: check-ins and incidents, each under a client-generated id.

A report is a statement about a moment (``at_utc``, the event time) made by a device that may
have been offline for hours; the server never trusts arrival order. The id is chosen by the
device, so a retry or a second upload of the same batch is recognised as the same report.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from datetime import UTC, datetime
from enum import StrEnum
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from corridor._times import UtcDatetime

#: A report id: what a device can generate (UUID, ULID, "team7-0042"), nothing that needs escaping.
REPORT_ID_RE = r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,99}$"
CONVOY_ID_RE = r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$"
#: Largest attachment accepted (decoded bytes): a photo compressed on the phone, not a video.
MAX_ATTACHMENT_BYTES = 512 * 1024
ATTACHMENT_TYPES = ("image/jpeg", "image/png", "image/webp", "application/pdf", "text/plain")

ReportId = Annotated[str, Field(pattern=REPORT_ID_RE, description="client-generated, unique")]
ConvoyId = Annotated[str, Field(pattern=CONVOY_ID_RE)]


class CheckinStatus(StrEnum):
    """Where a convoy or vehicle is in its journey, as the field team sees it."""

    DEPARTED = "departed"
    EN_ROUTE = "en_route"
    AT_CHECKPOINT = "at_checkpoint"
    HELD = "held"
    RELEASED = "released"
    TURNED_BACK = "turned_back"
    ARRIVED = "arrived"
    RETURNING = "returning"


#: Statuses that say the convoy is standing at a named checkpoint.
AT_CHECKPOINT = frozenset({CheckinStatus.AT_CHECKPOINT, CheckinStatus.HELD})
#: Statuses that need the checkpoint's name.
NEEDS_CHECKPOINT = frozenset(
    {CheckinStatus.AT_CHECKPOINT, CheckinStatus.HELD, CheckinStatus.RELEASED}
)


class IncidentKind(StrEnum):
    SHELLING = "shelling"
    ROUTE_BLOCKED = "route_blocked"
    FIRED_UPON = "fired_upon"
    DETENTION = "detention"
    MINES = "mines"
    BRIDGE_DESTROYED = "bridge_destroyed"


class _Report(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)

    id: ReportId
    corridor_id: str = Field(pattern=r"^[a-z0-9][a-z0-9._-]{0,63}$")
    at_utc: UtcDatetime = Field(description="when it happened (event time), any offset")
    lat: float = Field(ge=-90, le=90)
    lon: float = Field(ge=-180, le=180)
    notes: str = Field(default="", max_length=4000)

    @field_validator("at_utc")
    @classmethod
    def _utc(cls, value: datetime) -> datetime:
        # Whole milliseconds: what every database keeps, so a stored report compares equal.
        value = value.astimezone(UTC)
        return value.replace(microsecond=value.microsecond // 1000 * 1000)


class Checkin(_Report):
    """A convoy's position and status at a moment."""

    convoy_id: ConvoyId
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
    """A small file sent with an incident (photo, scanned note); stored once, by SHA-256."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    media_type: str = Field(description=f"one of {', '.join(ATTACHMENT_TYPES)}")
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

    @property
    def data(self) -> bytes:
        return base64.b64decode(self.data_base64)

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()


class Incident(_Report):
    """Something that happened near the route: what, how bad, how sure, who is thought to be
    behind it (a party's name, only if the reporter says so)."""

    kind: IncidentKind
    severity: float = Field(default=0.5, ge=0, le=1)
    confidence: float = Field(default=0.5, ge=0, le=1)
    convoy_id: ConvoyId | None = None
    attributed_to: str | None = Field(default=None, min_length=1, max_length=200)
    attachment: Attachment | None = None


def report_body(report: _Report) -> dict[str, Any]:
    """What two uploads of "the same report" must agree on (the attachment by its hash)."""
    data = report.model_dump(mode="json", exclude={"attachment"})
    attachment = getattr(report, "attachment", None)
    if attachment is not None:
        data["attachment_sha256"] = attachment.sha256
        data["attachment_type"] = attachment.media_type
    return data
