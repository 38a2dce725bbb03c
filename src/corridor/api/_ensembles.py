"""`/ensembles`: a coordinator runs a scenario ensemble (issue 16) on the server's Dask cluster.

An ensemble takes seconds to hours, so it is a job: ``POST /ensembles`` checks the scenario at
once (the same schema and snapping as `corridor ensemble`; problems are 422 problem+json),
queues it and answers 202 with its id; ``GET /ensembles/{job_id}`` gives its status, progress
(batches done of the total) and, once done, the report `corridor ensemble` writes
(``ensemble.json``); ``GET /ensembles/{job_id}/stability`` the stability map as GeoJSON.

The scenario names a *served* network by name, never a file: a caller cannot make the server
open a path of its choosing. Its hazards are the stored ones (those valid at the scenario's
time), with the scenario's uncertainty. Limits keep one caller from exhausting the server:
at most ``MAX_API_SAMPLES`` samples and ``MAX_API_ROUTE_SAMPLES`` route-samples per job,
``MAX_PENDING`` jobs queued or running at once (``MAX_PENDING_PER_USER`` per user), more are
503/429 with ``Retry-After``; jobs run one after another. Each job's state is also written
to a file in ``CORRIDOR_ENSEMBLE_DIR`` (default ``~/.cache/corridor/ensembles``) as it changes,
with its stability map once done, so that every process of `corridor serve --workers N`
answers for every job and results outlive a restart (a job whose process died unfinished
reads as failed). Not in the store: a result is reproducible from its scenario and seed.

The cluster: ``CORRIDOR_ENSEMBLE_SCHEDULER`` (a Dask scheduler address) if set, else a local
cluster of ``CORRIDOR_ENSEMBLE_WORKERS`` (default 1) worker processes on 127.0.0.1, started
with the first job and kept until the server stops. The network reaches the workers by its
file when they see it, else scattered once to each (``transfer="auto"``).
"""

from __future__ import annotations

import json
import logging
import os
import socket
import threading
import uuid
from collections import OrderedDict, deque
from contextlib import ExitStack
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Literal

from fastapi import APIRouter, Request
from fastapi import Path as PathParam
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, ConfigDict, Field

from corridor._files import write_atomic
from corridor.api._adapters import session_of
from corridor.api._auth import CurrentUser
from corridor.api._problems import ApiError, problem_responses
from corridor.api._state import ApiState, state_of
from corridor.errors import CorridorError, InputError, NotFoundError, StateError

if TYPE_CHECKING:
    from corridor.ensembles import Prepared, Summary

log = logging.getLogger("corridor.api")

router = APIRouter(prefix="/ensembles", tags=["ensembles"], responses=problem_responses(401, 403))

#: Caps per job: samples, and samples x routes (a region's 500 routes x 4,000 samples).
MAX_API_SAMPLES = 20_000
MAX_API_ROUTE_SAMPLES = 2_000_000
#: Jobs queued or running at once, for all callers and per caller.
MAX_PENDING = 4
MAX_PENDING_PER_USER = 2
#: Finished jobs kept for reading (the oldest finished one is dropped first).
MAX_KEPT = 100
#: Job files kept in the folder (the oldest are removed first).
MAX_FILES = 1000
#: Fields of a scenario file that name files on the machine; the API takes neither.
FILE_FIELDS = ("network", "hazards")

JobId = Annotated[str, PathParam(max_length=64, description="The job's id (from POST).")]
Status = Literal["queued", "running", "done", "failed"]


class EnsembleRequest(BaseModel):
    """A scenario (as JSON) and how to sample it."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)

    scenario: dict[str, Any] = Field(
        description="the scenario file's content (scenario.schema.json) without `network` "
        "and `hazards`: the network is a served one, the hazards are the stored ones"
    )
    network: str = Field(min_length=1, max_length=200, examples=["krems"])
    samples: int = Field(default=1000, ge=1, le=MAX_API_SAMPLES)
    seed: int = Field(default=0, ge=0, le=2**63 - 1)
    hazards: bool = Field(
        default=True, description="sample the stored hazards valid at the scenario's time"
    )


class Progress(BaseModel):
    batches_done: int
    batches_total: int
    fraction: float


class EnsembleJob(BaseModel):
    """A job's state; ``result`` is the report (as `corridor ensemble` writes) once done."""

    job_id: str
    status: Status
    scenario_id: str
    network: str
    samples: int
    seed: int
    created_at: str
    created_by: str
    started_at: str | None = None
    finished_at: str | None = None
    progress: Progress
    error: dict[str, Any] | None = None
    result: dict[str, Any] | None = None


