"""The network file: exact round trip, memory-mapped arrays, and damaged files rejected."""

from __future__ import annotations

import json
import math
import struct
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from corridor.errors import NetworkFileError
from corridor.network import Network, read_network, read_network_header, write_network
from corridor.network._format import FORMAT_VERSION, MAGIC, read_network_with_extras
from corridor.network._model import ARRAY_DTYPES


@pytest.fixture(scope="module")
def saved(krems: Network, tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("net") / "krems.net"
    write_network(krems, path, extra={"landmarks": np.arange(12.0).reshape(3, 4)})
    return path


def test_roundtrip_every_array_and_meta(krems: Network, saved: Path) -> None:
    loaded, extras = read_network_with_extras(saved)
    assert set(loaded.arrays) == set(ARRAY_DTYPES)
    for name, dtype in ARRAY_DTYPES.items():
        assert loaded.arrays[name].dtype == np.dtype(dtype)
        assert np.array_equal(loaded.arrays[name], krems.arrays[name], equal_nan=True), name
    assert loaded.strings == krems.strings
    assert {k: v for k, v in loaded.meta.items() if k != "path"} == dict(krems.meta)
    assert loaded.meta["path"] == str(saved)
    assert np.array_equal(extras["landmarks"], np.arange(12.0).reshape(3, 4))
    assert loaded.edge_label(0) == krems.edge_label(0)


def test_loaded_arrays_are_read_only_maps(saved: Path) -> None:
    loaded = read_network(saved)
    with pytest.raises(ValueError, match="read-only"):
        loaded.edge_length_m[0] = 1.0


def test_header(saved: Path, krems: Network) -> None:
    header = read_network_header(saved)
    assert header["format_version"] == FORMAT_VERSION
    assert header["meta"]["source_sha256"] == krems.source_sha256
    assert all("crc32" in spec for spec in header["arrays"].values())


def test_written_file_has_normal_permissions(saved: Path) -> None:
    assert saved.stat().st_mode & 0o044  # readable by others, as a plain open would make it


def _write_bytes(tmp_path: Path, data: bytes) -> Path:
    path = tmp_path / "damaged.net"
    path.write_bytes(data)
    return path


@pytest.mark.parametrize("fraction", [0.0, 0.001, 0.01, 0.3, 0.7, 0.999])
def test_truncated_file(saved: Path, tmp_path: Path, fraction: float) -> None:
    data = saved.read_bytes()
    path = _write_bytes(tmp_path, data[: math.floor(len(data) * fraction)])
    with pytest.raises(NetworkFileError, match=r"damaged\.net"):
        read_network(path)


def test_flipped_byte_in_array_data_fails_checksum(saved: Path, tmp_path: Path) -> None:
    data = bytearray(saved.read_bytes())
    data[-100] ^= 0xFF
    with pytest.raises(NetworkFileError, match="checksum"):
        read_network(_write_bytes(tmp_path, bytes(data)))


def _with_header(saved: Path, tmp_path: Path, edit: dict[str, object]) -> Path:
    data = saved.read_bytes()
    (length,) = struct.unpack("<Q", data[8:16])
    header = json.loads(data[16 : 16 + length])
    header.update(edit)
    raw = json.dumps(header, separators=(",", ":")).encode()
    raw = raw.ljust(length) if len(raw) <= length else raw  # keep the data offsets valid
    return _write_bytes(tmp_path, MAGIC + struct.pack("<Q", length) + raw + data[16 + length :])


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        ({"format_version": 99}, "version 99"),
        ({"arrays": []}, "corrupt"),
        ({"arrays": {}}, "directory is corrupt"),
    ],
)
def test_bad_header(saved: Path, tmp_path: Path, edit: dict[str, object], message: str) -> None:
    with pytest.raises(NetworkFileError, match=message):
        read_network(_with_header(saved, tmp_path, edit))


def test_inconsistent_arrays(saved: Path, tmp_path: Path) -> None:
    header = read_network_header(saved)
    arrays = header["arrays"]
    arrays["edge_length_m"]["shape"] = [arrays["edge_length_m"]["shape"][0] - 1]
    del arrays["edge_length_m"]["crc32"]
    with pytest.raises(NetworkFileError, match="inconsistent"):
        read_network(_with_header(saved, tmp_path, {"arrays": arrays}))


@pytest.mark.parametrize(
    ("content", "message"),
    [(b"", "bad magic"), (b"PK\x03\x04 a zip file", "bad magic"), (MAGIC + b"\x01", "truncated")],
)
def test_not_a_network_file(tmp_path: Path, content: bytes, message: str) -> None:
    with pytest.raises(NetworkFileError, match=message):
        read_network(_write_bytes(tmp_path, content))


def test_missing_and_directory(tmp_path: Path) -> None:
    with pytest.raises(NetworkFileError, match="not found"):
        read_network(tmp_path / "nope.net")
    with pytest.raises(NetworkFileError, match="directory"):
        read_network(tmp_path)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(cut=st.integers(min_value=0), flip=st.integers(min_value=0))
def test_any_damage_is_reported_as_network_file_error(
    saved: Path, tmp_path: Path, cut: int, flip: int
) -> None:
    data = bytearray(saved.read_bytes())
    data = data[: cut % len(data)] if cut % 2 else data
    if data and flip % 3:
        data[flip % len(data)] ^= 1 + flip % 255
    path = _write_bytes(tmp_path, bytes(data))
    try:
        loaded = read_network(path)
    except NetworkFileError:
        return
    # Only a flip in padding between arrays may go unnoticed, and then the data is intact.
    original = read_network(saved)
    for name in ARRAY_DTYPES:
        assert np.array_equal(loaded.arrays[name], original.arrays[name], equal_nan=True)


def test_damaged_header_length_does_not_allocate(saved: Path, tmp_path: Path) -> None:
    data = saved.read_bytes()
    huge = MAGIC + struct.pack("<Q", 2**62) + data[16:]
    with pytest.raises(NetworkFileError, match="header cut short"):
        read_network(_write_bytes(tmp_path, huge))


def test_header_that_is_not_an_object(tmp_path: Path) -> None:
    raw = b"[1, 2, 3]"
    with pytest.raises(NetworkFileError, match="not an object"):
        read_network(_write_bytes(tmp_path, MAGIC + struct.pack("<Q", len(raw)) + raw))


def test_renamed_string_table_is_corruption(saved: Path, tmp_path: Path) -> None:
    data = saved.read_bytes()
    damaged = data.replace(b'"strings_blob"', b'"strings_blub"', 1)
    with pytest.raises(NetworkFileError, match="strings_blob"):
        read_network(_write_bytes(tmp_path, damaged))
