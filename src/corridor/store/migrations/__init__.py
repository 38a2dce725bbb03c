"""Alembic migrations of the corridor schema, shipped inside the package."""
