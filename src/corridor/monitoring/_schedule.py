"""What was expected of each convoy: departure, each checkpoint and arrival, in UTC.

The schedule comes from planning (one convoy per scheduled trip) or from a file the
coordinator writes; monitoring only needs who leaves when, with how many vehicles and people,
and when each named place should be reached.
"""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Annotated

if TYPE_CHECKING:  # constraints as text: nothing of pydantic runs at import (corridor._records)
    from pydantic import Field

    from corridor._times import UtcDatetime

# The annotations name these (and the pattern inside ConvoyId's text) when they are resolved.
from corridor.monitoring._model import CONVOY_ID_RE, ConvoyId, CorridorIdText  # noqa: F401

ORIGIN, DESTINATION = "origin", "destination"
_CONFIG = {"extra": "forbid", "frozen": True, "allow_inf_nan": False}


@dataclasses.dataclass(frozen=True)
class ExpectedStop:
    __pydantic_config__ = _CONFIG

    place: Annotated[
        str,
        Field(min_length=1, max_length=200, description="a checkpoint's name, or 'destination'"),
    ]
    at_utc: UtcDatetime

    def __post_init__(self) -> None:
        object.__setattr__(self, "at_utc", self.at_utc.astimezone(UTC))


@dataclasses.dataclass(frozen=True, kw_only=True)
class ConvoyPlan:
    """One convoy (a bus column, or private cars following) and its expected timetable."""

    __pydantic_config__ = _CONFIG

    id: ConvoyId
    corridor_id: CorridorIdText
    label: Annotated[str, Field(max_length=200)] = ""
    kind: Annotated[str, Field(min_length=1, max_length=64)] = "bus"
    vehicles: Annotated[int, Field(ge=1, le=10_000)]
    people: Annotated[int, Field(ge=0, le=1_000_000)]
    depart_utc: UtcDatetime
    stops: Annotated[list[ExpectedStop], Field(max_length=200)] = dataclasses.field(
        default_factory=list
    )
    movement_id: Annotated[
        str | None,
        Field(
            pattern=r"^[a-z0-9][a-z0-9._-]{0,63}$",
            description="the movement notification it moves under (issue 11): monitoring flags "
            "a departure before every party acknowledged it, and moves that differ from it",
        ),
    ] = None

    def __post_init__(self) -> None:
        last = self.depart_utc.astimezone(UTC)
        object.__setattr__(self, "depart_utc", last)
        for i, stop in enumerate(self.stops):
            if stop.at_utc < last:
                raise ValueError(f"stops[{i}] ({stop.place}) is expected before the stop before it")
            last = stop.at_utc

    def expected(self) -> list[tuple[str, datetime]]:
        """Every place with its expected time, departure first."""
        return [(ORIGIN, self.depart_utc), *((s.place, s.at_utc) for s in self.stops)]