def _iso(t: datetime | None) -> str | None:
    return None if t is None else t.isoformat().replace("+00:00", "Z")


@dataclass
class Run:
    """One job and what it needs to run (the prepared scenario is dropped once done)."""

    job_id: str
    scenario_id: str
    network: str
    samples: int
    seed: int
    created_by: str
    prepared: Prepared | None
    created_at: datetime = field(default_factory=lambda: datetime.now(UTC))
    status: Status = "queued"
    started_at: datetime | None = None
    finished_at: datetime | None = None
    batches_done: int = 0
    batches_total: int = 0
    error: dict[str, Any] | None = None
    result: dict[str, Any] | None = None
    summary: Summary | None = None

    def to_dict(self) -> dict[str, Any]:
        total = self.batches_total
        return {
            "job_id": self.job_id,
            "status": self.status,
            "scenario_id": self.scenario_id,
            "network": self.network,
            "samples": self.samples,
            "seed": self.seed,
            "created_at": _iso(self.created_at),
            "created_by": self.created_by,
            "started_at": _iso(self.started_at),
            "finished_at": _iso(self.finished_at),
            "progress": {
                "batches_done": self.batches_done,
                "batches_total": total,
                "fraction": (self.batches_done / total) if total else 0.0,
            },
            "error": self.error,
            "result": self.result,
        }


def jobs_dir() -> Path:
    """Where job files live (shared by the processes of one server)."""
    env = os.environ.get("CORRIDOR_ENSEMBLE_DIR")
    if env:
        return Path(env)
    from corridor.ensembles import default_cache_dir

    return default_cache_dir().parent / "ensembles"


_OWNER = {"host": socket.gethostname(), "pid": os.getpid()}


def _save(run: Run, *, stability: dict[str, Any] | None = None) -> None:
    """The job's state as a file (whole or not at all), its map beside it once done."""
    folder = jobs_dir()
    try:
        folder.mkdir(parents=True, exist_ok=True)
        if stability is not None:
            write_atomic(folder / f"{run.job_id}.geojson", json.dumps(stability))
        record = {**run.to_dict(), "owner": {**_OWNER, "pid": os.getpid()}}
        write_atomic(folder / f"{run.job_id}.json", json.dumps(record))
    except OSError as exc:  # the job still runs and is answered from memory
        log.warning("cannot write ensemble job %s to %s: %s", run.job_id, folder, exc)


def _prune() -> None:
    folder = jobs_dir()
    try:
        files = sorted(folder.glob("*.json"), key=lambda p: p.stat().st_mtime)
        for old in files[: max(0, len(files) - MAX_FILES)]:
            old.unlink(missing_ok=True)
            old.with_suffix(".geojson").unlink(missing_ok=True)
    except OSError as exc:
        log.warning("cannot prune ensemble jobs in %s: %s", folder, exc)


def _alive(owner: dict[str, Any]) -> bool:
    if owner.get("host") != _OWNER["host"]:
        return True  # another machine's process: cannot tell, trust the file
    try:
        os.kill(int(owner.get("pid", -1)), 0)
    except (OSError, ValueError, OverflowError):
        return False
    return True


def _load(job_id: str) -> dict[str, Any] | None:
    """A job written by this or another process of the server, or None."""
    if not job_id.isalnum():  # job ids are hex: nothing else names a file here
        return None
    try:
        record: dict[str, Any] = json.loads(
            (jobs_dir() / f"{job_id}.json").read_text(encoding="utf-8")
        )
    except (OSError, ValueError):
        return None
    owner = record.pop("owner", {})
    if record.get("status") in ("queued", "running") and not _alive(owner):
        record["status"] = "failed"
        record["error"] = {"detail": "the server process running the ensemble stopped"}
    return record


