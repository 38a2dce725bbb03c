"""The ensemble against an exact answer: every on/off combination of the hazards enumerated.

For closing hazards at fixed places the probability that a route stays open is a finite sum,
over the 2^H combinations, of the combination's probability times whether the exit is still
reachable; reachability here is scipy's breadth-first search over the open edges, not
corridor's router. The sampled estimate must lie within a binomial tolerance of it.
"""

from __future__ import annotations

import itertools
import json
import math
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pytest
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import breadth_first_order
from shapely.geometry import Point

from corridor.ensembles import (
    QUANTILES,
    Summary,
    evaluate,
    load_scenario,
    prepare,
    run_batch,
)
from corridor.hazards import Hazard, HazardKind, RiskModel
from corridor.routing import open_network, router_for
from tests.ensembles.conftest import DEMO_PLACES, write_scenario

AT = datetime(2022, 3, 8, 10, tzinfo=UTC)


def _feature(hid: str, kind: str, lon: float, lat: float, *, conf: float, radius: float) -> dict:
    return {
        "type": "Feature",
        "geometry": {"type": "Point", "coordinates": [lon, lat]},
        "properties": {
            "id": hid, "kind": kind, "severity": 0.8, "confidence": conf, "radius_m": radius,
        },
    }  # fmt: skip


def _reachable(network, closed: np.ndarray, src: int, dst: int) -> bool:  # type: ignore[no-untyped-def]
    keep = ~closed
    n = network.n_nodes
    graph = csr_matrix(
        (
            np.ones(int(keep.sum())),
            (network.edge_source[keep], network.edge_target[keep]),
        ),
        shape=(n, n),
    )
    order = breadth_first_order(graph, src, directed=True, return_predecessors=False)
    return bool(np.isin(dst, order))


