"""The 1M region's states while its hierarchy lags a 100-zone change, as the change A/Bs
(``ab_change``, ``ab_moves``, ``ab_floor_search``, ``ab_unpack``) replay them: the seeds of
``bench_routing``'s ``change`` part, so each harness measures the benchmark's own states."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import numpy as np
from numpy.typing import NDArray

from benchmarks.bench_routing import SEED, _cost_of, _region, _zones
from corridor.hazards import RiskModel, segment_index
from corridor.network import Network
from corridor.routing import router_for, update_costs

AT = datetime(2026, 3, 1, tzinfo=UTC)
#: (step, seed offset): the zones added, then the same ids moved, as ``bench_change`` does.
STEPS = (("added", 40), ("moved", 50))


def region_router() -> tuple[Network, Any]:
    """The 1M region and its router, hierarchy built and every lagging kernel loaded."""
    net = _region(1_000_000)
    segment_index(net)
    router = router_for(net)
    router.prepare()
    assert router.floor is not None
    router.floor.load_kernels()
    return net, router


def pictures(net: Network, router: Any, runs: int) -> Iterator[tuple[int, RiskModel, Any, Any]]:
    """Per run: ``(run, model, cost, metric)``, 200 zones held and the metric caught up."""
    for run in range(runs):
        model = RiskModel(net, _zones(net, 200, seed=SEED + 30 + run, prefix="h"), at=AT)
        cost = _cost_of(net, model)
        metric = router.metric(cost)
        metric.wait()
        yield run, model, cost, metric


def rng() -> np.random.Generator:
    """The pairs' generator, seeded as the benchmark's."""
    return np.random.default_rng(SEED + 20)


def change(
    net: Network, model: RiskModel, cost: NDArray[np.float64], metric: Any, *, seed: int, run: int
) -> NDArray[Any]:
    """100 zones of ``seed`` added (or moved, when their ids are held) to ``model``, ``cost``
    updated and ``metric`` told: the changed edges."""
    changed = model.add(_zones(net, 100, seed=SEED + seed + run, prefix="n"))
    update_costs(cost, net, changed, risk=model.risk, closed=model.closed)
    metric.update(changed, cost)
    return changed
