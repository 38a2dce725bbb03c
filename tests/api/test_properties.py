"""Invariants of the API's small pure helpers (hypothesis)."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from corridor.api._idempotency import _digest
from corridor.api._tokens import hash_token, new_token, token_matches

parts = st.tuples(st.sampled_from(["POST", "PUT"]), st.text(max_size=20), st.binary(max_size=40))


@given(parts, parts)
def test_request_digest_is_injective(a: tuple[str, str, bytes], b: tuple[str, str, bytes]) -> None:
    """Length-prefixed fields: no two different (method, path, body) share a digest, so a
    retried key with another body can never be mistaken for the same request."""
    assert (_digest(*a) == _digest(*b)) == (a == b)


@given(st.text(min_size=1, max_size=60))
def test_only_the_issued_token_matches_its_hash(other: str) -> None:
    token = new_token()
    assert token_matches(token, hash_token(token))
    assert token_matches(other, hash_token(token)) == (other == token)
    assert len(token) >= 40 and token not in hash_token(token)
