"""The network summary and its rendering."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from rich.console import Console

from corridor.network import FLAG_ONEWAY, Network, render_summary, summarize
from tests.network.conftest import AGUASCALIENTES, KREMS, network_of


def test_lengths_count_two_way_roads_once(krems: Network) -> None:
    summary = summarize(krems)
    length = krems.edge_length_m.astype(np.float64)
    oneway = (krems.edge_flags & FLAG_ONEWAY) != 0
    # Each two-way road has two edges, each one-way road one.
    expected_km = (length[oneway].sum() + length[~oneway].sum() / 2) / 1000
    assert summary.road_km == pytest.approx(expected_km, rel=1e-9)
    assert sum(summary.km_by_class.values()) == pytest.approx(summary.road_km, rel=1e-9)
    assert summary.oneway_share == pytest.approx(length[oneway].sum() / 1000 / expected_km)
    assert list(summary.km_by_class.values()) == sorted(summary.km_by_class.values(), reverse=True)


def test_counts_and_provenance(krems: Network) -> None:
    summary = summarize(krems)
    assert (summary.nodes, summary.edges, summary.segments) == (
        krems.n_nodes,
        krems.n_edges,
        krems.n_segments,
    )
    assert summary.components_dropped == krems.meta["dropped"]["components"] > 0
    assert summary.source == KREMS and summary.profile == "car"
    assert summary.source_sha256 == krems.source_sha256
    assert "St. Pöltner Brücke (B37)" in summary.bridge_names
    assert summary.bridges >= len(summary.bridge_names) > 0
    assert summary.tunnels >= 0


def test_keep_all_has_more_road_and_drops_nothing(osm_dir: Path) -> None:
    full = summarize(network_of(osm_dir, AGUASCALIENTES, keep_all=True))
    main = summarize(network_of(osm_dir, AGUASCALIENTES))
    assert full.road_km > main.road_km and full.components_dropped == 0


def test_render(krems: Network) -> None:
    console = Console(width=120, record=True)
    console.print(render_summary(summarize(krems), title="Krems"))
    text = console.export_text()
    assert f"{krems.n_nodes:,}" in text and "St. Pöltner Brücke (B37)" in text
    assert "residential" in text and "small components" in text
