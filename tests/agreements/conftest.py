"""Real keys, a real route on the Krems network, and terms built from them."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from corridor.agreements import KeyPair, generate_keypair
from corridor.network import Network

PARTIES = (
    ("city-of-krems", "local authority"),
    ("army-north", "armed forces"),
    ("icrc", "neutral intermediary"),
)


def walk_edges(net: Network, start_node: int, n: int) -> list[int]:
    """A simple path of up to ``n`` edges: always the first out-edge to an unvisited node."""
    path, seen, node = [], {start_node}, start_node
    for _ in range(n):
        nxt = next(
            (int(e) for e in net.out_edges(node) if int(net.edge_target[e]) not in seen), None
        )
        if nxt is None:
            break
        path.append(nxt)
        node = int(net.edge_target[nxt])
        seen.add(node)
    return path


def route_block(net: Network, edges: list[int]) -> dict[str, Any]:
    coords: list[list[float]] = []
    for e in edges:
        lon, lat = net.edge_coords(e)
        pts = [[float(x), float(y)] for x, y in zip(lon, lat, strict=True)]
        coords.extend(pts if not coords else pts[1:])
    return {
        "network_sha256": net.source_sha256,
        "edges": [
            {"id": e, "road": net.edge_label(e), "length_m": round(float(net.edge_length_m[e]), 1)}
            for e in edges
        ],
        "geometry": {"type": "LineString", "coordinates": coords},
    }


def make_terms(
    net: Network,
    keys: dict[str, KeyPair],
    *,
    first_window_utc: datetime,
    edges: list[int] | None = None,
) -> dict[str, Any]:
    edges = edges if edges is not None else walk_edges(net, 0, 12)
    route = route_block(net, edges)
    start, end = route["geometry"]["coordinates"][0], route["geometry"]["coordinates"][-1]
    w0 = first_window_utc
    iso = lambda t: t.astimezone(UTC).isoformat().replace("+00:00", "Z")  # noqa: E731
    return {
        "corridor_id": "krems-north",
        "version": 1,
        "title": "Krems north evacuation",
        "parties": [{"name": n, "role": r, "public_key": keys[n].public_key} for n, r in PARTIES],
        "route": route,
        "origin": {"name": "Gathering point A", "lat": start[1], "lon": start[0]},
        "destination": {"name": "Reception B", "lat": end[1], "lon": end[0]},
        "checkpoints": [
            {
                "name": "CP1",
                "lat": start[1],
                "lon": start[0],
                "operated_by": "army-north",
                "hours_utc": "05:00-19:00",
                "max_vehicles_per_hour": 60,
                "inspection_minutes": 5,
            },
            {
                "name": "CP2",
                "lat": end[1],
                "lon": end[0],
                "operated_by": "city-of-krems",
                "hours_utc": "05:00-19:00",
                "max_vehicles_per_hour": 40,
                "inspection_minutes": 3,
            },
        ],
        "windows": [
            {"start_utc": iso(w0), "end_utc": iso(w0 + timedelta(hours=6))},
            {
                "start_utc": iso(w0 + timedelta(days=1)),
                "end_utc": iso(w0 + timedelta(days=1, hours=6)),
            },
        ],
        "vehicles": {"permitted": ["bus", "ambulance"], "markings": "white flag, red cross"},
        "max_convoy_size": 30,
        "escort": "ICRC vehicle at head and tail",
        "observers": ["ICRC", "UN OCHA"],
        "contacts": [{"party": "icrc", "channel": "phone", "address": "+43 000 000"}],
        "notes": "Test terms.",
    }


@pytest.fixture(scope="session")
def session_keys(tmp_path_factory: pytest.TempPathFactory) -> dict[str, KeyPair]:
    folder = tmp_path_factory.mktemp("keys")
    return {n: generate_keypair(n, directory=folder) for n, _ in PARTIES}


@pytest.fixture
def future_window() -> datetime:
    """Start of the first window: tomorrow, at a whole hour (so signing now is allowed)."""
    now = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
    return now + timedelta(days=1)


@pytest.fixture
def terms_data(
    krems_network: Network, session_keys: dict[str, KeyPair], future_window: datetime
) -> dict[str, Any]:
    return make_terms(krems_network, session_keys, first_window_utc=future_window)


@pytest.fixture
def write_yaml(tmp_path: Path) -> Callable[[dict[str, Any], str], Path]:
    import yaml

    def write(data: dict[str, Any], name: str = "terms.yaml") -> Path:
        path = tmp_path / name
        path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
        return path

    return write
