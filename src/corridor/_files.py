"""Output files that appear whole or not at all, and file digests; used by every area.

A user working under stress must never find half a network, hazard file, route or audit export
after a crash or a full disk: everything is written to a temporary file in the target's folder
(so the final rename is atomic), fsynced, then renamed over the target.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO

__all__ = ["atomic_output", "sha256_file", "write_atomic", "write_lines"]


@contextmanager
def atomic_output(path: str | Path) -> Iterator[BinaryIO]:
    """A binary file that appears at ``path`` only once fully written (temp file + rename).

    The temporary file gets the mode a plain ``open`` would give (mkstemp's 0600 would make
    shared outputs unreadable to colleagues) and is removed on any failure.
    """
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    except OSError as exc:
        raise _naming(exc, path) from exc
    tmp = Path(tmp_name)
    try:
        umask = os.umask(0)
        os.umask(umask)
        tmp.chmod(0o666 & ~umask)
        with os.fdopen(fd, "wb") as fh:
            yield fh
            fh.flush()
            os.fsync(fh.fileno())
        tmp.replace(path)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise _naming(exc, path) from exc
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def _naming(exc: OSError, target: Path) -> OSError:
    """The same error, naming the file the user asked for, not our temporary file (which
    has already been removed and means nothing to them)."""
    return type(exc)(exc.errno, exc.strerror or str(exc), str(target))


def write_atomic(path: str | Path, data: str | bytes) -> None:
    """Write ``data`` (text is UTF-8 encoded) to ``path`` whole or not at all."""
    with atomic_output(path) as fh:
        fh.write(data.encode("utf-8") if isinstance(data, str) else data)


def sha256_file(path: str | Path, chunk: int = 1 << 20) -> str:
    """SHA-256 hex digest of a file's bytes (what agreements and the store cite)."""
    digest = hashlib.sha256()
    with Path(path).open("rb") as fh:
        while block := fh.read(chunk):
            digest.update(block)
    return digest.hexdigest()


def write_lines(path: str | Path, lines: Iterable[str]) -> int:
    """Write ``lines`` (UTF-8, one per line) to ``path`` atomically; returns how many."""
    count = 0
    with atomic_output(path) as fh:
        for line in lines:
            fh.write((line + "\n").encode("utf-8"))
            count += 1
    return count
