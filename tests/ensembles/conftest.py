"""Fixtures of the ensemble tests: the demo network written once as a network file."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import BUNDLED_OSM, REPO


@pytest.fixture(scope="session")
def krems_net(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The bundled Krems extract imported once into a network file with its hierarchy."""
    from corridor.ensembles import network_file_for

    return network_file_for(BUNDLED_OSM, tmp_path_factory.mktemp("networks"))


DEMO_PLACES = """
gathering_points:
  - {id: gp-centre, lat: 48.4096, lon: 15.6080}
  - {id: gp-school, lat: 48.4120, lon: 15.6000}
  - {id: gp-station, lat: 48.4065, lon: 15.6110}
exits:
  - {id: rp-east, lat: 48.4098, lon: 15.6723}
  - {id: rp-north, lat: 48.4250, lon: 15.6500}
"""


#: one gathering point south of the Danube: the St. Pöltner Brücke is its only way out
SOUTH_PLACES = """
gathering_points:
  - {id: gp-centre, lat: 48.4096, lon: 15.6080}
  - {id: gp-south, lat: 48.3935, lon: 15.6250}
exits:
  - {id: rp-east, lat: 48.4098, lon: 15.6723}
  - {id: rp-north, lat: 48.4250, lon: 15.6500}
"""


def write_scenario(folder: Path, network: Path, body: str, name: str = "s.yaml") -> Path:
    """A scenario file in ``folder`` over ``network`` with ``body`` appended."""
    path = folder / name
    path.write_text(
        f"scenario_format: 1\nid: test\nnetwork: {network}\nat: '2022-03-08T10:00:00Z'\n{body}",
        encoding="utf-8",
    )
    return path


@pytest.fixture(scope="session")
def external_cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A scheduler and two nanny-managed workers, each its own process, on 127.0.0.1."""
    folder = tmp_path_factory.mktemp("dask")
    scheduler_file = folder / "scheduler.json"
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    # each in its own process group, so that a nanny and the worker it spawned go together
    common = {
        "cwd": folder, "env": env, "stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL,
        "start_new_session": True,
    }  # fmt: skip
    procs = [
        subprocess.Popen(
            [sys.executable, "-m", "distributed.cli.dask_scheduler", "--host", "127.0.0.1",
             "--port", "0", "--no-dashboard", "--scheduler-file", str(scheduler_file)],
            **common,  # type: ignore[call-overload]
        )
    ]  # fmt: skip
    try:
        # the workers start at once, wait for the scheduler file themselves and import corridor
        # as they boot: that overlaps the scheduler's start and the tests that run before the
        # cluster is needed
        for _ in range(2):
            procs.append(
                subprocess.Popen(
                    [sys.executable, "-m", "distributed.cli.dask_worker", "--scheduler-file",
                     str(scheduler_file), "--nthreads", "1", "--nworkers", "1", "--nanny",
                     "--host", "127.0.0.1", "--no-dashboard", "--preload", "corridor.ensembles"],
                    **common,  # type: ignore[call-overload]
                )
            )  # fmt: skip
        deadline = time.monotonic() + 30
        while not scheduler_file.exists() and time.monotonic() < deadline:
            time.sleep(0.1)
        assert scheduler_file.exists(), "scheduler did not start"
        yield json.loads(scheduler_file.read_text())["address"]
    finally:
        # SIGKILL to each group: a graceful close of nannies and workers takes ~10 s on a
        # loaded machine, and nothing of theirs outlives the test session
        for p in procs:
            os.killpg(p.pid, signal.SIGKILL)
        for p in procs:
            p.wait()
