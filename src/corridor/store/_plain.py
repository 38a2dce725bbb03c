"""The parts of the store that need no SQLAlchemy: where the database is, which schema
revision this code needs, and how a stored time reads back.

Both the store proper and the lean read path (:mod:`corridor.store._dbapi`, issue 14,
defect 10) use these, so the two cannot disagree about the URL, the head or a timestamp.
"""

from __future__ import annotations

import os
import re
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import Any

ENV_VAR = "CORRIDOR_DB"
MIGRATIONS = Path(__file__).resolve().parent / "migrations"
SQLITE_BUSY_TIMEOUT_MS = 30_000
#: The roles an API user may hold: the api_users CHECK constraint and the store's own check.
USER_ROLES = ("coordinator", "liaison", "field", "observer")
#: Run on every new SQLite connection, by the engine and by the lean read path alike.
SQLITE_PRAGMAS = (
    f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}",
    "PRAGMA foreign_keys = ON",
    "PRAGMA journal_mode = WAL",
    # FULL: a committed audit entry survives power loss, not only a killed process.
    "PRAGMA synchronous = FULL",
)

_REVISION_LINE = re.compile(
    r"^(revision|down_revision)\s*(?::[^=]*)?=\s*(None|\"([^\"]*)\"|'([^']*)')\s*$", re.MULTILINE
)


def default_db_path() -> Path:
    """``$XDG_DATA_HOME/corridor/corridor.db``, else ``~/.local/share/corridor/corridor.db``."""
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "corridor" / "corridor.db"


def resolve_db_url(url: str | None = None) -> str:
    """The URL to use: the ``--db`` argument, else ``$CORRIDOR_DB``, else the default file.

    A bare path is taken as an SQLite file; ``postgresql://`` and ``postgres://`` mean the
    installed psycopg 3 driver.
    """
    text = url or os.environ.get(ENV_VAR) or ""
    if not text:
        return f"sqlite:///{default_db_path()}"
    if "://" not in text:
        return f"sqlite:///{Path(text).expanduser().resolve()}"
    for prefix in ("postgresql://", "postgres://"):
        if text.startswith(prefix):
            return "postgresql+psycopg://" + text[len(prefix) :]
    return text


@cache
def revisions_in(folder: Path) -> dict[str, str | None]:
    """revision -> down_revision of every migration in ``folder``, read as text (no Alembic)."""
    graph: dict[str, str | None] = {}
    for path in sorted((folder / "versions").glob("*.py")):
        found: dict[str, str | None] = {}
        for m in _REVISION_LINE.finditer(path.read_text(encoding="utf-8")):
            found[m.group(1)] = None if m.group(2) == "None" else (m.group(3) or m.group(4))
        if found.get("revision"):
            graph[str(found["revision"])] = found.get("down_revision")
    return graph


def heads_of(graph: dict[str, str | None]) -> list[str]:
    """The revisions no other revises (one, for the linear history the package ships)."""
    return sorted(set(graph) - {down for down in graph.values() if down is not None})


def as_utc(value: Any) -> datetime | None:
    """A stored time as an aware UTC datetime: SQLite keeps naive UTC text, PostgreSQL
    ``timestamptz`` (handed back in the session's zone)."""
    if value is None:
        return None
    when = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    if when.tzinfo is None:
        return when.replace(tzinfo=UTC)
    return when.astimezone(UTC)


def utc_now() -> datetime:
    """The current time as an aware UTC datetime, at the microsecond both databases keep."""
    return datetime.now(UTC)
