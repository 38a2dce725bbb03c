"""Routing for the API: the CLI's `answer`, with the hazard risk model cached between requests.

Left to itself ``corridor.routing.answer`` builds the risk model (hazard footprints on the
roads) on every call, which is right for a one-shot CLI run. A server answers many requests
under the same hazards, so it keeps one ``RiskModel`` per network, hands it to ``answer`` (which
only moves it in time, microseconds) and rebuilds it only when the stored hazards change.
Explanations are opt-in: finding the hazards near a route costs far more than the search itself
(see docs/benchmarks.md).

The store version moves with every audited write, field reports included, so a changed version
does not mean changed hazards: the stored hazards are read again and only those that differ are
added to or removed from the model (usually none), instead of rebuilding it.

Light requests search on the event loop and heavy ones on the heavy pool (``_heavy``); each
side has its own pictures, so a thread never waits on the loop's model or the loop on a thread's.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any

from corridor.api._adapters import session_of
from corridor.api._state import ApiState
from corridor.hazards import Hazard, RiskModel
from corridor.network import Network
from corridor.routing import RouteOptions, RouteResult, answer


@dataclass
class _Picture:
    """One network's risk model under one version of the stored hazards."""

    version: int | None = -1
    hazards: list[Hazard] = field(default_factory=list)
    model: RiskModel | None = None
    lock: threading.Lock = field(default_factory=threading.Lock)


@dataclass(frozen=True)
class Routed:
    result: RouteResult
    explanations: list[dict[str, Any]] | None
    at_utc: datetime
    hazards: list[Hazard]


def _stored_hazards(state: ApiState) -> list[Hazard]:
    from corridor.store import list_hazards

    with session_of(state.store, write=False) as session:
        return list_hazards(session)


def _refresh(picture: _Picture, network: Network, hazards: list[Hazard], at: datetime) -> None:
    """Bring the picture's model to ``hazards``: in place when only a few differ (or none)."""
    model = picture.model
    if model is None or not hazards:
        picture.model = RiskModel(network, hazards, at=at) if hazards else None
    else:
        old = {h.id: h for h in picture.hazards}
        new = {h.id: h for h in hazards}
        gone = [i for i in old if i not in new]
        changed = [h for i, h in new.items() if old.get(i) != h]
        if gone:
            model.remove(gone)
        if changed:
            model.add(changed)
    picture.hazards = hazards


def _picture(
    state: ApiState, name: str, network: Network, at: datetime, version: int | None, *, side: str
) -> _Picture:
    pictures: dict[str, _Picture] = state.caches.setdefault(f"pictures:{side}", {})
    picture = pictures.setdefault(name, _Picture())
    if version != picture.version:
        hazards = _stored_hazards(state)
        with picture.lock:
            if version != picture.version:
                _refresh(picture, network, hazards, at)
                picture.version = version
    return picture


def solve(
    state: ApiState,
    name: str,
    *,
    origin: tuple[float, float],
    destination: tuple[float, float],
    via: list[tuple[float, float]],
    options: RouteOptions,
    use_hazards: bool,
    explain: bool,
    version: int | None,
    side: str = "loop",
) -> Routed:
    """Route as `corridor route` does (same options, same engine), hazards from the store.

    ``version`` is the store version (see ``_adapters.store_version``) read for this request;
    ``side`` names whose risk models to use: "loop" (the event loop) or "pool" (heavy threads).
    """
    network = state.network(name)
    at = (options.at or datetime.now(UTC)).astimezone(UTC)
    picture = _picture(state, name, network, at, version, side=side) if use_hazards else _Picture()
    # The model is shared by concurrent requests: move it in time and search under one lock.
    with picture.lock:
        hazards = picture.hazards
        found = answer(
            network,
            origin=origin,
            destination=destination,
            via=via,
            hazards=hazards,
            options=replace(options, at=at),
            risk_model=picture.model,
            explain_routes=explain,
        )
    explanations = [e.to_dict() for e in found.explanations] if explain else None
    return Routed(found.result, explanations, found.at_utc, hazards)


def warm_up(state: ApiState) -> None:
    """Route once on every network, on both sides, before the server takes requests.

    The first requests of a fresh server otherwise pay for building the risk model, loading
    the compiled kernels and the projections (the slow tail of the first seconds in
    docs/benchmarks.md, "The 200 requests/s target"). Best effort: a network that cannot be
    routed now (no stored hazards readable, an empty graph) is simply served cold.
    """
    from corridor.api._adapters import store_version
    from corridor.errors import CorridorError

    try:
        version = store_version(state.store)
    except CorridorError:
        return
    for name, network in state.networks.items():
        if network.n_nodes < 2:
            continue
        ends = [(float(network.node_lat[i]), float(network.node_lon[i]))
                for i in (0, network.n_nodes // 2)]  # fmt: skip
        for side, explain in (("loop", False), ("pool", True)):
            try:
                solve(state, name, origin=ends[0], destination=ends[1], via=[],
                      options=RouteOptions(), use_hazards=True, explain=explain,
                      version=version, side=side)  # fmt: skip
            except CorridorError:
                break