class EnsembleRunner:
    """The server's ensemble jobs: a bounded queue, one thread running them in turn on one
    Dask client (connected with the first job, closed with the server)."""

    def __init__(self, scheduler: str | None, workers: int) -> None:
        self.scheduler = scheduler
        self.workers = workers
        self._runs: OrderedDict[str, Run] = OrderedDict()
        self._queue: deque[Run] = deque()
        self._cond = threading.Condition()
        self._thread: threading.Thread | None = None
        self._stack = ExitStack()
        self._client: Any = None
        self._closed = False

    @classmethod
    def from_environment(cls) -> EnsembleRunner:
        raw = os.environ.get("CORRIDOR_ENSEMBLE_WORKERS", "1")
        try:
            workers = max(1, min(64, int(raw)))
        except ValueError:
            log.warning("CORRIDOR_ENSEMBLE_WORKERS=%r is not a number; using 1", raw)
            workers = 1
        return cls(os.environ.get("CORRIDOR_ENSEMBLE_SCHEDULER") or None, workers)

    def pending(self, user: str | None = None) -> int:
        return sum(
            1
            for r in self._runs.values()
            if r.status in ("queued", "running") and (user is None or r.created_by == user)
        )

    def submit(self, run: Run) -> None:
        """Queue ``run``, or refuse at once (503/429 with Retry-After) when full."""
        with self._cond:
            if self._closed:
                raise ApiError(503, "the server is stopping", headers={"Retry-After": "30"})
            if self.pending() >= MAX_PENDING:
                raise ApiError(
                    503,
                    f"{MAX_PENDING} ensembles are already queued or running; retry later",
                    headers={"Retry-After": "60"},
                )
            if self.pending(run.created_by) >= MAX_PENDING_PER_USER:
                raise ApiError(
                    429,
                    f"you have {MAX_PENDING_PER_USER} ensembles queued or running; wait for "
                    "one to finish",
                    headers={"Retry-After": "60"},
                )
            self._runs[run.job_id] = run
            self._forget_old()
            self._queue.append(run)
            _save(run)
            _prune()
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._loop, name="corridor-ensembles", daemon=True
                )
                self._thread.start()
            self._cond.notify_all()

    def get(self, job_id: str) -> Run | None:
        with self._cond:
            return self._runs.get(job_id)

    def _forget_old(self) -> None:
        finished = [k for k, r in self._runs.items() if r.status in ("done", "failed")]
        for key in finished[: max(0, len(self._runs) - MAX_KEPT)]:
            del self._runs[key]

    def _loop(self) -> None:
        while True:
            with self._cond:
                while not self._queue and not self._closed:
                    self._cond.wait()
                if self._closed:
                    break
                run = self._queue.popleft()
                run.status = "running"
                run.started_at = datetime.now(UTC)
            _save(run)
            self._run(run)
        # the client was entered in this thread (its context lives here): closed here too
        self._drop_client()

    def _connect(self) -> Any:
        from corridor.ensembles import connect

        if self._client is None:
            self._client = self._stack.enter_context(connect(self.scheduler, self.workers))
        return self._client

    def _drop_client(self) -> None:
        try:
            self._stack.close()
        except Exception:  # a broken cluster may fail to close; a fresh one is made next
            log.exception("closing the ensemble cluster failed")
        self._stack = ExitStack()
        self._client = None

    def _run(self, run: Run) -> None:
        from corridor.ensembles import run_ensemble

        prepared = run.prepared
        assert prepared is not None

        def progress(done: int, total: int) -> None:
            run.batches_done, run.batches_total = done, total
            _save(run)

        try:
            client = self._connect()
            partial = run_ensemble(
                client,
                prepared.job,
                samples=run.samples,
                on_batch=progress,
                transfer="auto",
                network=prepared.network,
            )
            summary = prepared.summary(partial, run.seed)
            run.summary = summary
            run.result = summary.to_dict()
            run.status = "done"
        except CorridorError as exc:
            run.error = {"detail": exc.one_line(), "hint": exc.hint}
            run.status = "failed"
        except Exception as exc:  # the cluster, not the caller: logged, and a fresh client next
            log.exception("ensemble %s failed", run.job_id)
            run.error = {"detail": f"the ensemble could not be run: {type(exc).__name__}"}
            run.status = "failed"
            self._drop_client()
        finally:
            run.finished_at = datetime.now(UTC)
            if run.status != "done":  # a done run keeps it for its stability map
                run.prepared = None
            _save(run, stability=self._stability(run))

    @staticmethod
    def _stability(run: Run) -> dict[str, Any] | None:
        from corridor.ensembles import stability_geojson

        if run.status != "done" or run.summary is None or run.prepared is None:
            return None
        return stability_geojson(run.summary, run.prepared.network)

    def close(self) -> None:
        """Stop taking jobs, fail the queued ones, and close the cluster."""
        with self._cond:
            self._closed = True
            for run in self._queue:
                run.status = "failed"
                run.error = {"detail": "the server stopped before the ensemble ran"}
                run.finished_at = datetime.now(UTC)
                _save(run)
            self._queue.clear()
            self._cond.notify_all()
            thread = self._thread
        if thread is not None:
            thread.join(timeout=60)


_RUNNER_LOCK = threading.Lock()


def runner_of(state: ApiState) -> EnsembleRunner:
    with _RUNNER_LOCK:
        found: EnsembleRunner | None = state.caches.get("ensembles")
        if found is None:
            found = EnsembleRunner.from_environment()
            state.caches["ensembles"] = found
        return found


