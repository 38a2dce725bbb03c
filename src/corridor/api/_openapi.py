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
        add_links(doc)
        app.openapi_schema = doc
        return doc

    app.openapi = openapi  # type: ignore[method-assign]


#: OpenAPI links (the id a response names, to the operations that take it), so that clients
#: and stateful testers (schemathesis) can follow a created object through its life:
#: (method, path, status, JSON pointer in the response, path parameter, target operations).
LINKS: tuple[tuple[str, str, str, str, str, tuple[tuple[str, str], ...]], ...] = (
    ("post", "/hazards", "201", "/id", "hazard_id", (
        ("get", "/hazards/{hazard_id}"), ("patch", "/hazards/{hazard_id}"),
        ("post", "/hazards/{hazard_id}/expire"))),
    ("patch", "/hazards/{hazard_id}", "200", "/id", "hazard_id", (
        ("get", "/hazards/{hazard_id}"), ("post", "/hazards/{hazard_id}/expire"))),
    ("get", "/hazards", "200", "/items/0/id", "hazard_id", (
        ("get", "/hazards/{hazard_id}"), ("patch", "/hazards/{hazard_id}"))),
    ("post", "/hazards/import", "200", "/imported_ids/0", "hazard_id", (
        ("get", "/hazards/{hazard_id}"), ("patch", "/hazards/{hazard_id}"))),
    ("get", "/networks", "200", "/items/0/name", "name", (
        ("get", "/networks/{name}"), ("get", "/networks/{name}/roads"))),
    ("post", "/agreements", "201", "/corridor_id", "agreement_id", (
        ("get", "/agreements/{agreement_id}"),
        ("put", "/agreements/{agreement_id}/signatures/{party}"),
        ("post", "/agreements/{agreement_id}/suspensions/{party}"),
        ("post", "/agreements/{agreement_id}/transitions/{action}"),
        ("get", "/agreements/{agreement_id}/verify"),
        ("get", "/agreements/{agreement_id}/bundle"))),
    ("get", "/agreements", "200", "/items/0/corridor_id", "agreement_id", (
        ("get", "/agreements/{agreement_id}"),
        ("post", "/agreements/{agreement_id}/transitions/{action}"))),
)  # fmt: skip


def add_links(doc: dict[str, Any]) -> None:
    """Write ``LINKS`` into the responses of ``doc`` (skipping operations it does not have)."""
    paths = doc.get("paths", {})
    for method, path, status, pointer, param, targets in LINKS:
        response = paths.get(path, {}).get(method, {}).get("responses", {}).get(status)
        if response is None:
            continue
        links = response.setdefault("links", {})
        for t_method, t_path in targets:
            target = paths.get(t_path, {}).get(t_method)
            if target is None:
                continue
            name = target["operationId"]
            links[name] = {
                "operationId": name,
                "parameters": {f"path.{param}": f"$response.body#{pointer}"},
            }
