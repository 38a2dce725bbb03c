"""A destroyed bridge on the agreed route re-plans the stored plan: a new plan version on the
re-routed terms, on the real bundled network, recorded as replacing the old one, and only once."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

import pytest
import yaml
from sqlalchemy import select

from corridor.store import AuditEntry, EventRow, RuleFiringRow, load_agreement, verify_audit
from tests.conftest import REPO
from tests.monitoring import scenario
from tests.monitoring.test_store import _counts, _replay, _send

pytestmark = pytest.mark.slow  # two runs of the planner on the demo (~10-20 s each)


def demo_plan_data() -> dict[str, Any]:
    """The bundled demo plan (krems-demo-evacuation) run through the replayed corridor."""
    data: dict[str, Any] = yaml.safe_load(
        (REPO / "data" / "demo" / "krems-plan.yaml").read_text("utf-8")
    )
    data.pop("network")
    data.pop("hazards")
    data["start_utc"] = scenario.iso("08:00")
    data["corridors"] = [{"id": "east", "agreement": scenario.CORRIDOR}]
    return data


def _store_plan(store: Any, network: Any) -> dict[str, Any]:
    """The demo plan, planned on the agreed terms and stored as v1."""
    from corridor.planning import plan_evacuation, plan_from_data
    from corridor.store import save_plan

    plan = plan_from_data(demo_plan_data())
    with store.session() as s:
        terms = load_agreement(s, scenario.CORRIDOR).terms
        schedule = plan_evacuation(plan, network=network, agreements={scenario.CORRIDOR: terms},
                                   bound=False)  # fmt: skip
        rec = save_plan(s, plan.model_dump(mode="json", exclude_none=True),
                        schedule.model_dump(mode="json"), actor="coordinator:ops")  # fmt: skip
        assert rec.version == 1 and int(rec.schedule["moved"]) > 0
        return rec.schedule


def test_destroyed_bridge_stores_a_new_plan_version_around_it(
    agreed: Any, corridor_def: Any, lookup: Any, krems_network: Any
) -> None:
    from corridor.store import list_plans, load_plan_record

    old_schedule = _store_plan(agreed, krems_network)
    day = scenario.day_checkins(corridor_def)
    _replay(agreed, day, lookup)
    out = _send(agreed, scenario.bridge(), lookup)
    assert out.effects["firings"] == ["destroyed-bridge-reroutes@incident:inc-bridge"]
    with agreed.session(write=False) as s:
        result = s.get(RuleFiringRow, "destroyed-bridge-reroutes@incident:inc-bridge").result
        [done] = result["replan"]["plans"]
        assert done["done"], done
        assert (done["version"], done["replaces_version"], done["agreement_version"]) == (2, 1, 2)
        v1 = load_agreement(s, scenario.CORRIDOR, version=1).terms
        v2 = load_agreement(s, scenario.CORRIDOR, version=2).terms
        new = load_plan_record(s, "krems-demo-evacuation")
        assert new.version == 2 and new.schedule["plan_version"] == 2
        [cor] = new.plan["corridors"]
        assert (cor["agreement"], cor["agreement_version"]) == (scenario.CORRIDOR, 2)
        # The re-planned trips run on the re-routed terms, which avoid the bridge's edges.
        bridge_edges = set(result["reroute"]["edges_dropped"])
        assert bridge_edges and bridge_edges <= set(v1.route.edge_ids)
        assert not bridge_edges & set(v2.route.edge_ids)
        trips = new.schedule["trips"]
        assert trips and all(t["corridor_id"] == "east" for t in trips)
        starts = [datetime.fromisoformat(t["load_start_utc"]) for t in trips]
        assert min(starts) >= scenario.utc("12:40")  # nothing starts before the incident
        assert int(new.schedule["moved"]) > 0
        assert new.schedule != old_schedule
        # Which version replaced which, for whom, is on the audit log and the event stream.
        [entry] = s.scalars(select(AuditEntry).where(AuditEntry.action == "plan.replanned")).all()
        payload = json.loads(entry.payload)
        assert (payload["plan_id"], payload["version"], payload["replaces_version"]) == (
            "krems-demo-evacuation", 2, 1)  # fmt: skip
        assert payload["convoys"] == ["bus-3"] and payload["people"] == 900
        assert payload["rule_firing"] == "destroyed-bridge-reroutes@incident:inc-bridge"
        assert payload["closed_edges"]
        kinds = s.scalars(select(EventRow.kind).where(EventRow.kind == "plan.replanned")).all()
        assert kinds == ["plan.replanned"]
        assert verify_audit(s) is None
    # The same reports replayed: the same state, no second re-plan.
    counts = _counts(agreed)
    _replay(agreed, [*day, scenario.bridge()], lookup)
    assert _counts(agreed) == counts
    with agreed.session(write=False) as s:
        assert list_plans(s) == [("krems-demo-evacuation", 2)]


def test_no_stored_plan_records_the_request_only(
    agreed: Any, corridor_def: Any, lookup: Any
) -> None:
    _replay(agreed, scenario.day_checkins(corridor_def), lookup)
    _send(agreed, scenario.bridge(), lookup)
    with agreed.session(write=False) as s:
        result = s.get(RuleFiringRow, "destroyed-bridge-reroutes@incident:inc-bridge").result
        assert result["replan"]["plans"] == []
        assert result["replan"]["why"] == "no stored plan uses this corridor"