def test_p_open_matches_enumeration(tmp_path: Path, krems_net: Path) -> None:
    network = open_network(krems_net)
    # roadblocks along the fastest route from the centre to the east exit, one at the exit
    scenario = write_scenario(tmp_path, krems_net, DEMO_PLACES)
    prepared = prepare(load_scenario(scenario), scenario, seed=0)
    src, dst = int(prepared.job.origins[0]), int(prepared.job.exits[0])
    path = router_for(network).shortest(network.edge_time_s.astype(np.float64), src, dst)
    edges = np.asarray(path.edges)
    spots = []
    for frac in (0.3, 0.6, 0.9):
        lon, lat = network.edge_coords(int(edges[int(frac * (len(edges) - 1))]))
        spots.append((float(lon[len(lon) // 2]), float(lat[len(lat) // 2])))
    confs = (0.5, 0.3, 0.6)
    feats = [
        _feature(f"rb{k}", "roadblock", lon, lat, conf=c, radius=250.0)
        for k, ((lon, lat), c) in enumerate(zip(spots, confs, strict=True))
    ]
    (tmp_path / "hz.geojson").write_text(
        json.dumps({"type": "FeatureCollection", "features": feats}), encoding="utf-8"
    )
    cp_lon, cp_lat = network.node_lon[dst], network.node_lat[dst]
    body = DEMO_PLACES + (
        f"hazards: hz.geojson\ncheckpoints: [{{id: cp, lat: {cp_lat}, lon: {cp_lon}, "
        "p_open: 0.7, radius_m: 60}]\n"
    )
    scenario = write_scenario(tmp_path, krems_net, body)
    prepared = prepare(load_scenario(scenario), scenario, seed=11)
    job = prepared.job

    # exact: enumerate every hazard and checkpoint on/off
    variables = [
        *(Hazard(f"rb{k}", HazardKind.ROADBLOCK, Point(*xy), 0.8, 1.0, radius_m=250.0)
          for k, xy in enumerate(spots)),
        Hazard("cp", HazardKind.ROADBLOCK, Point(cp_lon, cp_lat), 1.0, 1.0, radius_m=60.0,
               closes=True),
    ]  # fmt: skip
    p_on = [*confs, 0.3]
    g_n, e_n = job.origins.shape[0], job.exits.shape[0]
    exact = np.zeros((g_n, e_n))
    for combo in itertools.product((False, True), repeat=len(variables)):
        weight = math.prod(p if on else 1 - p for on, p in zip(combo, p_on, strict=True))
        present = [h for h, on in zip(variables, combo, strict=True) if on]
        closed = RiskModel(network, present, at=AT).closed
        for g in range(g_n):
            for e in range(e_n):
                if _reachable(network, closed, int(job.origins[g]), int(job.exits[e])):
                    exact[g, e] += weight
    assert 0.05 < exact[0, 0] < 0.95, "the oracle scenario must not be trivial"

    n = 400
    partial = run_batch(job, 0, n)
    got = Summary(partial, prepared.gathering_ids, prepared.exit_ids, prepared.hazard_ids, 11)
    tol = 4.0 * np.sqrt(exact * (1 - exact) / n) + 1.0 / n
    assert np.all(np.abs(got.p_open() - exact) <= tol), (got.p_open(), exact)
    share = partial.occurred / n
    assert np.all(np.abs(share - np.array(confs)) <= 4.0 * np.sqrt(0.25 / n))


def test_nothing_closes_means_always_open(tmp_path: Path, krems_net: Path) -> None:
    feats = [
        _feature("s1", "shelling", 15.6252, 48.4071, conf=0.8, radius=300.0),
        _feature("s2", "shelling", 15.646, 48.4025, conf=0.7, radius=300.0),
        _feature("m1", "mines", 15.63, 48.41, conf=0.6, radius=100.0),
    ]
    (tmp_path / "hz.geojson").write_text(
        json.dumps({"type": "FeatureCollection", "features": feats}), encoding="utf-8"
    )
    body = DEMO_PLACES + (
        "hazards: hz.geojson\nlocation_uncertainty_m: 200\n"
        "checkpoints: [{id: cp, lat: 48.409, lon: 15.64, p_open: 1.0}]\n"
    )
    scenario = write_scenario(tmp_path, krems_net, body)
    prepared = prepare(load_scenario(scenario), scenario, seed=5)
    n = 60
    partial = run_batch(prepared.job, 0, n)
    assert partial.n == n
    assert np.all(partial.open == n)
    assert np.all(partial.reach == n)
    assert partial.risk_max.max() > 0.0  # the hazards were there, and raised risk


def test_quantiles_match_the_raw_samples(tmp_path: Path, krems_net: Path) -> None:
    """Histogram quantiles against numpy's over the raw per-sample values (within one bin)."""
    body = (
        DEMO_PLACES
        + "location_uncertainty_m: 300\nhazards: "
        + str(Path(__file__).resolve().parents[2] / "data" / "demo" / "krems-hazards.geojson")
        + "\n"
    )
    scenario = write_scenario(tmp_path, krems_net, body)
    prepared = prepare(load_scenario(scenario), scenario, seed=3)
    network = open_network(prepared.job.network_path)
    n = 80
    outs = [evaluate(prepared.job, network, i) for i in range(n)]
    summary = Summary(
        run_batch(prepared.job, 0, n),
        prepared.gathering_ids, prepared.exit_ids, prepared.hazard_ids, 3,
    )  # fmt: skip
    rows = {(r["gathering_point"], r["exit"]): r for r in summary.routes()}
    for g, gid in enumerate(prepared.gathering_ids):
        for e, eid in enumerate(prepared.exit_ids):
            t = np.array([o.time_s[g, e] for o in outs])
            ok = np.isfinite(t)
            row = rows[(gid, eid)]
            assert row["open_samples"] == int(ok.sum())
            if not ok.any():
                continue
            assert row["time_s"]["mean"] == pytest.approx(t[ok].mean(), abs=1e-3)
            for q in QUANTILES:
                want = float(np.quantile(t[ok], q, method="inverted_cdf"))
                got = row["time_s"][f"q{round(q * 100):02d}"]
                assert got == pytest.approx(want, rel=0.024), (gid, eid, q)


def test_demo_scenario_leaves_out_hazards_not_valid_then(krems_net: Path) -> None:
    demo = Path(__file__).resolve().parents[2] / "data" / "demo" / "krems-ensemble.yaml"
    prepared = prepare(load_scenario(demo), demo, seed=1, cache_dir=krems_net.parent)
    assert prepared.job.network_path == str(krems_net.resolve())
    assert prepared.not_valid == ("demo-shell-old",)
    assert "demo-shell-old" not in prepared.hazard_ids
    assert {"demo-bridge", "demo-mines", "demo-checkpoint"} <= set(prepared.hazard_ids)
    bridge = next(u for u in prepared.job.hazards if u.hazard.id == "demo-bridge")
    assert bridge.confidence == 0.7  # the scenario's override, not the file's 0.95
    summary = Summary(
        run_batch(prepared.job, 0, 10),
        prepared.gathering_ids, prepared.exit_ids, prepared.hazard_ids, 1, prepared.not_valid,
    )  # fmt: skip
    report = summary.to_dict()
    assert report["hazards_not_valid_at_time"] == ["demo-shell-old"]
    assert len(report["routes"]) == 6
