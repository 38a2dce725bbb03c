"""Ensembles (issue 16): samples per second on 1 and 2 Dask workers, and where a sample's time goes.

Workload (seed 20261130): the bundled Krems extract and the shared Aguascalientes extract; 10
gathering points and 5 exits at random nodes; 30 hazards at random nodes (shelling 300 m at
confidence 0.7, mines 100 m at 0.6, roadblocks 40 m at 0.5, in turn), every report off by up to
200 m; 3 checkpoints open with probability 0.8. Each worker count gets a fresh local cluster
(one thread per worker process), a warm-up run (workers load the compiled kernels and map the
network file), then ``BENCH_ENSEMBLE_SAMPLES`` samples (default 1,000) timed. Printed: samples/s,
the scaling efficiency (rate with 2 / (2 x rate with 1)), and the split of the workers' time
between realising hazards, edge risk (spatial join) and routing, against the wall time (the
rest is Dask scheduling, transfer and merging). ``BENCH_ENSEMBLE_NETS`` (comma list of krems,
aguascalientes, region1m) picks the networks; region1m is the million-node region-like
synthetic network of benchmarks/_synthetic.py (fixed seed) with 50 gathering points x 10
exits. ``BENCH_ENSEMBLE_WORKERS`` (default 1,2) the worker counts. ``BENCH_ENSEMBLE_TRANSFER``
(auto, path, scatter; default auto, which is path on one machine) how the network reaches the
workers; with scatter the warm-up (not timed) includes sending the arrays, and its time and
size are printed.

Run: nice -n 10 .venv/bin/python -m benchmarks ensembles
"""

from __future__ import annotations

import json
import os
import pickle
import tempfile
import time
from pathlib import Path

import numpy as np

from corridor.ensembles import (
    load_scenario,
    network_file_for,
    prepare,
    run_ensemble,
    worker_stats,
)
from corridor.routing import open_network

REPO = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("CORRIDOR_SHARED_DATA") or REPO.parent / "shared" / "data")
NETS = {
    "krems": REPO / "data" / "krems.osm.gz",
    "aguascalientes": SHARED / "osm" / "aguascalientes.osm.pbf",
}
SEED = 20261130
KINDS = (("shelling", 300.0, 0.7), ("mines", 100.0, 0.6), ("roadblock", 40.0, 0.5))


def _scenario(folder: Path, net: Path, gathering: int = 10, exits: int = 5) -> Path:
    network = open_network(net)
    rng = np.random.default_rng(SEED)
    nodes = rng.choice(network.n_nodes, size=33 + gathering + exits, replace=False)
    lon, lat = network.node_lon[nodes], network.node_lat[nodes]
    feats = []
    for k in range(30):
        kind, radius, conf = KINDS[k % 3]
        feats.append(
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [float(lon[k]), float(lat[k])]},
                "properties": {
                    "id": f"h{k}", "kind": kind, "severity": 0.7, "confidence": conf,
                    "radius_m": radius,
                },
            }
        )  # fmt: skip
    (folder / "hazards.geojson").write_text(
        json.dumps({"type": "FeatureCollection", "features": feats}), encoding="utf-8"
    )
    places = lambda ids, prefix: "\n".join(  # noqa: E731
        f"  - {{id: {prefix}{i}, lat: {lat[j]:.7f}, lon: {lon[j]:.7f}}}" for i, j in enumerate(ids)
    )
    cps = places(range(30 + gathering + exits, 33 + gathering + exits), "cp")
    text = (
        f"scenario_format: 1\nid: bench\nnetwork: {net}\nhazards: hazards.geojson\n"
        "at: '2026-11-30T12:00:00Z'\nlocation_uncertainty_m: 200\n"
        f"gathering_points:\n{places(range(30, 30 + gathering), 'gp')}\n"
        f"exits:\n{places(range(30 + gathering, 30 + gathering + exits), 'x')}\n"
        f"checkpoints:\n{cps.replace('}', ', p_open: 0.8}')}\n"
    )
    path = folder / "scenario.yaml"
    path.write_text(text, encoding="utf-8")
    return path


TRANSFER = os.environ.get("BENCH_ENSEMBLE_TRANSFER", "auto")


