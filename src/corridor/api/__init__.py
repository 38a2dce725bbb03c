"""REST API: FastAPI app factory, roles and the permission table, users and tokens."""

from corridor.api._adapters import open_api_store
from corridor.api._app import create_app
from corridor.api._auth import authorize
from corridor.api._principal import Principal
from corridor.api._roles import OWN_PARTY, PERMISSIONS, Role
from corridor.api._serve import check_transport, serve
from corridor.api._tokens import hash_token, new_token
from corridor.api._users import UserInfo, add_user, authenticate, disable_user, list_users

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
