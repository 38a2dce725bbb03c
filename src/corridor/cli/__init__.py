"""The ``corridor`` command line: thin commands that parse, call one domain function, render.

Kept light on purpose (issue 14, defect 10): :func:`main` first offers the arguments to the
lean path (:mod:`corridor.cli._lean`: a few database-only read commands on the bare DB-API
driver, no SQLAlchemy, Typer or store import) and otherwise runs the full Typer application,
built in :mod:`corridor.cli._app` on first use (``from corridor.cli import app`` still works).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from corridor.cli._app import app


def main(argv: list[str] | None = None) -> None:
    """Run the CLI; a parameter error is one line and exit 2, like every other user error.

    OpenBLAS (under NumPy) starts a thread per core when NumPy is imported, 0.05 s of CPU
    and 0.1 s of wall time on a busy laptop before a command does anything; corridor's work
    is element-wise NumPy and compiled kernels, not BLAS (one small product in the Knox
    test), and the server and Dask workers want one thread each anyway. So one thread is the
    default here; a user's own ``OPENBLAS_NUM_THREADS`` wins.
    """
    import os
    import sys

    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

    from corridor.cli._lean import run_lean

    code = run_lean(sys.argv[1:] if argv is None else argv)
    if code is not None:
        sys.exit(code)
    from corridor.cli._app import run

    run(argv)


def __getattr__(name: str) -> Any:
    if name == "app":
        from corridor.cli._app import app

        return app
    raise AttributeError(f"module 'corridor.cli' has no attribute {name!r}")


__all__ = ["app", "main"]
