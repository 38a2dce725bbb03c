"""What a running API holds: the store, the loaded networks, and small caches."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from fastapi import Request

from corridor.errors import InputError, NotFoundError

if TYPE_CHECKING:
    from corridor.network import Network

_SUFFIXES = re.compile(r"(\.[A-Za-z0-9]+)+$")


def network_name(path: Path) -> str:
    """`data/krems.corridor` -> `krems`: the name a network has in URLs."""
    return _SUFFIXES.sub("", path.name) or path.name


@dataclass
class ApiState:
    store: Any
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


def load_networks(paths: Sequence[str | Path]) -> tuple[dict[str, Network], dict[str, Path]]:
    from corridor.network import read_network

    networks: dict[str, Network] = {}
    where: dict[str, Path] = {}
    for raw in paths:
        path = Path(raw)
        name = network_name(path)
        if name in networks:
            raise InputError(
                f"two networks would both be called {name!r}",
                path=path,
                hint=f"the other is {where[name]}; rename one file",
            )
        networks[name] = read_network(path)
        where[name] = path
    return networks, where


def state_of(request: Request) -> ApiState:
    state: ApiState = request.app.state.corridor
    return state
