"""A/B of the ensembles' cost-only many-to-many: the kernel that lived in
``corridor/ensembles/_route.py`` (``_meet_costs``) against routing's
``Metric.many_to_many_costs`` that replaced it, alone and inside the whole sample router.

    git show 4d12ed9:src/corridor/ensembles/_route.py > /tmp/old_route.py
    nice -n 10 .venv/bin/python -m benchmarks.ab_meet_costs /tmp/old_route.py [REGION_NODES]

Kernel: Krems and Aguascalientes (network files with their hierarchies, cached in the system's
temp folder), 10 gathering points x 5 exits at random nodes, one metric on travel times with 2%
of the edges' costs tripled; rounds of 200 calls, old and new one after the other in this
thread so that both see the same load; thread CPU time; both give the same bits.

Sample router: ``bench_ensembles``' workload (30 hazards, 3 checkpoints, 10 x 5 places; with
``REGION_NODES`` also the region-like synthetic network of that many nodes, 50 x 10), the
same drawn samples routed by the old ``SampleRouter`` (its own kernel) and the new one, in
alternating order, round after round; thread CPU time a sample, and every sample's result
compared (times, risks, safest segments: the same bits). ``bench_ensembles`` itself does not
reach this code on the two towns: the sample router serves networks of 100,000 edges and more.
"""

from __future__ import annotations

import importlib.util
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

from benchmarks.bench_ensembles import NETS, SEED, _region_net, _scenario
from corridor.ensembles import SampleRouter, load_scenario, network_file_for, prepare
from corridor.ensembles._batch import batch_risk
from corridor.routing import Metric, open_network, router_for

ROUNDS = 15
CALLS = 200


def _load(path: str) -> Any:
    spec = importlib.util.spec_from_file_location("old_route", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def _ab(name: str, source: Path, cache: Path, old_meet: Any) -> None:
    net = open_network(network_file_for(source, cache))
    h = router_for(net).hierarchy
    rng = np.random.default_rng(20261130)
    origins = rng.integers(net.n_nodes, size=10)
    exits = rng.integers(net.n_nodes, size=5)
    cost = net.edge_time_s.astype(np.float64)
    changed = rng.choice(net.n_edges, size=net.n_edges // 50, replace=False)
    cost[changed] *= 3.0
    metric = Metric(h, cost)
    rs = h.rank[origins].astype(np.int64)  # as the ensembles held them, once
    rt = h.rank[exits].astype(np.int64)

    def old() -> np.ndarray:  # the ensembles' SampleRouter._meet before
        out = np.empty((rs.shape[0], rt.shape[0]))
        old_meet(h.parent, h.up_ptr, h.up_head, metric.w_up, metric.w_dn, rs, rt, out)
        return out

    def new() -> np.ndarray:  # and now
        return metric.many_to_many_costs(origins, exits)

    assert np.array_equal(old(), new())  # compiled (or loaded) both, same bits
    times: dict[str, list[float]] = {"old": [], "new": []}
    for _ in range(ROUNDS):
        for label, fn in (("old", old), ("new", new)):
            t0 = time.thread_time()
            for _ in range(CALLS):
                fn()
            times[label].append((time.thread_time() - t0) / CALLS * 1e6)
        assert np.array_equal(old(), new())
    a, b = statistics.median(times["old"]), statistics.median(times["new"])
    print(
        f"{name} | {net.n_nodes:,} | 10x5 | {a:.1f} | {b:.1f} | {b / a:.3f} | "
        f"{os.getloadavg()[0]:.1f}",
        flush=True,
    )


def _ab_router(name: str, net_path: Path, old_router: Any, shape: tuple[int, int]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        scenario = _scenario(Path(tmp), net_path, *shape)
        job = prepare(load_scenario(scenario), scenario, seed=SEED).job
    network = open_network(job.network_path)
    count = 200 if network.n_edges < 100_000 else 30
    samples = list(
        batch_risk(
            network, job.hazards, job.checkpoints, at=job.at, seed=job.seed, start=0, stop=count
        )
    )
    routers = {
        "old": old_router(network, job.risk_weight, job.origins, job.exits),
        "new": SampleRouter(network, job.risk_weight, job.origins, job.exits),
    }
    results: dict[str, list[Any]] = {"old": [], "new": []}
    times: dict[str, list[float]] = {"old": [], "new": []}
    for r in range(ROUNDS):
        for label in ("old", "new") if r % 2 == 0 else ("new", "old"):
            router = routers[label]
            t0 = time.thread_time()
            got = [router.route(s.risk, s.closed, s.touched) for s in samples]
            times[label].append((time.thread_time() - t0) / count * 1e3)
            if r < 2:
                results[label].append(got)
    for old, new in zip(results["old"], results["new"], strict=True):
        for a, b in zip(old, new, strict=True):
            assert np.array_equal(a.time_s, b.time_s) and np.array_equal(a.risk, b.risk)
            assert np.array_equal(a.safest_segments, b.safest_segments)
    a, b = statistics.median(times["old"]), statistics.median(times["new"])
    print(
        f"{name} | {network.n_edges:,} | {shape[0]}x{shape[1]} | {count} | {a:.3f} | {b:.3f} | "
        f"{b / a:.3f} | {os.getloadavg()[0]:.1f}",
        flush=True,
    )


def main(old_path: str, region_nodes: int | None = None) -> None:
    old = _load(old_path)
    cache = Path(tempfile.gettempdir()) / "corridor-ab-meet-costs"
    print(f"load average {os.getloadavg()}")
    print("network | nodes | routes | old us/call | new us/call | new/old | load")
    for name, source in NETS.items():
        _ab(name, source, cache, old._meet_costs)
    print("\nnetwork | edges | routes | samples | old CPU ms/sample | new | new/old | load")
    for name, source in NETS.items():
        _ab_router(name, network_file_for(source, cache), old.SampleRouter, (10, 5))
    if region_nodes:
        _ab_router(f"region{region_nodes}", _region_net(region_nodes), old.SampleRouter, (50, 10))


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else None)
