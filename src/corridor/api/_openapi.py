"""The OpenAPI document, with the bearer scheme and each operation's roles from PERMISSIONS."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

from corridor.api._roles import OWN_PARTY, PERMISSIONS


def install_openapi(app: FastAPI) -> None:
    """Generate the schema once, marking every protected operation with ``security`` (so
    /docs offers "Authorize") and ``x-roles`` (who may call it, straight from the table)."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is not None:
            return app.openapi_schema
        from corridor.api._app import route_names

        doc = get_openapi(
            title=app.title, version=app.version, description=app.description, routes=app.routes
        )
        schemes = doc.setdefault("components", {}).setdefault("securitySchemes", {})
        schemes["bearer"] = {"type": "http", "scheme": "bearer", "description": "API token"}
        for name, (path, methods) in route_names(app).items():
            allowed = PERMISSIONS.get(name)
            for method in methods:
                operation = doc.get("paths", {}).get(path, {}).get(method.lower())
                if operation is None or allowed is None:
                    continue
                operation["security"] = [{"bearer": []}]
                operation["x-roles"] = sorted(r.value for r in allowed)
                if name in OWN_PARTY:
                    operation["x-own-party"] = True
        app.openapi_schema = doc
        return doc

    app.openapi = openapi  # type: ignore[method-assign]
