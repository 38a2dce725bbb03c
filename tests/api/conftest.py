"""The API under test: the real app over the real store (SQLite and PostgreSQL), real networks."""

from __future__ import annotations

import base64
import warnings
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

with warnings.catch_warnings():
    # Starlette would prefer the httpx2 fork; httpx (a project dependency) works the same here.
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient

from corridor._records import adapter
from corridor.api import Role, add_user, create_app
from tests.conftest import BUNDLED_OSM

PARTIES = ("north", "south")
MAX_BODY = 1024 * 1024  # the test app's body limit (the Bellingcat file is 290 kB)


@dataclass
class Api:
    """A running in-process app plus one user (and token) per role."""

    client: TestClient
    store: Any
    network_name: str
    tokens: dict[str, str] = field(default_factory=dict)
    keys: dict[str, Ed25519PrivateKey] = field(default_factory=dict)

    def auth(self, who: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[who]}"}

    def get(self, url: str, who: str = "coordinator", **kw: Any) -> Any:
        return self.client.get(url, headers={**self.auth(who), **kw.pop("headers", {})}, **kw)

    def post(self, url: str, who: str = "coordinator", **kw: Any) -> Any:
        return self.client.post(url, headers={**self.auth(who), **kw.pop("headers", {})}, **kw)


def public_key_b64(key: Ed25519PrivateKey) -> str:
    raw = key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    return base64.b64encode(raw).decode()


@pytest.fixture(scope="session")
def network_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from corridor.network import import_osm, write_network

    path = tmp_path_factory.mktemp("net") / "krems.corridor"
    write_network(import_osm(BUNDLED_OSM), path)
    return path


def add_party(store: Any, name: str, key: Ed25519PrivateKey) -> None:
    """Registered through the store, so the audit log accounts for the party (replay)."""
    from corridor.store import add_party as register

    with store.session() as session:
        register(session, name=name, role="armed forces", public_key=public_key_b64(key),
                 actor="test")  # fmt: skip


def seed_users(store: Any) -> tuple[dict[str, str], dict[str, Ed25519PrivateKey]]:
    """One user per role, a liaison for each of two parties, and the parties' private keys
    (which only the test, playing the parties' own machines, ever holds)."""
    keys = {p: Ed25519PrivateKey.generate() for p in PARTIES}
    for party, key in keys.items():
        add_party(store, party, key)
    tokens = {
        role.value: add_user(store, name=f"{role.value}-1", role=role.value, party=None, actor="t")
        for role in Role
        if role is not Role.LIAISON
    }
    for party in PARTIES:
        tokens[f"liaison-{party}"] = add_user(
            store, name=f"liaison-{party}", role="liaison", party=party, actor="t"
        )
    tokens["liaison"] = tokens["liaison-north"]
    return tokens, keys


@pytest.fixture
def api(store: Any, network_file: Path) -> Iterator[Api]:
    app = create_app(store=store, networks=[network_file], max_body_bytes=MAX_BODY)
    tokens, keys = seed_users(store)
    with TestClient(app, raise_server_exceptions=False) as client:
        yield Api(client=client, store=store, network_name="krems", tokens=tokens, keys=keys)


def sign_b64(key: Ed25519PrivateKey, message: bytes) -> str:
    return base64.b64encode(key.sign(message)).decode()


def walk(net: Any, start: int, n: int) -> list[int]:
    """``n`` consecutive edges from node ``start`` (a real path on the network)."""
    edges: list[int] = []
    node, seen = start, {start}
    for _ in range(n):
        out = [int(e) for e in net.out_edges(node) if int(net.edge_target[e]) not in seen]
        if not out:
            break
        edges.append(out[0])
        node = int(net.edge_target[out[0]])
        seen.add(node)
    return edges


def terms_for(
    net: Any, keys: dict[str, Ed25519PrivateKey], corridor_id: str = "krems-east"
) -> dict[str, Any]:
    """Valid terms between the two test parties over a real path, windows starting tomorrow."""
    from datetime import UTC, datetime, timedelta

    edges = walk(net, 0, 8)
    coords: list[list[float]] = []
    for e in edges:
        lon, lat = net.edge_coords(e)
        pts = [[float(x), float(y)] for x, y in zip(lon, lat, strict=True)]
        coords.extend(pts if not coords else pts[1:])
    start = datetime.now(UTC).replace(minute=0, second=0, microsecond=0) + timedelta(days=1)
    iso = start.isoformat().replace("+00:00", "Z")
    end = (start + timedelta(hours=6)).isoformat().replace("+00:00", "Z")
    return {
        "corridor_id": corridor_id,
        "version": 1,
        "title": "Krems east evacuation",
        "parties": [
            {"name": p, "role": "armed forces", "public_key": public_key_b64(k)}
            for p, k in keys.items()
        ],
        "route": {
            "network_sha256": net.source_sha256,
            "edges": [{"id": e, "length_m": round(float(net.edge_length_m[e]), 1)} for e in edges],
            "geometry": {"type": "LineString", "coordinates": coords},
        },
        "origin": {"name": "Gathering point", "lat": coords[0][1], "lon": coords[0][0]},
        "destination": {"name": "Reception", "lat": coords[-1][1], "lon": coords[-1][0]},
        "windows": [{"start_utc": iso, "end_utc": end}],
        "vehicles": {"permitted": ["bus"], "markings": "white flags"},
        "max_convoy_size": 20,
    }


@pytest.fixture(scope="session")
def network(network_file: Path) -> Any:
    from corridor.network import read_network

    return read_network(network_file)


def monitored_corridor(api: Api, net: Any) -> dict[str, Any]:
    """Agree ``terms_for`` between the two parties and register one convoy, so that field
    reports have a corridor and a convoy to refer to; returns the terms."""
    from datetime import UTC, datetime, timedelta

    from corridor.agreements import terms_from_data
    from corridor.monitoring import ConvoyPlan, add_convoys
    from corridor.store import propose_agreement, sign_agreement

    terms = terms_for(net, api.keys)
    with api.store.session() as s:
        propose_agreement(s, terms_from_data(terms), actor="test")
        for party, key in api.keys.items():
            sign_agreement(s, terms["corridor_id"], key=key, party=party, actor="test")
        start = datetime.now(UTC) + timedelta(days=1)
        plan = {"id": "bus-1", "corridor_id": terms["corridor_id"], "vehicles": 10,
                "people": 400, "depart_utc": start.isoformat()}  # fmt: skip
        add_convoys(s, [adapter(ConvoyPlan).validate_python(plan)], actor="test")
    return terms


def incident_body(terms: dict[str, Any], report_id: str, **extra: Any) -> dict[str, Any]:
    from datetime import UTC, datetime

    lon, lat = terms["route"]["geometry"]["coordinates"][0]
    return {"id": report_id, "corridor_id": terms["corridor_id"], "kind": "route_blocked",
            "at_utc": datetime.now(UTC).isoformat(), "lat": lat, "lon": lon,
            "notes": "tree across the road", **extra}  # fmt: skip


def checkin_body(terms: dict[str, Any], report_id: str, **extra: Any) -> dict[str, Any]:
    from datetime import UTC, datetime

    lon, lat = terms["route"]["geometry"]["coordinates"][0]
    return {"id": report_id, "corridor_id": terms["corridor_id"], "convoy_id": "bus-1",
            "at_utc": datetime.now(UTC).isoformat(), "lat": lat, "lon": lon,
            "status": "departed", **extra}  # fmt: skip
