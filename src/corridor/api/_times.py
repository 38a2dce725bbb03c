"""The one request time type: ISO 8601 with an offset, converted to UTC at the boundary.

``0001-01-01T00:00:00+14:00`` parses as an aware datetime but has no UTC equivalent (it falls
before year 1); converting it later raised OverflowError deep in routing (a 500). Converting
here turns it into a 422 naming the field.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from pydantic import AfterValidator, AwareDatetime


def _to_utc(at: datetime) -> datetime:
    try:
        return at.astimezone(UTC)
    except OverflowError:
        raise ValueError("time is outside the years 1..9999 once converted to UTC") from None


UtcDatetime = Annotated[AwareDatetime, AfterValidator(_to_utc)]
