"""Tables of monitoring (issue 10): convoys, field reports, attachments, violations, events.

Reports keep the client's id as primary key and a digest of the body, so that a second upload
of the same report is recognised and a different report under a reused id is refused. Each
write also appends an audit entry in the same transaction (see ``corridor.monitoring``).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Float, ForeignKey, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from corridor.store._tables import HASH_LEN, Base
from corridor.store._types import utc_now


class ConvoyRow(Base):
    """A convoy under monitoring and its expected timetable (``plan``, ConvoyPlan JSON)."""

    __tablename__ = "monitoring_convoys"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    corridor_id: Mapped[str] = mapped_column(ForeignKey("corridors.id"), index=True)
    plan: Mapped[dict[str, Any]]
    created_at: Mapped[datetime] = mapped_column(default=utc_now)
    created_by: Mapped[str] = mapped_column(String(200))


class AttachmentRow(Base):
    """A file sent with an incident, stored once however many reports carry it."""

    __tablename__ = "attachments"
    sha256: Mapped[str] = mapped_column(String(HASH_LEN), primary_key=True)
    media_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(Integer)
    data: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(default=utc_now)


class CheckinRow(Base):
    __tablename__ = "checkins"
    id: Mapped[str] = mapped_column(String(100), primary_key=True)
    corridor_id: Mapped[str] = mapped_column(ForeignKey("corridors.id"), index=True)
    convoy_id: Mapped[str] = mapped_column(ForeignKey("monitoring_convoys.id"), index=True)
    at_utc: Mapped[datetime]
    body: Mapped[dict[str, Any]]  # the validated report, as JSON
    body_digest: Mapped[str] = mapped_column(String(HASH_LEN))
    reporter: Mapped[str] = mapped_column(String(200))
    received_at: Mapped[datetime] = mapped_column(default=utc_now)


class IncidentRow(Base):
    __tablename__ = "incidents"
    id: Mapped[str] = mapped_column(String(100), primary_key=True)
    corridor_id: Mapped[str] = mapped_column(ForeignKey("corridors.id"), index=True)
    kind: Mapped[str] = mapped_column(String(64))
    at_utc: Mapped[datetime]
    body: Mapped[dict[str, Any]]
    body_digest: Mapped[str] = mapped_column(String(HASH_LEN))
    attachment_sha256: Mapped[str | None] = mapped_column(ForeignKey("attachments.sha256"))
    reporter: Mapped[str] = mapped_column(String(200))
    received_at: Mapped[datetime] = mapped_column(default=utc_now)
    confirmed_at: Mapped[datetime | None]
    confirmed_by: Mapped[str | None] = mapped_column(String(200))
    hazard_id: Mapped[str | None] = mapped_column(String(200))  # the hazard it became, if any


class ViolationRow(Base):
    """A breach of a named term; re-derived after every report, withdrawn if later reports
    show it did not happen (a late "released" shortening a hold)."""

    __tablename__ = "violations"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(300), unique=True)
    corridor_id: Mapped[str] = mapped_column(ForeignKey("corridors.id"), index=True)
    kind: Mapped[str] = mapped_column(String(32))
    term: Mapped[str] = mapped_column(String(200))
    party: Mapped[str | None] = mapped_column(String(200))
    convoy_id: Mapped[str | None] = mapped_column(String(64))
    start_utc: Mapped[datetime]
    end_utc: Mapped[datetime | None]
    minutes: Mapped[float | None] = mapped_column(Float)
    distance_m: Mapped[float | None] = mapped_column(Float)
    report_ids: Mapped[list[Any]]
    summary: Mapped[str] = mapped_column(Text)
    detected_at: Mapped[datetime] = mapped_column(default=utc_now)
    updated_at: Mapped[datetime] = mapped_column(default=utc_now)
    withdrawn_at: Mapped[datetime | None]


class RuleFiringRow(Base):
    """A rule that fired on a subject; the key makes every firing happen once."""

    __tablename__ = "rule_firings"
    key: Mapped[str] = mapped_column(String(400), primary_key=True)
    corridor_id: Mapped[str] = mapped_column(ForeignKey("corridors.id"), index=True)
    rule: Mapped[str] = mapped_column(String(64))
    subject: Mapped[str] = mapped_column(String(300))
    actions: Mapped[list[Any]]
    result: Mapped[dict[str, Any]]
    fired_at: Mapped[datetime] = mapped_column(default=utc_now)


class RuleSetRow(Base):
    """The monitoring rules in force: the newest row wins (older ones stay, for the record)."""

    __tablename__ = "monitoring_rules"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    text: Mapped[str] = mapped_column(Text)
    sha256: Mapped[str] = mapped_column(String(HASH_LEN))
    set_at: Mapped[datetime] = mapped_column(default=utc_now)
    set_by: Mapped[str] = mapped_column(String(200))


class EventRow(Base):
    """One event for live subscribers (`GET /events`); ids grow in commit order because
    every writer appends them after taking the audit lock."""

    __tablename__ = "events"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at_utc: Mapped[datetime] = mapped_column(default=utc_now)
    kind: Mapped[str] = mapped_column(String(64))
    corridor_id: Mapped[str | None] = mapped_column(String(100), index=True)
    party: Mapped[str | None] = mapped_column(String(200))
    payload: Mapped[dict[str, Any]]