def _run(job: object, workers: int, samples: int) -> tuple[float, dict[str, float]]:
    from distributed import Client, LocalCluster

    with (
        LocalCluster(
            n_workers=workers, threads_per_worker=1, processes=True, host="127.0.0.1",
            dashboard_address="127.0.0.1:0", silence_logs=40,
        ) as cluster,
        Client(cluster) as client,
    ):  # fmt: skip
        t0 = time.perf_counter()
        run_ensemble(client, job, samples=2 * workers, batch_size=1, transfer=TRANSFER)  # type: ignore[arg-type]
        if TRANSFER == "scatter":
            from corridor.ensembles import network_payload
            from corridor.routing import open_network as _open

            size = network_payload(_open(job.network_path), "").nbytes  # type: ignore[attr-defined]
            print(
                f"warm-up with the network scattered ({size / 1e6:,.0f} MB) to {workers} "
                f"worker(s): {time.perf_counter() - t0:.1f} s",
                flush=True,
            )
        before = client.run(worker_stats)
        t0 = time.perf_counter()
        result = run_ensemble(client, job, samples=samples, transfer=TRANSFER)  # type: ignore[arg-type]
        wall = time.perf_counter() - t0
        after = client.run(worker_stats)
    split = {
        k: sum(after[a][k] - before[a][k] for a in after) for k in (*PARTS, "batches", "cpu_s")
    }
    # serialisation: what one batch's partial sums cost to pickle, times the batches run
    t0 = time.perf_counter()
    blob = pickle.dumps(result, protocol=pickle.HIGHEST_PROTOCOL)
    split["serialise_s"] = (time.perf_counter() - t0) * split["batches"]
    split["bytes"] = len(blob)
    return wall, split


#: worker-side counters: drawing + joining hazards to roads, routing, adding to the sums
PARTS = ("risk_s", "routing_s", "reduce_s")


def _bench(name: str, net: Path, folder: Path, samples: int, shape: tuple[int, int]) -> None:
    scenario = _scenario(folder, net, *shape)
    prepared = prepare(load_scenario(scenario), scenario, seed=SEED)
    rate1 = 0.0
    for workers in WORKERS:
        wall, split = _run(prepared.job, workers, samples)
        rate = samples / wall
        rate1 = rate1 or (rate if workers == 1 else 0.0)
        busy = wall * workers
        parts = [split[k] / busy * 100 for k in (*PARTS, "serialise_s")]
        eff = f"{rate / (workers * rate1):.0%}" if rate1 else "-"
        print(
            f"{name} | {prepared.network.n_nodes:,} | {shape[0]}x{shape[1]} | {workers} | "
            f"{wall:.2f} | {wall / samples * 1e3 * workers:.2f} | "
            f"{split['cpu_s'] / samples * 1e3:.2f} | {rate:,.0f} | {eff} | "
            + " | ".join(f"{p:.0f}" for p in parts)
            + f" | {100 - sum(parts):.0f} | {os.getloadavg()[0]:.1f}",
            flush=True,
        )


def _region_net(nodes: int) -> Path:
    """The region-like synthetic network (benchmarks/_synthetic.py, fixed seed) as a network
    file with its contraction hierarchy, cached beside it."""
    from benchmarks._synthetic import DATA, synthetic_network
    from corridor.network import write_network
    from corridor.routing import Hierarchy, compute_landmarks

    target = DATA / f"region-{nodes}-ensemble.net"
    if not target.exists():
        network, _ = synthetic_network(region_nodes=nodes)
        t0 = time.perf_counter()
        extras = compute_landmarks(network).as_extras() | Hierarchy.build(network).as_extras()
        write_network(network, target, extra=extras)
        print(f"hierarchy for {nodes:,} nodes: {time.perf_counter() - t0:.0f} s", flush=True)
    return target


WORKERS = tuple(int(w) for w in os.environ.get("BENCH_ENSEMBLE_WORKERS", "1,2").split(","))


def main() -> None:
    samples = int(os.environ.get("BENCH_ENSEMBLE_SAMPLES", "1000"))
    wanted = os.environ.get("BENCH_ENSEMBLE_NETS", ",".join(NETS)).split(",")
    print(f"{samples:,} samples, 30 hazards, 3 checkpoints; load average {os.getloadavg()}")
    print(
        "network | nodes | routes | workers | wall s | ms/sample/worker | CPU ms/sample | "
        "samples/s | efficiency | join % | routing % | reduce % | serialise % | other % | load"
    )
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        for name in wanted:
            if name == "region1m":
                _bench(name, _region_net(1_000_000), folder, samples, (50, 10))
            else:
                _bench(
                    name, network_file_for(NETS[name], folder / "cache"), folder, samples, (10, 5)
                )


if __name__ == "__main__":
    main()
