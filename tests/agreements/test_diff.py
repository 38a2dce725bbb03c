"""Diff of two versions: real changes on a real route, said in words."""

from __future__ import annotations

import copy
from datetime import timedelta
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from corridor.agreements import diff_terms, human_duration, terms_from_data
from corridor.network import Network
from tests.agreements.conftest import route_block, walk_edges


def test_identical_versions_have_no_diff(terms_data: dict[str, Any]) -> None:
    t = terms_from_data(terms_data)
    assert diff_terms(t, t) == []
    assert diff_terms(t, terms_from_data({**terms_data, "version": 2})) == []


def test_route_change_names_roads_and_lengths(
    terms_data: dict[str, Any], krems_network: Network
) -> None:
    net = krems_network
    old_edges = [e["id"] for e in terms_data["route"]["edges"]]
    new_edges = old_edges[:-4]
    new = copy.deepcopy(terms_data)
    new["route"] = route_block(net, new_edges)
    changes = diff_terms(terms_from_data(terms_data), terms_from_data(new))
    removed = [c for c in changes if c.startswith("road segments removed")]
    assert len(removed) == 1
    for e in old_edges[-4:]:
        assert net.edge_label(e) in removed[0]
    gone_m = sum(float(net.edge_length_m[e]) for e in old_edges[-4:])
    assert f"({gone_m:.0f} m)" in removed[0] or f"{gone_m / 1000:.1f} km" in removed[0]
    assert any(c.startswith("route length") for c in changes)
    other = walk_edges(net, 50, 6)
    swapped = copy.deepcopy(terms_data)
    swapped["route"] = route_block(net, other)
    text = "\n".join(diff_terms(terms_from_data(terms_data), terms_from_data(swapped)))
    assert "road segments added" in text and "road segments removed" in text


def test_windows_checkpoints_and_clauses(terms_data: dict[str, Any]) -> None:
    new = copy.deepcopy(terms_data)
    old_t = terms_from_data(terms_data)
    w1, w2 = old_t.windows_sorted()
    new["windows"][1] = {
        "start_utc": (w2.start_utc + timedelta(minutes=30)).isoformat(),
        "end_utc": (w2.end_utc + timedelta(minutes=30)).isoformat(),
    }
    new["windows"][0] = {
        "start_utc": w1.start_utc.isoformat(),
        "end_utc": (w1.end_utc - timedelta(hours=2)).isoformat(),
    }
    new["checkpoints"][1]["max_vehicles_per_hour"] = 25
    del new["checkpoints"][0]
    new["checkpoints"].append({**terms_data["checkpoints"][0], "name": "CP3"})
    new["max_convoy_size"] = 10
    new["observers"] = ["ICRC"]
    new["vehicles"]["permitted"].append("truck")
    changes = diff_terms(old_t, terms_from_data(new))
    text = "\n".join(changes)
    assert any(c.startswith("window 2 moved 30 min later") for c in changes)
    assert "window 1 ends 2 h earlier: 2 h shorter" in text
    assert "checkpoint 'CP1' removed" in changes
    assert any(c.startswith("checkpoint 'CP3' added") for c in changes)
    assert "checkpoint 'CP2' changed: max vehicles per hour 40 -> 25" in changes
    assert "maximum convoy size 30 -> 10 vehicles" in changes
    assert "observer removed: UN OCHA" in changes
    assert "permitted vehicle added: truck" in changes
    extra = copy.deepcopy(terms_data)
    extra["windows"].append(
        {
            "start_utc": (w2.end_utc + timedelta(days=1)).isoformat(),
            "end_utc": (w2.end_utc + timedelta(days=1, hours=3)).isoformat(),
        }
    )
    assert any(c.startswith("window 3 added") for c in diff_terms(old_t, terms_from_data(extra)))


@given(st.integers(min_value=-10_000, max_value=10_000))
def test_human_duration_round_trips_minutes(minutes: int) -> None:
    text = human_duration(timedelta(minutes=minutes))
    units = {"day": 1440, "days": 1440, "h": 60, "min": 1}
    words = text.split()
    total = sum(int(n) * units[u] for n, u in zip(words[::2], words[1::2], strict=True))
    assert total == abs(minutes)