async def shutdown(state: ApiState) -> None:
    """Close the app's ensemble runner, if it ever started (the app's lifespan calls this;
    closing a cluster blocks for seconds, so off the event loop)."""
    import anyio.to_thread

    with _RUNNER_LOCK:
        found: EnsembleRunner | None = state.caches.pop("ensembles", None)
    if found is not None:
        await anyio.to_thread.run_sync(found.close)


def _network_file(state: ApiState, name: str) -> Path | None:
    """The served network's file, if it is a network file the workers could map."""
    from corridor.network import OSM_SUFFIXES

    path = state.network_paths.get(name)
    if path is None or path.name.lower().endswith(OSM_SUFFIXES):
        return None
    return path


@router.post(
    "",
    name="ensembles.create",
    status_code=202,
    response_model=EnsembleJob,
    responses=problem_responses(404, 422, 429, 503),
)
def create_ensemble(request: Request, body: EnsembleRequest, user: CurrentUser) -> Any:
    """Check the scenario, queue its ensemble, answer with the job (poll its Location)."""
    from corridor.ensembles import prepare_loaded, scenario_from_data
    from corridor.store import list_hazards

    named = [f for f in FILE_FIELDS if f in body.scenario]
    if named:
        raise InputError(
            f"the scenario names {' and '.join(named)}: the API takes neither file",
            field=f"scenario.{named[0]}",
            hint="give a served network's name in `network`; the stored hazards are used",
        )
    state = state_of(request)
    network = state.network(body.network)
    scenario = scenario_from_data({**body.scenario, "network": body.network}, source="request body")
    routes = len(scenario.gathering_points) * len(scenario.exits)
    if routes * body.samples > MAX_API_ROUTE_SAMPLES:
        raise InputError(
            f"{routes} routes x {body.samples:,} samples is more than "
            f"{MAX_API_ROUTE_SAMPLES:,} route-samples per job",
            field="samples",
            hint="fewer samples, or run larger ensembles with `corridor ensemble`",
        )
    if body.hazards:
        with session_of(state.store, write=False) as session:
            hazards = list_hazards(session)
    else:
        hazards = []
    prepared = prepare_loaded(
        scenario,
        network,
        hazards,
        seed=body.seed,
        network_path=_network_file(state, body.network),
        source="request body",
        hazards_label="the stored hazards" if body.hazards else "the hazards (none: hazards=false)",
    )
    run = Run(
        job_id=uuid.uuid4().hex,
        scenario_id=scenario.id,
        network=body.network,
        samples=body.samples,
        seed=body.seed,
        created_by=user.actor,
        prepared=prepared,
    )
    runner_of(state).submit(run)
    return JSONResponse(
        run.to_dict(), status_code=202, headers={"Location": f"/ensembles/{run.job_id}"}
    )


def _not_found(job_id: str) -> NotFoundError:
    return NotFoundError(
        f"no ensemble job {job_id!r}",
        item=job_id,
        hint=f"finished jobs are kept for a while (the last {MAX_FILES})",
    )


@router.get(
    "/{job_id}",
    name="ensembles.read",
    response_model=EnsembleJob,
    responses=problem_responses(404),
)
def read_ensemble(request: Request, job_id: JobId) -> Any:
    """The job's status and progress, and its report once done."""
    run = runner_of(state_of(request)).get(job_id)
    record = run.to_dict() if run is not None else _load(job_id)
    if record is None:
        raise _not_found(job_id)
    return JSONResponse(record)


@router.get(
    "/{job_id}/stability",
    name="ensembles.stability",
    responses={
        200: {"content": {"application/geo+json": {}}},
        **problem_responses(404, 409),
    },
)
def read_stability(request: Request, job_id: JobId) -> Any:
    """The stability map (GeoJSON): per road segment on some safest route, the share of
    samples in which it was."""
    run = runner_of(state_of(request)).get(job_id)
    record = run.to_dict() if run is not None else _load(job_id)
    if record is None:
        raise _not_found(job_id)
    if record["status"] != "done":
        raise StateError(
            f"the ensemble is {record['status']}, not done", hint="poll GET /ensembles/{job_id}"
        )
    try:
        text = (jobs_dir() / f"{job_id}.geojson").read_text(encoding="utf-8")
    except OSError:
        if run is None or run.summary is None or run.prepared is None:
            raise _not_found(job_id) from None
        from corridor.ensembles import stability_geojson

        return JSONResponse(
            stability_geojson(run.summary, run.prepared.network),
            media_type="application/geo+json",
        )
    return Response(text, media_type="application/geo+json")
