"""HTTP behaviour every endpoint shares: problem+json, size limit, pagination, idempotency."""

from __future__ import annotations

import json
import threading
from typing import Any

from tests.api.conftest import (
    MAX_BODY,
    Api,
    checkin_body,
    incident_body,
    monitored_corridor,
)

REPORT = {"lat": 48.41, "lon": 15.6, "kind": "blocked-road", "notes": "tree across the road"}
HAZARD = {
    "type": "Feature",
    "geometry": {"type": "Point", "coordinates": [15.61, 48.41]},
    "properties": {"kind": "roadblock"},
}


def _assert_problem(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body: dict[str, Any] = response.json()
    assert set(body) >= {"type", "title", "status", "detail", "instance"}
    assert body["status"] == status and body["detail"]
    assert body["type"].startswith("/problems/")
    return body


def test_problem_shapes(api: Api) -> None:
    _assert_problem(api.client.get("/me"), 401)
    _assert_problem(api.get("/nowhere"), 404)
    _assert_problem(api.client.delete("/me", headers=api.auth("observer")), 405)
    bad_json = api.post(
        "/reports/incidents",
        "field",
        content=b"{oops",
        headers={"content-type": "application/json"},
    )
    _assert_problem(bad_json, 400)
    invalid = _assert_problem(api.post("/reports/checkins", "field", json={"lat": 95}), 422)
    paths = {e["path"] for e in invalid["errors"]}
    assert {"body.lat", "body.lon", "body.status"} <= paths
    assert invalid["instance"] == "/reports/checkins"
    # Worded as when the reports were pydantic models (they are records now), in a batch too.
    words = {e["path"]: e["message"] for e in invalid["errors"]}
    assert words["body.lon"] == "Field required"
    batch = {"checkins": [{"lat": 95, "extra": 1}], "incidents": [{"kind": "x"}]}
    invalid = _assert_problem(api.post("/reports/batch", "field", json=batch), 422)
    words = {e["path"]: e["message"] for e in invalid["errors"]}
    assert words.get("body.checkins[0].extra") == "Extra inputs are not permitted", words
    assert words["body.checkins[0].lat"] == "Input should be less than or equal to 90"
    assert words["body.incidents[0].id"] == "Field required"
    bad_attachment = {"incidents": [{"attachment": "x"}]}
    invalid = _assert_problem(api.post("/reports/batch", "field", json=bad_attachment), 422)
    words = {e["path"]: e["message"] for e in invalid["errors"]}
    assert words["body.incidents[0].attachment"] == (
        "Input should be a valid dictionary or instance of Attachment"
    )


def test_body_over_the_limit_is_413_before_any_work(api: Api) -> None:
    big = json.dumps({**REPORT, "notes": "x" * (MAX_BODY + 10)}).encode()
    body = _assert_problem(
        api.post("/reports/incidents", "field", content=big,
                 headers={"content-type": "application/json"}),
        413,
    )  # fmt: skip
    assert str(MAX_BODY) in body["detail"]

    # Chunked upload without Content-Length: cut off while streaming.
    def chunks() -> Any:
        for _ in range(MAX_BODY // 65536 + 2):
            yield b" " * 65536

    streamed = api.client.post(
        "/hazards/import",
        content=chunks(),
        headers={**api.auth("coordinator"), "content-type": "application/json"},
    )
    _assert_problem(streamed, 413)
    assert api.get("/reports").json()["total"] == 0


def test_pagination_walks_every_item_once(api: Api) -> None:
    for i in range(7):
        feature = json.loads(json.dumps(HAZARD))
        feature["properties"]["id"] = f"rb-{i}"
        assert api.post("/hazards", json=feature).status_code == 201
    seen: list[str] = []
    url: str | None = "/hazards?limit=3"
    pages = 0
    while url:
        page = api.get(url, "observer").json()
        assert page["total"] == 7 and page["limit"] == 3
        seen += [f["id"] for f in page["items"]]
        url, pages = page["next"], pages + 1
    assert pages == 3
    assert sorted(seen) == [f"rb-{i}" for i in range(7)]
    _assert_problem(api.get("/hazards?limit=501"), 422)
    _assert_problem(api.get("/hazards?offset=-1"), 422)
    assert api.get("/hazards?offset=100").json()["items"] == []


def _audit_actions(api: Api) -> list[tuple[str, str]]:
    lines = api.get("/audit/export").text.strip().splitlines()
    return [(e["actor"], e["action"]) for e in map(json.loads, lines[:-1])]


def test_retried_field_post_replays_and_writes_once(api: Api, network: Any) -> None:
    terms = monitored_corridor(api, network)
    report = incident_body(terms, "team7-r1")
    headers = {"Idempotency-Key": "team7-0001"}
    first = api.post("/reports/incidents", "field", json=report, headers=headers)
    assert first.status_code == 201
    retry = api.post("/reports/incidents", "field", json=report, headers=headers)
    assert retry.status_code == 201
    assert retry.json() == first.json()
    assert retry.headers["idempotent-replayed"] == "true"
    assert api.get("/reports").json()["total"] == 1
    # Same key, different body: refused, nothing written.
    changed = api.post(
        "/reports/incidents", "field", json={**report, "notes": "other"}, headers=headers
    )
    _assert_problem(changed, 422)
    # Without the key, the report's own id still keeps it once: a repeat is 200, unchanged...
    again = api.post("/reports/incidents", "field", json=report)
    assert again.status_code == 200 and again.json()["created"] is False
    # ...and another report under a used id is a conflict.
    _assert_problem(api.post("/reports/incidents", "field", json={**report, "notes": "x"}), 409)
    # Keys are per user: the coordinator's identical key is a different request.
    mine = incident_body(terms, "coord-r1")
    other_user = api.post("/reports/incidents", "coordinator", json=mine, headers=headers)
    assert other_user.status_code == 201 and other_user.json()["id"] != first.json()["id"]
    # Hazards too: the retried report is not a second hazard.
    for _ in range(3):
        got = api.post("/hazards", "field", json=HAZARD, headers={"Idempotency-Key": "hz-1"})
        assert got.status_code == 201
    # The two incidents are on the hazard picture too, each named after its report.
    ids = sorted(h["id"] for h in api.get("/hazards").json()["items"])
    assert len(ids) == 3 and [i for i in ids if i.startswith("report-")] == [
        "report-coord-r1", "report-team7-r1"]  # fmt: skip
    actions = [a for _, a in _audit_actions(api)]
    assert actions.count("report.incident") == 2
    assert actions.count("hazard.added") == 3  # the retried hazard once, one per incident


def test_concurrent_retries_write_once(api: Api, network: Any) -> None:
    """Retries racing each other (a flaky link resends before the first reply arrives)."""
    terms = monitored_corridor(api, network)
    results: list[int] = []
    ids: list[str] = []

    checkin = checkin_body(terms, "race-1", people=40)

    def send() -> None:
        key = {"Idempotency-Key": "race"}
        r = api.post("/reports/checkins", "field", json=checkin, headers=key)
        results.append(r.status_code)
        ids.append(r.json()["id"])

    threads = [threading.Thread(target=send) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results == [201] * 6
    assert len(set(ids)) == 1
    assert api.get("/reports", params={"type": "checkin"}).json()["total"] == 1


def test_every_write_is_audited_with_the_authenticated_actor(api: Api, network: Any) -> None:
    terms = monitored_corridor(api, network)
    api.post("/hazards", "field", json=HAZARD)
    assert api.post("/reports/checkins", "field", json=checkin_body(terms, "c1")).status_code == 201
    api.post("/hazards/import", content=b'{"type": "FeatureCollection", "features": []}',
             headers={"content-type": "application/json"})  # fmt: skip
    got = _audit_actions(api)
    assert ("field:field-1", "hazard.added") in got
    assert ("field:field-1", "report.checkin") in got
    status = api.get("/audit/verify", "observer").json()
    assert status["ok"] is True and status["entries"] == len(got)
    pinned = api.get(
        "/audit/verify",
        "observer",
        params={"expect_seq": status["head_seq"], "expect_hash": status["head_hash"]},
    ).json()
    assert pinned["ok"] is True


def test_health_needs_no_token(api: Api) -> None:
    body = api.client.get("/health").json()
    assert body == {
        "status": "ok",
        "version": body["version"],
        "database": "ok",
        "networks": ["krems"],
    }
