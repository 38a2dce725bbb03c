"""`corridor serve`: run the REST API (uvicorn) over a store and a set of networks."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from corridor.cli._common import console, handle_errors

app = typer.Typer()


@app.command("serve")
@handle_errors
def serve(
    *,
    host: str = typer.Option("127.0.0.1", help="Address to listen on (loopback by default)."),
    port: int = typer.Option(8000, min=0, max=65535, help="TCP port to listen on."),
    db: str | None = typer.Option(
        None, "--db", help="Database URL (default: the store's default database)."
    ),
    network: list[Path] = typer.Option(  # noqa: B008 - Typer reads defaults at import
        [],
        "--network",
        exists=True,
        dir_okay=False,
        help="A network file to serve (repeat for several); its URL name is the file name.",
    ),
    max_body_mb: float = typer.Option(4.0, min=0.001, help="Largest request body, in MiB."),
    workers: int = typer.Option(
        1, min=1, max=64, help="Worker processes (one per core uses every core)."
    ),
    quiet: bool = typer.Option(False, "--quiet", help="No access log (errors still print)."),
    tls_cert: Annotated[
        Path | None,
        typer.Option("--tls-cert", exists=True, dir_okay=False, help="TLS certificate (PEM)."),
    ] = None,
    tls_key: Annotated[
        Path | None,
        typer.Option("--tls-key", exists=True, dir_okay=False, help="TLS private key (PEM)."),
    ] = None,
    insecure: bool = typer.Option(
        False,
        "--insecure",
        help="Allow plain HTTP on a non-loopback address (bearer tokens then cross the "
        "network in clear text: only behind a TLS-terminating proxy).",
    ),
) -> None:
    """Serve the REST API; OpenAPI at /openapi.json, interactive docs at /docs.

    Bound beyond loopback, it serves HTTPS (--tls-cert and --tls-key) or refuses to start
    unless --insecure says a proxy in front does TLS."""
    from fastapi import FastAPI

    from corridor.api import check_transport
    from corridor.api import serve as run

    check_transport(host, tls_cert=tls_cert, tls_key=tls_key, insecure=insecure)
    scheme = "https" if tls_cert else "http"

    def announce(app: FastAPI) -> None:
        names = ", ".join(sorted(app.state.corridor.networks)) or "none"
        console.print(
            f"corridor API on {scheme}://{host}:{port} (networks: {names}; docs at /docs)"
        )

    run(
        host=host,
        port=port,
        db_url=db,
        networks=network,
        max_body_bytes=int(max_body_mb * 1024 * 1024),
        workers=workers,
        access_log=not quiet,
        announce=announce,
        tls=(tls_cert, tls_key) if tls_cert and tls_key else None,
    )
