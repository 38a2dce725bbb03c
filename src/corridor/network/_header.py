"""A network file's header and extent without numpy.

Why: a field report is checked against the extent of the route's road network, and the
commands that store one (``corridor checkin|incident``) must start in under 0.3 s of CPU;
importing numpy costs a quarter to a third of that (issue 14, defect 10). The header is plain
JSON and the node coordinates are little-endian float64 arrays, so both are read here with the
standard library; :mod:`corridor.network._format` reads the header through this module.
"""

from __future__ import annotations

import json
import mmap
import struct
import sys
import zlib
from pathlib import Path
from typing import Any, cast

from corridor.errors import NetworkFileError

MAGIC = b"CORRNET\x00"
FORMAT_VERSION = 1
_ALIGN = 64
_HEADER_LEN = struct.Struct("<Q")

__all__ = ["FORMAT_VERSION", "MAGIC", "read_network_bounds", "read_network_header"]


def read_network_header(path: str | Path) -> dict[str, Any]:
    """The JSON header of a network file (format version, metadata, array directory)."""
    path = Path(path)
    header, _ = _read_header(path)
    return header


def _read_header(path: Path) -> tuple[dict[str, Any], int]:
    if not path.exists():
        raise NetworkFileError(
            "network file not found", path=path, hint="create one with 'corridor network import'"
        )
    if path.is_dir():
        raise NetworkFileError("is a directory, not a network file", path=path)
    with path.open("rb") as fh:
        magic = fh.read(len(MAGIC))
        if magic != MAGIC:
            raise NetworkFileError(
                "not a corridor network file (bad magic bytes)",
                path=path,
                hint="create one with 'corridor network import'",
            )
        raw_len = fh.read(_HEADER_LEN.size)
        if len(raw_len) != _HEADER_LEN.size:
            raise NetworkFileError("network file is truncated (no header)", path=path)
        (length,) = _HEADER_LEN.unpack(raw_len)
        # Check the length against the file before reading: a damaged length field must not
        # make us allocate gigabytes.
        if length > path.stat().st_size - fh.tell():
            raise NetworkFileError("network file is truncated (header cut short)", path=path)
        raw = fh.read(length)
    try:
        header: dict[str, Any] = json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as exc:
        raise NetworkFileError(f"network file header is corrupt: {exc}", path=path) from exc
    if not isinstance(header, dict):
        raise NetworkFileError("network file header is corrupt (not an object)", path=path)
    version = header.get("format_version")
    if version != FORMAT_VERSION:
        raise NetworkFileError(
            f"network file format version {version} is not supported (this corridor reads "
            f"version {FORMAT_VERSION})",
            path=path,
            hint="re-import the OSM extract",
        )
    start = (len(MAGIC) + _HEADER_LEN.size + length + _ALIGN - 1) // _ALIGN * _ALIGN
    return header, start


def read_network_bounds(path: str | Path) -> tuple[float, float, float, float]:
    """(min lon, min lat, max lon, max lat) of a network file's nodes, each array's CRC-32
    checked as :func:`corridor.network.read_network` checks it.

    NetworkFileError for anything this light reading cannot vouch for (a damaged file, or a
    layout it does not know); the caller then opens the file with ``read_network``, which
    words the problem."""
    path = Path(path)
    header, start = _read_header(path)
    size = path.stat().st_size
    found: dict[str, list[float]] = {}
    try:
        with path.open("rb") as fh, mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ) as buf:
            view = memoryview(buf)
            try:
                for name, spec in header["arrays"].items():
                    count = 1
                    for n in spec["shape"]:
                        count *= int(n)
                    width = _ITEM_SIZE.get(str(spec["dtype"])[1:], 8)
                    offset = start + int(spec["offset"])
                    end = offset + count * width
                    if end > size:
                        raise NetworkFileError("network file is truncated", path=path)
                    if (
                        count
                        and "crc32" in spec
                        and zlib.crc32(view[offset:end]) != int(spec["crc32"])
                    ):
                        raise NetworkFileError("network file is corrupt", path=path)
                    if name in ("node_lon", "node_lat"):
                        if spec["dtype"] != "<f8" or len(spec["shape"]) != 1:
                            raise NetworkFileError("unexpected node arrays", path=path)
                        found[name] = cast("list[float]", view[offset:end].cast("d").tolist())
            finally:
                view.release()
    except (KeyError, TypeError, ValueError, AttributeError, OverflowError, OSError) as exc:
        if isinstance(exc, NetworkFileError):
            raise
        raise NetworkFileError(f"network file directory is corrupt: {exc}", path=path) from exc
    lon, lat = found.get("node_lon"), found.get("node_lat")
    if not lon or not lat or len(lon) != len(lat) or sys.byteorder != "little":
        raise NetworkFileError("network file has no readable nodes", path=path)
    return (min(lon), min(lat), max(lon), max(lat))


#: Bytes per item of the dtypes a network file holds (numpy's type codes without byte order);
#: an unknown one is taken as 8 here and refused by ``read_network``.
_ITEM_SIZE = {"f8": 8, "f4": 4, "i8": 8, "i4": 4, "i2": 2, "i1": 1, "u8": 8, "u4": 4, "u2": 2,
              "u1": 1, "b1": 1}  # fmt: skip
