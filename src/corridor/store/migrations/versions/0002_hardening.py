"""Hardening (issue 14): constraints and retention the hostile-input fixes need.

- ``hazards.provisional`` / ``confirmed_by`` / ``confirmed_at``: a field team's closure is kept
  provisional (risk only) until a coordinator confirms it.
- ``lifecycle_events.claimed_at``: the time a party's signed statement claims; ``at`` is the
  server's clock.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-30
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("hazards") as batch:
        batch.add_column(
            sa.Column("provisional", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch.add_column(sa.Column("confirmed_by", sa.String(length=200), nullable=True))
        batch.add_column(sa.Column("confirmed_at", sa.DateTime(timezone=True), nullable=True))
    with op.batch_alter_table("lifecycle_events") as batch:
        batch.add_column(sa.Column("claimed_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("lifecycle_events") as batch:
        batch.drop_column("claimed_at")
    with op.batch_alter_table("hazards") as batch:
        batch.drop_column("confirmed_at")
        batch.drop_column("confirmed_by")
        batch.drop_column("provisional")
