"""Issue 14, defects 2 and 5 over HTTP: "in force" is judged the same way by every endpoint,
and a suspension's time is the server's."""

from __future__ import annotations

import json
from typing import Any

from tests.api.conftest import Api
from tests.api.test_agreements import _propose, _sign


def _agreed(api: Api, network: Any) -> str:
    digest = _propose(api, network).json()["digest"]
    _sign(api, "north", digest)
    assert _sign(api, "south", digest).json()["state"] == "agreed"
    return digest


def test_read_and_verify_agree_after_close(api: Api, network: Any) -> None:
    _agreed(api, network)
    read = api.get("/agreements/krems-east", "observer").json()
    verify = api.get("/agreements/krems-east/verify", "observer").json()
    assert read["in_force"] is verify["in_force"] is True
    etag = api.get("/agreements/krems-east").headers["etag"]
    closed = api.post("/agreements/krems-east/transitions/close", json={"reason": "done"},
                      headers={"If-Match": etag})  # fmt: skip
    assert closed.status_code == 200, closed.text
    read = api.get("/agreements/krems-east", "observer").json()
    verify = api.get("/agreements/krems-east/verify", "observer").json()
    assert read["in_force"] is False and verify["in_force"] is False
    assert verify["state"] == "closed"
    assert any("closed" in why for why in verify["why_not_in_force"])


def _suspend_body(api: Api, digest: str, at_text: str, reason: str = "shelling") -> Any:
    from corridor.agreements import suspension_message
    from tests.api.conftest import sign_b64

    message = suspension_message(
        corridor_id="krems-east", version=1, digest_hex=digest, reason=reason, at_utc=at_text
    )
    return {"reason": reason, "at_utc": at_text, "signature": sign_b64(api.keys["south"], message)}


def test_suspension_time_is_the_servers(api: Api, network: Any) -> None:
    """Defect 5: a client time of 2001 was stamped into the log after 2026 entries."""
    from datetime import UTC, datetime

    from corridor.store import audit_entries

    digest = _agreed(api, network)
    url = "/agreements/krems-east/suspensions/south"
    for at_text in ("2001-01-01T00:00:00Z", "2099-01-01T00:00:00Z"):
        response = api.post(url, "liaison-south", json=_suspend_body(api, digest, at_text))
        assert response.status_code == 422, response.text
        assert "at_utc" in response.text
    claimed = datetime.now(UTC).replace(microsecond=0)
    at_text = claimed.strftime("%Y-%m-%dT%H:%M:%SZ")
    done = api.post(url, "liaison-south", json=_suspend_body(api, digest, at_text))
    assert done.status_code == 200, done.text
    suspension = done.json()["suspensions"][0]
    assert suspension["at_utc"] == at_text  # the claimed, signed time is kept...
    recorded = datetime.fromisoformat(suspension["recorded_at_utc"].replace("Z", "+00:00"))
    assert recorded >= claimed  # ...and the record is stamped with the server's clock
    with api.store.session(write=False) as s:
        entries = audit_entries(s)
    times = [e.at_utc for e in entries]
    assert times == sorted(times)
    assert entries[-1].action == "agreement.suspended"
    assert json.loads(entries[-1].payload or "{}")["claimed_at_utc"] == at_text
    assert entries[-1].at_utc >= recorded
