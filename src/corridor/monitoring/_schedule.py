"""What was expected of each convoy: departure, each checkpoint and arrival, in UTC.

The schedule comes from planning (one convoy per scheduled trip) or from a file the
coordinator writes; monitoring only needs who leaves when, with how many vehicles and people,
and when each named place should be reached.
"""

from __future__ import annotations

from datetime import UTC, datetime

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from corridor._times import UtcDatetime
from corridor.monitoring._model import ConvoyId

ORIGIN, DESTINATION = "origin", "destination"


class ExpectedStop(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)

    place: str = Field(
        min_length=1, max_length=200, description="a checkpoint's name, or 'destination'"
    )
    at_utc: UtcDatetime

    @field_validator("at_utc")
    @classmethod
    def _utc(cls, value: datetime) -> datetime:
        return value.astimezone(UTC)


class ConvoyPlan(BaseModel):
    """One convoy (a bus column, or private cars following) and its expected timetable."""

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)

    id: ConvoyId
    corridor_id: str = Field(pattern=r"^[a-z0-9][a-z0-9._-]{0,63}$")
    label: str = Field(default="", max_length=200)
    kind: str = Field(default="bus", min_length=1, max_length=64)
    vehicles: int = Field(ge=1, le=10_000)
    people: int = Field(ge=0, le=1_000_000)
    depart_utc: UtcDatetime
    stops: list[ExpectedStop] = Field(default_factory=list, max_length=200)
    movement_id: str | None = Field(
        default=None,
        pattern=r"^[a-z0-9][a-z0-9._-]{0,63}$",
        description="the movement notification it moves under (issue 11): monitoring flags a "
        "departure before every party acknowledged it, and moves that differ from it",
    )

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

    def expected(self) -> list[tuple[str, datetime]]:
        """Every place with its expected time, departure first."""
        return [(ORIGIN, self.depart_utc), *((s.place, s.at_utc) for s in self.stops)]
