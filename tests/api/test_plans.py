"""`/plans` over HTTP: the coordinator plans on a served network, everyone reads it back."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from corridor.planning import load_plan, plan_evacuation, schedule_from_data
from tests.api.conftest import Api

REPO = Path(__file__).resolve().parents[2]
DEMO_PLAN = REPO / "data" / "demo" / "krems-plan.yaml"


def _plan_data() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(DEMO_PLAN.read_text())
    data.pop("network")
    data.pop("hazards")
    data["start_utc"] = str(data["start_utc"])
    for c in data["corridors"]:
        for w in c["windows"]:
            w["start_utc"], w["end_utc"] = str(w["start_utc"]), str(w["end_utc"])
    return data


def test_coordinator_plans_others_read_and_it_is_audited(api: Api, network: Any) -> None:
    body = {"plan": _plan_data(), "network": "krems", "hazards": False, "bound": False}
    refused = api.post("/plans", "field", json=body)
    assert refused.status_code == 403
    response = api.post("/plans", "coordinator", json=body)
    assert response.status_code == 201, response.text
    out = response.json()
    assert out["plan_id"] == "krems-demo-evacuation" and out["version"] == 1
    assert response.headers["Location"] == "/plans/krems-demo-evacuation"
    sched = schedule_from_data(out["schedule"])
    # the same plan through the library on the same network gives the same trips
    lib = plan_evacuation(load_plan(DEMO_PLAN), network=network, bound=False)
    assert sched.moved == lib.moved and len(sched.trips) == len(lib.trips)
    assert [t.trip_id for t in sched.trips] == [t.trip_id for t in lib.trips]
    again = api.post("/plans", "coordinator", json=body)
    assert again.json()["version"] == 2
    read = api.get("/plans/krems-demo-evacuation", "observer")
    assert read.status_code == 200
    assert read.json()["version"] == 2 and read.json()["latest_version"] == 2
    first = api.get("/plans/krems-demo-evacuation?version=1", "liaison-north")
    assert first.status_code == 200 and first.json()["schedule"]["moved"] == sched.moved
    from corridor.store import audit_entries

    with api.store.session(write=False) as s:
        actions = [e.action for e in audit_entries(s)]
    assert actions.count("plan.saved") == 2


def test_bad_plans_are_problems_never_5xx(api: Api) -> None:
    data = _plan_data()
    data["vehicles"]["buses"][0]["seats"] = 0
    r = api.post("/plans", json={"plan": data, "network": "krems"})
    assert r.status_code == 422 and r.headers["content-type"].startswith("application/problem")
    assert "vehicles.buses[0].seats" in r.text
    r = api.post("/plans", json={"plan": _plan_data(), "network": "no-such-net"})
    assert r.status_code == 404
    r = api.post("/plans", json={"plan": [1, 2], "network": "krems"})
    assert r.status_code == 422
    data = _plan_data()
    data["corridors"] = [{"id": "c", "agreement": "no-such-agreement"}]
    r = api.post("/plans", json={"plan": data, "network": "krems"})
    assert r.status_code == 404
    assert api.get("/plans/nothing-here").status_code == 404
    assert api.get("/plans/x?version=0").status_code == 422
