"""The app factory: wires the store, networks, error handlers, limits and every router."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from fastapi import Depends, FastAPI
from fastapi_offline import FastAPIOffline

from corridor import __version__
from corridor.api._adapters import close_store, open_api_store
from corridor.api._auth import authorize
from corridor.api._limits import DEFAULT_MAX_BODY_BYTES, BodySizeLimit
from corridor.api._openapi import install_openapi
from corridor.api._problems import install_problem_handlers
from corridor.api._state import ApiState, load_networks, registered_networks
from corridor.store import Store

DESCRIPTION = """\
Plan, agree and monitor humanitarian evacuation corridors.

Every request except `/health` and the schema needs `Authorization: Bearer <token>`
(tokens come from `corridor users add`). Errors are RFC 9457 `application/problem+json`.
See docs/api.md for the role table.
"""


def create_app(
    *,
    db_url: str | None = None,
    networks: Sequence[str | Path | tuple[str, str | Path]] = (),
    store: Store | None = None,
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES,
    warm: bool = False,
) -> FastAPI:
    """Build the API over the store at ``db_url`` (or an already open ``store``).

    ``networks`` are network files (from `corridor network import`, or OSM extracts imported
    on the spot), each served under its file name without suffixes; when none are given, the
    networks registered in the store are served under their registered names. Raises
    InputError/NetworkFileError for an unusable file and StoreError when the database cannot
    be opened, before any request is served. ``warm`` routes once on every network at start-up
    (what `corridor serve` does), so that the first requests are not the slow ones.
    """
    from corridor.api import (
        _agreements,
        _assessments,
        _audit,
        _dashboard,
        _drafts,
        _ensembles,
        _hazards,
        _health,
        _me,
        _monitoring,
        _networks,
        _notices,
        _plans,
    )
    from corridor.api import _routes as _routes_api

    own_store = store is None
    if store is None:
        store = open_api_store(db_url)
    loaded, paths = load_networks(networks or registered_networks(store))
    state = ApiState(store=store, networks=loaded, network_paths=paths)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if warm:
            from corridor.api._routing import warm_up

            warm_up(state)
            from corridor.api._networks import warm_tiles

            warm_tiles(state)
        yield
        await _ensembles.shutdown(state)
        if own_store:
            close_store(store)

    # Swagger UI and ReDoc served from the package, not a CDN: users work offline.
    app = FastAPIOffline(
        title="corridor",
        version=__version__,
        description=DESCRIPTION,
        lifespan=lifespan,
    )
    app.state.corridor = state
    install_problem_handlers(app)
    app.add_middleware(BodySizeLimit, max_bytes=max_body_bytes)
    guarded = [Depends(authorize)]
    app.include_router(_health.router, dependencies=guarded)
    routers = (_me, _networks, _hazards, _monitoring, _routes_api, _agreements, _audit, _plans)
    for module in (*routers, _notices, _assessments, _dashboard, _drafts, _ensembles):
        app.include_router(module.router, dependencies=guarded)
    install_openapi(app)
    return app


def route_names(app: FastAPI) -> dict[str, tuple[str, frozenset[str]]]:
    """Every route the app serves: name -> (path, methods), descending into included routers.

    The permission test walks this, so a new endpoint cannot slip past the permission table.
    """
    found: dict[str, tuple[str, frozenset[str]]] = {}

    def walk(routes: Sequence[Any], prefix: str) -> None:
        for route in routes:
            inner = getattr(route, "original_router", None)
            if inner is not None:  # FastAPI >= 0.16x keeps included routers as one node
                context = getattr(route, "include_context", None)
                walk(inner.routes, prefix + str(getattr(context, "prefix", "") or ""))
                continue
            name = getattr(route, "name", None)
            if name is None:
                continue
            if name in found:
                raise AssertionError(f"two routes are both named {name!r}")
            methods = frozenset(getattr(route, "methods", None) or {"GET"})
            found[name] = (prefix + str(getattr(route, "path", "")), methods)

    walk(app.routes, "")
    return found
