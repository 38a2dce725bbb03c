"""The driver: prepare a scenario, cut the samples into batches, run them on Dask distributed.

Batches are independent tasks (``run_batch``); their partial sums are merged by ``merge`` tasks
on the workers in a binary tree over batch numbers, so only the root (a few arrays of
routes x bins) comes back to the client. The job is scattered once (``broadcast=True``) and each
task carries only its future and two integers. Because every sample draws from its own seed
and every sum is integer, the result does not depend on the batch size, the number of workers,
the order tasks finish in, or a worker dying and its tasks re-running elsewhere.
"""

from __future__ import annotations

import math
import os
import uuid
import weakref
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import numpy as np

from corridor.ensembles._job import Job, can_open, network_payload, run_batch
from corridor.ensembles._partial import Partial, merge
from corridor.ensembles._report import Summary
from corridor.ensembles._sample import UncertainCheckpoint, UncertainHazard, jitter_radius_m
from corridor.ensembles._scenario import Scenario, resolve
from corridor.errors import CorridorError, InputError, ScenarioError
from corridor.hazards import Hazard, load_hazards
from corridor.network import OSM_SUFFIXES, Network, snap_many, write_network
from corridor.routing import Hierarchy, compute_landmarks, open_network

MAX_SAMPLES = 10_000_000
#: How the network reaches the workers: ``path`` (each maps the file, which must be at the
#: same path on every machine), ``scatter`` (the driver sends the arrays once to every
#: worker), ``auto`` (the path if every worker sees the file, else scatter).
Transfer = Literal["auto", "path", "scatter"]
TRANSFERS: tuple[Transfer, ...] = ("auto", "path", "scatter")
CONNECT_TIMEOUT_S = 10
DEFAULT_SNAP_M = 2000.0


@dataclass(frozen=True)
class Prepared:
    """A scenario made ready to run: the job, and the labels the report needs."""

    job: Job
    network: Network
    gathering_ids: tuple[str, ...]
    exit_ids: tuple[str, ...]
    hazard_ids: tuple[str, ...]
    #: hazards of the file that are not valid at the scenario's time: left out of the sampling
    #: (they could add no risk and close nothing), listed for the report
    not_valid: tuple[str, ...] = ()

    def summary(self, partial: Partial, seed: int) -> Summary:
        """The reduced run ``partial`` of this scenario, labelled for its report."""
        return Summary(
            partial, self.gathering_ids, self.exit_ids, self.hazard_ids, seed, self.not_valid
        )


def default_cache_dir() -> Path:
    """Where imported networks are kept between runs: ``$CORRIDOR_CACHE_DIR``, else the user's
    cache folder. On a multi-machine cluster name a network file on a shared path instead:
    workers open the network by its path."""
    env = os.environ.get("CORRIDOR_CACHE_DIR")
    if env:
        return Path(env)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "corridor" / "networks"


def network_file_for(source: Path, cache_dir: Path) -> Path:
    """A network file for ``source``: itself, or (for an OSM extract) a network file imported
    once into ``cache_dir`` with its contraction hierarchy, named by the extract's content."""
    if not source.name.lower().endswith(OSM_SUFFIXES):
        return source
    from corridor._files import sha256_file
    from corridor.network import import_osm

    digest = sha256_file(source)[:16]
    target = cache_dir / f"{source.name.split('.')[0]}-{digest}.net"
    if not target.exists():
        cache_dir.mkdir(parents=True, exist_ok=True)
        network = import_osm(source)
        extras = compute_landmarks(network).as_extras() | Hierarchy.build(network).as_extras()
        write_network(network, target, extra=extras)
    return target


def _snap(
    network: Network, places: Sequence[Any], role: str, source: str | Path | None
) -> np.ndarray:
    lat = np.array([p.lat for p in places], dtype=np.float64)
    lon = np.array([p.lon for p in places], dtype=np.float64)
    snaps = snap_many(network, lat, lon, max_distance_m=DEFAULT_SNAP_M)
    if not snaps.ok.all():
        bad = int(np.flatnonzero(~snaps.ok)[0])
        raise ScenarioError(
            f"{role} {places[bad].id!r} is {snaps.distance_m[bad]:,.0f} m from the nearest road "
            f"(limit {DEFAULT_SNAP_M:,.0f} m)",
            path=source,
        )
    return snaps.node.astype(np.int64)


def prepare(
    scenario: Scenario, scenario_path: str | Path, *, seed: int, cache_dir: Path | None = None
) -> Prepared:
    """Load the network and hazards a scenario names, snap its places, build the job."""
    scenario_path = Path(scenario_path)
    source = resolve(scenario_path, scenario.network)
    if not source.exists():
        raise ScenarioError("network file not found", path=source, field="network")
    cache = cache_dir or default_cache_dir()
    path = network_file_for(source, cache)
    network = open_network(path)
    hazards = load_hazards(resolve(scenario_path, scenario.hazards)) if scenario.hazards else []
    return prepare_loaded(
        scenario, network, hazards, seed=seed, network_path=path, source=scenario_path
    )


