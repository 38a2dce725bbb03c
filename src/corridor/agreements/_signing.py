"""Canonical digest of the terms and Ed25519 signatures over a domain-separated message."""

from __future__ import annotations

import base64
import binascii
import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from corridor._canonical import canonical_json
from corridor.errors import SignatureError

if TYPE_CHECKING:  # the terms' records: only needed when a Terms is actually given
    from corridor.agreements._terms import Terms

# Domain separation: a signature over terms can never be replayed as another kind of statement.
AGREEMENT_DOMAIN = b"corridor-agreement-v1\n"
SUSPENSION_DOMAIN = b"corridor-suspension-v1\n"
LIFECYCLE_DOMAIN = b"corridor-bundle-lifecycle-v1\n"


def canonical_bytes(terms: Terms | Mapping[str, Any]) -> bytes:
    """RFC 8785 (JCS) canonical JSON of the terms as stored/signed (a Terms is dumped first)."""
    if isinstance(terms, Mapping):
        data = terms
    else:
        from corridor.agreements._load import terms_to_data

        data = terms_to_data(terms)
    return canonical_json(data, what="the terms", error=SignatureError)


def terms_digest(terms: Terms | Mapping[str, Any]) -> str:
    """SHA-256 of the canonical JSON, lowercase hex: the one value every party signs."""
    return hashlib.sha256(canonical_bytes(terms)).hexdigest()


def signing_message(digest_hex: str) -> bytes:
    """``b"corridor-agreement-v1\\n" + sha256`` (the 32 raw digest bytes)."""
    return AGREEMENT_DOMAIN + bytes.fromhex(digest_hex)


def suspension_message(
    *, corridor_id: str, version: int, digest_hex: str, reason: str, at_utc: str
) -> bytes:
    """What a party signs to suspend: the agreement it suspends, why, and when (ISO UTC)."""
    body: dict[str, Any] = {
        "corridor_id": corridor_id,
        "version": version,
        "digest": digest_hex,
        "reason": reason,
        "at_utc": at_utc,
    }
    return SUSPENSION_DOMAIN + canonical_json(body, what="the suspension")


def lifecycle_message(lifecycle_sha256: str) -> bytes:
    """What a party signs to attest a bundle's lifecycle (state, suspensions, closure, export
    time): ``b"corridor-bundle-lifecycle-v1\\n"`` + the 32 raw digest bytes."""
    return LIFECYCLE_DOMAIN + bytes.fromhex(lifecycle_sha256)


def public_key_b64(key: Ed25519PublicKey | Ed25519PrivateKey) -> str:
    pub = key.public_key() if isinstance(key, Ed25519PrivateKey) else key
    return base64.b64encode(pub.public_bytes_raw()).decode()  # raw: no serialization import


def public_key_from_b64(text: str) -> Ed25519PublicKey:
    try:
        raw = base64.b64decode(text, validate=True)
        return Ed25519PublicKey.from_public_bytes(raw)
    except (binascii.Error, ValueError) as exc:
        raise SignatureError(f"not an Ed25519 public key: {text[:16]}...") from exc


def sign_digest(key: Ed25519PrivateKey, digest_hex: str) -> str:
    """Base64 Ed25519 signature over ``signing_message(digest_hex)``."""
    return base64.b64encode(key.sign(signing_message(digest_hex))).decode()


def verify_message(public_key: str, message: bytes, signature: str) -> bool:
    """True when ``signature`` (base64) is ``public_key``'s (base64 raw) over ``message``."""
    try:
        sig = base64.b64decode(signature, validate=True)
        public_key_from_b64(public_key).verify(sig, message)
    except (binascii.Error, ValueError, InvalidSignature, SignatureError):
        return False
    return True


def verify_digest(public_key: str, digest_hex: str, signature: str) -> bool:
    return verify_message(public_key, signing_message(digest_hex), signature)


@dataclass(frozen=True)
class SignatureStatus:
    """One party's standing on one digest: ``status`` is valid, invalid or missing."""

    party: str
    role: str
    public_key: str
    status: str
    signed_at_utc: str | None = None

    @property
    def valid(self) -> bool:
        return self.status == "valid"


def signature_statuses(
    terms: Terms, digest_hex: str, signatures: Iterable[Mapping[str, Any]]
) -> list[SignatureStatus]:
    """Each listed party's status; a signature counts only if it is over *this* digest.

    ``signatures`` are mappings with ``party``, ``signature`` (base64) and optionally
    ``signed_at_utc``; signatures by names not in the terms are ignored.
    """
    by_party: dict[str, list[Mapping[str, Any]]] = {}
    for s in signatures:
        by_party.setdefault(str(s["party"]), []).append(s)
    out = []
    for p in terms.parties:
        given = by_party.get(p.name, [])
        good = next(
            (s for s in given if verify_digest(p.public_key, digest_hex, str(s["signature"]))), None
        )
        if good is not None:
            at = good.get("signed_at_utc")
            out.append(
                SignatureStatus(p.name, p.role, p.public_key, "valid", str(at) if at else None)
            )
        else:
            out.append(
                SignatureStatus(p.name, p.role, p.public_key, "invalid" if given else "missing")
            )
    return out


def in_force(statuses: Iterable[SignatureStatus]) -> bool:
    """In force only when every listed party has a valid signature over the same digest."""
    statuses = list(statuses)
    return bool(statuses) and all(s.valid for s in statuses)
