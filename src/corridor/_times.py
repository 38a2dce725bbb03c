"""The one time type for anything a caller sends: ISO 8601 with an offset, converted to UTC.

``0001-01-01T00:00:00+14:00`` and ``9999-12-31T23:59:59-14:00`` parse as aware datetimes but
have no UTC equivalent (before year 1, after year 9999); converting them later raised
OverflowError deep in routing, monitoring or the store (a 500). Every model a request body,
query or user file is read into types its times as :data:`UtcDatetime`, so such a time is
refused where it enters, naming the field (422 in the API, one line in the CLI).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from pydantic import AfterValidator, AwareDatetime

__all__ = ["UtcDatetime", "to_utc"]


def to_utc(at: datetime) -> datetime:
    """``at`` in UTC; ValueError (which pydantic reports on the field) when it has none."""
    try:
        return at.astimezone(UTC)
    except OverflowError:
        raise ValueError("time is outside the years 1..9999 once converted to UTC") from None


UtcDatetime = Annotated[AwareDatetime, AfterValidator(to_utc)]
