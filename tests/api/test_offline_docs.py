"""The interactive docs work without internet access: no CDN, assets served by the app."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient

from corridor.api import create_app
from corridor.store import open_store


def test_docs_pages_load_their_assets_from_the_server(tmp_path: Path) -> None:
    with (
        open_store(f"sqlite:///{tmp_path / 'docs.db'}") as store,
        TestClient(create_app(store=store)) as client,
    ):
        for page, asset in (
            ("/docs", "/static-offline-docs/swagger-ui-bundle.js"),
            ("/redoc", "/static-offline-docs/redoc.standalone.js"),
        ):
            html = client.get(page)
            assert html.status_code == 200
            assert asset in html.text
            assert "cdn." not in html.text and "fonts.googleapis" not in html.text
            script = client.get(asset)
            assert script.status_code == 200 and len(script.content) > 100_000
