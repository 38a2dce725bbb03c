"""Which networks a server routes on: the files given, or those registered in the store."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from corridor.api import add_user, create_app
from corridor.errors import InputError
from corridor.store import register_network
from tests.api.conftest import TestClient
from tests.conftest import BUNDLED_OSM


def _names(app: Any, store: Any) -> list[str]:
    token = add_user(store, name="obs", role="observer", party=None, actor="test")
    with TestClient(app) as client:
        page = client.get("/networks", headers={"Authorization": f"Bearer {token}"}).json()
    return [n["name"] for n in page["items"]]


def test_registered_networks_are_served_by_default(store: Any, network_file: Path) -> None:
    with store.session() as session:
        register_network(session, network_file, actor="test", name="krems-car")
    assert _names(create_app(store=store), store) == ["krems-car"]


def test_an_osm_extract_is_imported_on_the_spot(store: Any) -> None:
    assert _names(create_app(store=store, networks=[BUNDLED_OSM]), store) == ["krems"]


def test_two_files_with_one_name_are_refused(store: Any, network_file: Path) -> None:
    with pytest.raises(InputError, match="both be called 'krems'"):
        create_app(store=store, networks=[network_file, BUNDLED_OSM])
