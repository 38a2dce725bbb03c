"""`corridor serve`: run the REST API (uvicorn) over a store and a set of networks."""

from __future__ import annotations

from pathlib import Path

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
) -> None:
    """Serve the REST API; OpenAPI at /openapi.json, interactive docs at /docs."""
    from fastapi import FastAPI

    from corridor.api._serve import serve as run

    def announce(app: FastAPI) -> None:
        names = ", ".join(sorted(app.state.corridor.networks)) or "none"
        console.print(f"corridor API on http://{host}:{port} (networks: {names}; docs at /docs)")

    run(
        host=host,
        port=port,
        db_url=db,
        networks=network,
        max_body_bytes=int(max_body_mb * 1024 * 1024),
        workers=workers,
        access_log=not quiet,
        announce=announce,
    )