def prepare_loaded(
    scenario: Scenario,
    network: Network,
    hazards: Sequence[Hazard],
    *,
    seed: int,
    network_path: Path | None,
    source: str | Path | None = None,
    hazards_label: str = "the hazard file",
) -> Prepared:
    """As :func:`prepare`, for a network and hazards already loaded (the API's served network
    and stored hazards). Without ``network_path`` (a network imported in memory) the workers
    get the network by ``scatter``."""
    scenario_path = source
    known = {h.id for h in hazards}
    unknown = sorted(set(scenario.uncertainty) - known)
    if unknown:
        raise ScenarioError(
            f"uncertainty given for hazard {unknown[0]!r}, which is not in {hazards_label}",
            path=scenario_path,
            field="uncertainty",
        )
    uncertain = []
    not_valid = tuple(sorted(h.id for h in hazards if not h.valid_at(scenario.at)))
    for h in sorted(hazards, key=lambda h: h.id):
        if not h.valid_at(scenario.at):
            continue
        over = scenario.uncertainty.get(h.id)
        loc = scenario.location_uncertainty_m
        conf = h.confidence
        if over is not None:
            loc = loc if over.location_uncertainty_m is None else over.location_uncertainty_m
            conf = conf if over.confidence is None else over.confidence
        uncertain.append(UncertainHazard(h, conf, jitter_radius_m(h, loc)))
    checkpoints = tuple(
        UncertainCheckpoint(c.id, c.lat, c.lon, c.p_open, c.radius_m) for c in scenario.checkpoints
    )
    job = Job(
        network_path=str(network_path.resolve()) if network_path is not None else "",
        network_sha256=(network.file_sha256 or "") if network_path is not None else "",
        hazards=tuple(uncertain),
        checkpoints=checkpoints,
        at=scenario.at,
        risk_weight=scenario.risk_weight,
        origins=_snap(network, scenario.gathering_points, "gathering point", scenario_path),
        exits=_snap(network, scenario.exits, "exit", scenario_path),
        seed=seed,
    )
    return Prepared(
        job,
        network,
        tuple(p.id for p in scenario.gathering_points),
        tuple(p.id for p in scenario.exits),
        tuple(u.hazard.id for u in uncertain),
        not_valid,
    )


def batches(samples: int, batch_size: int) -> list[tuple[int, int]]:
    """[start, stop) ranges covering ``range(samples)``."""
    return [(s, min(s + batch_size, samples)) for s in range(0, samples, batch_size)]


def default_batch_size(samples: int, workers: int) -> int:
    """About eight batches per worker (load balance, cheap re-runs after a loss), at most 500
    samples each."""
    return max(1, min(500, math.ceil(samples / max(1, workers * 8))))


def _probe(address: str) -> None:
    """Ask ``address`` who it is, within ``CONNECT_TIMEOUT_S`` in all: Dask's client waits
    for ever on a server that accepts the connection and never answers (a wrong port, a
    stuck scheduler). Raises TimeoutError/OSError."""
    import asyncio

    from distributed.comm.core import connect as open_comm

    async def ask() -> None:
        comm = await open_comm(address, timeout=CONNECT_TIMEOUT_S)  # type: ignore[no-untyped-call]
        try:
            await comm.write({"op": "identity", "reply": True})
            await comm.read()
        finally:
            comm.abort()

    async def bounded() -> None:
        try:
            await asyncio.wait_for(ask(), CONNECT_TIMEOUT_S)
        except TimeoutError:
            raise TimeoutError(f"no answer in {CONNECT_TIMEOUT_S} s") from None

    asyncio.run(bounded())


@contextmanager
def connect(scheduler: str | None, workers: int | None) -> Iterator[Any]:
    """A client of ``scheduler``, or of a local cluster of ``workers`` processes with one thread
    each: much of a sample (the spatial join, building hazards) is Python holding the GIL, so
    processes scale where threads would not."""
    from distributed import Client, LocalCluster

    if scheduler:
        try:
            _probe(scheduler)
            client = Client(scheduler, timeout=CONNECT_TIMEOUT_S)  # type: ignore[no-untyped-call]
        except (OSError, ValueError, TimeoutError) as exc:
            raise InputError(
                f"cannot reach the Dask scheduler at {scheduler!r}: {exc}",
                field="--scheduler",
                hint="start one with `dask scheduler`, or leave out --scheduler for a local one",
            ) from None
        with client:
            yield client
        return
    n = workers or os.cpu_count() or 1
    with (
        LocalCluster(  # type: ignore[no-untyped-call]
            n_workers=n,
            threads_per_worker=1,
            processes=True,
            # loopback only, and the diagnostics page on any free port (another cluster on
            # this machine may hold the default one)
            host="127.0.0.1",
            dashboard_address="127.0.0.1:0",
            silence_logs=40,
        ) as cluster,
        Client(cluster) as client,  # type: ignore[no-untyped-call]
    ):
        yield client


