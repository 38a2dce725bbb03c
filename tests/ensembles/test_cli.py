"""`corridor ensemble` end to end against a scheduler in another process: the report, the
stability map (GeoJSON and PNG), and the same numbers as a plain in-process run."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
from typer.testing import CliRunner

from corridor.cli import app
from corridor.ensembles import Summary, load_scenario, prepare, run_batch
from tests.conftest import REPO
from tests.ensembles.conftest import DEMO_PLACES, write_scenario


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
        prepared.gathering_ids, prepared.exit_ids, prepared.hazard_ids, 77,
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
