"""Column types that behave the same on SQLite and PostgreSQL (aware UTC datetimes)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import DateTime, Dialect
from sqlalchemy.types import TypeDecorator

from corridor.store._plain import as_utc, utc_now

__all__ = ["UTCDateTime", "utc_now"]


class UTCDateTime(TypeDecorator[datetime]):
    """Store UTC, always hand back an aware UTC datetime.

    SQLite has no time zones, so the value is stored as naive UTC there; PostgreSQL keeps it
    in ``timestamptz``. Naive datetimes are refused on the way in: guessing their zone is how
    ceasefire windows end up an hour off.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if not isinstance(value, datetime):
            raise TypeError(f"expected a datetime, got {type(value).__name__}")
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError(f"naive datetime {value.isoformat()} given: pass an aware UTC time")
        value = value.astimezone(UTC)
        if dialect.name == "sqlite":
            return value.replace(tzinfo=None)
        return value

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        return as_utc(value)