def choose_transfer(client: Any, job: Job, transfer: Transfer) -> Literal["path", "scatter"]:
    """``path`` or ``scatter`` for this cluster: ``auto`` asks every worker whether it sees
    the job's network file (same size; each worker checks the SHA-256 before using it)."""
    if transfer not in TRANSFERS:
        raise InputError(
            f"unknown network transfer {transfer!r}",
            field="--network-transfer",
            hint="one of " + ", ".join(TRANSFERS),
        )
    if transfer == "path" and not job.network_path:
        raise InputError(
            "the network has no file to open on the workers",
            field="--network-transfer",
            hint="use scatter (or auto)",
        )
    if transfer != "auto":
        return transfer
    if not job.network_path:
        return "scatter"
    try:
        size = Path(job.network_path).stat().st_size
    except OSError:  # gone from here since it was opened: send the driver's copy
        return "scatter"
    seen = client.run(can_open, job.network_path, size)
    return "path" if seen and all(seen.values()) else "scatter"


#: The network last scattered: (client, network's SHA-256 or identity, future). Holding the
#: future keeps the arrays on the workers, so the next run on the same network sends nothing.
_SCATTERED: list[tuple[weakref.ref[Any], str, Any]] = []


def _scattered(client: Any, network: Network | None, path: str, sha256: str) -> Any:
    """A future of the network's payload on every worker of ``client``: sent once (to every
    worker, ``broadcast``; a worker that joins later fetches it from a peer), then reused by
    later runs on the same client and network (the same file content, or the same object)
    while it is held. ``network`` is the driver's copy (else the file at ``path`` is read)."""
    key = sha256 or f"object:{id(network)}"
    for c_ref, held, future in _SCATTERED:
        if c_ref() is client and held == key and future.status == "finished":
            return future
    if network is None:
        network = open_network(path)
    [future] = client.scatter([network_payload(network, sha256)], broadcast=True, hash=False)
    _SCATTERED[:] = [(weakref.ref(client), key, future)]
    return future


def run_ensemble(
    client: Any,
    job: Job,
    *,
    samples: int,
    batch_size: int | None = None,
    order: Sequence[int] | None = None,
    on_batch: Callable[[int, int], None] | None = None,
    transfer: Transfer = "auto",
    network: Network | None = None,
) -> Partial:
    """Run ``samples`` samples of ``job`` on ``client``'s cluster; the reduced partial sums.

    ``order`` submits the batches in another order (tests use it to show order does not
    matter); ``on_batch(done, total)`` is called as batches finish (a progress bar);
    ``transfer`` is how the network reaches the workers (:data:`Transfer`; ``network``, the
    driver's copy, saves reading the file again for ``scatter``)."""
    from distributed import KilledWorker, as_completed

    if not 1 <= samples <= MAX_SAMPLES:
        raise ScenarioError(f"samples must be between 1 and {MAX_SAMPLES:,}, got {samples}")
    n_workers = max(1, len(client.scheduler_info().get("workers", {})))
    size = batch_size or default_batch_size(samples, n_workers)
    ranges = batches(samples, size)
    [job_future] = client.scatter([job], broadcast=True, hash=False)
    extra: tuple[Any, ...] = ()
    if choose_transfer(client, job, transfer) == "scatter":
        extra = (_scattered(client, network, job.network_path, job.network_sha256),)
    sequence = list(order) if order is not None else list(range(len(ranges)))
    if sorted(sequence) != list(range(len(ranges))):
        raise ValueError("order must be a permutation of the batch numbers")
    run = uuid.uuid4().hex[:12]
    futures: dict[int, Any] = {}
    for b in sequence:
        start, stop = ranges[b]
        # no retries: an error in a batch is the same on every try; a lost worker's tasks are
        # re-run by the scheduler anyway
        futures[b] = client.submit(
            run_batch, job_future, start, stop, *extra, key=f"ensemble-batch-{run}-{b}"
        )
    # tree reduction on the workers, by batch number (the shape does not depend on order)
    level = [futures[b] for b in range(len(ranges))]
    depth = 0
    while len(level) > 1:
        depth += 1
        nxt = [
            client.submit(merge, level[i], level[i + 1], key=f"ensemble-merge-{run}-{depth}-{i}")
            for i in range(0, len(level) - 1, 2)
        ]
        if len(level) % 2:
            nxt.append(level[-1])
        level = nxt
    for done, _ in enumerate(as_completed(list(futures.values())), start=1):  # type: ignore[no-untyped-call]
        if on_batch is not None:
            on_batch(done, len(ranges))
    try:
        result: Partial = level[0].result()
    except KilledWorker as exc:  # a task that took down every worker it ran on, repeatedly
        raise CorridorError(
            f"the cluster lost the workers running {exc.task!r} too often; not retried again",
            hint="check the workers' memory and logs",
        ) from None
    return result
