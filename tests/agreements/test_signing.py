"""Digest and signatures: real Ed25519 keys, tampering and replay across versions fail."""

from __future__ import annotations

import copy
import hashlib
from typing import Any

import rfc8785
from hypothesis import given, settings
from hypothesis import strategies as st

from corridor.agreements import (
    AGREEMENT_DOMAIN,
    KeyPair,
    canonical_bytes,
    in_force,
    load_private_key,
    sign_digest,
    signature_statuses,
    signing_message,
    terms_digest,
    terms_from_data,
    verify_digest,
)


def _sign_all(keys: dict[str, KeyPair], digest: str) -> list[dict[str, str]]:
    return [
        {"party": n, "signature": sign_digest(load_private_key(k.private_path), digest)}
        for n, k in keys.items()
    ]


def test_digest_is_sha256_of_rfc8785(terms_data: dict[str, Any]) -> None:
    terms = terms_from_data(terms_data)
    assert canonical_bytes(terms) == rfc8785.dumps(terms_data)
    assert terms_digest(terms) == hashlib.sha256(rfc8785.dumps(terms_data)).hexdigest()
    reordered = dict(reversed(list(terms_data.items())))
    assert terms_digest(reordered) == terms_digest(terms)
    assert signing_message(terms_digest(terms)).startswith(AGREEMENT_DOMAIN)


def test_all_parties_signed_means_in_force(
    terms_data: dict[str, Any], session_keys: dict[str, KeyPair]
) -> None:
    terms = terms_from_data(terms_data)
    digest = terms_digest(terms)
    sigs = _sign_all(session_keys, digest)
    statuses = signature_statuses(terms, digest, sigs)
    assert [s.status for s in statuses] == ["valid"] * 3
    assert in_force(statuses)
    partial = signature_statuses(terms, digest, sigs[:2])
    assert [s.status for s in partial] == ["valid", "valid", "missing"]
    assert not in_force(partial)


def test_tampered_terms_fail(terms_data: dict[str, Any], session_keys: dict[str, KeyPair]) -> None:
    digest = terms_digest(terms_data)
    sigs = _sign_all(session_keys, digest)
    tampered = copy.deepcopy(terms_data)
    tampered["max_convoy_size"] += 1
    t = terms_from_data(tampered)
    statuses = signature_statuses(t, terms_digest(t), sigs)
    assert [s.status for s in statuses] == ["invalid"] * 3


def test_signature_of_one_version_does_not_verify_another(
    terms_data: dict[str, Any], session_keys: dict[str, KeyPair]
) -> None:
    v1 = terms_from_data(terms_data)
    v2 = terms_from_data({**terms_data, "version": 2})
    sigs_v1 = _sign_all(session_keys, terms_digest(v1))
    assert not in_force(signature_statuses(v2, terms_digest(v2), sigs_v1))
    assert in_force(signature_statuses(v1, terms_digest(v1), sigs_v1))


def test_wrong_partys_key_is_invalid(
    terms_data: dict[str, Any], session_keys: dict[str, KeyPair]
) -> None:
    terms = terms_from_data(terms_data)
    digest = terms_digest(terms)
    icrc_key = load_private_key(session_keys["icrc"].private_path)
    forged = [{"party": "army-north", "signature": sign_digest(icrc_key, digest)}]
    statuses = {s.party: s.status for s in signature_statuses(terms, digest, forged)}
    assert statuses["army-north"] == "invalid"


def test_raw_digest_signature_without_domain_is_refused(
    session_keys: dict[str, KeyPair], terms_data: dict[str, Any]
) -> None:
    import base64

    key = load_private_key(session_keys["icrc"].private_path)
    digest = terms_digest(terms_data)
    undomained = base64.b64encode(key.sign(bytes.fromhex(digest))).decode()
    assert not verify_digest(session_keys["icrc"].public_key, digest, undomained)
    assert verify_digest(session_keys["icrc"].public_key, digest, sign_digest(key, digest))


@settings(max_examples=40, deadline=None)
@given(notes=st.text(max_size=40), convoy=st.integers(min_value=1, max_value=10_000))
def test_digest_changes_with_any_change(notes: str, convoy: int) -> None:
    base = {"a": "x", "notes": "", "max_convoy_size": 7}
    changed = {**base, "notes": notes, "max_convoy_size": convoy}
    assert (terms_digest(changed) == terms_digest(base)) == (changed == base)
