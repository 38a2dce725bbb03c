"""Everything that needs a Dask cluster (one file, so that parallel test runs start one).

Runs on Dask distributed: identical results for a seed whatever the workers, the batching,
the order tasks are submitted or finish in, or a worker killed mid-run; a real scheduler and
two nanny-managed workers started as separate processes on loopback."""

from __future__ import annotations

import json
import os
import signal
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from corridor.cli import app
from corridor.ensembles import (
    Partial,
    Prepared,
    Summary,
    batches,
    connect,
    load_scenario,
    prepare,
    run_batch,
    run_ensemble,
    scenario_crossings,
    worker_stats,
)
from tests.conftest import REPO
from tests.ensembles.conftest import DEMO_PLACES, write_scenario
from tests.ensembles.conftest import SOUTH_PLACES as PLACES

SAMPLES = 24
#: every test here starts the external cluster first: its processes boot while the local
#: cluster test runs
pytestmark = pytest.mark.usefixtures("external_cluster")


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
        # the workers' own metrics (the large-network path), carried from batch to batch in
        # whatever order they come: the same result as one batch in this process
        from dataclasses import replace

        job = replace(prepared.job, incremental_min_edges=0)
        order = list(np.random.default_rng(3).permutation(len(batches(SAMPLES, 3))))
        got = run_ensemble(client, job, samples=SAMPLES, batch_size=3, order=order)
        _same(got, run_batch(job, 0, SAMPLES))


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


def test_cli_run_on_a_scheduler_writes_report_and_map(
    tmp_path: Path, krems_net: Path, external_cluster: str
) -> None:
    hazards = REPO / "data" / "demo" / "krems-hazards.geojson"
    body = DEMO_PLACES + (
        f"hazards: {hazards}\nlocation_uncertainty_m: 150\n"
        "uncertainty: {demo-bridge: {confidence: 0.5}}\n"
        "checkpoints: [{id: cp, lat: 48.409, lon: 15.64, p_open: 0.5, radius_m: 40}]\n"
    )
    scenario = write_scenario(tmp_path, krems_net, body)
    out = tmp_path / "out"
    args = ["ensemble", str(scenario), "--samples", "30", "--seed", "77"]
    result = CliRunner().invoke(
        app, [*args, "--scheduler", external_cluster, "-o", str(out), "--batch-size", "4"]
    )
    assert result.exit_code == 0, result.output
    assert "gp-centre" in result.output and "P(open)" in result.output

    report = json.loads((out / "ensemble.json").read_text(encoding="utf-8"))
    prepared = prepare(load_scenario(scenario), scenario, seed=77)
    plain = Summary(
        run_batch(prepared.job, 0, 30),
        prepared.gathering_ids, prepared.exit_ids, prepared.hazard_ids, 77, prepared.not_valid,
    ).to_dict()  # fmt: skip
    assert report == json.loads(json.dumps(plain))
    assert report["samples"] == 30 and len(report["routes"]) == 6
    shares = {h["id"]: h["occurred_share"] for h in report["hazards"]}
    assert set(shares) >= {"demo-bridge", "demo-mines"}

    features = json.loads((out / "stability.geojson").read_text(encoding="utf-8"))["features"]
    p = np.array([f["properties"]["p_safest"] for f in features])
    assert p.size > 0 and np.all((p > 0) & (p <= 1))
    # every gathering point's safest route starts somewhere: some road is on it every time
    assert p.max() == 1.0
    assert (out / "stability.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_crossings_on_dask_match_the_local_ranking(
    tmp_path: Path, krems_net: Path, external_cluster: str
) -> None:
    scenario = write_scenario(tmp_path, krems_net, PLACES)
    prepared = prepare(load_scenario(scenario), scenario, seed=0)
    args = (prepared.job, prepared.network, prepared.gathering_ids)
    local = scenario_crossings(*args)
    with connect(external_cluster, None) as client:
        client.wait_for_workers(2, timeout=60)
        remote = scenario_crossings(*args, client=client)
    assert remote == local


