"""The permission table is complete and enforced: every route x every role (and no token)."""

from __future__ import annotations

import re

from corridor.api import OWN_PARTY, PERMISSIONS, Role
from corridor.api._app import route_names
from tests.api.conftest import Api

# Values for path parameters: real where the resource exists, harmless where it need not.
PATH_VALUES = {
    "name": "krems",
    "party": "north",
    "agreement_id": "no-such-agreement",
    "hazard_id": "no-such-hazard",
    "action": "close",
    "version": "1",
    "movement_id": "no-such-movement",
    "plan_id": "no-such-plan",
    "incident_id": "no-such-incident",
    "sha256": "0" * 64,
    "corridor_id": "no-such-corridor",
    "z": "14",  # a map tile over Krems
    "x": "8901",
    "y": "5667",
    "lang": "uk",
    "job_id": "no-such-job",
}
CALLERS = ["coordinator", "liaison", "field", "observer"]


def _url(path: str) -> str:
    return re.sub(r"\{(\w+)(:\w+)?\}", lambda m: PATH_VALUES[m.group(1)], path)


def _call(api: Api, method: str, path: str, headers: dict[str, str]) -> tuple[int, str]:
    kwargs: dict[str, object] = {"headers": headers}
    if method in ("POST", "PUT", "PATCH"):
        kwargs["json"] = {}
    if path == "/events":  # a stream: end it once nothing more comes
        kwargs["params"] = {"idle_s": 0.1}
    if path.endswith("/roads"):
        kwargs["params"] = {"bbox": "15.6,48.4,15.61,48.41"}
    response = api.client.request(method, _url(path), **kwargs)  # type: ignore[arg-type]
    return response.status_code, response.headers.get("content-type", "")


def test_table_covers_every_route_and_nothing_else(api: Api) -> None:
    served = set(route_names(api.client.app))  # type: ignore[arg-type]
    assert served == set(PERMISSIONS), (
        f"missing from PERMISSIONS: {sorted(served - set(PERMISSIONS))}; "
        f"in PERMISSIONS but not served: {sorted(set(PERMISSIONS) - served)}"
    )
    assert set(OWN_PARTY) <= set(PERMISSIONS)


def test_every_role_on_every_route(api: Api) -> None:
    routes = route_names(api.client.app)  # type: ignore[arg-type]
    checked = 0
    for name, (path, methods) in sorted(routes.items()):
        allowed = PERMISSIONS[name]
        method = sorted(methods - {"HEAD"})[0]
        status, ctype = _call(api, method, path, {})
        if allowed is None:
            assert status not in (401, 403), (name, status)
            continue
        assert status == 401, f"{name} without a token gave {status}"
        assert ctype.startswith("application/problem+json")
        for who in CALLERS:
            status, ctype = _call(api, method, path, api.auth(who))
            if Role(who) in allowed:
                assert status not in (401, 403), f"{who} refused on {name}: {status}"
            else:
                assert status == 403, f"{who} on {name} gave {status}, expected 403"
                assert ctype.startswith("application/problem+json")
            checked += 1
    assert checked >= 4 * 20


def test_liaison_acts_only_for_own_party(api: Api) -> None:
    routes = route_names(api.client.app)  # type: ignore[arg-type]
    for name in sorted(OWN_PARTY):
        path, methods = routes[name]
        method = sorted(methods - {"HEAD"})[0]
        own, _ = _call(api, method, path, api.auth("liaison-north"))
        other, ctype = _call(api, method, path, api.auth("liaison-south"))
        assert own not in (401, 403), (name, own)
        assert other == 403, (name, other)
        assert ctype.startswith("application/problem+json")
        # A coordinator may act for any party.
        coord, _ = _call(api, method, path, api.auth("coordinator"))
        assert coord not in (401, 403)


def test_disabled_or_unknown_token_is_401(api: Api) -> None:
    from corridor.api import disable_user

    assert api.get("/me", "observer").status_code == 200
    disable_user(api.store, name="observer-1", actor="test")
    refused = api.get("/me", "observer")
    assert refused.status_code == 401
    assert refused.headers["www-authenticate"].startswith("Bearer")
    assert refused.json()["status"] == 401
    bogus = api.client.get("/me", headers={"Authorization": "Bearer cor_not-a-real-token"})
    assert bogus.status_code == 401
    basic = api.client.get("/me", headers={"Authorization": "Basic dXNlcjpwdw=="})
    assert basic.status_code == 401


def test_user_rules(api: Api) -> None:
    import pytest

    from corridor.api import add_user, list_users
    from corridor.errors import InputError, NotFoundError, StateError

    with pytest.raises(InputError, match="--party"):
        add_user(api.store, name="l2", role="liaison", party=None, actor="t")
    with pytest.raises(NotFoundError, match="no party"):
        add_user(api.store, name="l3", role="liaison", party="atlantis", actor="t")
    with pytest.raises(StateError, match="exists"):
        add_user(api.store, name="field-1", role="field", party=None, actor="t")
    users = {u.name: u for u in list_users(api.store)}
    assert users["liaison-south"].party == "south" and users["field-1"].disabled_at is None
