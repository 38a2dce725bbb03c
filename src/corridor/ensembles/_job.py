"""What every worker needs for a run (a small, picklable job) and what it does with a batch.

The job holds the network's *path*, never its arrays: each worker process memory-maps the file
once (cached by path, size and modification time) and every later batch on that worker uses
the same mapping, so the arrays cross no wire at all. Where the workers cannot see the file
(other machines without a shared folder), the driver scatters a :class:`NetworkPayload` (the
arrays and the hierarchy's node order) once to every worker instead, and each worker builds
its network from it once (cached by the payload's token). Hazards, snapped places and options
are a few kilobytes, scattered once to every worker by the driver.
"""

from __future__ import annotations

import threading
import time
import uuid
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from corridor.ensembles._batch import batch_risk
from corridor.ensembles._partial import Partial
from corridor.ensembles._route import sample_router
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
    Hierarchy,
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
    #: From this many edges a worker routes on its own metrics updated edge by edge
    #: (:class:`SampleRouter`); below, fresh cost arrays per sample cost less than its fixed
    #: overhead (measured: Krems, 2k edges, 1.2 ms a sample plain against 2.1; the
    #: million-node region, 2.8M edges, 438 ms plain against 88). Results agree either way.
    incremental_min_edges: int = 100_000


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
    "networks_received": 0,
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


@dataclass(frozen=True, eq=False)
class NetworkPayload:
    """A network's arrays and its hierarchy's node order, for workers without its file."""

    token: str
    sha256: str
    arrays: dict[str, NDArray[Any]]
    strings: tuple[str, ...]
    meta: dict[str, Any]
    extras: dict[str, NDArray[Any]]

    @property
    def nbytes(self) -> int:
        return sum(a.nbytes for a in self.arrays.values()) + sum(
            a.nbytes for a in self.extras.values()
        )


def network_payload(network: Network, sha256: str) -> NetworkPayload:
    """What a worker needs to rebuild ``network`` (plain arrays: a memory map is read here)."""
    arrays = {k: np.ascontiguousarray(v) for k, v in network.arrays.items()}
    meta = {k: v for k, v in network.meta.items() if k != "path"}
    extras = router_for(network).hierarchy.as_extras()
    # the file's digest names the payload (a worker that built it once keeps it), else a
    # fresh token
    token = f"sha256:{sha256}" if sha256 else uuid.uuid4().hex
    return NetworkPayload(token, sha256, arrays, tuple(network.strings), meta, dict(extras))


_RECEIVED: dict[str, Network] = {}


def payload_network(payload: NetworkPayload) -> Network:
    """The network of a scattered payload, built once per process (by the payload's token)."""
    with _CACHE_LOCK:
        network = _RECEIVED.get(payload.token)
        if network is None:
            network = Network(payload.arrays, payload.strings, payload.meta)
            hierarchy = Hierarchy.from_extras(network, payload.extras)
            router_for(network, hierarchy=hierarchy)
            STATS["networks_received"] += 1
            _RECEIVED.clear()
            _RECEIVED[payload.token] = network
        return network


def can_open(path: str, size: int) -> bool:
    """Whether this process sees the network file at ``path`` with ``size`` bytes (the driver
    asks every worker before choosing to send the path rather than the arrays)."""
    try:
        return Path(path).stat().st_size == size
    except OSError:
        return False


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


def _checked_network(job: Job) -> Network:
    """The job's network file as this worker sees it, refused if it is not the driver's."""
    try:
        network = worker_network(job.network_path)
    except OSError as exc:
        raise NetworkFileError(
            f"a worker cannot open the network file: {exc.strerror or exc}",
            path=job.network_path,
            hint="give every worker the same file (a shared folder), or send the network "
            "to the workers (--network-transfer scatter)",
        ) from None
    if network.file_sha256 not in (None, job.network_sha256):
        raise NetworkFileError(
            "the network file on this worker differs from the driver's copy",
            path=job.network_path,
            hint="give every worker the same file (a shared folder), or send the network "
            "to the workers (--network-transfer scatter)",
        )
    return network


def run_batch(job: Job, start: int, stop: int, payload: NetworkPayload | None = None) -> Partial:
    """The partial sums of samples ``start`` to ``stop - 1`` (run on a worker): the hazards of
    the whole batch joined to the roads at once (:func:`batch_risk`), then routing per sample
    (on large networks on the worker's metrics, updated on the edges that changed:
    :class:`SampleRouter`)."""
    cpu0 = time.process_time()
    network = payload_network(payload) if payload is not None else _checked_network(job)
    part = Partial.empty(
        job.origins.shape[0], job.exits.shape[0], len(job.hazards), network.n_segments
    )
    router = (
        sample_router(network, job.risk_weight, job.origins, job.exits)
        if network.n_edges >= job.incremental_min_edges
        else None
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
        out = (
            router.route(sample.risk, sample.closed, sample.touched)
            if router is not None
            else route_sample(job, network, sample.risk, sample.closed, sample.occurred)
        )
        t2 = clock()
        part.add_sample(out.time_s, out.risk, sample.occurred, out.safest_segments)
        STATS["routing_s"] += t2 - t1
        STATS["reduce_s"] += clock() - t2
        STATS["samples"] += 1
    STATS["batches"] += 1
    STATS["cpu_s"] += time.process_time() - cpu0
    return part
