"""The one folder where corridor keeps what it can rebuild (compiled templates, the gazetteer's
join): ``$CORRIDOR_CACHE_DIR``, else ``$XDG_CACHE_HOME/corridor``, else ``~/.cache/corridor``.

Everything kept there is an optimisation: a missing, unwritable or damaged cache costs time
and nothing else, and a user without a home folder (no ``HOME``, no passwd entry) has none.
"""

from __future__ import annotations

import os
from pathlib import Path

ENV_VAR = "CORRIDOR_CACHE_DIR"


def cache_dir() -> Path | None:
    """The cache folder (not created here), or None when there is no home to put it in."""
    env = os.environ.get(ENV_VAR)
    if env:
        return Path(env)
    base = os.environ.get("XDG_CACHE_HOME")
    if not base:
        try:
            base = str(Path.home() / ".cache")
        except (RuntimeError, KeyError):
            return None
    return Path(base) / "corridor"
