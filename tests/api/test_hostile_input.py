"""Issue 14, defects 4 and 9: input any caller can send must be a 4xx, never a 5xx, and an
error must not reveal the server's paths."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.api.conftest import MAX_BODY, Api
from tests.api.test_hazards import SHELLING
from tests.api.test_routes import NORTH_EAST, NORTH_WEST

EVERY_ROLE = ("coordinator", "liaison", "field", "observer")


def test_patch_null_severity_is_422(api: Api) -> None:
    hid = api.post("/hazards", json=SHELLING).json()["id"]
    for field in ("severity", "confidence"):
        response = api.client.patch(
            f"/hazards/{hid}", json={field: None}, headers=api.auth("coordinator")
        )
        assert response.status_code == 422, response.text
        assert field in response.json()["detail"]
    # Optional numbers may be cleared (back to the kind's default).
    cleared = api.client.patch(
        f"/hazards/{hid}", json={"radius_m": None}, headers=api.auth("coordinator")
    )
    assert cleared.status_code == 200, cleared.text


@pytest.mark.parametrize("at", ["0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-14:00"])
def test_route_time_without_a_utc_equivalent_is_422(api: Api, at: str) -> None:
    body = {"network": "krems", "origin": NORTH_WEST, "destination": NORTH_EAST, "at_utc": at}
    for who in EVERY_ROLE:
        response = api.post("/routes", who, json=body)
        assert response.status_code == 422, (who, response.text)
        assert response.headers["content-type"].startswith("application/problem+json")


def test_hazard_times_without_a_utc_equivalent_are_422(api: Api) -> None:
    bad = {**SHELLING, "properties": {**SHELLING["properties"],
                                      "valid_from": "0001-01-01T00:00:00+14:00"}}  # fmt: skip
    assert api.post("/hazards", "field", json=bad).status_code == 422
    listed = api.get("/hazards", params={"active_at": "0001-01-01T00:00:00+14:00"})
    assert listed.status_code == 422


def test_deeply_nested_import_is_422(api: Api) -> None:
    for body in (b"[" * 200_000, b"[" * 200 + b"]" * 200):
        response = api.post(
            "/hazards/import", content=body, headers={"content-type": "application/json"}
        )
        assert response.status_code == 422, response.text[:300]
        assert "nested" in response.json()["detail"]


def test_ids_with_nul_or_too_long_are_4xx(api: Api) -> None:
    """On PostgreSQL a NUL byte or an over-long value made the query fail: 503 before."""
    for who in EVERY_ROLE:
        for url in ("/hazards/a%00b", "/hazards/" + "x" * 300, "/agreements/a%00b"):
            response = api.get(url, who)
            assert 400 <= response.status_code < 500, (who, url, response.status_code)
    notes = {**SHELLING, "properties": {**SHELLING["properties"], "notes": "a\x00b"}}
    assert api.post("/hazards", "field", json=notes).status_code < 500
    report = {"lat": 48.4, "lon": 15.6, "kind": "shelling", "notes": "a\x00b"}
    assert api.post("/reports/incidents", "field", json=report).status_code < 500
    reason = {"reason": "a\x00b"}
    assert api.post("/hazards/no-such/expire", json=reason).status_code < 500


def test_import_errors_do_not_reveal_server_paths(api: Api) -> None:
    for body, ctype in ((b"{not json", "application/json"), (b"a,b\n1,2\n", "text/csv"),
                        (b"\xff\xfe", "application/json")):  # fmt: skip
        response = api.post("/hazards/import", content=body, headers={"content-type": ctype})
        assert response.status_code == 422, response.text
        text = response.text
        assert "/tmp" not in text and "corridor-import-" not in text, text


def test_oversized_chunked_body_is_413(api: Api) -> None:
    def chunks() -> Iterator[bytes]:
        yield b'{"type": "Feature", "properties": {"notes": "'
        for _ in range(MAX_BODY // 65536 + 2):
            yield b"x" * 65536
        yield b'"}}'

    for url in ("/hazards", "/hazards/import"):
        response = api.post(
            url, "coordinator", content=chunks(), headers={"content-type": "application/json"}
        )
        assert response.status_code == 413, (url, response.status_code, response.text[:200])
        assert response.headers["content-type"].startswith("application/problem+json")
