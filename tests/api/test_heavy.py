"""Heavy route requests run on the bounded pool; a full pool answers 503 with Retry-After;
the served risk model follows the stored hazards in place instead of being rebuilt."""

from __future__ import annotations

import asyncio
import json
import threading
from typing import Any

import httpx
import numpy as np

from corridor.api._heavy import HeavyPool, heavy_pool
from corridor.api._routes import RouteRequest, is_heavy
from corridor.hazards import RiskModel, load_hazards
from tests.api.conftest import Api, checkin_body, monitored_corridor
from tests.api.test_hazards import DEMO
from tests.api.test_routes import DURING_DEMO, NORTH_EAST, NORTH_WEST, SOUTH

LIGHT = {"network": "krems", "origin": NORTH_WEST, "destination": NORTH_EAST,
         "at_utc": DURING_DEMO}  # fmt: skip
HEAVY = {**LIGHT, "explain": True, "pareto": True}


def test_what_counts_as_heavy() -> None:
    assert not is_heavy(RouteRequest.model_validate(LIGHT))
    assert is_heavy(RouteRequest.model_validate(HEAVY))
    assert is_heavy(RouteRequest.model_validate({**LIGHT, "alternatives": 2}))
    assert is_heavy(RouteRequest.model_validate({**LIGHT, "via": [SOUTH] * 3}))
    assert not is_heavy(RouteRequest.model_validate({**LIGHT, "via": [SOUTH]}))


def test_full_pool_answers_503_with_retry_after_and_light_requests_still_run(
    api: Api, monkeypatch: Any
) -> None:
    import corridor.api._routes as routes_module

    geojson = {"content-type": "application/geo+json"}
    assert (
        api.post("/hazards/import", content=DEMO.read_bytes(), headers=geojson).status_code == 200
    )
    # Heavy jobs are held at a gate on their pool thread, so the test decides when they end;
    # the real computation still runs afterwards. Light ones (on the loop) pass straight on.
    gate = threading.Event()
    real = routes_module._compute
    loop_thread: list[threading.Thread] = []

    def gated(*args: Any) -> Any:
        if threading.current_thread() is not loop_thread[0]:
            gate.wait(30)
        return real(*args)

    monkeypatch.setattr(routes_module, "_compute", gated)
    pool = HeavyPool(threads=1, admitted=2)
    app = api.client.app
    app.state.corridor.caches["heavy"] = pool
    headers = api.auth("coordinator")

    async def scenario() -> tuple[list[httpx.Response], httpx.Response, int]:
        loop_thread.append(threading.current_thread())
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
            heavy = [
                asyncio.create_task(client.post("/routes", json=HEAVY, headers=headers))
                for _ in range(5)
            ]
            for _ in range(500):  # two admitted and held at the gate, three refused
                await asyncio.sleep(0.01)
                if pool.in_flight == 2 and sum(t.done() for t in heavy) == 3:
                    break
            held = pool.in_flight
            light = await client.post("/routes", json=LIGHT, headers=headers)
            gate.set()
            return list(await asyncio.gather(*heavy)), light, held

    answers, light, held = asyncio.run(scenario())
    assert held == 2
    assert light.status_code == 200, light.text
    codes = sorted(a.status_code for a in answers)
    assert codes == [200, 200, 503, 503, 503], codes
    busy = next(a for a in answers if a.status_code == 503)
    assert busy.headers["content-type"] == "application/problem+json"
    assert int(busy.headers["Retry-After"]) >= 1
    assert busy.json()["status"] == 503
    done = next(a for a in answers if a.status_code == 200).json()
    assert "explanation" in done["routes"][0] and done["routes"][0]["explanation"]["hazards"]
    assert pool.in_flight == 0
    assert heavy_pool(_Req(app)) is pool  # the pool run_heavy used is the app's


class _Req:
    def __init__(self, app: Any) -> None:
        self.app = app


def test_heavy_requests_get_the_same_answer_as_light_ones(api: Api) -> None:
    """The pool's risk model and the loop's are two copies of one picture: same routes."""
    api.post("/hazards/import", content=DEMO.read_bytes(),
             headers={"content-type": "application/geo+json"})  # fmt: skip
    light = api.post("/routes", json=LIGHT).json()
    heavy = api.post("/routes", json={**LIGHT, "explain": True}).json()
    assert [r["edges"] for r in light["routes"]] == [r["edges"] for r in heavy["routes"]]
    assert [r["risk"] for r in light["routes"]] == [r["risk"] for r in heavy["routes"]]
    assert "explanation" in heavy["routes"][0] and "explanation" not in light["routes"][0]


def test_risk_model_follows_the_store_in_place(api: Api, network: Any) -> None:
    """Reports move the store version but leave the model alone; a new, changed or expired
    hazard updates it in place, and it then equals a model built from scratch (the oracle)."""
    features = json.loads(DEMO.read_text())["features"]
    first = {"type": "FeatureCollection", "features": features[:5]}
    api.post("/hazards/import", content=json.dumps(first).encode(),
             headers={"content-type": "application/geo+json"})  # fmt: skip
    assert api.post("/routes", json=LIGHT).status_code == 200
    state = api.client.app.state.corridor
    picture = state.caches["pictures:loop"]["krems"]
    model = picture.model
    assert model is not None and len(model) == 5

    terms = monitored_corridor(api, network)
    report = checkin_body(terms, "heavy-c1")  # a check-in makes no hazard (an incident may)
    assert api.post("/reports/checkins", "field", json=report).status_code == 201
    version = picture.version
    assert api.post("/routes", json=LIGHT).status_code == 200
    assert picture.version != version and picture.model is model  # refreshed, not rebuilt

    rest = {"type": "FeatureCollection", "features": features[5:]}
    api.post("/hazards/import", content=json.dumps(rest).encode(),
             headers={"content-type": "application/geo+json"})  # fmt: skip
    hid = features[0]["id"]
    assert api.client.patch(f"/hazards/{hid}", json={"severity": 0.05},
                            headers=api.auth("coordinator")).status_code == 200  # fmt: skip
    expired = api.post(f"/hazards/{features[1]['id']}/expire", json={"reason": "gone"})
    assert expired.status_code == 200
    answer = api.post("/routes", json=LIGHT)
    assert answer.status_code == 200
    assert picture.model is model

    from corridor.store import list_hazards

    with state.store.session(write=False) as session:
        stored = list_hazards(session)
    fresh = RiskModel(network, stored, at=model.at)
    assert sorted(h.id for h in model.hazards) == sorted(h.id for h in stored)
    np.testing.assert_allclose(model.risk, fresh.risk, rtol=0, atol=1e-12)
    np.testing.assert_array_equal(model.closed, fresh.closed)
    assert len(stored) == len(load_hazards(DEMO)) - 1
