"""Store test helpers: a newer schema revision than the package ships, to test upgrades."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from corridor.store import _dbapi, _schema

NEXT_REVISION = '''"""A later revision used only by tests: one more table."""

import sqlalchemy as sa
from alembic import op

revision = "9001"
down_revision = "{head}"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table("test_later", sa.Column("id", sa.Integer(), primary_key=True))


def downgrade() -> None:
    op.drop_table("test_later")
'''


@pytest.fixture
def newer_corridor(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """Make this process behave like a later corridor whose head is one revision ahead of the
    packaged one; returns the packaged head (what existing databases are at)."""
    old_head = _schema.head_revision()
    copy = tmp_path / "migrations"
    shutil.copytree(_schema.MIGRATIONS, copy, ignore=shutil.ignore_patterns("__pycache__"))
    (copy / "versions" / "9001_test_later.py").write_text(NEXT_REVISION.format(head=old_head))
    monkeypatch.setattr(_schema, "MIGRATIONS", copy)
    # and on the bare-driver path, which reads the packaged head on its own (corridor.store._sql)
    monkeypatch.setattr(_dbapi, "MIGRATIONS", copy)
    return old_head
