"""Incremental updates equal a full recompute, and touch only the edges they report."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from shapely.geometry import LineString, Point, box

from corridor.hazards import KINDS, Hazard, RiskModel
from corridor.network import Network

T0 = datetime(2022, 3, 8, 10, tzinfo=UTC)


# The kinds the pool cycles through, fixed so that a new kind does not reshuffle the pool
# (the compaction test needs its removals to exceed half the table).
_POOL_KINDS = [k for k in KINDS if k != "attack"]


def hazard_pool(net: Network, n: int = 24, seed: int = 7) -> list[Hazard]:
    """Random hazards over Krems: points, lines and boxes of every kind, with random times."""
    rng = np.random.default_rng(seed)
    lo = (float(net.node_lon.min()), float(net.node_lat.min()))
    hi = (float(net.node_lon.max()), float(net.node_lat.max()))
    pool = []
    for i in range(n):
        lon, lat = rng.uniform(lo[0], hi[0]), rng.uniform(lo[1], hi[1])
        shape = i % 3
        if shape == 0:
            geom = Point(lon, lat)
        elif shape == 1:
            geom = LineString([(lon, lat), (lon + rng.uniform(-0.01, 0.01), lat + 0.004)])
        else:
            geom = box(lon, lat, lon + rng.uniform(0.001, 0.01), lat + rng.uniform(0.001, 0.006))
        start = T0 + timedelta(hours=float(rng.uniform(-24, 12)))
        until = start + timedelta(hours=float(rng.uniform(1, 48))) if rng.random() < 0.7 else None
        pool.append(Hazard(
            id=f"h{i}", kind=_POOL_KINDS[i % len(_POOL_KINDS)], geometry=geom,
            severity=float(rng.uniform(0, 1)), confidence=float(rng.uniform(0.2, 1)),
            observed_at=start, valid_from=start, valid_until=until,
            radius_m=float(rng.uniform(20, 400)) if rng.random() < 0.5 else None,
        ))  # fmt: skip
    # one hazard that is certain on the edges it fully covers (p = 1 before the clamp)
    pool.append(Hazard("certain", "shelling", Point(15.61, 48.41), 1.0, 1.0, radius_m=300.0))
    return pool


operation = st.one_of(
    st.tuples(st.just("add"), st.lists(st.integers(0, 24), min_size=1, max_size=6)),
    st.tuples(st.just("remove"), st.lists(st.integers(0, 24), min_size=1, max_size=6)),
    st.tuples(st.just("time"), st.floats(-30, 60)),
    st.tuples(st.just("update"), st.lists(st.integers(0, 24), min_size=1, max_size=6)),
)


@pytest.mark.parametrize("exposure", ["edge_share", "zone_length"])
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow,
          HealthCheck.function_scoped_fixture])  # fmt: skip
@given(ops=st.lists(operation, min_size=1, max_size=12))
def test_incremental_equals_full_recompute(
    krems_network: Network, exposure: str, ops: list[tuple[str, object]]
) -> None:
    pool = hazard_pool(krems_network)
    model = RiskModel(krems_network, at=T0, exposure=exposure)  # type: ignore[arg-type]
    model._compact_min = 1  # compact as soon as half the rows are dead, to test that path too
    for op, arg in ops:
        risk_before, closed_before = model.risk.copy(), model.closed.copy()
        if op == "add":
            changed = model.add(pool[i] for i in arg)  # type: ignore[attr-defined]
        elif op == "remove":
            changed = model.remove(pool[i].id for i in arg)  # type: ignore[attr-defined]
        elif op == "update":  # same place, new severity and end: the footprint is kept
            changed = model.add(
                replace(pool[i], severity=pool[i].severity / 2, valid_until=None)
                for i in arg  # type: ignore[attr-defined]
            )
        else:
            changed = model.set_time(T0 + timedelta(hours=arg))  # type: ignore[arg-type]
        full = RiskModel(krems_network, model.hazards, at=model.at,
                         exposure=exposure)  # type: ignore[arg-type]  # fmt: skip
        assert np.array_equal(model.risk, full.risk)  # same sums in the same order: bit-equal
        assert np.array_equal(model.closed, full.closed)
        assert (model.risk < 1).all() and (model.risk >= 0).all()
        untouched = np.ones(krems_network.n_edges, dtype=bool)
        untouched[changed] = False
        assert np.array_equal(model.risk[untouched], risk_before[untouched])
        assert np.array_equal(model.closed[untouched], closed_before[untouched])
        moved = (model.risk[changed] != risk_before[changed]) | (
            model.closed[changed] != closed_before[changed])  # fmt: skip
        assert moved.all()  # every reported edge really changed


def test_update_touches_only_the_footprint(krems_network: Network) -> None:
    pool = hazard_pool(krems_network)
    model = RiskModel(krems_network, pool[:-1], at=T0)
    before = model.risk.copy()
    changed = model.add([pool[-1]])
    footprint = set(model.footprint("certain").edges.tolist())
    assert len(changed) > 0 and set(changed.tolist()) <= footprint
    outside = np.setdiff1d(np.arange(krems_network.n_edges), list(footprint))
    assert np.array_equal(model.risk[outside], before[outside])


def test_update_in_place_keeps_the_footprint(krems_network: Network) -> None:
    pool = hazard_pool(krems_network)
    model = RiskModel(krems_network, pool, at=T0)
    before = model.footprint("h0")
    model.add([replace(pool[0], severity=0.01, confidence=0.5)])
    assert model.footprint("h0") is before
    moved = replace(pool[0], geometry=Point(15.62, 48.40))
    model.add([moved])
    assert model.footprint("h0") is not before
    full = RiskModel(krems_network, model.hazards, at=T0)
    np.testing.assert_allclose(model.risk, full.risk, rtol=0, atol=1e-12)


def test_compaction_drops_dead_rows_and_keeps_results(krems_network: Network) -> None:
    pool = hazard_pool(krems_network)
    model = RiskModel(krems_network, pool, at=T0)
    model._compact_min = 1
    model.remove(h.id for h in pool[:20])
    held = model.hazards
    assert len(model._table) == sum(model.footprint(h.id).edges.size for h in held)
    model.add([replace(pool[0], id="again")])
    full = RiskModel(krems_network, model.hazards, at=T0)
    assert np.array_equal(model.risk, full.risk)
    assert np.array_equal(model.closed, full.closed)
    assert [c.hazard_id for c in model.contributions(model.footprint("again").edges)].count(
        "again") == np.unique(model.footprint("again").edges).size  # fmt: skip
