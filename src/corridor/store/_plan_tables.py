"""Stored evacuation plans: every submission of a plan id is a new immutable version."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from corridor.store._tables import HASH_LEN, Base
from corridor.store._types import utc_now


class PlanVersionRow(Base):
    """One version of a plan: the plan file as given and the schedule computed from it.

    ``digest`` is the SHA-256 of the plan's canonical JSON (RFC 8785), so a reader can tell
    whether two versions plan the same input; rows are never updated or deleted.
    """

    __tablename__ = "plan_versions"
    __table_args__ = (UniqueConstraint("plan_id", "version", name="uq_plan_versions_plan_version"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    plan_id: Mapped[str] = mapped_column(String(100), index=True)
    version: Mapped[int] = mapped_column(Integer)
    plan: Mapped[dict[str, Any]]
    schedule: Mapped[dict[str, Any]]
    digest: Mapped[str] = mapped_column(String(HASH_LEN))
    moved: Mapped[int] = mapped_column(Integer)
    total_people: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(default=utc_now)
    created_by: Mapped[str] = mapped_column(String(200))
