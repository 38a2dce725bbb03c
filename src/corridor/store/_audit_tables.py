"""The table of signed audit checkpoints (issue 14), on the same declarative Base."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from corridor.store._tables import HASH_LEN, Base
from corridor.store._types import utc_now


class AuditCheckpointRow(Base):
    """One party's signed checkpoint (the whole note text, with only its own signature).

    A copy kept here is a convenience for other parties and observers to fetch; it proves
    nothing by itself, since an insider could delete it: each party keeps its own file.
    """

    __tablename__ = "audit_checkpoints"
    __table_args__ = (
        UniqueConstraint(
            "signer", "tree_size", "root_hash", name="uq_audit_checkpoints_signer_size_root"
        ),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    origin: Mapped[str] = mapped_column(String(200))
    tree_size: Mapped[int] = mapped_column(Integer, index=True)
    root_hash: Mapped[str] = mapped_column(String(HASH_LEN))
    signer: Mapped[str] = mapped_column(String(200))
    note: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utc_now)
    created_by: Mapped[str] = mapped_column(String(200))
