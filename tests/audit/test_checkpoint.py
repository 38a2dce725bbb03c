"""Signed checkpoints: the note format, signatures, and what a kept checkpoint detects.

The insider modelled here is the strongest one with database access: after changing,
deleting or inserting an entry they recompute every later hash, so the chain alone still
verifies. Only a checkpoint a party signed earlier can show the rewrite.
"""

from __future__ import annotations

import base64
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import event, given, settings
from hypothesis import strategies as st

from corridor.agreements import public_key_b64, sign_digest, verify_message
from corridor.audit import (
    CHECKPOINT_DOMAIN,
    ChainEntry,
    Checkpoint,
    LogTree,
    check_against_checkpoint,
    next_entry,
    parse_checkpoint,
    sign_checkpoint,
    verify_chain,
    verify_checkpoint_signature,
)
from corridor.errors import InputError

T0 = datetime(2022, 3, 5, 9, 0, tzinfo=UTC)
NORTH = Ed25519PrivateKey.generate()
SOUTH = Ed25519PrivateKey.generate()
KEYS = {
    "north": (public_key_b64(NORTH), "test"),
    "south": (public_key_b64(SOUTH), "test"),
}

Spec = tuple[str, str, dict[str, Any]]  # actor, action, payload


def build(specs: list[Spec]) -> list[ChainEntry]:
    """A chain written honestly (or re-written by a forger) from entry specs."""
    chain: list[ChainEntry] = []
    for i, (actor, action, payload) in enumerate(specs):
        chain.append(
            next_entry(
                chain[-1] if chain else None,
                at_utc=T0 + timedelta(minutes=i),
                actor=actor,
                action=action,
                payload=payload,
            )
        )
    return chain


def spec(i: int) -> Spec:
    return (f"user{i % 3}", "hazard.added", {"id": f"h{i}", "severity": 0.5})


def signed(chain: list[ChainEntry], *signers: tuple[str, Ed25519PrivateKey]) -> Checkpoint:
    cp = LogTree.of(chain).checkpoint()
    for name, key in signers:
        cp = sign_checkpoint(cp, name, key)
    return cp


def test_note_format_round_trips_and_reads_like_a_signed_note() -> None:
    chain = build([spec(i) for i in range(5)])
    cp = signed(chain, ("north", NORTH), ("south", SOUTH))
    text = cp.text()
    origin, size, root, blank, *sigs = text.split("\n")
    assert origin == "corridor-audit/" + chain[0].entry_hash[:16]
    assert size == "5"
    assert base64.b64decode(root) == LogTree.of(chain).root()
    assert blank == ""
    assert sigs[0].startswith("\u2014 north ") and sigs[1].startswith("\u2014 south ")
    assert sigs[2] == ""  # the note ends with a newline
    again = parse_checkpoint(text)
    assert again == cp
    assert verify_checkpoint_signature(again, "north", KEYS["north"][0])
    assert verify_checkpoint_signature(again, "south", KEYS["south"][0])
    assert not verify_checkpoint_signature(again, "north", KEYS["south"][0])
    # The signature covers the domain prefix and the body: a raw signature over the body
    # alone (a plain signed note) is not accepted, and the checkpoint's own signature is not
    # a valid agreement signature.
    blob = base64.b64decode(sigs[0].split(" ")[2])[4:]
    pub = KEYS["north"][0]
    assert verify_message(pub, CHECKPOINT_DOMAIN + cp.body(), base64.b64encode(blob).decode())
    assert not verify_message(pub, cp.body(), base64.b64encode(blob).decode())
    agreement_sig = sign_digest(NORTH, "00" * 32)
    forged = text.replace(sigs[0].split(" ")[2], base64.b64encode(
        again.signatures[0].key_id + base64.b64decode(agreement_sig)).decode())  # fmt: skip
    assert not verify_checkpoint_signature(parse_checkpoint(forged), "north", pub)


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ("corridor-audit/ab\n3\n", "no blank line"),
        ("corridor-audit/ab\n3\n\n\u2014 n AAAA\n", "body has 2 lines"),
        ("other-log\n3\n" + "A" * 44 + "\n\n", "not a corridor audit checkpoint"),
        ("corridor-audit/ab\n-3\n" + "A" * 44 + "\n\n", "not a number"),
        ("corridor-audit/ab\n3\n" + "!" * 44 + "\n\n", "not base64"),
        ("corridor-audit/ab\n3\nAAAA\n\n", "3 bytes, not 32"),
        ("corridor-audit/ab\n3\n" + "A" * 43 + "=\n\nsig\n", "not a signature line"),
        ("corridor-audit/ab\n3\n" + "A" * 43 + "=\n\n\u2014 n AAAA\n", "wrong length"),
        ("x" * 70_000, "too large"),
    ],
)
def test_bad_checkpoints_are_one_clear_error(text: str, why: str) -> None:
    with pytest.raises(InputError, match=why):
        parse_checkpoint(text.encode())


