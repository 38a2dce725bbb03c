"""The pure hash chain: format, verification, and naming each kind of tampering."""

from __future__ import annotations

import dataclasses
import hashlib
import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from corridor.audit import (
    GENESIS_HASH,
    ChainEntry,
    compute_entry_hash,
    export_lines,
    format_utc,
    next_entry,
    read_export,
    verify_chain,
    verify_export,
)
from corridor.errors import InputError

T0 = datetime(2022, 3, 5, 9, 0, tzinfo=UTC)


def make_chain(n: int, *, start: list[ChainEntry] | None = None) -> list[ChainEntry]:
    chain = list(start or [])
    for i in range(n):
        chain.append(
            next_entry(
                chain[-1] if chain else None,
                at_utc=T0 + timedelta(minutes=len(chain)),
                actor=f"user{i % 3}",
                action="hazard.added",
                payload={"id": f"h{len(chain)}", "severity": 0.5, "note": "Маріуполь"},
            )
        )
    return chain


def renumber(entry: ChainEntry, seq: int) -> ChainEntry:
    return dataclasses.replace(entry, seq=seq)


def test_format_is_sha256_of_prev_hash_and_rfc8785_entry() -> None:
    """Recompute the first two hashes by hand from the documented format."""
    first, second = make_chain(2)
    for entry in (first, second):
        body = {
            "action": entry.action,
            "actor": entry.actor,
            "at_utc": format_utc(entry.at_utc),
            "payload_digest": entry.payload_digest,
            "prev_hash": entry.prev_hash,
            "seq": entry.seq,
        }
        # For ASCII keys, integer and string values, sorted compact JSON is the RFC 8785 form.
        canonical = json.dumps(body, sort_keys=True, separators=(",", ":")).encode()
        want = hashlib.sha256(entry.prev_hash.encode() + canonical).hexdigest()
        assert entry.entry_hash == want
    payload = json.dumps(
        json.loads(first.payload or ""), sort_keys=True, separators=(",", ":"), ensure_ascii=False
    )
    assert first.payload_digest == hashlib.sha256(payload.encode()).hexdigest()
    assert first.prev_hash == GENESIS_HASH == "0" * 64
    assert second.prev_hash == first.entry_hash
    assert format_utc(first.at_utc) == "2022-03-05T09:00:00.000000Z"


def test_intact_chain_verifies() -> None:
    assert verify_chain([]) is None
    assert verify_chain(make_chain(12)) is None
    assert verify_chain(reversed(make_chain(5))) is None  # checked in seq order, any input order


@pytest.mark.parametrize("field", ["actor", "action", "at_utc", "payload"])
def test_edited_entry_is_named(field: str) -> None:
    chain = make_chain(8)
    values: dict[str, Any] = {
        "actor": "mallory",
        "action": "hazard.expired",
        "at_utc": chain[4].at_utc + timedelta(seconds=1),
        "payload": json.dumps({"id": "h4", "severity": 0.1}),
    }
    chain[4] = dataclasses.replace(chain[4], **{field: values[field]})
    fault = verify_chain(chain)
    assert fault is not None
    assert (fault.seq, fault.kind) == (5, "edited")


def test_rewritten_entry_with_recomputed_hash_is_named() -> None:
    """Rewriting an entry and its own hashes breaks the link from the next entry."""
    chain = make_chain(6)
    forged = next_entry(chain[1], at_utc=chain[2].at_utc, actor="mallory", action="x", payload={})
    chain[2] = forged
    fault = verify_chain(chain)
    assert fault is not None
    assert (fault.seq, fault.kind) == (3, "edited")


@pytest.mark.parametrize("gone", [0, 3, 5])
def test_deleted_entry_is_named(gone: int) -> None:
    chain = make_chain(7)
    del chain[gone]
    fault = verify_chain(chain)
    assert fault is not None
    assert (fault.seq, fault.kind) == (gone + 1, "deleted")


def test_deleted_and_renumbered_entry_is_named() -> None:
    chain = make_chain(7)
    del chain[3]
    chain = [renumber(e, i + 1) for i, e in enumerate(chain)]
    fault = verify_chain(chain)
    assert fault is not None
    assert (fault.seq, fault.kind) == (4, "deleted")


@pytest.mark.parametrize(("a", "b"), [(2, 5), (3, 4), (1, 7)])
def test_reordered_entries_are_named(a: int, b: int) -> None:
    chain = make_chain(7)
    ea, eb = chain[a - 1], chain[b - 1]
    chain[a - 1], chain[b - 1] = renumber(eb, a), renumber(ea, b)
    fault = verify_chain(chain)
    assert fault is not None
    assert (fault.seq, fault.kind) == (a, "reordered")


@pytest.mark.parametrize("well_formed", [True, False])
def test_inserted_entry_is_named(well_formed: bool) -> None:
    """A forged entry slipped in at seq 4, later entries moved up one."""
    chain = make_chain(7)
    forged = next_entry(chain[2], at_utc=chain[2].at_utc, actor="mallory", action="x", payload={})
    if not well_formed:
        forged = dataclasses.replace(forged, entry_hash="ab" * 32)
    chain = [*chain[:3], forged, *(renumber(e, e.seq + 1) for e in chain[3:])]
    fault = verify_chain(chain)
    assert fault is not None
    assert (fault.seq, fault.kind) == (4, "inserted")


