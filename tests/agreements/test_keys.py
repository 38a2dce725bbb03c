"""Key files: created 0600, passphrase protection, and one-line errors for every bad file."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from corridor.agreements import generate_keypair, load_private_key, load_public_key, public_key_b64
from corridor.errors import KeyFileError


def test_keygen_modes_and_roundtrip(tmp_path: Path) -> None:
    pair = generate_keypair("alpha", directory=tmp_path / "k")
    assert stat.S_IMODE(pair.private_path.stat().st_mode) == 0o600
    assert load_public_key(pair.public_path) == pair.public_key
    assert public_key_b64(load_private_key(pair.private_path)) == pair.public_key
    assert not list((tmp_path / "k").glob(".*.tmp"))


def test_keygen_never_overwrites(tmp_path: Path) -> None:
    pair = generate_keypair("alpha", directory=tmp_path)
    before = pair.private_path.read_bytes()
    with pytest.raises(KeyFileError, match="already exists"):
        generate_keypair("alpha", directory=tmp_path)
    assert pair.private_path.read_bytes() == before


def test_passphrase(tmp_path: Path) -> None:
    pair = generate_keypair("beta", directory=tmp_path, passphrase=b"correct horse")
    assert b"ENCRYPTED" in pair.private_path.read_bytes()
    key = load_private_key(pair.private_path, passphrase=b"correct horse")
    assert public_key_b64(key) == pair.public_key
    with pytest.raises(KeyFileError, match="wrong passphrase"):
        load_private_key(pair.private_path, passphrase=b"wrong")
    with pytest.raises(KeyFileError, match="passphrase-protected"):
        load_private_key(pair.private_path)


def test_corrupted_and_misprotected_keys(tmp_path: Path) -> None:
    pair = generate_keypair("gamma", directory=tmp_path)
    data = bytearray(pair.private_path.read_bytes())
    data[40] ^= 0x5A  # flip bits inside the base64 body
    pair.private_path.write_bytes(bytes(data))
    with pytest.raises(KeyFileError) as info:
        load_private_key(pair.private_path)
    assert "\n" not in info.value.one_line()
    pair.private_path.write_bytes(b"hello")
    with pytest.raises(KeyFileError, match="corrupted"):
        load_private_key(pair.private_path)
    other = generate_keypair("delta", directory=tmp_path)
    other.private_path.chmod(0o644)
    with pytest.raises(KeyFileError, match="readable by others"):
        load_private_key(other.private_path)
    with pytest.raises(KeyFileError, match="not found"):
        load_private_key(tmp_path / "nope.key")
    with pytest.raises(KeyFileError, match="private key"):
        load_public_key(other.private_path)
