"""Signed checkpoints of the audit log: tree size and root hash, signed by each party's key.

The text is a signed note in the style of Go's checksum database and the C2SP
``tlog-checkpoint`` format, so it reads the same to anyone who has met one::

    corridor-audit/3f2a9c0e51d7b4a8      <- origin: which log (from its first entry)
    128                                  <- tree size (entries)
    q0D...=                              <- RFC 9162 root hash, standard base64
                                         <- a blank line ends the body
    — north AbCd...                      <- one line per signature: name, base64(key id || sig)

The key id is the first four bytes of ``SHA-256(name || "\\n" || 0x01 || public key)``, as in
signed notes. Unlike a plain signed note, the signature covers ``CHECKPOINT_DOMAIN + body``:
the same Ed25519 key signs agreements (``corridor-agreement-v1``) and suspensions, and the
prefix makes a checkpoint signature useless as any other statement, and vice versa.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from dataclasses import dataclass, replace

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from corridor.audit._merkle import HASH_SIZE
from corridor.errors import InputError

CHECKPOINT_DOMAIN = b"corridor-audit-checkpoint-v1\n"
ORIGIN_PREFIX = "corridor-audit/"
SIGNATURE_DASH = "\u2014"  # an em dash, as signed notes use
MAX_CHECKPOINT_BYTES = 64 * 1024  # a checkpoint is a few hundred bytes; refuse anything huge
MAX_SIGNATURES = 100
_ALG_ED25519 = b"\x01"


def log_origin(first_entry_hash: str) -> str:
    """The origin line: names the log by its first entry, so a checkpoint of one store never
    passes as a checkpoint of another (and rewriting the first entry changes the name)."""
    return ORIGIN_PREFIX + first_entry_hash[:16]


@dataclass(frozen=True, slots=True)
class NoteSignature:
    """One signature line: who signed, the key id it claims, the 64-byte Ed25519 signature."""

    name: str
    key_id: bytes
    signature: bytes

    def line(self) -> str:
        blob = base64.b64encode(self.key_id + self.signature).decode()
        return f"{SIGNATURE_DASH} {self.name} {blob}"


@dataclass(frozen=True, slots=True)
class Checkpoint:
    """A tree head (origin, size, root) and the signatures over it."""

    origin: str
    size: int
    root: bytes
    signatures: tuple[NoteSignature, ...] = ()

    def body(self) -> bytes:
        """The signed part: three lines, each ending in a newline."""
        root = base64.b64encode(self.root).decode()
        return f"{self.origin}\n{self.size}\n{root}\n".encode()

    def text(self) -> str:
        """The whole note: body, a blank line, one line per signature."""
        lines = [sig.line() for sig in self.signatures]
        return self.body().decode() + "\n" + "".join(line + "\n" for line in lines)

    @property
    def root_hex(self) -> str:
        return self.root.hex()

    def signers(self) -> list[str]:
        return [sig.name for sig in self.signatures]


def key_id(name: str, public_key: Ed25519PublicKey) -> bytes:
    raw = public_key.public_bytes(Encoding.Raw, PublicFormat.Raw)
    return hashlib.sha256(name.encode() + b"\n" + _ALG_ED25519 + raw).digest()[:4]


def _check_name(name: str) -> None:
    if not name or any(c.isspace() or c == "+" for c in name) or len(name) > 200:
        raise InputError(
            f"signer name {name!r} cannot appear in a checkpoint",
            hint="a name without spaces or '+', as in signed notes",
        )


def sign_checkpoint(checkpoint: Checkpoint, name: str, key: Ed25519PrivateKey) -> Checkpoint:
    """The checkpoint with one more signature (``name``'s); an earlier one by ``name`` goes."""
    _check_name(name)
    sig = key.sign(CHECKPOINT_DOMAIN + checkpoint.body())
    line = NoteSignature(name, key_id(name, key.public_key()), sig)
    others = tuple(s for s in checkpoint.signatures if s.name != name)
    return replace(checkpoint, signatures=(*others, line))


def verify_checkpoint_signature(checkpoint: Checkpoint, name: str, public_key: str) -> bool:
    """Whether ``checkpoint`` carries a valid signature by ``name`` with ``public_key`` (the
    base64 raw form parties are registered with)."""
    try:
        pub = Ed25519PublicKey.from_public_bytes(base64.b64decode(public_key, validate=True))
    except (binascii.Error, ValueError):
        return False
    want_id = key_id(name, pub)
    for sig in checkpoint.signatures:
        if sig.name != name or sig.key_id != want_id:
            continue
        try:
            pub.verify(sig.signature, CHECKPOINT_DOMAIN + checkpoint.body())
        except InvalidSignature:
            continue
        return True
    return False


def parse_checkpoint(text: str | bytes, *, source: str | None = None) -> Checkpoint:
    """Read a checkpoint note; every defect is one InputError naming the line."""
    if isinstance(text, bytes):
        if len(text) > MAX_CHECKPOINT_BYTES:
            raise InputError("checkpoint is too large", path=source)
        try:
            text = text.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise InputError("checkpoint is not UTF-8 text", path=source) from exc
    if len(text) > MAX_CHECKPOINT_BYTES:
        raise InputError("checkpoint is too large", path=source)
    body, sep, tail = text.partition("\n\n")
    if not sep:
        raise InputError(
            "not a checkpoint: no blank line after the body", path=source, hint="see docs"
        )
    lines = body.split("\n")
    if len(lines) != 3:
        raise InputError(
            f"checkpoint body has {len(lines)} lines; expected origin, size and root hash",
            path=source,
        )
    origin, size_text, root_text = lines
    if not origin.startswith(ORIGIN_PREFIX) or len(origin) > 200:
        raise InputError(f"not a corridor audit checkpoint (origin {origin[:60]!r})",
                         path=source, line=1)  # fmt: skip
    if not size_text.isascii() or not size_text.isdigit() or len(size_text) > 18:
        raise InputError(f"tree size {size_text[:30]!r} is not a number", path=source, line=2)
    try:
        root = base64.b64decode(root_text, validate=True)
    except binascii.Error as exc:
        raise InputError("root hash is not base64", path=source, line=3) from exc
    if len(root) != HASH_SIZE:
        raise InputError(f"root hash has {len(root)} bytes, not 32", path=source, line=3)
    return Checkpoint(origin, int(size_text), root, _signatures(tail, source))


def _signatures(tail: str, source: str | None) -> tuple[NoteSignature, ...]:
    sigs: list[NoteSignature] = []
    for number, line in enumerate(tail.split("\n"), start=5):
        if not line:
            continue
        parts = line.split(" ")
        if len(parts) != 3 or parts[0] != SIGNATURE_DASH:
            raise InputError("not a signature line ('— NAME BASE64')", path=source, line=number)
        try:
            blob = base64.b64decode(parts[2], validate=True)
        except binascii.Error as exc:
            raise InputError("signature is not base64", path=source, line=number) from exc
        if len(blob) != 4 + 64:
            raise InputError("signature has the wrong length", path=source, line=number)
        sigs.append(NoteSignature(parts[1], blob[:4], blob[4:]))
        if len(sigs) > MAX_SIGNATURES:
            raise InputError("too many signatures", path=source, line=number)
    return tuple(sigs)