def test_published_head_reveals_a_cut_or_rewritten_tail() -> None:
    chain = make_chain(6)
    head = (6, chain[-1].entry_hash)
    assert verify_chain(chain, head=head) is None
    assert verify_chain(chain, head=head[1]) is None
    assert verify_chain(make_chain(2, start=chain), head=head) is None  # appends are fine
    cut = verify_chain(chain[:4], head=head)
    assert cut is not None
    assert (cut.seq, cut.kind) == (5, "deleted")
    rewritten = make_chain(2, start=chain[:4])
    fault = verify_chain(rewritten, head=head)
    assert fault is not None
    assert (fault.seq, fault.kind) == (6, "edited")
    assert verify_chain(chain[:4], head=head[1]) is not None


def test_export_round_trip_and_offline_check() -> None:
    chain = make_chain(5)
    lines = list(export_lines(chain))
    assert len(lines) == 6
    assert json.loads(lines[-1]) == {"head_hash": chain[-1].entry_hash, "head_seq": 5, "entries": 5}
    entries, head = read_export(lines)
    assert entries == chain
    assert head == (5, chain[-1].entry_hash)
    assert verify_export(lines) is None
    edited = json.loads(lines[2])
    edited["payload"]["severity"] = 0.0
    bad = verify_export([*lines[:2], json.dumps(edited), *lines[3:]])
    assert bad is not None
    assert (bad.seq, bad.kind) == (3, "edited")
    cut = verify_export([*lines[:3], lines[-1]])  # entries 4 and 5 removed, head line kept
    assert cut is not None
    assert (cut.seq, cut.kind) == (4, "deleted")
    with pytest.raises(InputError, match="no head line"):
        read_export(lines[:-1])
    with pytest.raises(InputError, match="not JSON") as err:
        read_export([lines[0], "{oops", lines[-1]])
    assert err.value.line == 2


def test_payloads_that_json_cannot_hold_are_refused() -> None:
    with pytest.raises(InputError):
        next_entry(None, at_utc=T0, actor="a", action="b", payload={"x": float("nan")})
    with pytest.raises(InputError):
        next_entry(None, at_utc=T0, actor="a", action="b", payload={"x": 2**60})


JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**53) + 1, max_value=2**53 - 1)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=12,
)


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.tuples(st.text(min_size=1, max_size=12), JSON), min_size=1, max_size=12),
    st.integers(min_value=0, max_value=12),
)
def test_verified_chain_stays_verified_after_appends(
    appends: list[tuple[str, Any]], prefix: int
) -> None:
    chain = make_chain(prefix)
    assert verify_chain(chain) is None
    for actor, payload in appends:
        chain.append(
            next_entry(
                chain[-1] if chain else None,
                at_utc=T0,
                actor=actor,
                action="test.appended",
                payload=payload,
            )
        )
        assert verify_chain(chain) is None
    # ...and a change to any one payload is caught at exactly that entry.
    victim = len(chain) // 2
    chain[victim] = dataclasses.replace(chain[victim], payload='{"forged":true}')
    fault = verify_chain(chain)
    assert fault is not None
    assert fault.seq == victim + 1


def test_entry_hash_depends_on_every_field() -> None:
    base = {
        "seq": 1,
        "at_utc": T0,
        "actor": "a",
        "action": "b",
        "payload_digest": "c" * 64,
        "prev_hash": GENESIS_HASH,
    }
    seen = {compute_entry_hash(**base)}  # type: ignore[arg-type]
    for key, other in [
        ("seq", 2),
        ("at_utc", T0 + timedelta(microseconds=1)),
        ("actor", "A"),
        ("action", "B"),
        ("payload_digest", "d" * 64),
        ("prev_hash", "1" * 64),
    ]:
        seen.add(compute_entry_hash(**{**base, key: other}))  # type: ignore[arg-type]
    assert len(seen) == 7


def test_export_without_payloads_still_verifies_and_keeps_null_payloads() -> None:
    chain = make_chain(3)
    chain.append(next_entry(chain[-1], at_utc=T0, actor="a", action="b", payload=None))
    lines = list(export_lines(chain, with_payloads=False))
    assert all("payload" not in json.loads(line) for line in lines[:-1])
    assert verify_export(lines, head=chain[-1].entry_hash) is None
    full = list(export_lines(chain))
    assert json.loads(full[3])["payload"] is None  # a JSON null payload is not "withheld"
    entries, _ = read_export(full)
    assert entries[3].payload == "null"
    forged = json.loads(lines[1])
    forged["payload_digest"] = "0" * 64  # withholding does not allow changing the digest
    fault = verify_export([lines[0], json.dumps(forged), *lines[2:]])
    assert fault is not None
    assert (fault.seq, fault.kind) == (2, "edited")
