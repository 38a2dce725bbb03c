"""The worker's incremental routing (two metrics updated on the edges that changed) against the
plain path (fresh cost arrays and the router's own route matrices, per sample)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from corridor.ensembles import load_scenario, prepare
from corridor.ensembles._batch import batch_risk
from corridor.ensembles._job import route_sample
from corridor.ensembles._route import SampleRouter
from corridor.routing import open_network
from tests.ensembles.conftest import DEMO_PLACES, REPO, write_scenario

HAZARDS = REPO / "data" / "demo" / "krems-hazards.geojson"


def test_incremental_routing_equals_the_plain_path_sample_by_sample(
    tmp_path: Path, krems_net: Path
) -> None:
    body = (
        DEMO_PLACES
        + f"location_uncertainty_m: 300\nhazards: {HAZARDS}\n"
        + "uncertainty:\n  demo-bridge: {confidence: 0.5}\n"
        + "checkpoints:\n  - {id: cp, lat: 48.4090, lon: 15.6400, p_open: 0.5, radius_m: 40}\n"
    )
    scenario = write_scenario(tmp_path, krems_net, body)
    job = prepare(load_scenario(scenario), scenario, seed=4).job
    network = open_network(job.network_path)
    router = SampleRouter(network, job.risk_weight, job.origins, job.exits)
    closed_samples = differing_times = 0
    previous: np.ndarray | None = None
    # two batches out of order: the router's state carries over from one batch to the next
    for start, stop in ((40, 80), (0, 40)):
        batched = batch_risk(
            network, job.hazards, job.checkpoints, at=job.at, seed=job.seed,
            start=start, stop=stop,
        )  # fmt: skip
        for sample in batched:
            plain = route_sample(job, network, sample.risk, sample.closed, sample.occurred)
            got = router.route(sample.risk, sample.closed, sample.touched)
            ok = np.isfinite(plain.time_s)
            np.testing.assert_array_equal(np.isfinite(got.time_s), ok)
            np.testing.assert_allclose(got.time_s[ok], plain.time_s[ok], rtol=1e-12)
            np.testing.assert_allclose(got.risk[ok], plain.risk[ok], rtol=1e-9, atol=1e-15)
            np.testing.assert_array_equal(got.safest_segments, plain.safest_segments)
            closed_samples += int(sample.closed.any())
            if previous is not None and not np.array_equal(previous[ok], plain.time_s[ok]):
                differing_times += 1
            previous = plain.time_s.copy()
    # the picture did change from sample to sample, closures included
    assert closed_samples > 10
    assert differing_times > 10
    # routes the hazards reached were unpacked one by one, the others reused the hazard-free
    # answer: both paths were taken
    routes = job.origins.size * job.exits.size
    assert 0 < router.unpacked < router.samples * routes
