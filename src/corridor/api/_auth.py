"""Bearer-token authentication and the one dependency that enforces the permission table."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from corridor.api._adapters import store_version
from corridor.api._principal import Principal
from corridor.api._problems import ApiError
from corridor.api._roles import OWN_PARTY, PERMISSIONS, Role
from corridor.api._state import state_of

_CHALLENGE = {"WWW-Authenticate": 'Bearer realm="corridor"'}


def _bearer(request: Request) -> str:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise ApiError(
            401, "send an API token as 'Authorization: Bearer <token>'", headers=_CHALLENGE
        )
    return token.strip()


async def authorize(request: Request) -> Principal | None:
    """Check the caller against ``PERMISSIONS[route name]`` (and the own-party rule).

    Installed on every router, so no endpoint can forget it; a route missing from the table is
    refused (and tests/api/test_permissions.py fails). Async on purpose: it costs one indexed
    query (``store_version``) when the user is cached, cheaper inline than a thread hop.
    """
    route = request.scope.get("route")
    name = getattr(route, "name", None)
    if name not in PERMISSIONS:
        raise ApiError(403, f"route {name!r} has no entry in the permission table")
    allowed = PERMISSIONS[name]
    if allowed is None:
        return None
    token = _bearer(request)
    principal = _principal(request, token)
    if principal is None:
        raise ApiError(401, "the API token is unknown or disabled", headers=_CHALLENGE)
    if principal.role not in allowed:
        raise ApiError(403, f"role {principal.role.value!r} may not use {name}")
    if name in OWN_PARTY and principal.role is Role.LIAISON:
        _check_own_party(request, principal, name)
    request.state.principal = principal
    return principal


_MAX_CACHED = 10_000


def _principal(request: Request, token: str) -> Principal | None:
    """The token's user, cached until the store changes (adding or disabling a user is an
    audited write, so it moves the version at once)."""
    from corridor.api._tokens import hash_token
    from corridor.api._users import authenticate

    state = state_of(request)
    version = store_version(state.store)
    request.state.store_version = version
    cache: dict[str, tuple[int | None, Principal]] = state.caches.setdefault("principals", {})
    key = hash_token(token)
    hit = cache.get(key)
    if hit is not None and hit[0] == version:
        return hit[1]
    principal = authenticate(state.store, token)
    if principal is not None:  # unknown tokens are never cached: they cannot grow the cache
        if len(cache) >= _MAX_CACHED:
            cache.clear()
        cache[key] = (version, principal)
    return principal


def _check_own_party(request: Request, principal: Principal, name: str) -> None:
    party = request.path_params.get("party")
    if principal.party is None:
        raise ApiError(403, "this liaison account has no party; ask a coordinator to set one")
    if party != principal.party:
        raise ApiError(403, f"a liaison of {principal.party!r} may not act for party {party!r}")


async def current_principal(
    principal: Annotated[Principal | None, Depends(authorize)],
) -> Principal:
    """The caller of a protected route (FastAPI runs ``authorize`` once per request)."""
    if principal is None:  # pragma: no cover - only public routes authorize to None
        raise ApiError(401, "not authenticated", headers=_CHALLENGE)
    return principal


CurrentUser = Annotated[Principal, Depends(current_principal)]
