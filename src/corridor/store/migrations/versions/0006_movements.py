"""Movement notifications (issue 11), each party's acknowledgement, and notice details.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-30
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TZ = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "movements",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("corridor_id", sa.String(length=100), nullable=False),
        sa.Column("agreement_version", sa.Integer(), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("canonical", sa.LargeBinary(), nullable=False),
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("sender_party_id", sa.Integer(), nullable=False),
        sa.Column("signature", sa.Text(), nullable=False),
        sa.Column("departure_utc", TZ, nullable=False),
        sa.Column("ack_deadline_utc", TZ, nullable=False),
        sa.Column("created_at", TZ, nullable=False),
        sa.Column("created_by", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(
            ["corridor_id"], ["corridors.id"], name=op.f("fk_movements_corridor_id_corridors")
        ),
        sa.ForeignKeyConstraint(
            ["sender_party_id"],
            ["parties.id"],
            name=op.f("fk_movements_sender_party_id_parties"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_movements")),
    )
    op.create_index(op.f("ix_movements_corridor_id"), "movements", ["corridor_id"])
    op.create_table(
        "movement_acks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("movement_id", sa.String(length=64), nullable=False),
        sa.Column("party_id", sa.Integer(), nullable=False),
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("signature", sa.Text(), nullable=False),
        sa.Column("acked_at", TZ, nullable=False),
        sa.Column("created_by", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(
            ["movement_id"], ["movements.id"], name=op.f("fk_movement_acks_movement_id_movements")
        ),
        sa.ForeignKeyConstraint(
            ["party_id"], ["parties.id"], name=op.f("fk_movement_acks_party_id_parties")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_movement_acks")),
        sa.UniqueConstraint("movement_id", "party_id", name="uq_movement_acks_movement_party"),
    )
    op.create_index(op.f("ix_movement_acks_movement_id"), "movement_acks", ["movement_id"])
    op.create_table(
        "notice_details",
        sa.Column("corridor_id", sa.String(length=100), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("updated_at", TZ, nullable=False),
        sa.Column("updated_by", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(
            ["corridor_id"], ["corridors.id"], name=op.f("fk_notice_details_corridor_id_corridors")
        ),
        sa.PrimaryKeyConstraint("corridor_id", name=op.f("pk_notice_details")),
    )


def downgrade() -> None:
    op.drop_table("notice_details")
    op.drop_index(op.f("ix_movement_acks_movement_id"), table_name="movement_acks")
    op.drop_table("movement_acks")
    op.drop_index(op.f("ix_movements_corridor_id"), table_name="movements")
    op.drop_table("movements")
