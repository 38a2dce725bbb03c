"""What-if: removing each crossing, checked against scipy's breadth-first search."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from types import SimpleNamespace

import numpy as np
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import breadth_first_order
from typer.testing import CliRunner

from corridor.cli import app
from corridor.ensembles import (
    CrossingImpact,
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


def _crossing(name: str, cut: tuple[str, ...], growth_min: float, lost: int) -> CrossingImpact:
    edges = (ord(name[0]),)
    return CrossingImpact(0, name, edges, 15.6, 48.4, cut, lost, 0.0, growth_min * 60, 0.0)


def test_ranking_orders_by_cut_off_then_clearance_growth() -> None:
    """A hand-checked case. A cuts a gathering point off; B makes the longest best trip 10 min
    longer; C only 1 min longer but loses more (redundant) routes; D changes nothing there.
    With a plan: D strands 50 people (so its clearance even shrinks), C delays the planned
    clearance by 30 min, B by 5 min."""
    from datetime import UTC, datetime

    from corridor.ensembles import PlanImpact, rank_by_plan
    from corridor.ensembles._whatif import _ranked

    a = _crossing("A", ("gp-south",), 1.0, 2)
    b = _crossing("B", (), 10.0, 1)
    c = _crossing("C", (), 1.0, 5)
    d = _crossing("D", (), 0.0, 0)
    ranked = _ranked([d, c, b, a])
    assert [x.name for x in ranked] == ["A", "B", "C", "D"]
    assert [x.rank for x in ranked] == [1, 2, 3, 4]

    t = datetime(2022, 3, 8, 12, tzinfo=UTC)
    base = SimpleNamespace(moved=1000)
    plan = {
        "A": PlanImpact(0, True, 900, 0, t, 0.0),
        "B": PlanImpact(0, True, 1000, 0, t, 300.0),
        "C": PlanImpact(0, True, 1000, 0, t, 1800.0),
        "D": PlanImpact(0, True, 950, 0, t, -100.0),
    }
    impacts = [dataclasses.replace(plan[x.name], rank=x.rank) for x in ranked]
    by_plan, plan_ranked = rank_by_plan(ranked, impacts, base)  # type: ignore[arg-type]
    assert [x.name for x in by_plan] == ["A", "D", "C", "B"]
    assert [x.rank for x in by_plan] == [1, 2, 3, 4]
    # each crossing keeps its own plan impact under the new ranks
    assert [(i.rank, i.moved, i.clearance_growth_s) for i in plan_ranked] == [
        (1, 900, 0.0), (2, 950, -100.0), (3, 1000, 1800.0), (4, 1000, 300.0)
    ]  # fmt: skip
