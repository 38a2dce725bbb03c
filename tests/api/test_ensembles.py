"""`/ensembles` over HTTP: a coordinator queues a scenario ensemble on the server's Dask cluster
(a real local cluster of worker processes), polls it, and reads the same report the library
gives; bad scenarios are 422 problem+json; the queue is bounded; other roles only read.

The jobs do not touch the store beyond reading hazards, so SQLite alone is used."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from corridor.api import _ensembles, create_app
from corridor.api import add_user as add_api_user
from corridor.ensembles import Summary, prepare_loaded, run_batch, scenario_from_data
from corridor.hazards import load_hazards
from tests.api.conftest import Api, TestClient
from tests.conftest import REPO

pytestmark = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)

DEMO = REPO / "data" / "demo" / "krems-ensemble.yaml"
HAZARDS = REPO / "data" / "demo" / "krems-hazards.geojson"
SAMPLES = 40
PROBLEM = "application/problem+json"


@pytest.fixture(autouse=True)
def jobs_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "ensemble-jobs"
    monkeypatch.setenv("CORRIDOR_ENSEMBLE_DIR", str(folder))
    return folder


def _scenario() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(DEMO.read_text(encoding="utf-8"))
    data.pop("network")
    data.pop("hazards", None)
    data["at"] = str(data["at"])
    data["location_uncertainty_m"] = 150
    return data


def _store_demo_hazards(api: Api) -> None:
    from corridor.store import add_hazards

    with api.store.session() as s:
        add_hazards(s, load_hazards(HAZARDS), actor="test")


def _wait(api: Api, job_id: str, who: str = "coordinator", timeout_s: float = 240) -> Any:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        r = api.get(f"/ensembles/{job_id}", who)
        assert r.status_code == 200, r.text
        job = r.json()
        if job["status"] in ("done", "failed"):
            return job
        time.sleep(0.2)
    raise AssertionError(f"job {job_id} did not finish in {timeout_s} s")


def test_coordinator_runs_an_ensemble_everyone_reads_it(api: Api, network_file: Path) -> None:
    _store_demo_hazards(api)
    body = {"scenario": _scenario(), "network": "krems", "samples": SAMPLES, "seed": 7}
    assert api.post("/ensembles", "field", json=body).status_code == 403
    assert api.post("/ensembles", "observer", json=body).status_code == 403
    r = api.post("/ensembles", "coordinator", json=body)
    assert r.status_code == 202, r.text
    job = r.json()
    assert r.headers["Location"] == f"/ensembles/{job['job_id']}"
    assert job["status"] in ("queued", "running") and job["result"] is None
    assert job["samples"] == SAMPLES and job["created_by"]
    # not done yet (the cluster is still starting): no map
    early = api.get(f"/ensembles/{job['job_id']}/stability", "observer")
    assert early.status_code in (409, 200)
    if early.status_code == 409:
        assert early.headers["content-type"].startswith(PROBLEM)
    done = _wait(api, job["job_id"], "observer")
    assert done["status"] == "done", done["error"]
    assert done["progress"]["batches_done"] == done["progress"]["batches_total"] > 0
    assert done["progress"]["fraction"] == 1.0
    # the same scenario through the library, in this process, on the same network and
    # stored hazards: the same report
    from corridor.routing import open_network

    network = open_network(network_file)
    scenario = scenario_from_data({**_scenario(), "network": "krems"})
    prepared = prepare_loaded(
        scenario, network, load_hazards(HAZARDS), seed=7, network_path=network_file
    )
    want = Summary(
        run_batch(prepared.job, 0, SAMPLES),
        prepared.gathering_ids, prepared.exit_ids, prepared.hazard_ids, 7, prepared.not_valid,
    ).to_dict()  # fmt: skip
    assert done["result"] == want
    assert done["result"]["hazards_not_valid_at_time"] == ["demo-shell-old"]
    # the stored hazards were sampled, and their uncertainty moved the routes' times
    assert any(0.0 < h["occurred_share"] < 1.0 for h in want["hazards"])
    assert any(r["time_s"]["min"] < r["time_s"]["max"] for r in want["routes"] if r.get("time_s"))
    geo = api.get(f"/ensembles/{job['job_id']}/stability", "liaison")
    assert geo.status_code == 200 and geo.headers["content-type"] == "application/geo+json"
    features = geo.json()["features"]
    assert features and all(0 < f["properties"]["p_safest"] <= 1 for f in features)
    # another process of the same server (another app over the same store and job folder)
    # answers for the job too: `corridor serve --workers 2`, or after a restart
    other = create_app(store=api.store, networks=[network_file])
    with TestClient(other, raise_server_exceptions=False) as client:
        headers = api.auth("observer")
        again = client.get(f"/ensembles/{job['job_id']}", headers=headers)
        assert again.status_code == 200 and again.json() == done
        geo2 = client.get(f"/ensembles/{job['job_id']}/stability", headers=headers)
        assert geo2.status_code == 200 and geo2.json() == geo.json()
        assert client.get("/ensembles/0123abcd", headers=headers).status_code == 404


def test_a_job_whose_process_died_reads_as_failed(api: Api, jobs_folder: Path) -> None:
    import json
    import subprocess
    import sys

    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True)  # fmt: skip
    jobs_folder.mkdir(parents=True, exist_ok=True)
    record = {
        "job_id": "feed" * 8, "status": "running", "scenario_id": "s", "network": "krems",
        "samples": 10, "seed": 0, "created_at": "2026-11-30T12:00:00Z", "created_by": "x",
        "started_at": None, "finished_at": None, "error": None, "result": None,
        "progress": {"batches_done": 1, "batches_total": 8, "fraction": 0.125},
        "owner": {"host": socket.gethostname(), "pid": int(dead.stdout)},
    }  # fmt: skip
    (jobs_folder / f"{record['job_id']}.json").write_text(json.dumps(record))
    r = api.get(f"/ensembles/{record['job_id']}", "observer")
    assert r.status_code == 200
    assert r.json()["status"] == "failed" and "stopped" in r.json()["error"]["detail"]
    assert api.get(f"/ensembles/{record['job_id']}/stability").status_code == 409


def test_bad_requests_are_problems_and_never_run(api: Api) -> None:
    _store_demo_hazards(api)

    def post(**change: Any) -> Any:
        body = {"scenario": _scenario(), "network": "krems", "samples": 10, **change}
        return api.post("/ensembles", json=body)

    bad = _scenario()
    bad["gathering_points"][0]["lat"] = 123
    r = post(scenario=bad)
    assert r.status_code == 422 and r.headers["content-type"].startswith(PROBLEM)
    assert "gathering_points[0].lat" in r.text
    # a caller may not make the server open a file of its choosing
    for key, value in (("network", "/etc/passwd"), ("hazards", "../../secret.geojson")):
        r = post(scenario={**_scenario(), key: value})
        assert r.status_code == 422 and r.json()["field"] == f"scenario.{key}", r.text
    assert post(network="no-such-net").status_code == 404
    assert post(samples=0).status_code == 422
    assert post(samples=_ensembles.MAX_API_SAMPLES + 1).status_code == 422
    assert post(samples=10**30).status_code == 422
    far = _scenario()
    far["exits"][0].update(lat=47.0, lon=15.0)  # ~150 km from the network
    r = post(scenario=far)
    assert r.status_code == 422 and "rp-east" in r.text
    many = _scenario()
    many["gathering_points"] = [{"id": f"g{i}", "lat": 48.4096, "lon": 15.6080} for i in range(100)]
    many["exits"] = [{"id": f"x{i}", "lat": 48.4098, "lon": 15.6723} for i in range(100)]
    r = post(scenario=many, samples=1000)  # 10,000 routes x 1,000 samples
    assert r.status_code == 422 and r.json()["field"] == "samples"
    assert api.get("/ensembles/no-such-job").status_code == 404
    assert api.get("/ensembles/no-such-job/stability").status_code == 404
    # nothing above reached the queue, so no cluster was started
    assert _ensembles.runner_of(api.client.app.state.corridor).pending() == 0  # type: ignore[attr-defined]


@pytest.fixture
def silent_scheduler(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A TCP port that accepts connections and never answers: a scheduler that hangs, so
    that jobs stay running for the client's connect timeout, then fail."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        listener.settimeout(0.2)
        while not stop.is_set():
            try:
                held.append(listener.accept()[0])
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    address = f"tcp://127.0.0.1:{listener.getsockname()[1]}"
    monkeypatch.setenv("CORRIDOR_ENSEMBLE_SCHEDULER", address)
    yield address
    stop.set()
    thread.join()
    for s in held:
        s.close()
    listener.close()


def test_queue_is_bounded_and_a_lost_cluster_fails_the_job(
    api: Api, silent_scheduler: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(_ensembles, "MAX_PENDING", 2)
    monkeypatch.setattr(_ensembles, "MAX_PENDING_PER_USER", 1)
    scenario = _scenario()
    scenario.pop("uncertainty")  # it names stored hazards, not sampled here
    body = {"scenario": scenario, "network": "krems", "samples": 10, "hazards": False}
    first = api.post("/ensembles", json=body)
    assert first.status_code == 202, first.text
    # the same coordinator again while the first is pending: 429
    again = api.post("/ensembles", json=body)
    assert again.status_code == 429 and again.headers["Retry-After"]
    assert again.headers["content-type"].startswith(PROBLEM)
    # a second coordinator fills the queue; a third finds it full: 503
    tokens = [
        add_api_user(api.store, name=f"coordinator-{i}", role="coordinator", party=None,
                     actor="t")
        for i in (2, 3)
    ]  # fmt: skip
    second = api.client.post(
        "/ensembles", json=body, headers={"Authorization": f"Bearer {tokens[0]}"}
    )
    assert second.status_code == 202, second.text
    full = api.client.post(
        "/ensembles", json=body, headers={"Authorization": f"Bearer {tokens[1]}"}
    )
    assert full.status_code == 503 and full.headers["Retry-After"]
    # the scheduler never answers: the job fails with a one-line reason, and the queue moves
    job = _wait(api, first.json()["job_id"], timeout_s=120)
    assert job["status"] == "failed" and job["result"] is None
    assert "cannot reach the Dask scheduler" in job["error"]["detail"]
    r = api.get(f"/ensembles/{job['job_id']}/stability")
    assert r.status_code == 409
