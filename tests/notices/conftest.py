"""The demo corridor on the bundled Krems network, signed with fixed keys, in a real store.

Keys are derived from fixed seeds so that golden files (which include movement signatures)
are the same on every run; Ed25519 signatures are deterministic for a given key.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat

from corridor.agreements import public_key_b64, terms_from_data
from corridor.network import Network
from tests.agreements.conftest import PARTIES, make_terms, walk_edges
from tests.conftest import REPO

DETAILS_FILE = REPO / "data" / "demo" / "krems-notice.yaml"
GOLDEN = Path(__file__).parent / "golden"
FIRST_WINDOW = datetime(2027, 3, 1, 6, tzinfo=UTC)  # 08:00 in Kyiv (UTC+2 in winter)
SIGNED_AT = datetime(2027, 2, 27, 12, tzinfo=UTC)


def demo_key(name: str) -> Ed25519PrivateKey:
    return Ed25519PrivateKey.from_private_bytes(hashlib.sha256(f"demo:{name}".encode()).digest())


def write_key(name: str, folder: Path) -> Path:
    path = folder / f"{name}.key"
    pem = demo_key(name).private_bytes(Encoding.PEM, PrivateFormat.PKCS8, NoEncryption())
    path.write_bytes(pem)
    path.chmod(0o600)
    return path


class _Keys(dict[str, Any]):
    pass


def demo_terms(net: Network, **changes: Any) -> dict[str, Any]:
    keys = _Keys()
    for name, _ in PARTIES:
        keys[name] = type("K", (), {"public_key": public_key_b64(demo_key(name))})()
    data = make_terms(net, keys, first_window_utc=FIRST_WINDOW, edges=walk_edges(net, 5, 15))
    data.update({"corridor_id": "krems-demo", "max_convoy_size": 25, **changes})
    return data


@pytest.fixture
def demo_db(tmp_path: Path, krems_network: Network) -> Iterator[str]:
    """An SQLite store holding krems-demo v1, proposed and signed by all three parties."""
    from corridor.store import add_party, open_store, propose_agreement, sign_agreement

    url = f"sqlite:///{tmp_path / 'demo.db'}"
    with open_store(url) as store, store.session() as s:
        for name, role in PARTIES:
            add_party(
                s, name=name, role=role, public_key=public_key_b64(demo_key(name)), actor="test"
            )
        propose_agreement(
            s, terms_from_data(demo_terms(krems_network)), actor="test", at_utc=SIGNED_AT
        )
        for name, _ in PARTIES:
            sign_agreement(s, "krems-demo", key=demo_key(name), actor=name, at_utc=SIGNED_AT)
    yield url


@pytest.fixture
def details():  # type: ignore[no-untyped-def]
    from corridor.notices import read_details

    return read_details(DETAILS_FILE)


@pytest.fixture
def demo_record(demo_db: str):  # type: ignore[no-untyped-def]
    from corridor.store import load_agreement, open_store

    with open_store(demo_db) as store, store.session(write=False) as s:
        return load_agreement(s, "krems-demo")


@pytest.fixture
def demo_facts(demo_record, details):  # type: ignore[no-untyped-def]
    from corridor.notices import notice_facts, schedule_from_agreement

    return notice_facts(
        demo_record, details=details, schedule=schedule_from_agreement(demo_record.terms)
    )
