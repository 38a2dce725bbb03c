"""What-if: removing each crossing, checked against scipy's breadth-first search."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import breadth_first_order
from typer.testing import CliRunner

from corridor.cli import app
from corridor.ensembles import (
    candidate_crossings,
    load_scenario,
    prepare,
    scenario_crossings,
)
from corridor.network import FLAG_BRIDGE
from tests.ensembles.conftest import SOUTH_PLACES as PLACES
from tests.ensembles.conftest import write_scenario


def _reaches(network, closed: np.ndarray, src: int, targets: np.ndarray) -> bool:  # type: ignore[no-untyped-def]
    keep = ~closed
    n = network.n_nodes
    graph = csr_matrix(
        (np.ones(int(keep.sum())), (network.edge_source[keep], network.edge_target[keep])),
        shape=(n, n),
    )
    seen = breadth_first_order(graph, src, directed=True, return_predecessors=False)
    return bool(np.isin(targets, seen).any())


def test_bridges_ranked_by_cut_off_points(tmp_path: Path, krems_net: Path) -> None:
    scenario = write_scenario(tmp_path, krems_net, PLACES)
    prepared = prepare(load_scenario(scenario), scenario, seed=0)
    network, job = prepared.network, prepared.job
    ranking = scenario_crossings(job, network, prepared.gathering_ids)
    groups = candidate_crossings(network)
    assert len(ranking) == len(groups) > 5
    # every bridge edge is in exactly one crossing
    edges = np.sort(np.concatenate([np.asarray(c.edges) for c in ranking]))
    assert np.array_equal(edges, np.flatnonzero((network.edge_flags & FLAG_BRIDGE) != 0))
    # both carriageways of the Danube bridge are one crossing
    danube = [c for c in ranking if c.name.startswith("St. Pöltner Brücke")]
    assert len(danube) == 1 and len(danube[0].edges) >= 4
    for c in ranking:
        closed = np.zeros(network.n_edges, dtype=bool)
        closed[list(c.edges)] = True
        expected = tuple(
            gid
            for g, gid in enumerate(prepared.gathering_ids)
            if not _reaches(network, closed, int(job.origins[g]), job.exits)
        )
        assert c.cut_off == expected, c.name
    assert "gp-south" in danube[0].cut_off
    assert danube[0].rank <= 2
    cut = [len(c.cut_off) for c in ranking]
    assert cut == sorted(cut, reverse=True)


def test_road_class_mode_and_bad_class(tmp_path: Path, krems_net: Path) -> None:
    scenario = write_scenario(tmp_path, krems_net, PLACES)
    prepared = prepare(load_scenario(scenario), scenario, seed=0)
    groups = candidate_crossings(prepared.network, "trunk")
    assert groups and all(np.unique(prepared.network.edge_segment[g]).size == 1 for g in groups)
    out = tmp_path / "ranking.json"
    ok = CliRunner().invoke(app, ["what-if", str(scenario), "-o", str(out), "--top", "3"])
    assert ok.exit_code == 0, ok.output
    rows = json.loads(out.read_text(encoding="utf-8"))["crossings"]
    assert rows[0]["name"] == "St. Pöltner Brücke (B37)" and rows[0]["cut_off"] == ["gp-south"]
    bad = CliRunner().invoke(app, ["what-if", str(scenario), "--class", "motorwayz"])
    assert bad.exit_code == 2
    assert "unknown road class 'motorwayz'" in bad.output
    assert len(bad.output.strip().splitlines()) == 1


def test_plan_rerun_only_where_travel_changes(tmp_path: Path, krems_net: Path) -> None:
    from dataclasses import replace

    from corridor.ensembles import CrossingImpact, replan_crossings
    from corridor.network import snap_many
    from corridor.planning import load_plan
    from tests.conftest import REPO

    hazards_file = REPO / "data" / "demo" / "krems-hazards.geojson"
    scenario = write_scenario(tmp_path, krems_net, PLACES + f"hazards: {hazards_file}\n")
    prepared = prepare(load_scenario(scenario), scenario, seed=0)
    network = prepared.network
    plan = load_plan(REPO / "data" / "demo" / "krems-plan.yaml")
    ranking = scenario_crossings(prepared.job, network, prepared.gathering_ids)
    # a made-up "crossing": every road into and out of the school's gathering point
    school = next(g for g in plan.gathering_points if g.id == "gp-school")
    node = int(snap_many(network, np.array([school.lat]), np.array([school.lon])).node[0])
    ring = np.union1d(network.out_edges(node), network.in_edges(node))
    isolate = CrossingImpact(99, "ring", tuple(int(e) for e in ring), 0, 0, (), 0, 0, 0, 0)
    hazards = [replace(u.hazard, confidence=u.confidence) for u in prepared.job.hazards]
    base, impacts = replan_crossings(
        plan, network, [*ranking, isolate], hazards=hazards, at=prepared.job.at
    )
    assert base.moved > 0 and len(impacts) == len(ranking) + 1
    by_rank = {i.rank: i for i in impacts}
    # the destroyed Danube bridge is closed already by the hazards: nothing changes
    danube = next(c for c in ranking if c.name.startswith("St. Pöltner Brücke"))
    same = by_rank[danube.rank]
    assert not same.replanned
    assert (same.moved, same.clearance_growth_s) == (base.moved, 0.0)
    assert any(i.replanned for i in impacts)
    # with the school's roads closed, its 200 people cannot be fetched
    cut = by_rank[99]
    assert cut.replanned
    people = sum(school.people.model_dump().values())
    assert people == 200
    assert cut.moved <= base.total_people - people
