"""docs/api.md's role table says exactly what the permission table enforces."""

from __future__ import annotations

import re
from pathlib import Path

from corridor.api import OWN_PARTY, PERMISSIONS, Role, create_app
from corridor.api._app import route_names
from corridor.store import open_store
from tests.conftest import REPO

DOC = REPO / "docs" / "api.md"


def _documented() -> dict[str, tuple[str, list[str]]]:
    text = DOC.read_text(encoding="utf-8")
    block = text.split("<!-- role-table")[1].split("<!-- /role-table -->")[0]
    rows: dict[str, tuple[str, list[str]]] = {}
    for line in block.splitlines():
        m = re.match(r"^\| `([A-Z]+ [^`]+)` \| `([^`]+)` \| (.+) \|$", line)
        if m:
            rows[m.group(2)] = (m.group(1), [c.strip() for c in m.group(3).split("|")])
    return rows


def test_role_table_in_docs_matches_the_code(tmp_path: Path) -> None:
    with open_store(f"sqlite:///{tmp_path / 'docs.db'}") as store:
        routes = route_names(create_app(store=store))
    expected: dict[str, tuple[str, list[str]]] = {}
    for name, (path, methods) in routes.items():
        allowed = PERMISSIONS[name]
        cells = [
            "public"
            if allowed is None
            else ("own party" if name in OWN_PARTY and role is Role.LIAISON else "yes")
            if role in allowed
            else "-"
            for role in Role
        ]
        expected[name] = (f"{sorted(methods - {'HEAD'})[0]} {path}", cells)
    assert _documented() == expected
