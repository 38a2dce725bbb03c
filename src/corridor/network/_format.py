"""The network file: one header plus raw aligned arrays, loaded by memory-mapping.

Layout: ``MAGIC`` (8 bytes), header length (u64 little-endian), UTF-8 JSON header, then each
array at a 64-byte aligned offset. The header holds the format version, the metadata (source
SHA-256, profile, import report) and, per array, its dtype, shape and offset. Loading maps the
file and wraps each array without copying, so a million-edge network opens in milliseconds.
"""

from __future__ import annotations

import itertools
import json
import math
import mmap
import zlib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from corridor._files import atomic_output
from corridor.errors import NetworkFileError
from corridor.network._header import (  # read without numpy: see corridor.network._header
    _ALIGN,
    _HEADER_LEN,
    FORMAT_VERSION,
    MAGIC,
    _read_header,
)
from corridor.network._model import ARRAY_DTYPES, Network


def _encode_strings(strings: tuple[str, ...]) -> tuple[NDArray[np.uint8], NDArray[np.int64]]:
    encoded = [s.encode("utf-8") for s in strings]
    offsets = np.zeros(len(encoded) + 1, dtype=np.int64)
    np.cumsum([len(b) for b in encoded], out=offsets[1:])
    blob = np.frombuffer(b"".join(encoded), dtype=np.uint8)
    return blob, offsets


def write_network(
    network: Network, path: str | Path, *, extra: Mapping[str, NDArray[Any]] | None = None
) -> None:
    """Write ``network`` atomically: a temporary file in the same folder, fsync, rename.

    ``extra`` stores further arrays (for example routing landmarks) beside the standard ones.
    """
    path = Path(path)
    blob, offsets = _encode_strings(network.strings)
    arrays: dict[str, NDArray[Any]] = {
        k: np.ascontiguousarray(v) for k, v in network.arrays.items()
    }
    arrays["strings_blob"] = blob
    arrays["strings_offsets"] = offsets
    for name, arr in (extra or {}).items():
        arrays[f"extra:{name}"] = np.ascontiguousarray(arr)

    directory: dict[str, dict[str, Any]] = {}
    pos = 0
    for name, arr in arrays.items():
        pos = (pos + _ALIGN - 1) // _ALIGN * _ALIGN
        directory[name] = {
            "dtype": arr.dtype.str,
            "shape": list(arr.shape),
            "offset": pos,
            "crc32": zlib.crc32(arr.data.cast("B")) if arr.nbytes else 0,
        }
        pos += arr.nbytes
    # "path" says where a loaded network came from; it is not part of the network itself.
    meta = {k: v for k, v in network.meta.items() if k != "path"}
    header = {"format_version": FORMAT_VERSION, "meta": meta, "arrays": directory}
    header_bytes = json.dumps(header, sort_keys=True).encode("utf-8")
    data_start = (len(MAGIC) + _HEADER_LEN.size + len(header_bytes) + _ALIGN - 1) // _ALIGN * _ALIGN

    with atomic_output(path) as fh:
        fh.write(MAGIC)
        fh.write(_HEADER_LEN.pack(len(header_bytes)))
        fh.write(header_bytes)
        for name, arr in arrays.items():
            fh.seek(data_start + directory[name]["offset"])
            fh.write(arr.data.cast("B") if arr.nbytes else b"")
        fh.truncate(data_start + pos)


def read_network(path: str | Path, *, verify: bool = True) -> Network:
    """Load a network file by memory-mapping it; arrays are read-only views of the file.

    ``verify`` checks each array's CRC-32 (about 1 GB/s, so a few tens of milliseconds for a
    million edges): a damaged file then fails here with ``NetworkFileError`` instead of
    routing on garbage later.
    """
    network, _ = read_network_with_extras(path, verify=verify)
    return network


