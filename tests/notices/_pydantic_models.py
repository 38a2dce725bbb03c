"""The pydantic models the notice records replaced, as they were on main at aa4f704 (copied,
not imported): tests/notices/test_records.py holds the records to them -- the same data
accepted, the same words for what is refused, the same stored and signed JSON."""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from corridor._times import UtcDatetime
from corridor.errors import InputError

# --- corridor/notices/_details.py ---

Text = Annotated[str, Field(min_length=1, max_length=500)]
#: One text for every language, or one per language code.
Localized = Text | dict[str, Text]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


class PlaceDetails(_Strict):
    """How people find a gathering or reception point named in the terms."""

    name: Localized | None = Field(default=None, description="the place's name, per language")
    address: Localized = Field(description="street address, per language")
    directions: Localized | None = Field(default=None, description="how to find the spot")


class NoticeDetails(_Strict):
    """Per-corridor notice details; keys of ``places`` are place names as in the terms."""

    hotline: Annotated[str, Field(min_length=3, max_length=40, pattern=r"^[0-9+() -]+$")] | None = (
        None
    )
    title: Localized | None = Field(default=None, description="the corridor's title, translated")
    issuer: Localized | None = Field(default=None, description="who issues the notice")
    places: dict[str, PlaceDetails] = Field(default_factory=dict)
    markings: Localized | None = Field(
        default=None, description="the vehicle markings, translated (default: as in the terms)"
    )
    arrive_minutes_before: int = Field(
        default=30, ge=0, le=240, description="how early people should be at the point"
    )
    url: Annotated[str, Field(max_length=300, pattern=r"^https?://\S+$")] | None = Field(
        default=None, description="where the notice is published (also in the QR code)"
    )


def details_from_data(data: Any, *, source: str | Path | None = None) -> NoticeDetails:
    """Validate details read from YAML/JSON; every problem in one InputError."""
    try:
        return NoticeDetails.model_validate(data if data is not None else {})
    except ValidationError as exc:
        problems = [
            ".".join(str(p) for p in err["loc"]) + ": " + str(err["msg"]) for err in exc.errors()
        ]
        raise InputError(
            "notice details are invalid: " + "; ".join(problems[:5]),
            path=source,
            hint="see docs/notices.md for the details file",
        ) from exc


# --- corridor/notices/_movement.py ---

Name = Annotated[str, Field(min_length=1, max_length=200)]


class PassengerClass(StrEnum):
    """Who is on board, by the classes deconfliction cells count (never who by name)."""

    CHILDREN = "children"
    ADULTS = "adults"
    OLDER_PEOPLE = "older_people"
    REDUCED_MOBILITY = "reduced_mobility"
    MEDICAL = "medical"  # sick or wounded, lying or needing care on board


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


class MovementContact(_Strict):
    role: Name = Field(description="e.g. 'convoy leader', 'operations room'")
    channel: Name = Field(description="phone, radio, satellite phone...")
    address: Name = Field(description="number, frequency or handle")


class Vehicle(_Strict):
    type: Name = Field(description="must be a kind the agreement permits")
    plate: Annotated[str, Field(min_length=2, max_length=20, pattern=r"^[A-Z0-9АВЕІКМНОРСТХ -]+$")]
    markings: Name
    seats: int | None = Field(default=None, ge=1, le=120)


class CheckpointPlan(_Strict):
    checkpoint: Name
    planned_utc: UtcDatetime

    @field_validator("planned_utc")
    @classmethod
    def _utc(cls, value: datetime) -> datetime:
        return value.astimezone(UTC)


class Movement(_Strict):
    """One convoy movement; its canonical JSON digest is what the sender and each party sign."""

    movement_id: str = Field(pattern=r"^[a-z0-9][a-z0-9._-]{0,63}$")
    corridor_id: str = Field(pattern=r"^[a-z0-9][a-z0-9._-]{0,63}$")
    agreement_version: int = Field(ge=1)
    agreement_digest: str = Field(pattern=r"^[0-9a-f]{64}$")
    sender: Name = Field(description="the party sending it (its key signs)")
    organisation: Name
    contacts: list[MovementContact] = Field(min_length=1, max_length=20)
    vehicles: list[Vehicle] = Field(min_length=1, max_length=500)
    departure_utc: UtcDatetime
    checkpoints: list[CheckpointPlan] = Field(default_factory=list, max_length=100)
    arrival_utc: UtcDatetime
    passengers: dict[PassengerClass, Annotated[int, Field(ge=0, le=100_000)]]
    ack_deadline_utc: UtcDatetime = Field(
        description="every party must acknowledge by then, or the movement is flagged"
    )
    notes: Annotated[str, Field(max_length=2000)] = ""

    @field_validator("departure_utc", "arrival_utc", "ack_deadline_utc")
    @classmethod
    def _utc(cls, value: datetime) -> datetime:
        return value.astimezone(UTC)

    @property
    def passenger_total(self) -> int:
        return sum(self.passengers.values())


def movement_to_data(movement: Movement) -> dict[str, Any]:
    """The JSON form that is signed: UTC times as ``...Z`` text, enum keys as strings."""
    data = movement.model_dump(mode="json", exclude_defaults=False)
    for key in ("departure_utc", "arrival_utc", "ack_deadline_utc"):
        data[key] = _z(getattr(movement, key))
    for cp, plan in zip(data["checkpoints"], movement.checkpoints, strict=True):
        cp["planned_utc"] = _z(plan.planned_utc)
    return data


def _z(at: datetime) -> str:
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def movement_from_data(data: Any, *, source: str | None = None) -> Movement:
    """Validate a movement (from YAML/JSON/the API); every problem in one InputError."""
    try:
        return Movement.model_validate(data)
    except ValidationError as exc:
        problems = [
            ".".join(str(p) for p in err["loc"]) + ": " + str(err["msg"]) for err in exc.errors()
        ]
        raise InputError(
            "movement notification is invalid: " + "; ".join(problems[:6]),
            path=source,
            hint="see docs/notices.md for the movement file",
        ) from exc
