"""The one folder where corridor keeps what it can rebuild (compiled templates, the gazetteer's
join): ``$CORRIDOR_CACHE_DIR``, else ``$XDG_CACHE_HOME/corridor``, else ``~/.cache/corridor``.

Everything kept there is an optimisation: a missing, unwritable or damaged cache costs time
and nothing else, and a user without a home folder (no ``HOME``, no passwd entry) has none.
What is read back is trusted (compiled templates are loaded as code, the gazetteer's join
places hazards), so :func:`private_folder` refuses a folder another account could write to.
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


def private_folder(name: str) -> Path | None:
    """``name`` under the cache folder, made (mode 0700) if missing; None when there is no
    cache folder, it cannot be made, or it is not this account's alone (owned by another
    user, or writable by group or others: a shared ``CORRIDOR_CACHE_DIR``)."""
    base = cache_dir()
    if base is None:
        return None
    folder = base / name
    try:
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        st = folder.stat()
    except OSError:
        return None
    if st.st_uid != os.getuid() or st.st_mode & 0o022:
        return None
    return folder
