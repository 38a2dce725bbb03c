"""Invariants over random edits of real signed terms: signatures never survive, diff sees it."""

from __future__ import annotations

import copy
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from corridor.agreements import (
    KeyPair,
    diff_terms,
    in_force,
    load_private_key,
    sign_digest,
    signature_statuses,
    terms_digest,
    terms_from_data,
)
from corridor.network import Network
from tests.agreements.conftest import make_terms, route_block

Signed = tuple[dict[str, Any], list[dict[str, str]], dict[int, dict[str, Any]]]


@pytest.fixture(scope="module")
def signed(krems_network: Network, session_keys: dict[str, KeyPair]) -> Signed:
    data = make_terms(
        krems_network, session_keys, first_window_utc=datetime(2030, 5, 1, 6, tzinfo=UTC)
    )
    digest = terms_digest(data)
    sigs = [
        {"party": n, "signature": sign_digest(load_private_key(k.private_path), digest)}
        for n, k in session_keys.items()
    ]
    ids = [e["id"] for e in data["route"]["edges"]]
    geometry_of = {k: route_block(krems_network, ids[:k])["geometry"] for k in range(1, len(ids))}
    return data, sigs, geometry_of


def _shift(iso: str, minutes: int) -> str:
    t = datetime.fromisoformat(iso.replace("Z", "+00:00")) + timedelta(minutes=minutes)
    return t.isoformat()


edits = st.one_of(
    st.tuples(st.just("window"), st.integers(0, 1), st.integers(-600, 600).filter(bool)),
    st.tuples(st.just("convoy"), st.integers(1, 500)),
    st.tuples(st.just("notes"), st.text(max_size=30)),
    st.tuples(st.just("checkpoint"), st.integers(0, 1), st.integers(1, 1000)),
    st.tuples(st.just("drop-edge"), st.integers(0, 11)),
)


def _apply(
    data: dict[str, Any], edit: tuple[Any, ...], geometry_of: dict[int, dict[str, Any]]
) -> dict[str, Any]:
    new = copy.deepcopy(data)
    match edit:
        case ("window", i, minutes):
            w = new["windows"][i]
            w["start_utc"] = _shift(w["start_utc"], minutes)
            w["end_utc"] = _shift(w["end_utc"], minutes)
        case ("convoy", n):
            new["max_convoy_size"] = n
        case ("notes", text):
            new["notes"] = text
        case ("checkpoint", i, n):
            new["checkpoints"][i]["max_vehicles_per_hour"] = n
        case ("drop-edge", i):  # the route cut short, its geometry redrawn to match
            keep = max(1, min(i, len(new["route"]["edges"]) - 1))
            new["route"]["edges"] = new["route"]["edges"][:keep]
            new["route"]["geometry"] = geometry_of[keep]
    return new


@settings(max_examples=60, deadline=None)
@given(edit=edits)
def test_any_change_voids_signatures_and_shows_in_diff(
    signed: Signed, edit: tuple[Any, ...]
) -> None:
    data, sigs, geometry_of = signed
    new = _apply(data, edit, geometry_of)
    old_t, new_t = terms_from_data(data), terms_from_data(new)
    changed = terms_digest(new) != terms_digest(data)
    statuses = signature_statuses(new_t, terms_digest(new_t), sigs)
    assert in_force(statuses) is not changed
    assert bool(diff_terms(old_t, new_t)) is changed
