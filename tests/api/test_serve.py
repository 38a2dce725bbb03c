"""The real `corridor serve` process over loopback, and `corridor users` at the shell."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from corridor.api import add_user, hash_token
from corridor.store import ApiUserRow, open_store


def corridor(*args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "corridor", *args],
        capture_output=True,
        text=True,
        check=check,
        timeout=120,
        env={**os.environ, "COLUMNS": "200"},
    )


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_healthy(base: str, proc: subprocess.Popen[str], timeout_s: float = 240) -> None:
    # Generous: `corridor serve` warms its routing kernels before it answers, and on a clean
    # clone the first server compiles them (numba) while the other test worker loads the cores.
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(
                f"corridor serve exited: {proc.stderr.read() if proc.stderr else ''}"
            )
        try:
            if httpx.get(f"{base}/health", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    raise AssertionError(f"corridor serve did not become healthy in {timeout_s:.0f} s")


@contextmanager
def serving(db_url: str, network_file: Path, *extra: str) -> Iterator[str]:
    """A `corridor serve` subprocess on a free loopback port; yields its base URL."""
    open_store(db_url).close()  # create the schema once, before two processes race for it
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "corridor", "serve", "--port", str(port), "--db", db_url,
         "--network", str(network_file), "--quiet", *extra],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        wait_healthy(base, proc)
        yield base
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            # uvicorn shuts down cleanly, then re-raises the signal it caught.
            assert proc.wait(timeout=30) in (0, -signal.SIGTERM)
        finally:
            if proc.poll() is None:
                proc.kill()
            _, err = proc.communicate()
        assert "Traceback" not in err, err


@pytest.fixture
def server(db_url: str, network_file: Path) -> Iterator[tuple[str, str]]:
    with serving(db_url, network_file) as base:
        yield base, db_url


def test_users_cli_prints_the_token_once_and_stores_only_its_hash(tmp_path: Path) -> None:
    db_url = f"sqlite:///{tmp_path / 'users.db'}"
    out = corridor("users", "add", "ops-1", "--role", "coordinator", "--db", db_url).stdout
    token = out.strip().splitlines()[-1]
    assert token.startswith("cor_") and len(token) > 40
    listing = corridor("users", "list", "--db", db_url).stdout
    assert "ops-1" in listing and "coordinator" in listing and token not in listing
    with open_store(db_url) as store, store.session(write=False) as session:
        row = session.query(ApiUserRow).one()
        assert row.token_hash == hash_token(token)
        assert token not in repr([getattr(row, c.key) for c in ApiUserRow.__table__.columns])
    bad = corridor("users", "add", "x", "--role", "admiral", "--db", db_url, check=False)
    assert bad.returncode == 2 and "unknown role" in bad.stderr


def test_real_server_over_loopback(server: tuple[str, str]) -> None:
    base, db_url = server
    with open_store(db_url) as store:
        token = add_user(store, name="ops", role="coordinator", party=None, actor="test")
    auth = {"Authorization": f"Bearer {token}"}
    with httpx.Client(base_url=base, timeout=30) as client:
        assert client.get("/health").json()["networks"] == ["krems"]
        assert client.get("/me").status_code == 401
        assert client.get("/me", headers=auth).json()["role"] == "coordinator"
        schema = client.get("/openapi.json").json()
        assert "/routes" in schema["paths"]
        assert client.get("/docs").status_code == 200
        routed = client.post(
            "/routes",
            headers=auth,
            json={"network": "krems", "origin": {"lat": 48.42, "lon": 15.57},
                  "destination": {"lat": 48.405, "lon": 15.65}},
        )  # fmt: skip
        assert routed.status_code == 200 and routed.json()["routes"][0]["time_s"] > 0
        # Disabling at the shell takes effect on the running server's next request.
        corridor("users", "disable", "ops", "--db", db_url)
        assert client.get("/me", headers=auth).status_code == 401


def test_serve_refuses_a_bad_database_with_one_line() -> None:
    result = corridor("serve", "--db", "nosuchdriver://x", check=False)
    assert result.returncode == 2
    assert "error:" in result.stderr and "Traceback" not in result.stderr


def test_workers_share_the_port_and_the_store(tmp_path: Path, network_file: Path) -> None:
    db_url = f"sqlite:///{tmp_path / 'workers.db'}"
    with serving(db_url, network_file, "--workers", "2") as base:
        with open_store(db_url) as store:
            token = add_user(store, name="obs", role="observer", party=None, actor="test")
        auth = {"Authorization": f"Bearer {token}"}
        with httpx.Client(base_url=base, timeout=30) as client:
            # New connections are spread over the workers; each must see the new user.
            for _ in range(6):
                with httpx.Client(base_url=base, timeout=30) as fresh:
                    assert fresh.get("/me", headers=auth).json()["name"] == "obs"
            assert client.get("/health").json()["database"] == "ok"
