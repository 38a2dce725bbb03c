"""What every worker needs for a run (a small, picklable job) and what it does with a batch.

The job holds the network's *path*, never its arrays: each worker process memory-maps the file
once (cached by path, size and modification time) and every later batch on that worker uses
the same mapping, so the arrays cross no wire at all. Hazards, snapped places and options are
a few kilobytes, scattered once to every worker by the driver.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from corridor.ensembles._batch import batch_risk
from corridor.ensembles._partial import Partial
from corridor.ensembles._sample import (
    UncertainCheckpoint,
    UncertainHazard,
    realise,
    sample_rng,
)
from corridor.errors import NetworkFileError
from corridor.hazards import MAX_RISK, RiskModel
from corridor.network import Network
from corridor.routing import (
    SAFEST_RISK_WEIGHT,
    edge_costs,
    open_network,
    route_matrix_nodes,
    router_for,
)

F64 = NDArray[np.float64]


@dataclass(frozen=True)
class Job:
    """One ensemble run's inputs, as shipped to the workers."""

    network_path: str
    network_sha256: str
    hazards: tuple[UncertainHazard, ...]
    checkpoints: tuple[UncertainCheckpoint, ...]
    at: datetime
    risk_weight: float
    origins: NDArray[np.int64]
    exits: NDArray[np.int64]
    seed: int


_CACHE: dict[tuple[str, int, int], Network] = {}
_CACHE_LOCK = threading.Lock()

#: What this process has done (``worker_stats`` reads it): networks mapped, batches and samples
#: run, and seconds spent drawing samples and joining their hazards to the roads (``risk_s``),
#: routing, and adding samples to the batch's sums (``reduce_s``); the reference path
#: (:func:`evaluate`) also counts ``realise_s``; ``plans``: convoy plans re-run by what-if;
#: ``cpu_s``: the process's CPU seconds in batches (on a loaded machine, wall time is not).
#: The benchmark shows the split.
STATS: dict[str, float] = {
    "networks_mapped": 0,
    "batches": 0,
    "samples": 0,
    "realise_s": 0.0,
    "risk_s": 0.0,
    "routing_s": 0.0,
    "reduce_s": 0.0,
    "plans": 0,
    "cpu_s": 0.0,
}


def worker_stats() -> dict[str, float]:
    """A copy of this process's counters (run it on every worker with ``client.run``)."""
    return dict(STATS)


def worker_network(path: str) -> Network:
    """The network file memory-mapped once per process (a changed file is mapped again)."""
    st = Path(path).stat()
    key = (str(Path(path).resolve()), st.st_size, st.st_mtime_ns)
    with _CACHE_LOCK:
        network = _CACHE.get(key)
        if network is None:
            network = open_network(path)
            STATS["networks_mapped"] += 1
            _CACHE.clear()
            _CACHE[key] = network
        return network


@dataclass(frozen=True)
class Outcome:
    """One sample's routes: [G, E] time (inf = no open route) and risk of the best route, the
    segments of each gathering point's safest route, and which hazards occurred."""

    time_s: F64
    risk: F64
    safest_segments: NDArray[np.int64]
    occurred: NDArray[np.bool_]


def evaluate(job: Job, network: Network, index: int) -> Outcome:
    """Sample ``index`` the plain way (the reference the batched path is tested against):
    realise the hazards, a fresh ``RiskModel``, then route."""
    t0 = time.perf_counter()
    hazards, occurred = realise(job.hazards, job.checkpoints, sample_rng(job.seed, index))
    t1 = time.perf_counter()
    model = RiskModel(network, hazards, at=job.at)
    t2 = time.perf_counter()
    out = route_sample(job, network, model.risk, model.closed, occurred)
    STATS["realise_s"] += t1 - t0
    STATS["risk_s"] += t2 - t1
    STATS["routing_s"] += time.perf_counter() - t2
    STATS["samples"] += 1
    return out


def route_sample(
    job: Job, network: Network, risk: F64, closed: NDArray[np.bool_], occurred: NDArray[np.bool_]
) -> Outcome:
    """Route every gathering point to every exit under one sample's risk and closures."""
    best = route_matrix_nodes(
        network, job.origins, job.exits, risk=risk, closed=closed, risk_weight=job.risk_weight
    )
    # the safest route of each gathering point, to whichever exit is safest from it
    safe = route_matrix_nodes(
        network, job.origins, job.exits, risk=risk, closed=closed, risk_weight=SAFEST_RISK_WEIGHT
    )
    log_risk = -np.log1p(-np.minimum(risk, MAX_RISK))
    cost = edge_costs(network, log_risk=log_risk, closed=closed, risk_weight=SAFEST_RISK_WEIGHT)
    router = router_for(network)
    edges: list[NDArray[np.int32]] = []
    for g in range(job.origins.shape[0]):
        row = safe.cost_s[g]
        if not np.isfinite(row).any():
            continue
        e = int(np.argmin(row))
        path = router.shortest(cost, int(job.origins[g]), int(job.exits[e]))
        edges.append(np.asarray(path.edges, dtype=np.int32))
    seg = (
        np.unique(network.edge_segment[np.concatenate(edges)]).astype(np.int64)
        if edges
        else np.zeros(0, np.int64)
    )
    time_s = np.where(np.isfinite(best.cost_s), best.time_s, np.inf)
    return Outcome(time_s, best.risk, seg, occurred)


def run_batch(job: Job, start: int, stop: int) -> Partial:
    """The partial sums of samples ``start`` to ``stop - 1`` (run on a worker): the hazards of
    the whole batch joined to the roads at once (:func:`batch_risk`), then routing per sample."""
    cpu0 = time.process_time()
    network = worker_network(job.network_path)
    if network.file_sha256 not in (None, job.network_sha256):
        raise NetworkFileError(
            "the network file on this worker differs from the driver's copy",
            path=job.network_path,
            hint="give every worker the same file (a shared folder)",
        )
    part = Partial.empty(
        job.origins.shape[0], job.exits.shape[0], len(job.hazards), network.n_segments
    )
    samples = batch_risk(
        network, job.hazards, job.checkpoints, at=job.at, seed=job.seed, start=start, stop=stop
    )
    clock = time.perf_counter
    while True:
        t0 = clock()
        sample = next(samples, None)
        t1 = clock()
        STATS["risk_s"] += t1 - t0
        if sample is None:
            break
        out = route_sample(job, network, sample.risk, sample.closed, sample.occurred)
        t2 = clock()
        part.add_sample(out.time_s, out.risk, out.occurred, out.safest_segments)
        STATS["routing_s"] += t2 - t1
        STATS["reduce_s"] += clock() - t2
        STATS["samples"] += 1
    STATS["batches"] += 1
    STATS["cpu_s"] += time.process_time() - cpu0
    return part
