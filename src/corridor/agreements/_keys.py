"""Party key files: Ed25519 private keys (PEM PKCS8, 0600, optional passphrase) and public keys."""

from __future__ import annotations

import os
import re
import stat
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import (
    BestAvailableEncryption,
    Encoding,
    NoEncryption,
    PrivateFormat,
    PublicFormat,
    load_pem_private_key,
    load_pem_public_key,
)

from corridor._input import read_input
from corridor.agreements._signing import public_key_b64, public_key_from_b64
from corridor.errors import KeyFileError, SignatureError

_NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$")


@dataclass(frozen=True)
class KeyPair:
    private_path: Path
    public_path: Path
    public_key: str  # base64 raw, as it appears in the terms


#: A PEM Ed25519 key is under 300 bytes; anything near this cap is not a key.
KEY_FILE_MAX = 64 * 1024


def _write_new(path: Path, data: bytes, mode: int) -> None:
    """Write a file that must not exist yet, with ``mode`` from its first byte on.

    The temp file is created 0600 by ``os.open`` (never world-readable, even briefly), then
    hard-linked into place, which fails instead of overwriting an existing key.
    """
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        tmp.chmod(mode)
        try:
            os.link(tmp, path)
        except FileExistsError as exc:
            raise KeyFileError(
                "already exists; not overwriting a key",
                path=path,
                hint="choose another name or folder",
            ) from exc
    finally:
        tmp.unlink(missing_ok=True)


def generate_keypair(
    name: str, *, directory: str | Path = ".", passphrase: bytes | None = None
) -> KeyPair:
    """Write ``NAME.key`` (private, 0600) and ``NAME.pub`` (public PEM) into ``directory``."""
    if not _NAME_RE.match(name):
        raise KeyFileError(
            f"party name {name!r} cannot be a file name",
            hint="use letters, digits, '.', '_' or '-'",
        )
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    private, public = directory / f"{name}.key", directory / f"{name}.pub"
    for p in (private, public):
        if p.exists():
            raise KeyFileError("already exists; not overwriting a key", path=p)
    key = Ed25519PrivateKey.generate()
    enc = BestAvailableEncryption(passphrase) if passphrase else NoEncryption()
    _write_new(private, key.private_bytes(Encoding.PEM, PrivateFormat.PKCS8, enc), 0o600)
    pub_pem = key.public_key().public_bytes(Encoding.PEM, PublicFormat.SubjectPublicKeyInfo)
    try:
        _write_new(public, pub_pem, 0o644)
    except BaseException:
        private.unlink(missing_ok=True)
        raise
    return KeyPair(private, public, public_key_b64(key))


def load_private_key(path: str | Path, *, passphrase: bytes | None = None) -> Ed25519PrivateKey:
    """Load a party's private key; every failure is one KeyFileError line naming the file."""
    path = Path(path)
    try:
        mode = path.stat().st_mode
    except FileNotFoundError as exc:
        raise KeyFileError("key file not found", path=path) from exc
    except OSError as exc:
        raise KeyFileError(f"cannot read key file: {exc.strerror}", path=path) from exc
    data = read_input(path, what="key file", max_bytes=KEY_FILE_MAX, error=KeyFileError)
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise KeyFileError(
            f"private key is readable by others (mode {stat.filemode(mode)})",
            path=path,
            hint=f"chmod 600 {path}",
        )
    encrypted = b"ENCRYPTED PRIVATE KEY" in data
    if encrypted and not passphrase:
        raise KeyFileError(
            "key is passphrase-protected", path=path, hint="give --passphrase or --passphrase-file"
        )
    try:
        key = load_pem_private_key(data, password=passphrase if encrypted else None)
    except ValueError as exc:
        why = "wrong passphrase or corrupted key" if encrypted else "corrupted or not a PEM key"
        raise KeyFileError(why, path=path) from exc
    except (TypeError, UnsupportedAlgorithm) as exc:
        raise KeyFileError("not a usable private key", path=path) from exc
    if not isinstance(key, Ed25519PrivateKey):
        raise KeyFileError(f"not an Ed25519 key ({type(key).__name__})", path=path)
    return key


def load_public_key(path: str | Path) -> str:
    """A public key file (PEM, or the base64 raw form) as the base64 raw text used in terms."""
    path = Path(path)
    data = read_input(path, what="public key file", max_bytes=KEY_FILE_MAX, error=KeyFileError)
    if b"PRIVATE KEY" in data:
        raise KeyFileError("this is a private key; give the .pub file", path=path)
    if data.lstrip().startswith(b"-----BEGIN"):
        try:
            key = load_pem_public_key(data)
        except (ValueError, UnsupportedAlgorithm) as exc:
            raise KeyFileError("corrupted or not a PEM public key", path=path) from exc
        if not isinstance(key, Ed25519PublicKey):
            raise KeyFileError(f"not an Ed25519 key ({type(key).__name__})", path=path)
        return public_key_b64(key)
    text = data.decode("ascii", errors="replace").strip()
    try:
        return public_key_b64(public_key_from_b64(text))
    except SignatureError as exc:
        raise KeyFileError("not a PEM or base64 Ed25519 public key", path=path) from exc


def read_passphrase_file(path: str | Path) -> bytes:
    """The first line of a passphrase file (trailing newline stripped)."""
    data = read_input(path, what="passphrase file", max_bytes=KEY_FILE_MAX, error=KeyFileError)
    first = data.splitlines()[0] if data else b""
    if not first:
        raise KeyFileError("passphrase file is empty", path=path)
    return first
