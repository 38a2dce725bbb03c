"""What `corridor serve` runs: one process, or several uvicorn workers sharing a port.

Workers are separate processes (the GIL keeps one process on one core), so each builds its
own app from the settings passed in the environment; networks are memory-mapped, so their
pages are shared, and every cache is keyed by the store version, so workers stay consistent.
"""

from __future__ import annotations

import json
import os
import socket
from collections.abc import Callable, Sequence
from pathlib import Path

from fastapi import FastAPI

_ENV = "CORRIDOR_SERVE_SETTINGS"
#: How long a thread may hold the GIL while another waits (Python's default is 5 ms). Heavy
#: requests run on a pool thread; with 5 ms, each time the event loop wakes for a light
#: request it could wait that long for the GIL, several times per request.
SWITCH_INTERVAL_S = 0.001


def _share_the_gil() -> None:
    import sys

    sys.setswitchinterval(SWITCH_INTERVAL_S)


def app_from_env() -> FastAPI:
    """uvicorn's factory in each worker process."""
    from corridor.api._app import create_app

    settings = json.loads(os.environ[_ENV])
    _share_the_gil()
    return create_app(
        db_url=settings["db_url"],
        networks=settings["networks"],
        max_body_bytes=settings["max_body_bytes"],
        warm=True,
    )


def serve(
    *,
    host: str,
    port: int,
    db_url: str | None,
    networks: Sequence[Path],
    max_body_bytes: int,
    workers: int = 1,
    access_log: bool = True,
    announce: Callable[[FastAPI], None] | None = None,
    tls: tuple[Path, Path] | None = None,
) -> None:
    """Run until SIGINT/SIGTERM. Errors in the settings surface before the port is opened."""
    import uvicorn

    from corridor.api._app import create_app

    # Build once here: a bad database or network file fails fast, with one clear line.
    app = create_app(db_url=db_url, networks=networks, max_body_bytes=max_body_bytes, warm=True)
    if announce is not None:
        announce(app)
    _share_the_gil()
    common = {
        "host": host,
        "port": port,
        "access_log": access_log,
        "log_level": "info" if access_log else "warning",
        "server_header": False,
    }
    if tls is not None:
        common["ssl_certfile"], common["ssl_keyfile"] = str(tls[0]), str(tls[1])
    if workers <= 1:
        uvicorn.run(app, **common)  # type: ignore[arg-type]
        return
    os.environ[_ENV] = json.dumps(
        {
            "db_url": db_url,
            "networks": [str(Path(p).resolve()) for p in networks],
            "max_body_bytes": max_body_bytes,
        }
    )
    from uvicorn.supervisors import Multiprocess

    config = uvicorn.Config(
        "corridor.api._serve:app_from_env",
        factory=True,
        workers=workers,
        **common,  # type: ignore[arg-type]
    )
    Multiprocess(config, sockets=[_listening_socket(host, port)]).run()


def is_loopback(host: str) -> bool:
    """Whether ``host`` only accepts connections from this machine."""
    import ipaddress

    if host.lower() in ("localhost", "localhost.localdomain"):
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False  # a host name: it may resolve to anything


def check_transport(
    host: str, *, tls_cert: Path | None, tls_key: Path | None, insecure: bool
) -> None:
    """Refuse plain HTTP beyond loopback: bearer tokens would cross the network readable.

    Raises InputError (one line, exit 2) before any port is opened.
    """
    from corridor.errors import InputError

    if (tls_cert is None) != (tls_key is None):
        raise InputError("give both --tls-cert and --tls-key, or neither")
    if tls_cert is not None or insecure or is_loopback(host):
        return
    raise InputError(
        f"refusing to serve plain HTTP on {host}: tokens would cross the network in clear text",
        hint="give --tls-cert FILE --tls-key FILE, or --insecure behind a TLS-terminating proxy",
    )


def _listening_socket(host: str, port: int) -> socket.socket:
    """The shared socket, made with ``IPPROTO_TCP`` explicitly.

    uvicorn's own (``socket.socket(family)``) has protocol 0, and asyncio sets TCP_NODELAY
    only on sockets whose protocol is IPPROTO_TCP: without it Nagle's algorithm and delayed
    ACKs added ~40 ms to every response of a multi-worker server (measured in bench_api).
    """
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        from corridor.errors import InputError

        raise InputError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from exc
    sock.set_inheritable(True)
    return sock