def _check_consistent(arrays: Mapping[str, NDArray[Any]], path: Path) -> None:
    """Cheap structural checks: every array has the length its role implies."""
    bad = [name for name in ARRAY_DTYPES if arrays[name].ndim != 1]
    if not bad:
        n_nodes = arrays["node_lon"].shape[0]
        n_edges = arrays["edge_source"].shape[0]
        offsets = arrays["seg_offsets"]
        n_pts = int(offsets[-1]) if offsets.shape[0] else -1
        expected = {name: n_nodes for name in ARRAY_DTYPES if name.startswith("node_")}
        expected |= {name: n_edges for name in ARRAY_DTYPES if name.startswith("edge_")}
        expected |= {"indptr": n_nodes + 1, "rev_indptr": n_nodes + 1, "rev_edges": n_edges}
        expected |= {"seg_lon": n_pts, "seg_lat": n_pts, "seg_node_id": n_pts}
        bad = [name for name, n in expected.items() if arrays[name].shape[0] != n]
        if not bad and int(arrays["indptr"][-1]) != n_edges:
            bad.append("indptr")
    if bad:
        raise NetworkFileError(
            f"network file is inconsistent (arrays {', '.join(bad)})",
            path=path,
            hint="re-import the OSM extract",
        )


def read_network_with_extras(
    path: str | Path, *, verify: bool = True
) -> tuple[Network, dict[str, NDArray[Any]]]:
    """Load a network and any extra arrays stored beside it (see ``write_network``)."""
    path = Path(path)
    header, start = _read_header(path)
    size = path.stat().st_size
    with path.open("rb") as fh:
        buf: mmap.mmap | bytes = (
            mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ) if size > 0 else b""
        )
    arrays: dict[str, NDArray[Any]] = {}
    try:
        for name, spec in header["arrays"].items():
            dtype = np.dtype(spec["dtype"])
            shape = tuple(int(n) for n in spec["shape"])
            count = math.prod(shape)
            offset = start + int(spec["offset"])
            if offset + count * dtype.itemsize > size:
                raise NetworkFileError(
                    f"network file is truncated (array {name!r} cut short)",
                    path=path,
                    hint="re-import the OSM extract",
                )
            arrays[name] = np.frombuffer(buf, dtype=dtype, count=count, offset=offset).reshape(
                shape
            )
            if verify and arrays[name].nbytes and "crc32" in spec:
                crc = zlib.crc32(memoryview(buf)[offset : offset + arrays[name].nbytes])
                if crc != int(spec["crc32"]):
                    raise NetworkFileError(
                        f"network file is corrupt (array {name!r} fails its checksum)",
                        path=path,
                        hint="re-import the OSM extract",
                    )
    # Garbage in the directory surfaces as any of these (numpy parses dtype strings with ast).
    except (KeyError, TypeError, ValueError, AttributeError, OverflowError, SyntaxError) as exc:
        if isinstance(exc, NetworkFileError):
            raise
        raise NetworkFileError(f"network file directory is corrupt: {exc}", path=path) from exc
    known = set(ARRAY_DTYPES) | {"strings_blob", "strings_offsets"}
    strange = sorted(k for k in arrays if k not in known and not k.startswith("extra:"))
    missing = sorted(k for k in ("strings_blob", "strings_offsets") if k not in arrays)
    if strange or missing:
        raise NetworkFileError(
            f"network file directory is corrupt (arrays {', '.join(strange + missing)})",
            path=path,
            hint="re-import the OSM extract",
        )
    blob = arrays.pop("strings_blob").tobytes()
    offs = arrays.pop("strings_offsets")
    bounds = offs.tolist()  # plain ints: indexing numpy scalars per string costs 5x more
    try:
        strings = tuple(blob[a:b].decode("utf-8") for a, b in itertools.pairwise(bounds))
    except (UnicodeDecodeError, TypeError) as exc:
        raise NetworkFileError("network file string table is corrupt", path=path) from exc
    extras = {
        k.removeprefix("extra:"): arrays.pop(k) for k in list(arrays) if k.startswith("extra:")
    }
    for name, dtype in ARRAY_DTYPES.items():
        if name not in arrays:
            raise NetworkFileError(
                f"network file lacks array {name!r}", path=path, hint="re-import the OSM extract"
            )
        if arrays[name].dtype != np.dtype(dtype):
            raise NetworkFileError(
                f"array {name!r} has dtype {arrays[name].dtype}, expected {np.dtype(dtype)}",
                path=path,
            )
    _check_consistent(arrays, path)
    try:
        meta = dict(header.get("meta", {}))
    except (TypeError, ValueError) as exc:
        raise NetworkFileError("network file metadata is corrupt", path=path) from exc
    meta["path"] = str(path)
    return Network(arrays=arrays, strings=strings, meta=meta), extras
