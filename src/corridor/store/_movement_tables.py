"""Tables of issue 11: convoy movement notifications, acknowledgements, notice details."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Integer, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from corridor.store._tables import HASH_LEN, Base, PartyRow
from corridor.store._types import utc_now


class MovementRow(Base):
    """A signed movement notification; the canonical bytes are what the sender signed."""

    __tablename__ = "movements"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    corridor_id: Mapped[str] = mapped_column(ForeignKey("corridors.id"), index=True)
    agreement_version: Mapped[int] = mapped_column(Integer)
    data: Mapped[dict[str, Any]]
    canonical: Mapped[bytes] = mapped_column(LargeBinary)
    digest: Mapped[str] = mapped_column(String(HASH_LEN))
    sender_party_id: Mapped[int] = mapped_column(ForeignKey("parties.id"))
    signature: Mapped[str] = mapped_column(Text)
    departure_utc: Mapped[datetime]
    ack_deadline_utc: Mapped[datetime]
    created_at: Mapped[datetime] = mapped_column(default=utc_now)
    created_by: Mapped[str] = mapped_column(String(200))
    sender: Mapped[PartyRow] = relationship()
    acks: Mapped[list[MovementAckRow]] = relationship(
        back_populates="movement", order_by="MovementAckRow.id"
    )


class MovementAckRow(Base):
    """One party's signed acknowledgement of one movement digest, with its time."""

    __tablename__ = "movement_acks"
    __table_args__ = (
        UniqueConstraint("movement_id", "party_id", name="uq_movement_acks_movement_party"),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    movement_id: Mapped[str] = mapped_column(ForeignKey("movements.id"), index=True)
    party_id: Mapped[int] = mapped_column(ForeignKey("parties.id"))
    digest: Mapped[str] = mapped_column(String(HASH_LEN))
    signature: Mapped[str] = mapped_column(Text)
    acked_at: Mapped[datetime]
    created_by: Mapped[str] = mapped_column(String(200))
    movement: Mapped[MovementRow] = relationship(back_populates="acks")
    party: Mapped[PartyRow] = relationship()


class NoticeDetailsRow(Base):
    """The notice details of a corridor (hotline, addresses...); replaced whole, audited."""

    __tablename__ = "notice_details"
    corridor_id: Mapped[str] = mapped_column(ForeignKey("corridors.id"), primary_key=True)
    data: Mapped[dict[str, Any]]
    updated_at: Mapped[datetime] = mapped_column(default=utc_now)
    updated_by: Mapped[str] = mapped_column(String(200))
