"""Record classes for tests/test_records.py, written as corridor's areas write theirs."""

from __future__ import annotations

import dataclasses
import enum
from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Literal, TypeAlias

if TYPE_CHECKING:
    from pydantic import Field

    from corridor._times import UtcDatetime

Name: TypeAlias = "Annotated[str, Field(min_length=1, max_length=20)]"
_CONFIG = {"extra": "forbid", "frozen": True, "allow_inf_nan": False}


class Colour(enum.Enum):
    RED = "red"
    BLUE = "blue"


@dataclasses.dataclass(frozen=True)
class Stop:
    """A stop: its time must be after the year 2000 (a ``__post_init__`` check)."""

    __pydantic_config__ = _CONFIG
    name: Name
    at_utc: UtcDatetime
    lat: Annotated[float, Field(ge=-90, le=90)]

    def __post_init__(self) -> None:
        if self.at_utc < datetime.fromisoformat("2000-01-01T00:00:00+00:00"):
            raise ValueError("before 2000")


@dataclasses.dataclass(frozen=True)
class Trip:
    __pydantic_config__ = _CONFIG
    kind: Literal["bus", "walk"]
    stops: Annotated[list[Stop], Field(min_length=1)]
    seats: Annotated[int, Field(ge=0)]
    colour: Colour = Colour.RED
    note: str | None = None
    tags: list[Name] = dataclasses.field(default_factory=list)
    extra: dict[str, int] = dataclasses.field(default_factory=dict)
    ok: bool = True