def test_plan_reruns_run_on_the_workers_and_match_the_local_ones(
    tmp_path: Path, krems_net: Path, external_cluster: str
) -> None:
    from dataclasses import replace

    from corridor.ensembles import rank_by_plan, replan_crossings
    from corridor.planning import load_plan

    hazards_file = REPO / "data" / "demo" / "krems-hazards.geojson"
    scenario = write_scenario(tmp_path, krems_net, PLACES + f"hazards: {hazards_file}\n")
    prepared = prepare(load_scenario(scenario), scenario, seed=0)
    ranking = scenario_crossings(prepared.job, prepared.network, prepared.gathering_ids)
    plan = load_plan(REPO / "data" / "demo" / "krems-plan.yaml")
    hazards = [replace(u.hazard, confidence=u.confidence) for u in prepared.job.hazards]
    kw = {"hazards": hazards, "at": prepared.job.at}
    local_base, local = replan_crossings(plan, prepared.network, ranking, **kw)  # type: ignore[arg-type]
    with connect(external_cluster, None) as client:
        client.wait_for_workers(2, timeout=60)
        before = client.run(worker_stats)
        base, remote = replan_crossings(
            plan, prepared.network, ranking, client=client,
            network_path=prepared.job.network_path, batch_size=2, **kw,  # type: ignore[arg-type]
        )  # fmt: skip
        after = client.run(worker_stats)
    assert remote == local and base.moved == local_base.moved
    replanned = sum(i.replanned for i in remote)
    assert replanned > 0
    # every re-run happened on a worker, none in this process
    assert sum(after[a]["plans"] - before[a]["plans"] for a in after) == replanned
    ranked, impacts = rank_by_plan(ranking, remote, base)
    assert [i.rank for i in impacts] == [c.rank for c in ranked] == list(range(1, len(ranked) + 1))
    keys = [
        (len(c.cut_off), base.moved - i.moved, i.clearance_growth_s or 0.0)
        for c, i in zip(ranked, impacts, strict=True)
    ]
    assert keys == sorted(keys, reverse=True)


def test_workers_without_the_file_get_the_network_scattered_once(
    tmp_path: Path, krems_net: Path, external_cluster: str
) -> None:
    """Workers on other machines do not see the driver's network file: here the workers run
    in another working directory and the file is gone from its path before the run (the
    driver keeps its memory map). ``auto`` finds that no worker sees it and scatters the
    arrays once to each worker; ``path`` is a one-line error naming the file."""
    import shutil

    from corridor.errors import NetworkFileError

    private = tmp_path / "driver-only"
    private.mkdir()
    net = private / "krems.net"
    shutil.copyfile(krems_net, net)
    hazards = REPO / "data" / "demo" / "krems-hazards.geojson"
    body = DEMO_PLACES + f"hazards: {hazards}\nlocation_uncertainty_m: 150\n"
    scenario = write_scenario(tmp_path, net, body)
    prepared = prepare(load_scenario(scenario), scenario, seed=31)
    reference = run_batch(prepared.job, 0, SAMPLES)
    net.rename(private / "moved-away.net")
    with connect(external_cluster, None) as client:
        client.wait_for_workers(2, timeout=60)
        with pytest.raises(NetworkFileError, match="a worker cannot open the network file"):
            run_ensemble(client, prepared.job, samples=4, batch_size=2, transfer="path")
        before = client.run(worker_stats)
        got = run_ensemble(
            client, prepared.job, samples=SAMPLES, batch_size=3, network=prepared.network
        )
        # a second run on the same client and network sends nothing again
        again = run_ensemble(
            client, prepared.job, samples=SAMPLES, batch_size=4, network=prepared.network
        )
        after = client.run(worker_stats)
    _same(got, reference)
    _same(again, reference)
    # every worker ran batches, and built the network from the scattered arrays exactly once
    assert sum(s["batches"] - before[a]["batches"] for a, s in after.items()) == 8 + 6
    for addr, stats in after.items():
        assert stats["batches"] > before[addr]["batches"]
        assert stats["networks_received"] - before[addr]["networks_received"] == 1
