"""The notice and movement endpoints over a real store: formats, errors, signed acks, roles."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from corridor.agreements import signing_message
from corridor.notices import ack_message, movement_digest, movement_from_data, movement_message
from tests.api.conftest import Api, sign_b64, terms_for

DETAILS = {
    "hotline": "+380 44 123 45 67",
    "places": {
        "Gathering point": {"address": {"uk": "вул. Шкільна, 3", "en": "3 Shkilna St"}},
        "Reception": {"address": "Mautern"},
    },
}


def _agreed(api: Api, network: Any) -> dict[str, Any]:
    terms = terms_for(network, api.keys)
    digest = api.post("/agreements", json=terms).json()["digest"]
    for party in ("north", "south"):
        sig = sign_b64(api.keys[party], signing_message(digest))
        r = api.client.put(
            f"/agreements/krems-east/signatures/{party}",
            json={"signature": sig},
            headers=api.auth(f"liaison-{party}"),
        )
        assert r.status_code == 200, r.text
    return {"terms": terms, "digest": digest}


def test_notice_in_each_format(api: Api, network: Any) -> None:
    _agreed(api, network)
    missing = api.get("/agreements/krems-east/notice?lang=uk&format=text", "field")
    assert missing.status_code == 422 and "no notice details" in missing.text
    denied = api.client.put(
        "/agreements/krems-east/notice-details", json=DETAILS, headers=api.auth("field")
    )
    assert denied.status_code == 403
    saved = api.client.put(
        "/agreements/krems-east/notice-details", json=DETAILS, headers=api.auth("coordinator")
    )
    assert saved.status_code == 204, saved.text
    text = api.get("/agreements/krems-east/notice?lang=uk&format=text", "observer")
    assert text.status_code == 200 and "вул. Шкільна, 3" in text.text
    assert text.headers["content-type"].startswith("text/plain")
    sms = api.get("/agreements/krems-east/notice?lang=en&format=sms", "field")
    assert sms.headers["X-SMS-Encoding"] == "GSM-7" and int(sms.headers["X-SMS-Segments"]) >= 1
    assert sms.text.startswith("EVACUATION")
    cap = api.get("/agreements/krems-east/notice?lang=ru&format=cap", "field")
    assert cap.headers["content-type"].startswith("application/cap+xml")
    assert cap.text.count("<info>") == 3
    html = api.get("/agreements/krems-east/notice?lang=en&format=html", "field")
    assert html.text.startswith("<!DOCTYPE html>") and "<svg" in html.text
    bad = api.get("/agreements/krems-east/notice?lang=xx&format=text", "field")
    assert bad.status_code == 422 and bad.headers["content-type"] == "application/problem+json"
    nope = api.get("/agreements/krems-east/notice?lang=uk&format=pdf", "field")
    assert nope.status_code == 422


def test_movement_submit_ack_and_status(api: Api, network: Any) -> None:
    agreed = _agreed(api, network)
    start = datetime.fromisoformat(
        agreed["terms"]["windows"][0]["start_utc"].replace("Z", "+00:00")
    )
    iso = lambda t: t.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")  # noqa: E731
    data = {
        "movement_id": "m1",
        "corridor_id": "krems-east",
        "agreement_version": 1,
        "agreement_digest": agreed["digest"],
        "sender": "north",
        "organisation": "North evacuation team",
        "contacts": [{"role": "convoy leader", "channel": "phone", "address": "+380 1"}],
        "vehicles": [{"type": "bus", "plate": "AA 1234 BB", "markings": "white flags"}],
        "departure_utc": iso(start + timedelta(minutes=10)),
        "arrival_utc": iso(start + timedelta(minutes=40)),
        "passengers": {"children": 12, "adults": 20},
        "ack_deadline_utc": iso(start - timedelta(hours=1)),
    }
    digest = movement_digest(movement_from_data(data))
    forged = sign_b64(api.keys["south"], movement_message(digest))
    r = api.post("/movements", json={"movement": data, "signature": forged})
    assert r.status_code == 422 and "does not verify" in r.text
    sig = sign_b64(api.keys["north"], movement_message(digest))
    other = api.post("/movements", "liaison-south", json={"movement": data, "signature": sig})
    assert other.status_code == 403
    r = api.post("/movements", "liaison-north", json={"movement": data, "signature": sig})
    assert r.status_code == 201, r.text
    assert r.json()["status"] == "pending"
    at = datetime.now(UTC).replace(microsecond=0)
    ack = sign_b64(
        api.keys["south"],
        ack_message(movement_id="m1", digest_hex=digest, party="south", at_utc=iso(at)),
    )
    wrong_party = api.client.put(
        "/movements/m1/acks/south",
        json={"at_utc": iso(at), "signature": ack},
        headers=api.auth("liaison-north"),
    )
    assert wrong_party.status_code == 403
    done = api.client.put(
        "/movements/m1/acks/south",
        json={"at_utc": iso(at), "signature": ack},
        headers=api.auth("liaison-south"),
    )
    assert done.status_code == 200, done.text
    assert done.json()["status"] == "cleared"
    read = api.get("/movements/m1", "observer").json()
    assert read["acknowledgements"][0]["party"] == "south"
    assert "CLEARED" in api.get("/movements/m1/html", "field").text
    assert api.get("/movements/nope", "field").status_code == 404


def _stored_plan(api: Api, schedule: dict[str, Any]) -> None:
    """A plan in the store as `POST /plans` leaves it (the demo plan file, this corridor)."""
    import yaml

    from corridor.store import save_plan
    from tests.conftest import REPO

    plan = yaml.safe_load((REPO / "data" / "demo" / "krems-plan.yaml").read_text("utf-8"))
    plan.pop("network")
    plan.pop("hazards")
    plan["id"] = "partial"
    plan["corridors"] = [{"id": "krems-east", "agreement": "krems-east"}]
    with api.store.session() as s:
        save_plan(s, plan, schedule, actor="test")


def test_notice_with_a_stored_plan_missing_checkpoint_times(api: Api, network: Any) -> None:
    """A stored plan with no time at the agreement's checkpoint: the notice says the time is
    not set in each language (before the fix: a Jinja UndefinedError, a 500)."""
    from corridor.notices._i18n import read_catalog

    terms = terms_for(network, api.keys)
    lat, lon = terms["origin"]["lat"], terms["origin"]["lon"]
    terms["checkpoints"] = [
        {"name": "CP-east", "lat": lat, "lon": lon, "operated_by": "north",
         "hours_utc": "00:00-23:59", "max_vehicles_per_hour": 60, "inspection_minutes": 5}
    ]  # fmt: skip
    digest = api.post("/agreements", json=terms).json()["digest"]
    for party in ("north", "south"):
        sig = sign_b64(api.keys[party], signing_message(digest))
        r = api.client.put(
            f"/agreements/krems-east/signatures/{party}",
            json={"signature": sig},
            headers=api.auth(f"liaison-{party}"),
        )
        assert r.status_code == 200, r.text
    saved = api.client.put(
        "/agreements/krems-east/notice-details", json=DETAILS, headers=api.auth("coordinator")
    )
    assert saved.status_code == 204, saved.text
    start = datetime.fromisoformat(terms["windows"][0]["start_utc"].replace("Z", "+00:00"))
    iso = lambda t: t.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")  # noqa: E731
    dep = start + timedelta(minutes=10)
    trip = {
        "trip_id": "bus-1/1", "vehicle_id": "bus-1", "vehicle_kind": "bus", "convoy_id": "c1",
        "corridor_id": "krems-east", "window_index": 0, "gathering_point_id": "Gathering point",
        "load_start_utc": iso(dep - timedelta(minutes=15)), "depart_utc": iso(dep),
        "entry_utc": iso(dep), "checkpoints": [], "exit_utc": iso(dep + timedelta(minutes=30)),
        "reception_point_id": "Reception", "arrive_utc": iso(dep + timedelta(minutes=35)),
        "unload_end_utc": iso(dep + timedelta(minutes=45)), "passengers": [], "people": 0,
        "capacity": 50,
    }  # fmt: skip
    schedule = {
        "plan_id": "partial", "method": "hand", "created_utc": iso(start - timedelta(days=1)),
        "start_utc": iso(start), "windows": [], "trips": [trip], "convoys": [],
        "window_loads": [], "checkpoint_loads": [], "total_people": 0, "moved": 0,
        "moved_by_class": {}, "left_behind": [],
    }  # fmt: skip
    _stored_plan(api, schedule)
    for lang in ("uk", "ru", "en"):
        want = "time not set" if lang == "en" else read_catalog(lang).get("time not set").string
        for fmt in ("text", "html", "sms", "cap"):
            r = api.get(f"/agreements/krems-east/notice?lang={lang}&format={fmt}&plan=partial")
            assert r.status_code == 200, (lang, fmt, r.text)
            if fmt != "sms":
                assert want in r.text, (lang, fmt)
    # a stored plan this release cannot read, an unknown plan, a version without a plan
    _stored_plan(api, {k: v for k, v in schedule.items() if k != "trips"})
    bad = api.get("/agreements/krems-east/notice?lang=uk&format=html&plan=partial")
    assert bad.status_code == 422 and bad.headers["content-type"] == "application/problem+json"
    assert "cannot be read" in bad.text
    gone = api.get("/agreements/krems-east/notice?lang=uk&format=html&plan=nope")
    assert gone.status_code == 404
    lone = api.get("/agreements/krems-east/notice?lang=uk&plan_version=1")
    assert lone.status_code == 422
    first = api.get("/agreements/krems-east/notice?lang=uk&plan=partial&plan_version=1")
    assert first.status_code == 200, first.text


def test_unknown_and_missing_fields_are_worded_as_the_models_did(api: Api, network: Any) -> None:
    """Notice details, movements and terms are records now; a refused body still reads as it
    did when they were pydantic models (one wording for every body, in the problem handler)."""
    _agreed(api, network)
    bad_details = {**DETAILS, "hotlin": "+380"}
    r = api.client.put(
        "/agreements/krems-east/notice-details", json=bad_details, headers=api.auth("coordinator")
    )
    assert r.status_code == 422, r.text
    words = {e["path"]: e["message"] for e in r.json()["errors"]}
    assert words == {"body.hotlin": "Extra inputs are not permitted"}, words
    r = api.post("/movements", "liaison-north", json={"movement": {"oops": 1}, "signature": "x"})
    assert r.status_code == 422, r.text
    messages = {e["message"] for e in r.json()["errors"]}
    assert "Extra inputs are not permitted" in messages and "Field required" in messages
    assert not any("keyword argument" in m for m in messages), messages
