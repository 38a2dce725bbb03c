"""Agreements over HTTP: propose, client-side signatures, ETag/If-Match, suspend, close, bundle."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from corridor.agreements import signing_message, suspension_message, verify_bundle
from tests.api.conftest import Api, sign_b64, terms_for


def _propose(api: Api, network: Any, **headers: str) -> Any:
    return api.post("/agreements", json=terms_for(network, api.keys), headers=headers)


def _sign(api: Api, party: str, digest: str, who: str | None = None, **kw: Any) -> Any:
    signature = sign_b64(api.keys[party], signing_message(digest))
    return api.client.put(
        f"/agreements/krems-east/signatures/{party}",
        json={"signature": signature, **kw},
        headers=api.auth(who or f"liaison-{party}"),
    )


def test_propose_sign_until_agreed_then_bundle_verifies_offline(api: Api, network: Any) -> None:
    created = _propose(api, network)
    assert created.status_code == 201, created.text
    body = created.json()
    assert body["state"] == "proposed" and body["version"] == 1
    assert created.headers["location"] == "/agreements/krems-east"
    assert {s["status"] for s in body["statuses"]} == {"missing"}
    digest = body["digest"]

    first = _sign(api, "north", digest, version=1)
    assert first.status_code == 200, first.text
    assert first.json()["state"] == "proposed"
    assert first.headers["etag"] != created.headers["etag"]
    second = _sign(api, "south", digest)
    assert second.status_code == 200, second.text
    assert second.json()["state"] == "agreed"
    assert second.json()["in_force"] is True

    verified = api.get("/agreements/krems-east/verify", "observer").json()
    assert verified["signatures_valid"] and verified["in_force"] and not verified["problems"]
    bundle = api.get("/agreements/krems-east/bundle", "field")
    assert bundle.status_code == 200
    report = verify_bundle(bundle.json())
    assert report.in_force, report.problems


def test_signature_is_verified_server_side(api: Api, network: Any) -> None:
    digest = _propose(api, network).json()["digest"]
    # south's key over the right digest, uploaded as north's signature: refused.
    forged = sign_b64(api.keys["south"], signing_message(digest))
    response = api.client.put(
        "/agreements/krems-east/signatures/north",
        json={"signature": forged},
        headers=api.auth("liaison-north"),
    )
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("application/problem+json")
    assert "does not verify" in response.json()["detail"]
    # The right key over another digest: refused too.
    stale = sign_b64(api.keys["north"], signing_message("0" * 64))
    again = api.client.put(
        "/agreements/krems-east/signatures/north",
        json={"signature": stale},
        headers=api.auth("liaison-north"),
    )
    assert again.status_code == 422
    assert api.get("/agreements/krems-east").json()["statuses"][0]["status"] == "missing"


def test_two_coordinators_cannot_overwrite_each_other(api: Api, network: Any) -> None:
    etag = _propose(api, network).headers["etag"]
    data = terms_for(network, api.keys)
    # A new version without If-Match: 428, nothing written.
    data["notes"] = "first coordinator's change"
    missing = api.post("/agreements", json=data)
    assert missing.status_code == 428
    assert missing.json()["status"] == 428
    # Both coordinators read version 1 (same ETag); the first write wins...
    won = api.post("/agreements", json=data, headers={"If-Match": etag})
    assert won.status_code == 201, won.text
    assert won.json()["version"] == 2
    # ...and the second, still holding version 1's ETag, is refused instead of overwriting.
    data["notes"] = "second coordinator's change"
    lost = api.post("/agreements", json=data, headers={"If-Match": etag})
    assert lost.status_code == 409
    assert lost.headers["content-type"].startswith("application/problem+json")
    current = api.get("/agreements/krems-east")
    assert current.json()["version"] == 2
    assert current.json()["terms"]["notes"] == "first coordinator's change"
    assert current.headers["etag"] == won.headers["etag"]
    # With the fresh ETag the second coordinator may write.
    ok = api.post("/agreements", json=data, headers={"If-Match": current.headers["etag"]})
    assert ok.status_code == 201 and ok.json()["version"] == 3


def test_signing_with_a_stale_etag_is_refused(api: Api, network: Any) -> None:
    created = _propose(api, network)
    digest, etag = created.json()["digest"], created.headers["etag"]
    assert _sign(api, "north", digest).status_code == 200
    signature = sign_b64(api.keys["south"], signing_message(digest))
    refused = api.client.put(
        "/agreements/krems-east/signatures/south",
        json={"signature": signature},
        headers={**api.auth("liaison-south"), "If-Match": etag},
    )
    assert refused.status_code == 409


def test_party_suspends_with_its_own_signature_then_coordinator_closes(
    api: Api, network: Any
) -> None:
    digest = _propose(api, network).json()["digest"]
    for party in ("north", "south"):
        assert _sign(api, party, digest).status_code == 200
    at = datetime.now(UTC).replace(microsecond=0)
    at_text = at.strftime("%Y-%m-%dT%H:%M:%SZ")
    reason = "shelling near the bridge"
    message = suspension_message(
        corridor_id="krems-east", version=1, digest_hex=digest, reason=reason, at_utc=at_text
    )
    body = {"reason": reason, "at_utc": at_text, "signature": sign_b64(api.keys["south"], message)}
    # north's liaison may not suspend on south's behalf, even with a valid south signature.
    other = api.post("/agreements/krems-east/suspensions/south", "liaison-north", json=body)
    assert other.status_code == 403
    done = api.post("/agreements/krems-east/suspensions/south", "liaison-south", json=body)
    assert done.status_code == 200, done.text
    assert done.json()["state"] == "suspended"
    assert done.json()["suspensions"][0]["party"] == "south"
    # Closing needs the current ETag.
    stale = api.post("/agreements/krems-east/transitions/close", json={"reason": "over"})
    assert stale.status_code == 428
    closed = api.post(
        "/agreements/krems-east/transitions/close",
        json={"reason": "over"},
        headers={"If-Match": done.headers["etag"]},
    )
    assert closed.status_code == 200 and closed.json()["state"] == "closed"
    # A closed agreement accepts nothing more: a lifecycle conflict is 409.
    again = api.post(
        "/agreements/krems-east/transitions/close",
        json={"reason": "again"},
        headers={"If-Match": closed.headers["etag"]},
    )
    assert again.status_code == 409
    assert again.json()["type"] == "/problems/conflict"


def test_invalid_terms_name_every_field_path(api: Api, network: Any) -> None:
    data = terms_for(network, api.keys)
    data["parties"][0]["public_key"] = "not-base64"
    data["max_convoy_size"] = 0
    data["surprise"] = True
    response = api.post("/agreements", json=data)
    assert response.status_code == 422
    problem = response.json()
    paths = {e["path"] for e in problem["errors"]}
    assert {"body.parties[0].public_key", "body.max_convoy_size", "body.surprise"} <= paths
    assert problem["instance"] == "/agreements"


def test_unknown_agreement_is_404_problem(api: Api) -> None:
    response = api.get("/agreements/nope", "observer")
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("application/problem+json")
    assert set(response.json()) >= {"type", "title", "status", "detail", "instance"}
    listing = api.get("/agreements", "field").json()
    assert listing == {"items": [], "total": 0, "limit": 50, "offset": 0, "next": None}


def test_if_match_star_and_weak_tags(api: Api, network: Any) -> None:
    etag = _propose(api, network).headers["etag"]
    weak = api.post(
        "/agreements/krems-east/transitions/close",
        json={"reason": "x"},
        headers={"If-Match": f"W/{etag}"},
    )
    assert weak.status_code == 409  # strong comparison: a weak tag never matches
    star = api.post(
        "/agreements/krems-east/transitions/close",
        json={"reason": "x"},
        headers={"If-Match": '"nope", *'},
    )
    assert star.status_code == 200 and star.json()["state"] == "closed"
    unknown = api.post(
        "/agreements/ghost/transitions/close", json={"reason": "x"}, headers={"If-Match": "*"}
    )
    assert unknown.status_code == 409
