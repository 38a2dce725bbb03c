"""Networks and hazards in the store: round trips, refusals, expiry, and their audit entries."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from shapely.geometry import LineString, Point, Polygon

from corridor.errors import NetworkFileError, NotFoundError, StateError
from corridor.hazards import Hazard
from corridor.network import Network, write_network
from corridor.store import (
    Store,
    add_hazard,
    add_hazards,
    audit_entries,
    expire_hazard,
    get_hazard,
    get_network,
    hazard_json,
    list_hazards,
    list_networks,
    register_network,
    update_hazard,
    verify_audit,
)

T0 = datetime(2022, 3, 5, 9, 0, tzinfo=UTC)


def hazards() -> list[Hazard]:
    return [
        Hazard(
            id="shell-1",
            kind="shelling",
            geometry=Point(15.61, 48.41),
            severity=0.8,
            confidence=0.7,
            observed_at=T0,
            valid_from=T0,
            valid_until=T0 + timedelta(days=1),
            source="field report",
            notes="near the bridge",
            source_links=("https://x/1",),
            radius_m=300.0,
        ),
        Hazard(
            id="mines-1",
            kind="mines",
            geometry=LineString([(15.6, 48.4), (15.62, 48.401)]),
            severity=1.0,
            confidence=0.5,
            closes=True,
        ),
        Hazard(
            id="zone-1",
            kind="no_go_zone",
            severity=1.0,
            confidence=1.0,
            geometry=Polygon([(15.5, 48.3), (15.55, 48.3), (15.55, 48.35), (15.5, 48.3)]),
            valid_from=T0 + timedelta(hours=6),
            half_life_h=12.0,
        ),
    ]


def test_hazards_round_trip(store: Store) -> None:
    with store.session() as s:
        add_hazards(s, hazards(), actor="alice")
    with store.session(write=False) as s:
        back = {h.id: h for h in list_hazards(s)}
        entries = audit_entries(s)
    assert {i: hazard_json(h) for i, h in back.items()} == {h.id: hazard_json(h) for h in hazards()}
    assert back["shell-1"].geometry.equals(Point(15.61, 48.41))
    assert back["shell-1"].valid_until == T0 + timedelta(days=1)
    assert [(e.actor, e.action) for e in entries] == [("alice", "hazards.imported")]
    assert [h["id"] for h in json.loads(entries[0].payload or "")["hazards"]] == [
        "shell-1",
        "mines-1",
        "zone-1",
    ]


def test_duplicate_hazard_id_adds_nothing(store: Store) -> None:
    first, *rest = hazards()
    with store.session() as s:
        add_hazard(s, first, actor="alice")
    with pytest.raises(StateError, match="already in the store"), store.session() as s:
        add_hazards(s, [*rest, first], actor="bob")
    with pytest.raises(StateError, match="twice"), store.session() as s:
        add_hazards(s, [rest[0], rest[0]], actor="bob")
    with store.session(write=False) as s:
        assert [h.id for h in list_hazards(s)] == ["shell-1"]
        assert len(audit_entries(s)) == 1


def test_update_and_expire_are_audited(store: Store) -> None:
    shell = hazards()[0]
    with store.session() as s:
        add_hazard(s, shell, actor="alice")
    moved = Hazard(
        **{
            **{
                f: getattr(shell, f)
                for f in ("id", "kind", "severity", "confidence", "valid_from", "valid_until")
            },
            "geometry": Point(15.7, 48.42),
        }
    )
    with store.session() as s:
        update_hazard(s, moved, actor="bob")
    at = T0 + timedelta(hours=3)
    with store.session() as s:
        expire_hazard(s, "shell-1", actor="carol", at_utc=at, reason="shelling stopped")
    with pytest.raises(StateError, match="already expired"), store.session() as s:
        expire_hazard(s, "shell-1", actor="carol")
    with pytest.raises(StateError, match="expired"), store.session() as s:
        update_hazard(s, moved, actor="bob")
    with pytest.raises(NotFoundError), store.session() as s:
        expire_hazard(s, "nope", actor="carol")
    with store.session(write=False) as s:
        assert get_hazard(s, "shell-1").geometry.equals(Point(15.7, 48.42))
        assert list_hazards(s) == []
        assert [h.id for h in list_hazards(s, include_expired=True)] == ["shell-1"]
        assert [h.id for h in list_hazards(s, active_at=at - timedelta(seconds=1))] == ["shell-1"]
        assert list_hazards(s, active_at=at) == []
        entries = audit_entries(s)
        assert verify_audit(s) is None
    assert [(e.actor, e.action) for e in entries] == [
        ("alice", "hazard.added"),
        ("bob", "hazard.updated"),
        ("carol", "hazard.expired"),
    ]
    updated = json.loads(entries[1].payload or "")
    assert updated["before"]["geometry"]["coordinates"] == [15.61, 48.41]
    assert updated["after"]["geometry"]["coordinates"] == [15.7, 48.42]


def test_active_at_follows_half_open_validity(store: Store) -> None:
    with store.session() as s:
        add_hazards(s, hazards(), actor="alice")
    with store.session(write=False) as s:

        def ids(at: datetime) -> set[str]:
            return {h.id for h in list_hazards(s, active_at=at)}

        assert ids(T0 - timedelta(seconds=1)) == {"mines-1"}
        assert ids(T0) == {"mines-1", "shell-1"}
        assert ids(T0 + timedelta(hours=6)) == {"mines-1", "shell-1", "zone-1"}
        assert ids(T0 + timedelta(days=1)) == {"mines-1", "zone-1"}
        assert [h.id for h in list_hazards(s, kind="mines")] == ["mines-1"]
        assert len(list_hazards(s, limit=2)) == 2
        assert len(list_hazards(s, limit=2, offset=2)) == 1


def test_bellingcat_import_is_stored_whole(store: Store, shared_data: Path) -> None:
    """The real Bellingcat file: every usable record is stored, and the chain verifies."""
    from corridor.hazards import import_hazards

    result = import_hazards(shared_data / "incidents" / "bellingcat-civharm-2022-05-24.json")
    with store.session() as s:
        add_hazards(s, result.hazards, actor="import")
    with store.session(write=False) as s:
        back = list_hazards(s)
        assert verify_audit(s) is None
    assert len(back) == len(result.hazards) > 0
    assert {h.id: hazard_json(h) for h in back} == {h.id: hazard_json(h) for h in result.hazards}


def test_network_registered_once_by_file_hash(
    store: Store, krems_network: Network, tmp_path: Path
) -> None:
    path = tmp_path / "krems.net"
    write_network(krems_network, path)
    with store.session() as s:
        row = register_network(s, path, actor="alice")
        again = register_network(s, path, actor="alice", name="other")
    assert again.id == row.id
    assert row.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
    assert (row.name, row.nodes, row.edges) == (
        "krems",
        krems_network.n_nodes,
        krems_network.n_edges,
    )
    assert row.profile == "car"
    with store.session(write=False) as s:
        assert [n.id for n in list_networks(s)] == [row.id]
        assert get_network(s, "krems").id == row.id
        assert get_network(s, row.sha256[:10]).id == row.id
        assert get_network(s, str(row.id)).id == row.id
        with pytest.raises(NotFoundError):
            get_network(s, "elsewhere")
        entries = audit_entries(s)
    assert [e.action for e in entries] == ["network.imported"]
    assert json.loads(entries[0].payload or "")["sha256"] == row.sha256


def test_not_a_network_file_is_refused(store: Store, tmp_path: Path) -> None:
    bogus = tmp_path / "bogus.net"
    bogus.write_bytes(b"not a network")
    with pytest.raises(NetworkFileError), store.session() as s:
        register_network(s, bogus, actor="alice")
    with store.session(write=False) as s:
        assert list_networks(s) == []
        assert audit_entries(s) == []


def test_a_network_reference_that_cannot_be_an_id_is_not_asked_as_one(
    store: Store, krems_network: Network, tmp_path: Path
) -> None:
    """An all-digit SHA-256 prefix past the id column's range (PostgreSQL refused the whole
    query: the lookup failed whenever a file's hash began with ten digits), and a digit that
    int() does not take, are a plain "no network", on both databases."""
    path = tmp_path / "krems.net"
    write_network(krems_network, path)
    with store.session() as s:
        row = register_network(s, path, actor="alice")
    with store.session(write=False) as s:
        for ref in ("9999999999", "2147483648", "²", "١٢"):
            with pytest.raises(NotFoundError, match="no network"):
                get_network(s, ref)
        assert get_network(s, str(row.id)).id == row.id  # a real id still works
