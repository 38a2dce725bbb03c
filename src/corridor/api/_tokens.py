"""API tokens: high-entropy random strings shown once; only their SHA-256 is ever stored."""

from __future__ import annotations

import hashlib
import hmac
import secrets

#: A recognisable prefix lets secret scanners and people tell a corridor token apart.
TOKEN_PREFIX = "cor_"


def new_token() -> str:
    """32 random bytes (256 bits), URL-safe; a plain SHA-256 suffices for a secret this strong."""
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def token_matches(token: str, stored_hash: str) -> bool:
    return hmac.compare_digest(hash_token(token), stored_hash)
