"""The day of 8 March 2022 replayed through a real `corridor serve` (see scenario.py)."""

from __future__ import annotations

import os
import random
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx
import pytest

from corridor.api import add_user
from corridor.store import open_store
from tests.api.test_serve import serving
from tests.monitoring import scenario
from tests.monitoring.sse import Subscriber
from tests.monitoring.test_replan_plan import demo_plan_data

pytestmark = pytest.mark.slow


def _users(db_url: str) -> dict[str, str]:
    with open_store(db_url) as store:
        return {r: add_user(store, name=f"{r}-1", role=r, party=None, actor="setup")
                for r in ("coordinator", "field", "observer")}  # fmt: skip


def _auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_a_day_replayed_through_a_real_server(
    tmp_path: Path, corridor_def: scenario.Corridor, network_file: Path
) -> None:
    db_url = f"sqlite:///{tmp_path / 'day.db'}"
    with open_store(db_url) as store:
        scenario.agree(store, corridor_def)
    tokens = _users(db_url)
    co, fi, ob = (_auth(tokens[r]) for r in ("coordinator", "field", "observer"))
    cid = scenario.CORRIDOR
    with serving(db_url, network_file) as base, httpx.Client(base_url=base, timeout=120) as http:
        live = Subscriber(base, tokens["observer"])
        live.start()
        assert live.connected.wait(30)
        assert http.post("/convoys", headers=co,
                         json={"convoys": scenario.convoys()}).status_code == 200  # fmt: skip
        # The evacuation plan for the corridor, planned and stored by the server (version 1).
        made = http.post("/plans", headers=co, json={"plan": demo_plan_data(), "network": "krems",
                                                     "hazards": False, "bound": False})  # fmt: skip
        assert made.status_code == 201, made.text
        assert made.json()["version"] == 1

        day = scenario.day_checkins(corridor_def)
        late = {"b1-cp1", "b2-cp1"}  # a team without signal sends these hours later
        order = [c for c in day if c["id"] not in late]
        random.Random(8).shuffle(order)
        for item in order:
            got = http.post("/reports/checkins", headers=fi, json=item)
            assert got.status_code == 201, got.text
        # Before the late reports: bus-1's stop seems to start at 09:05 ("held").
        early = http.get(f"/monitoring/{cid}", headers=ob).json()
        assert next(c for c in early["convoys"] if c["convoy_id"] == "bus-1")["stops"][0][
            "start_utc"] == scenario.iso("09:05")  # fmt: skip
        # The late batch, sent twice (the device did not see the first reply).
        batch = {"checkins": [c for c in day if c["id"] in late]}
        first = http.post("/reports/batch", headers=fi, json=batch).json()
        again = http.post("/reports/batch", headers=fi, json=batch).json()
        assert sorted(first["created"]) == sorted(late) and first["unchanged"] == []
        assert again["created"] == [] and sorted(again["unchanged"]) == sorted(late)
        reused = http.post("/reports/checkins", headers=fi, json={**day[0], "vehicles": 30})
        assert reused.status_code == 409
        assert reused.headers["content-type"].startswith("application/problem+json")

        # States over time (event time, whatever the arrival order).
        def at(hh_mm: str) -> dict[str, Any]:
            r = http.get(f"/monitoring/{cid}", headers=ob, params={"as_of": scenario.iso(hh_mm)})
            assert r.status_code == 200, r.text
            return r.json()

        def convoy(pic: dict[str, Any], name: str) -> dict[str, Any]:
            return next(c for c in pic["convoys"] if c["convoy_id"] == name)

        p0830, p1000, p1300 = at("08:30"), at("10:00"), at("13:00")
        assert [convoy(p0830, c)["status"] for c in ("bus-1", "bus-2", "cars-1", "bus-3")] == [
            "departed", "scheduled", "scheduled", "scheduled"]  # fmt: skip
        assert p0830["agreement"]["state"] == "open"
        b1 = convoy(p1000, "bus-1")
        assert (b1["status"], b1["checkpoint"]) == ("held", "Lokhvytsia")
        assert b1["stops"][0]["start_utc"] == scenario.iso("08:44")  # the late report
        [hold] = [v for v in p1000["violations"] if v["kind"] == "hold"]
        assert hold["end_utc"] is None and hold["minutes"] == 76  # 08:44 -> 10:00
        assert convoy(p1000, "bus-2")["status"] == "arrived" or convoy(p1000, "bus-2")[
            "status"] == "released"  # fmt: skip
        b1 = convoy(p1300, "bus-1")
        assert b1["status"] == "arrived" and b1["delay_minutes"] == 135  # 12:30 vs 10:15

        # Shelling 300 m from the route, attributed, then confirmed: the corridor is suspended.
        shell = {**scenario.shelling(corridor_def), "attributed_to": scenario.RU}
        assert http.post("/reports/incidents", headers=fi, json=shell).status_code == 201
        assert at("12:15")["agreement"]["state"] == "open"  # not confirmed: no suspension
        ok = http.post("/reports/incidents/inc-shelling/confirm", headers=co,
                       json={"at_utc": scenario.iso("12:20")})  # fmt: skip
        assert ok.status_code == 200, ok.text
        assert ok.json()["effects"]["firings"] == [
            "confirmed-shelling-suspends@incident:inc-shelling"]  # fmt: skip
        # The destroyed bridge: a re-route proposal (v2, to be signed again) and a re-plan.
        assert http.post("/reports/incidents", headers=fi,
                         json=scenario.bridge()).status_code == 201  # fmt: skip
        final = at("13:00")
        assert final["agreement"] == {"monitored_version": 1, "latest_version": 2,
                                      "state": "proposed", "stored_state": "proposed"}  # fmt: skip
        versions = http.get(f"/agreements/{cid}", headers=ob).json()
        assert versions["version"] == 2 and versions["signatures"] == []

        violations = http.get("/violations", headers=ob, params={"corridor_id": cid}).json()
        got = {(v["kind"], v["term"], v["party"]) for v in violations["items"]}
        assert got == {
            ("hold", "checkpoints[0].inspection_minutes", scenario.RU),
            ("incident", "windows[0]", scenario.RU),
            ("incident", "route", None),
        }
        audit = http.get("/audit/verify", headers=ob).json()
        assert audit["ok"] is True

        live.wait_for(lambda ev: any(e["kind"] == "plan.replanned" for e in ev))
        live.stop()
        assert live.error is None
        kinds = [e["kind"] for e in live.events]
        ids = [e["id"] for e in live.events]
        assert ids == sorted(ids) and len(set(ids)) == len(ids)
        assert kinds.count("checkin") == len(day)  # duplicates and the 409 made none
        for kind in (
            "convoy",
            "violation",
            "incident",
            "incident.confirmed",
            "rule.fired",
            "agreement.suspended",
            "agreement.reroute_proposed",
            "replan.requested",
            "plan.replanned",
        ):
            assert kind in kinds, kind  # fmt: skip
        # Every party is alerted of the hold, the shelling and the bridge (a hold that looked
        # long before a late release arrived was alerted too, then withdrawn).
        alerted = {(e["party"], e["payload"]["rule"]) for e in live.events if e["kind"] == "alert"}
        assert alerted == {(p, r) for p in (scenario.RU, scenario.UA)
                           for r in ("hold-alerts", "confirmed-shelling-suspends",
                                     "destroyed-bridge-reroutes")}  # fmt: skip
        assert "violation.updated" in kinds  # the late reports moved the hold's start
        replan = next(e for e in live.events if e["kind"] == "replan.requested")["payload"]
        assert [c["convoy_id"] for c in replan["convoys"]] == ["bus-3"]
        assert replan["people"] == 900
        # The stored plan was re-planned on the re-routed terms: version 2 replaces 1.
        replanned = next(e for e in live.events if e["kind"] == "plan.replanned")["payload"]
        assert (replanned["plan_id"], replanned["version"], replanned["replaces_version"],
                replanned["agreement_version"]) == ("krems-demo-evacuation", 2, 1, 2)  # fmt: skip
        stored = http.get("/plans/krems-demo-evacuation", headers=ob).json()
        assert stored["version"] == 2 and stored["latest_version"] == 2
        assert stored["plan"]["corridors"][0]["agreement_version"] == 2
        assert stored["schedule"]["trips"] and stored["schedule"]["moved"] > 0
        again = http.post("/reports/incidents", headers=fi, json=scenario.bridge())
        assert again.status_code < 300 and again.json()["created"] is False
        assert http.get("/plans/krems-demo-evacuation", headers=ob).json()["latest_version"] == 2

        # Resumption: a dashboard that saw up to the 10th event gets exactly the rest.
        resumed = Subscriber(base, tokens["coordinator"], idle_s=1)
        resumed.headers["Last-Event-ID"] = str(ids[9])
        resumed.start()
        resumed.join(60)
        assert [e["id"] for e in resumed.events][: len(ids) - 10] == ids[10:]

    watch = subprocess.run(
        [sys.executable, "-m", "corridor", "watch", "-c", cid, "--once", "--db", db_url],
        capture_output=True, text=True, timeout=120, check=False,
        env={**os.environ, "COLUMNS": "200"},
    )  # fmt: skip
    assert watch.returncode == 0, watch.stderr
    for text in (
        "sumy-poltava",
        "proposed",
        "Lokhvytsia",
        scenario.RU,
        "bus-3",
        "scheduled",
        "checkpoints[0].inspection_minutes",
        "shelling",
    ):
        assert text in watch.stdout, text  # fmt: skip
