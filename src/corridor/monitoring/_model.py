"""Field reports as they arrive: check-ins and incidents, each under a client-generated id.

A report is a statement about a moment (``at_utc``, the event time) made by a device that may
have been offline for hours; the server never trusts arrival order. The id is chosen by the
device, so a retry or a second upload of the same batch is recognised as the same report.
"""

from __future__ import annotations

import base64
import binascii
import dataclasses
import hashlib
from datetime import UTC
from enum import StrEnum
from typing import TYPE_CHECKING, Annotated, Any, TypeAlias

from corridor._records import to_data

if TYPE_CHECKING:  # constraints as text: nothing of pydantic runs at import (corridor._records)
    from pydantic import AfterValidator, Field

    from corridor._times import UtcDatetime

#: A report id: what a device can generate (UUID, ULID, "team7-0042"), nothing that needs escaping.
REPORT_ID_RE = r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,99}$"
CONVOY_ID_RE = r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$"
#: Largest attachment accepted (decoded bytes): a photo compressed on the phone, not a video.
MAX_ATTACHMENT_BYTES = 512 * 1024
ATTACHMENT_TYPES = ("image/jpeg", "image/png", "image/webp", "application/pdf", "text/plain")
_MAX_BASE64 = (MAX_ATTACHMENT_BYTES * 4) // 3 + 8

ReportId: TypeAlias = (
    "Annotated[str, Field(pattern=REPORT_ID_RE, description='client-generated, unique')]"
)
ConvoyId: TypeAlias = "Annotated[str, Field(pattern=CONVOY_ID_RE)]"
CorridorIdText: TypeAlias = "Annotated[str, Field(pattern=r'^[a-z0-9][a-z0-9._-]{0,63}$')]"
_CONFIG = {"extra": "forbid", "frozen": True, "allow_inf_nan": False}
_ATTACHMENT_CONFIG = {"extra": "forbid", "frozen": True}


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


@dataclasses.dataclass(frozen=True, kw_only=True)
class _Report:
    __pydantic_config__ = _CONFIG

    id: ReportId
    corridor_id: CorridorIdText
    at_utc: Annotated[UtcDatetime, Field(description="when it happened (event time), any offset")]
    lat: Annotated[float, Field(ge=-90, le=90)]
    lon: Annotated[float, Field(ge=-180, le=180)]
    notes: Annotated[str, Field(max_length=4000)] = ""

    def __post_init__(self) -> None:
        # Whole milliseconds: what every database keeps, so a stored report compares equal.
        value = self.at_utc.astimezone(UTC)
        value = value.replace(microsecond=value.microsecond // 1000 * 1000)
        object.__setattr__(self, "at_utc", value)


@dataclasses.dataclass(frozen=True, kw_only=True)
class Checkin(_Report):
    """A convoy's position and status at a moment."""

    convoy_id: ConvoyId
    status: CheckinStatus
    checkpoint: Annotated[str | None, Field(min_length=1, max_length=200)] = None
    vehicles: Annotated[int | None, Field(ge=0, le=10_000)] = None
    people: Annotated[int | None, Field(ge=0, le=1_000_000)] = None

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.status in NEEDS_CHECKPOINT and self.checkpoint is None:
            raise ValueError(f"status {self.status.value!r} needs the checkpoint's name")


def _known_type(value: str) -> str:
    if value not in ATTACHMENT_TYPES:
        raise ValueError(f"media type {value!r} is not one of {', '.join(ATTACHMENT_TYPES)}")
    return value


def _decodes(value: str) -> str:
    try:
        raw = base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise ValueError("is not valid base64") from exc
    if len(raw) > MAX_ATTACHMENT_BYTES:
        raise ValueError(f"attachment is {len(raw)} bytes, over {MAX_ATTACHMENT_BYTES}")
    if not raw:
        raise ValueError("attachment is empty")
    return value


@dataclasses.dataclass(frozen=True)
class Attachment:
    """A small file sent with an incident (photo, scanned note); stored once, by SHA-256."""

    # The checks are validators on the fields (pydantic names the field in its error) and run
    # again on construction (the strict builder leaves validators to pydantic).
    __pydantic_config__ = _ATTACHMENT_CONFIG

    media_type: Annotated[
        str,
        Field(description=f"one of {', '.join(ATTACHMENT_TYPES)}"),
        AfterValidator(_known_type),
    ]
    data_base64: Annotated[str, Field(max_length=_MAX_BASE64), AfterValidator(_decodes)]

    def __post_init__(self) -> None:
        _known_type(self.media_type)
        _decodes(self.data_base64)

    @property
    def data(self) -> bytes:
        return base64.b64decode(self.data_base64)

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()


@dataclasses.dataclass(frozen=True, kw_only=True)
class Incident(_Report):
    """Something that happened near the route: what, how bad, how sure, who is thought to be
    behind it (a party's name, only if the reporter says so)."""

    kind: IncidentKind
    severity: Annotated[float, Field(ge=0, le=1)] = 0.5
    confidence: Annotated[float, Field(ge=0, le=1)] = 0.5
    convoy_id: Annotated[str | None, Field(pattern=CONVOY_ID_RE)] = None
    attributed_to: Annotated[str | None, Field(min_length=1, max_length=200)] = None
    attachment: Attachment | None = None


def report_body(report: _Report) -> dict[str, Any]:
    """What two uploads of "the same report" must agree on (the attachment by its hash)."""
    data: dict[str, Any] = to_data(report)
    data.pop("attachment", None)
    attachment = getattr(report, "attachment", None)
    if attachment is not None:
        data["attachment_sha256"] = attachment.sha256
        data["attachment_type"] = attachment.media_type
    return data
