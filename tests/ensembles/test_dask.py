"""Runs on Dask distributed: identical results for a seed whatever the workers, the batching,
the order tasks are submitted or finish in, or a worker killed mid-run; a real scheduler and
two nanny-managed workers started as separate processes on loopback."""

from __future__ import annotations

import os
import signal
from pathlib import Path

import numpy as np
import pytest

from corridor.ensembles import (
    Partial,
    Prepared,
    batches,
    connect,
    load_scenario,
    prepare,
    run_batch,
    run_ensemble,
    worker_stats,
)
from tests.conftest import REPO
from tests.ensembles.conftest import DEMO_PLACES, write_scenario

SAMPLES = 24


def _same(a: Partial, b: Partial) -> None:
    assert a.n == b.n
    for name in Partial.__slots__:
        x, y = getattr(a, name), getattr(b, name)
        if isinstance(x, np.ndarray):
            assert np.array_equal(x, y), name
        else:
            assert x == y, name


@pytest.fixture(scope="module")
def prepared(tmp_path_factory: pytest.TempPathFactory, krems_net: Path) -> Prepared:
    folder = tmp_path_factory.mktemp("scenario")
    hazards = REPO / "data" / "demo" / "krems-hazards.geojson"
    body = DEMO_PLACES + (
        f"hazards: {hazards}\nlocation_uncertainty_m: 150\n"
        "checkpoints: [{id: cp, lat: 48.409, lon: 15.64, p_open: 0.6, radius_m: 40}]\n"
    )
    scenario = write_scenario(folder, krems_net, body)
    return prepare(load_scenario(scenario), scenario, seed=2026)


@pytest.fixture(scope="module")
def reference(prepared: Prepared) -> Partial:
    """The whole run in this process, without Dask, in one batch."""
    return run_batch(prepared.job, 0, SAMPLES)


def test_one_worker_matches_the_plain_run(prepared: Prepared, reference: Partial) -> None:
    """The default: a local cluster (here of one worker process) on loopback."""
    with connect(None, 1) as client:
        assert len(client.scheduler_info()["workers"]) == 1
        assert client.scheduler.address.startswith("tcp://127.0.0.1:")
        _same(run_ensemble(client, prepared.job, samples=SAMPLES, batch_size=5), reference)


def test_batches_cover_every_sample_once() -> None:
    got = batches(23, 5)
    assert got == [(0, 5), (5, 10), (10, 15), (15, 20), (20, 23)]


def test_two_process_workers_shuffled_order_same_result(
    prepared: Prepared, reference: Partial, external_cluster: str
) -> None:
    with connect(external_cluster, None) as client:
        client.wait_for_workers(2, timeout=60)
        assert len(client.scheduler_info()["workers"]) == 2
        before = client.run(worker_stats)
        order = list(np.random.default_rng(9).permutation(len(batches(SAMPLES, 3))))
        got = run_ensemble(client, prepared.job, samples=SAMPLES, batch_size=3, order=order)
        _same(got, reference)
        # both workers ran batches, and each mapped the network file once (not a task input)
        after = client.run(worker_stats)
        assert set(after) == set(before)
        for addr, stats in after.items():
            assert stats["batches"] > before[addr]["batches"]
            assert stats["networks_mapped"] == 1
        assert sum(s["batches"] - before[a]["batches"] for a, s in after.items()) == 8


def test_killed_worker_is_replaced_and_result_unchanged(
    prepared: Prepared, reference: Partial, external_cluster: str
) -> None:
    with connect(external_cluster, None) as client:
        client.wait_for_workers(2, timeout=60)
        before = client.run(os.getpid)
        victim = sorted(before.values())[0]
        killed: list[int] = []

        def kill_once(done: int, total: int) -> None:
            if done == 2 and not killed:
                os.kill(victim, signal.SIGKILL)
                killed.append(victim)

        got = run_ensemble(client, prepared.job, samples=SAMPLES, batch_size=1, on_batch=kill_once)
        assert killed == [victim]
        _same(got, reference)
        client.wait_for_workers(2, timeout=60)
        after = set(client.run(os.getpid).values())
        assert victim not in after and len(after) == 2
