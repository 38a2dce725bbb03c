"""Incremental updates equal a full recompute, and touch only the edges they report."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import numpy as np
import pytest
from hypothesis import HealthCheck, example, given, note, settings
from hypothesis import strategies as st
from numpy.typing import NDArray
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


class Krems:
    """The Krems network as a Hypothesis test argument that prints as one line.

    Hypothesis prints a dataclass field by field, whatever its ``__repr__``, so a falsifying
    example that took the ``Network`` itself printed all its arrays (50 kB); under the
    suite's ``filterwarnings = error`` Hypothesis's warning about that size was then raised in
    place of the failure it was about to report.
    """

    def __init__(self, network: Network) -> None:
        self.network = network

    def __repr__(self) -> str:
        return f"Krems({self.network!r})"


@pytest.fixture
def krems(krems_network: Network) -> Krems:
    return Krems(krems_network)


def test_a_falsifying_example_prints_small(krems: Krems) -> None:
    from hypothesis.vendor.pretty import pretty

    assert (
        pretty(krems)
        == "Krems(Network(nodes=809, edges=1,819, profile='car', source='krems.osm.gz'))"
    )


def describe(ops: list[tuple[str, object]]) -> str:
    """One line per example, e.g. ``add h1 h3; time +8.0h; remove h1``: what a failure report
    needs (the suite's schemathesis plugin blanks Hypothesis's own printout of arguments)."""

    def one(op: str, arg: object) -> str:
        if op == "time":
            return f"time {arg:+}h"  # shortest repr: exact, to paste into an @example
        return op + " " + " ".join("certain" if i == 24 else f"h{i}" for i in arg)  # type: ignore[attr-defined]

    return "; ".join(one(op, arg) for op, arg in ops)


def bits(a: NDArray[np.float64]) -> NDArray[np.uint64]:
    """The float64 values as their bit patterns: -0.0 and +0.0 differ, as the claim needs."""
    return a.view(np.uint64)


@pytest.mark.parametrize("exposure", ["edge_share", "zone_length"])
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow,
          HealthCheck.function_scoped_fixture])  # fmt: skip
@given(ops=st.lists(operation, min_size=1, max_size=12))
# h1 (an airstrike valid at T0 until T0 + 7.94 h) expires: its edges keep their rows at weight
# 0, whose sum came out -0.0, where a full recompute (and an edge with no rows) has +0.0.
@example(ops=[("add", [1]), ("time", 8.0)])
def test_incremental_equals_full_recompute(
    krems: Krems, exposure: str, ops: list[tuple[str, object]]
) -> None:
    note(describe(ops))
    krems_network = krems.network
    pool = hazard_pool(krems_network)
    model = RiskModel(krems_network, at=T0, exposure=exposure)  # type: ignore[arg-type]
    model._compact_min = 1  # compact as soon as half the rows are dead, to test that path too
    for step, (op, arg) in enumerate(ops):
        note(f"after step {step}: {describe([(op, arg)])}")
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
        # same sums in the same order: bit-equal (np.array_equal would take -0.0 for +0.0)
        assert np.array_equal(bits(model.risk), bits(full.risk))
        assert np.array_equal(model.closed, full.closed)
        assert (model.risk < 1).all() and (model.risk >= 0).all()
        assert not np.signbit(model.risk).any()
        untouched = np.ones(krems_network.n_edges, dtype=bool)
        untouched[changed] = False
        assert np.array_equal(bits(model.risk[untouched]), bits(risk_before[untouched]))
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


def test_an_expired_hazard_leaves_its_roads_at_plus_zero(krems_network: Network) -> None:
    """Expired, a hazard keeps its rows at weight 0; their sum gave -0.0 ("-0.00" printed),
    where a full recompute leaves +0.0. The compiled kernel the ensembles share says the same."""
    from corridor.hazards import MAX_RISK, combine_entries

    airstrike = hazard_pool(krems_network)[1]
    assert airstrike.valid_at(T0) and not airstrike.valid_at(T0 + timedelta(hours=8))
    model = RiskModel(krems_network, [airstrike], at=T0)
    edges = model.footprint(airstrike.id).edges
    assert edges.size > 0 and (model.risk[edges] > 0).all()
    changed = model.set_time(T0 + timedelta(hours=8))
    assert sorted(changed.tolist()) == sorted(set(edges.tolist()))
    assert (model.risk[edges] == 0).all() and not np.signbit(model.risk).any()
    assert {f"{r:.2f}" for r in model.risk[edges]} == {"0.00"}
    n = krems_network.n_edges
    risk, closed = np.full(n, 0.5), np.zeros(n, dtype=bool)
    footprint = model.footprint(airstrike.id)
    combine_entries(
        footprint.edges, footprint.crossings, np.zeros(edges.size), np.zeros(edges.size, bool),
        scratch=(np.zeros(n), np.zeros(n, dtype=bool)), risk=risk, closed=closed,
        max_risk=MAX_RISK,
    )  # fmt: skip
    assert (risk[edges] == 0).all() and not np.signbit(risk[edges]).any()
