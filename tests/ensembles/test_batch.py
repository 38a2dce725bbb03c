"""The batched join against the plain path: per sample, a fresh RiskModel over the realised
hazards (moved Hazard objects, shapely transforms, the hazards package's own join). The
batched risk and closures must be bit-identical, edge by edge, for every sample."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from corridor.ensembles import load_scenario, prepare, realise, sample_rng
from corridor.ensembles._batch import batch_risk
from corridor.hazards import RiskModel
from corridor.routing import open_network
from tests.ensembles.conftest import DEMO_PLACES, REPO, write_scenario

HAZARDS = REPO / "data" / "demo" / "krems-hazards.geojson"


def test_batched_risk_is_bit_identical_to_a_risk_model_per_sample(
    tmp_path: Path, krems_net: Path
) -> None:
    # the demo picture: shelling (moved within its radius), mines, a destroyed bridge, a
    # no-go polygon (the geometry path), a checkpoint hazard, plus a scenario checkpoint
    body = (
        DEMO_PLACES
        + f"location_uncertainty_m: 250\nhazards: {HAZARDS}\n"
        + "uncertainty:\n  demo-nogo: {confidence: 0.5}\n  demo-bridge: {confidence: 0.6}\n"
        + "checkpoints:\n  - {id: cp, lat: 48.4090, lon: 15.6400, p_open: 0.5, radius_m: 40}\n"
    )
    scenario = write_scenario(tmp_path, krems_net, body)
    job = prepare(load_scenario(scenario), scenario, seed=11).job
    network = open_network(job.network_path)
    start, stop = 17, 57
    seen_closed = seen_polygon = 0
    batched = batch_risk(
        network, job.hazards, job.checkpoints, at=job.at, seed=job.seed, start=start, stop=stop
    )
    for i, sample in zip(range(start, stop), batched, strict=True):
        hazards, occurred = realise(job.hazards, job.checkpoints, sample_rng(job.seed, i))
        model = RiskModel(network, hazards, at=job.at)
        assert sample.index == i
        np.testing.assert_array_equal(sample.occurred, occurred)
        # bit for bit, including the sign of zeros
        assert sample.risk.tobytes() == model.risk.tobytes(), f"sample {i}"
        np.testing.assert_array_equal(sample.closed, model.closed)
        seen_closed += int(model.closed.any())
        seen_polygon += any(h.id == "demo-nogo" for h in hazards)
    assert seen_closed > 5
    assert 5 < seen_polygon < stop - start