def test_names_that_cannot_be_in_a_note_are_refused() -> None:
    cp = signed(build([spec(0)]))
    with pytest.raises(InputError, match="cannot appear"):
        sign_checkpoint(cp, "armed forces", NORTH)


def test_extension_verifies_and_each_rewrite_is_named() -> None:
    specs = [spec(i) for i in range(10)]
    chain = build(specs)
    cp = signed(chain[:6], ("north", NORTH))
    ok = check_against_checkpoint(chain, cp, keys=KEYS)
    assert ok.ok, ok.problems
    assert ok.proof  # a real consistency proof from 6 to 10
    cut = check_against_checkpoint(chain[:4], cp, keys=KEYS)
    assert not cut.ok and "truncated" in cut.problems[0] and "entries 5..6" in cut.problems[0]
    forged = build([*specs[:2], ("mallory", "hazard.added", {"id": "h2"}), *specs[3:]])
    assert verify_chain(forged) is None  # the chain alone is fooled
    bad = check_against_checkpoint(forged, cp, keys=KEYS)
    assert not bad.ok and "rewritten" in bad.problems[0]
    stranger = check_against_checkpoint(chain, cp, keys={"north": KEYS["south"]})
    assert not stranger.ok and not stranger.signatures[0].ok
    unknown = check_against_checkpoint(chain, cp, keys={})
    assert not unknown.ok and unknown.signatures[0].key_source == "unknown signer"


MUTATIONS = ("edit", "delete", "insert", "truncate", "swap")


@settings(max_examples=120, deadline=None)
@given(
    n=st.integers(2, 40),
    picks=st.tuples(st.integers(0, 10**6), st.integers(0, 10**6)),
    kind=st.sampled_from(MUTATIONS),
    rechain=st.booleans(),
)
def test_any_single_change_to_a_checkpointed_prefix_is_detected(
    n: int, picks: tuple[int, int], kind: str, rechain: bool
) -> None:
    """Any sequence of appends verifies against its checkpoint; any one edit, deletion,
    insertion, swap or truncation inside the signed prefix is detected, whether or not the
    forger recomputes the chain; the same change after the prefix is a legal extension."""
    specs = [spec(i) for i in range(n)]
    honest = build(specs)
    k = 1 + picks[0] % n  # checkpoint size
    cp = signed(honest[:k], ("north", NORTH))
    assert check_against_checkpoint(honest, cp, keys=KEYS).ok
    inside = picks[1] % 2 == 0 or k == n
    lo, hi = (0, k) if inside else (k, n)
    i = lo + picks[1] // 2 % (hi - lo)
    forged = list(specs)
    if kind == "edit":
        forged[i] = ("mallory", forged[i][1], {**forged[i][2], "severity": 0.0})
    elif kind == "delete":
        del forged[i]
    elif kind == "insert":
        forged.insert(i, ("mallory", "hazard.added", {"id": "forged"}))
    elif kind == "swap":
        j = i + 1 if i + 1 < len(forged) else i - 1
        if forged[i] == forged[j] or (not inside and j < k):
            j = i  # nothing to swap: keep it an identity (counted below)
        forged[i], forged[j] = forged[j], forged[i]
    else:
        forged = forged[:i]
    # A forger recomputes every later hash; a careless one edits rows in place.
    tampered = build(forged) if rechain else _splice(honest, forged, specs)
    changed_prefix = [e.entry_hash for e in tampered[:k]] != [e.entry_hash for e in honest[:k]]
    report = check_against_checkpoint(tampered, cp, keys=KEYS)
    event(f"{kind} {'inside' if changed_prefix else 'after'} prefix, rechain={rechain}")
    if changed_prefix:
        assert not report.ok, (kind, i, k, n)
        assert report.problems or report.chain_fault is not None
    elif report.chain_fault is None:
        assert report.ok, report.problems  # a legal extension, or nothing changed at all


def _splice(honest: list[ChainEntry], forged: list[Spec], specs: list[Spec]) -> list[ChainEntry]:
    """Change entries in place without recomputing anything (a careless insider): entries
    that stay the same keep their stored hashes; changed ones get fresh ones from scratch."""
    out = []
    for seq, s in enumerate(forged, start=1):
        if seq <= len(specs) and specs[seq - 1] == s:
            out.append(honest[seq - 1])
        else:
            e = next_entry(None, at_utc=T0, actor=s[0], action=s[1], payload=s[2])
            out.append(ChainEntry(seq, e.at_utc, e.actor, e.action, e.payload,
                                  e.payload_digest, e.prev_hash, e.entry_hash))  # fmt: skip
    return out
