"""Hazard changes (zones added, moved, re-issued, removed, time moved) on real networks: the
incremental risk model against a from-scratch model and against an oracle that shares none of
its combining code (no per-edge chains, no cached terms, no bitmap of touched edges)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pytest
from numpy.typing import NDArray
from shapely.geometry import LineString, Point, box

from corridor.hazards import MAX_RISK, Hazard, RiskModel
from corridor.network import Network, import_osm

T0 = datetime(2026, 3, 1, 12, tzinfo=UTC)
# the kinds cycled through: decaying and not, closing (roadblock, no_go_zone), bridges only
KINDS = ("shelling", "mines", "roadblock", "checkpoint", "destroyed_bridge", "no_go_zone",
         "airstrike", "damaged_road")  # fmt: skip


@pytest.fixture(scope="module", params=["krems.osm.gz", "aguascalientes.osm.pbf"])
def network(request: pytest.FixtureRequest, shared_data: Path) -> Network:
    return import_osm(shared_data / "osm" / request.param)


def _zones(net: Network, rng: np.random.Generator, ids: range) -> list[Hazard]:
    """Zones at random nodes: mostly disks (the compiled join), some lines and boxes (GEOS)."""
    lon, lat = np.asarray(net.node_lon), np.asarray(net.node_lat)
    out = []
    for i in ids:
        v = int(rng.integers(net.n_nodes))
        x, y = float(lon[v]), float(lat[v])
        shape = rng.random()
        if shape < 0.8:
            geom = Point(x, y)
        elif shape < 0.9:
            geom = LineString([(x, y), (x + rng.uniform(-0.005, 0.005), y + 0.003)])
        else:
            geom = box(x, y, x + rng.uniform(0.001, 0.004), y + rng.uniform(0.001, 0.003))
        start = T0 - timedelta(hours=float(rng.uniform(0, 12)))
        until = start + timedelta(hours=float(rng.uniform(6, 48))) if rng.random() < 0.5 else None
        out.append(Hazard(
            f"z{i}", KINDS[i % len(KINDS)], geom, float(rng.uniform(0.05, 1.0)),
            float(rng.uniform(0.2, 1.0)), observed_at=start, valid_from=start, valid_until=until,
            radius_m=float(rng.uniform(50, 450)),
        ))  # fmt: skip
    return out


def _oracle(model: RiskModel) -> tuple[NDArray[np.float64], NDArray[np.bool_]]:
    """risk = 1 - prod(1 - p) and closures from the held hazards' footprints, hazard by hazard
    in the order they are held, with numpy's vector maths (a different code path: its last bit
    may differ from the compiled scalar one, hence the tolerance below)."""
    n = model.network.n_edges
    log_keep, closed = np.zeros(n), np.zeros(n, dtype=bool)
    for h in model.hazards:
        if not h.valid_at(model.at):
            continue
        fp = model.footprint(h.id)
        if h.effective_closes:
            closed[fp.edges] = True
            continue
        w = min(h.weight(model.at), MAX_RISK)
        if model.exposure == "edge_share":
            p = np.minimum(fp.share * w, MAX_RISK)
        else:
            p = np.minimum(-np.expm1(fp.crossings * np.log1p(-w)), MAX_RISK)
        log_keep[fp.edges] += np.log1p(-p)  # a footprint lists an edge once
    return np.minimum(-np.expm1(log_keep), MAX_RISK), closed


def _check(model: RiskModel, before: tuple[NDArray[np.float64], NDArray[np.bool_]],
           changed: NDArray[np.int32]) -> None:  # fmt: skip
    full = RiskModel(model.network, model.hazards, at=model.at, exposure=model.exposure)
    # the same sums in the same order from scratch: bit for bit
    assert np.array_equal(model.risk, full.risk)
    assert np.array_equal(model.closed, full.closed)
    risk, closed = _oracle(model)
    np.testing.assert_allclose(model.risk, risk, rtol=1e-12, atol=1e-15)
    assert np.array_equal(model.closed, closed)
    # the reported edges are exactly those whose risk or closure moved
    moved = np.flatnonzero((model.risk != before[0]) | (model.closed != before[1]))
    assert np.array_equal(np.sort(changed), moved)
    assert np.array_equal(changed, np.unique(changed))  # ascending, each once


@pytest.mark.parametrize("exposure", ["zone_length", "edge_share"])
@pytest.mark.parametrize("seed", [1, 2])
@pytest.mark.parametrize("compact", [False, True])
def test_change_sequence_equals_full_recompute_and_oracle(
    network: Network, exposure: str, seed: int, compact: bool
) -> None:
    rng = np.random.default_rng(seed)
    model = RiskModel(network, _zones(network, rng, range(40)), at=T0, exposure=exposure)  # type: ignore[arg-type]
    if compact:
        model._compact_min = 1  # compact whenever dead rows outnumber live ones
    assert model.risk.any() and model.closed.any()  # the picture exercises both
    steps = [
        ("add", _zones(network, rng, range(40, 70))),
        ("move", _zones(network, rng, range(40, 70))),  # the same ids, new places
        ("reissue", [replace(h, severity=h.severity / 3) for h in model.hazards[::4]]),
        ("remove", [f"z{i}" for i in range(0, 70, 3)]),
        ("time", T0 + timedelta(hours=9)),
        ("add", _zones(network, rng, range(0, 70, 3))),  # removed ids come back elsewhere
        ("move", _zones(network, rng, range(10, 30))),
        ("remove", [f"z{i}" for i in range(70)]),  # everything
        ("add", _zones(network, rng, range(70, 90))),
    ]
    for op, arg in steps:
        before = (model.risk.copy(), model.closed.copy())
        if op in ("add", "move", "reissue"):
            changed = model.add(arg)  # type: ignore[arg-type]
        elif op == "remove":
            changed = model.remove(arg)  # type: ignore[arg-type]
        else:
            changed = model.set_time(arg)  # type: ignore[arg-type]
        _check(model, before, changed)
    assert len(model) == 20


def test_footprints_of_a_batch_equal_one_at_a_time(network: Network) -> None:
    """A batch's footprints (views into shared rows) equal each hazard joined on its own."""
    hazards = _zones(network, np.random.default_rng(3), range(30))
    model = RiskModel(network, hazards, at=T0)
    for h in hazards:
        alone = RiskModel(network, [h], at=T0).footprint(h.id)
        got = model.footprint(h.id)
        order_a, order_g = np.argsort(alone.edges), np.argsort(got.edges)
        assert np.array_equal(alone.edges[order_a], got.edges[order_g])
        assert np.array_equal(alone.share[order_a], got.share[order_g])
        assert np.array_equal(alone.crossings[order_a], got.crossings[order_g])
