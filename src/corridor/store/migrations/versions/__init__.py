"""Alembic revisions; one module per revision, never edited once released."""
