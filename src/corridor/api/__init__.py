"""REST API: FastAPI app factory, roles and the permission table, users and tokens.

The package loads its modules on first use (PEP 562), as :mod:`corridor.store` does: a
command that only makes a token (``corridor users add``) must not import FastAPI, 1.6 s of
import here (issue 14, defect 10).
"""

from __future__ import annotations

import typing as _typing

from corridor import _lazy

if _typing.TYPE_CHECKING:
    from corridor.api._adapters import open_api_store
    from corridor.api._app import create_app
    from corridor.api._auth import authorize
    from corridor.api._principal import Principal
    from corridor.api._roles import OWN_PARTY, PERMISSIONS, Role
    from corridor.api._serve import check_transport, serve
    from corridor.api._tokens import hash_token, new_token
    from corridor.api._users import UserInfo, add_user, authenticate, disable_user, list_users

#: public name -> the module that defines it
_WHERE: dict[str, str] = {
    "OWN_PARTY": "corridor.api._roles",
    "PERMISSIONS": "corridor.api._roles",
    "Principal": "corridor.api._principal",
    "Role": "corridor.api._roles",
    "UserInfo": "corridor.api._users",
    "add_user": "corridor.api._users",
    "authenticate": "corridor.api._users",
    "authorize": "corridor.api._auth",
    "check_transport": "corridor.api._serve",
    "create_app": "corridor.api._app",
    "disable_user": "corridor.api._users",
    "hash_token": "corridor.api._tokens",
    "list_users": "corridor.api._users",
    "new_token": "corridor.api._tokens",
    "open_api_store": "corridor.api._adapters",
    "serve": "corridor.api._serve",
}


__getattr__, __dir__ = _lazy.exports(__name__, _WHERE)


__all__ = [
    "OWN_PARTY",
    "PERMISSIONS",
    "Principal",
    "Role",
    "UserInfo",
    "add_user",
    "authenticate",
    "authorize",
    "check_transport",
    "create_app",
    "disable_user",
    "hash_token",
    "list_users",
    "new_token",
    "open_api_store",
    "serve",
]
