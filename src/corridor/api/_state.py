"""What a running API holds: the store, the loaded networks, and small caches."""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from fastapi import Request

from corridor.api._adapters import session_of
from corridor.errors import InputError, NotFoundError
from corridor.store import Store

if TYPE_CHECKING:
    from corridor.network import Network

log = logging.getLogger("corridor.api")
_SUFFIXES = re.compile(r"(\.[A-Za-z0-9]+)+$")


def network_name(path: Path) -> str:
    """`data/krems.corridor` -> `krems`: the name a network has in URLs."""
    return _SUFFIXES.sub("", path.name) or path.name


@dataclass
class ApiState:
    store: Store
    networks: dict[str, Network] = field(default_factory=dict)
    network_paths: dict[str, Path] = field(default_factory=dict)
    caches: dict[str, Any] = field(default_factory=dict)

    def network(self, name: str) -> Network:
        try:
            return self.networks[name]
        except KeyError:
            known = ", ".join(sorted(self.networks)) or "none"
            raise NotFoundError(
                f"no network named {name!r}", item=name, hint=f"loaded networks: {known}"
            ) from None


def load_networks(
    paths: Sequence[str | Path | tuple[str, str | Path]],
) -> tuple[dict[str, Network], dict[str, Path]]:
    """Open each network (a path, or a (name, path) pair) as `corridor route` does: a network
    file with its stored landmarks, or an OSM extract imported on the spot."""
    from corridor.routing import open_network

    networks: dict[str, Network] = {}
    where: dict[str, Path] = {}
    for item in paths:
        name, path = (item[0], Path(item[1])) if isinstance(item, tuple) else (None, Path(item))
        name = name or network_name(path)
        if name in networks:
            raise InputError(
                f"two networks would both be called {name!r}",
                path=path,
                hint=f"the other is {where[name]}; rename one file",
            )
        networks[name] = open_network(path)
        where[name] = path
    return networks, where


def registered_networks(store: Store) -> list[tuple[str, str | Path]]:
    """Networks recorded in the store whose files are still there (the default to serve)."""
    from corridor.store import list_networks

    with session_of(store, write=False) as session:
        rows = [(r.name, r.path) for r in list_networks(session)]
    found: list[tuple[str, str | Path]] = []
    for name, path in rows:
        if Path(path).is_file():
            found.append((name, path))
        else:
            log.warning("network %r is registered at %s, which no longer exists", name, path)
    return found


def state_of(request: Request) -> ApiState:
    state: ApiState = request.app.state.corridor
    return state
