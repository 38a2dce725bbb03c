"""Monitoring (issue 10): check-ins, incidents, attachments, violations, rules and events.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-30
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "monitoring_convoys",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("corridor_id", sa.String(length=100), nullable=False),
        sa.Column("plan", sa.JSON(), nullable=False),
        sa.Column("created_at", _TS, nullable=False),
        sa.Column("created_by", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(["corridor_id"], ["corridors.id"],
                                name=op.f("fk_monitoring_convoys_corridor_id_corridors")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_monitoring_convoys")),
    )  # fmt: skip
    op.create_index(
        op.f("ix_monitoring_convoys_corridor_id"), "monitoring_convoys", ["corridor_id"]
    )
    op.create_table(
        "attachments",
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("media_type", sa.String(length=100), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", _TS, nullable=False),
        sa.PrimaryKeyConstraint("sha256", name=op.f("pk_attachments")),
    )
    op.create_table(
        "checkins",
        sa.Column("id", sa.String(length=100), nullable=False),
        sa.Column("corridor_id", sa.String(length=100), nullable=False),
        sa.Column("convoy_id", sa.String(length=64), nullable=False),
        sa.Column("at_utc", _TS, nullable=False),
        sa.Column("body", sa.JSON(), nullable=False),
        sa.Column("body_digest", sa.String(length=64), nullable=False),
        sa.Column("reporter", sa.String(length=200), nullable=False),
        sa.Column("received_at", _TS, nullable=False),
        sa.ForeignKeyConstraint(["corridor_id"], ["corridors.id"],
                                name=op.f("fk_checkins_corridor_id_corridors")),
        sa.ForeignKeyConstraint(["convoy_id"], ["monitoring_convoys.id"],
                                name=op.f("fk_checkins_convoy_id_monitoring_convoys")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_checkins")),
    )  # fmt: skip
    op.create_index(op.f("ix_checkins_corridor_id"), "checkins", ["corridor_id"])
    op.create_index(op.f("ix_checkins_convoy_id"), "checkins", ["convoy_id"])
    op.create_table(
        "incidents",
        sa.Column("id", sa.String(length=100), nullable=False),
        sa.Column("corridor_id", sa.String(length=100), nullable=False),
        sa.Column("kind", sa.String(length=64), nullable=False),
        sa.Column("at_utc", _TS, nullable=False),
        sa.Column("body", sa.JSON(), nullable=False),
        sa.Column("body_digest", sa.String(length=64), nullable=False),
        sa.Column("attachment_sha256", sa.String(length=64), nullable=True),
        sa.Column("reporter", sa.String(length=200), nullable=False),
        sa.Column("received_at", _TS, nullable=False),
        sa.Column("confirmed_at", _TS, nullable=True),
        sa.Column("confirmed_by", sa.String(length=200), nullable=True),
        sa.Column("hazard_id", sa.String(length=200), nullable=True),
        sa.ForeignKeyConstraint(["corridor_id"], ["corridors.id"],
                                name=op.f("fk_incidents_corridor_id_corridors")),
        sa.ForeignKeyConstraint(["attachment_sha256"], ["attachments.sha256"],
                                name=op.f("fk_incidents_attachment_sha256_attachments")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_incidents")),
    )  # fmt: skip
    op.create_index(op.f("ix_incidents_corridor_id"), "incidents", ["corridor_id"])
    op.create_table(
        "violations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=300), nullable=False),
        sa.Column("corridor_id", sa.String(length=100), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("term", sa.String(length=200), nullable=False),
        sa.Column("party", sa.String(length=200), nullable=True),
        sa.Column("convoy_id", sa.String(length=64), nullable=True),
        sa.Column("start_utc", _TS, nullable=False),
        sa.Column("end_utc", _TS, nullable=True),
        sa.Column("minutes", sa.Float(), nullable=True),
        sa.Column("distance_m", sa.Float(), nullable=True),
        sa.Column("report_ids", sa.JSON(), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("detected_at", _TS, nullable=False),
        sa.Column("updated_at", _TS, nullable=False),
        sa.Column("withdrawn_at", _TS, nullable=True),
        sa.ForeignKeyConstraint(["corridor_id"], ["corridors.id"],
                                name=op.f("fk_violations_corridor_id_corridors")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_violations")),
        sa.UniqueConstraint("key", name=op.f("uq_violations_key")),
    )  # fmt: skip
    op.create_index(op.f("ix_violations_corridor_id"), "violations", ["corridor_id"])
    op.create_table(
        "rule_firings",
        sa.Column("key", sa.String(length=400), nullable=False),
        sa.Column("corridor_id", sa.String(length=100), nullable=False),
        sa.Column("rule", sa.String(length=64), nullable=False),
        sa.Column("subject", sa.String(length=300), nullable=False),
        sa.Column("actions", sa.JSON(), nullable=False),
        sa.Column("result", sa.JSON(), nullable=False),
        sa.Column("fired_at", _TS, nullable=False),
        sa.ForeignKeyConstraint(["corridor_id"], ["corridors.id"],
                                name=op.f("fk_rule_firings_corridor_id_corridors")),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_rule_firings")),
    )  # fmt: skip
    op.create_index(op.f("ix_rule_firings_corridor_id"), "rule_firings", ["corridor_id"])
    op.create_table(
        "monitoring_rules",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("set_at", _TS, nullable=False),
        sa.Column("set_by", sa.String(length=200), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_monitoring_rules")),
    )
    op.create_table(
        "events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at_utc", _TS, nullable=False),
        sa.Column("kind", sa.String(length=64), nullable=False),
        sa.Column("corridor_id", sa.String(length=100), nullable=True),
        sa.Column("party", sa.String(length=200), nullable=True),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_events")),
    )
    op.create_index(op.f("ix_events_corridor_id"), "events", ["corridor_id"])


def downgrade() -> None:
    for table in ("events", "monitoring_rules", "rule_firings", "violations", "incidents",
                  "checkins", "attachments", "monitoring_convoys"):  # fmt: skip
        op.drop_table(table)
