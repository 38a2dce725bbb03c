"""Transport and retention rules from docs/security.md: no plain HTTP beyond loopback, and
idempotency records that expire."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select, update
from typer.testing import CliRunner

from corridor.api import _idempotency
from corridor.api._serve import check_transport, is_loopback
from corridor.cli import app
from corridor.errors import InputError
from corridor.store import HazardRow, IdempotencyKeyRow, utc_now
from tests.api.conftest import Api

HAZARD = {
    "type": "Feature",
    "geometry": {"type": "Point", "coordinates": [15.61, 48.41]},
    "properties": {"kind": "roadblock"},
}


@pytest.mark.parametrize("host", ["127.0.0.1", "127.5.0.1", "::1", "[::1]", "localhost"])
def test_loopback_needs_no_tls(host: str) -> None:
    assert is_loopback(host)
    check_transport(host, tls_cert=None, tls_key=None, insecure=False)


@pytest.mark.parametrize("host", ["0.0.0.0", "::", "192.168.1.10", "corridor.example.org"])
def test_beyond_loopback_needs_tls_or_an_explicit_insecure(host: str, tmp_path: Path) -> None:
    assert not is_loopback(host)
    with pytest.raises(InputError, match="refusing to serve plain HTTP"):
        check_transport(host, tls_cert=None, tls_key=None, insecure=False)
    check_transport(host, tls_cert=None, tls_key=None, insecure=True)
    cert, key = tmp_path / "c.pem", tmp_path / "k.pem"
    check_transport(host, tls_cert=cert, tls_key=key, insecure=False)
    with pytest.raises(InputError, match="both --tls-cert and --tls-key"):
        check_transport(host, tls_cert=cert, tls_key=None, insecure=False)


def test_serve_refuses_a_public_bind_in_one_line(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'x.db'}"
    result = CliRunner().invoke(app, ["serve", "--host", "0.0.0.0", "--port", "0", "--db", db])
    assert result.exit_code == 2
    err = " ".join(result.stderr.split())
    assert "refusing to serve plain HTTP on 0.0.0.0" in err and "--tls-cert" in err
    assert "Traceback" not in result.output + result.stderr


def _age_keys(api: Api, hours: float) -> None:
    with api.store.session() as s:
        s.execute(update(IdempotencyKeyRow).values(created_at=utc_now() - timedelta(hours=hours)))


def test_idempotency_records_expire(api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    headers = {"Idempotency-Key": "team7-expiry"}
    first = api.post("/hazards", "field", json=HAZARD, headers=headers)
    assert first.status_code == 201
    _age_keys(api, 23)  # within a day: still a retry
    again = api.post("/hazards", "field", json=HAZARD, headers=headers)
    assert again.headers.get("idempotent-replayed") == "true"
    _age_keys(api, 25)  # past the TTL: the same key is a new request
    fresh = api.post("/hazards", "field", json=HAZARD, headers=headers)
    assert fresh.status_code == 201 and "idempotent-replayed" not in fresh.headers
    assert fresh.json()["id"] != first.json()["id"]
    with api.store.session(write=False) as s:
        assert s.scalar(select(func.count()).select_from(HazardRow)) == 2
        assert s.scalar(select(func.count()).select_from(IdempotencyKeyRow)) == 1
    # The periodic sweep deletes every expired record, not only keys used again.
    api.post("/hazards", "field", json=HAZARD, headers={"Idempotency-Key": "other"})
    _age_keys(api, 48)
    monkeypatch.setattr(_idempotency, "_last_sweep", [0.0])
    api.post("/hazards", "field", json=HAZARD, headers={"Idempotency-Key": "third"})
    with api.store.session(write=False) as s:
        assert list(s.scalars(select(IdempotencyKeyRow.key))) == ["third"]
