"""Bundles verify offline; any tampering is caught; the frozen bundle keeps verifying."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from corridor.agreements import (
    BUNDLE_FORMAT,
    KeyPair,
    load_private_key,
    make_bundle,
    read_bundle,
    sign_digest,
    terms_digest,
    verify_bundle,
)
from corridor.errors import InputError

FROZEN = Path(__file__).parent / "fixtures" / "krems-demo.bundle.json"


def test_frozen_bundle_still_verifies() -> None:
    bundle = read_bundle(FROZEN)
    assert bundle["format"] == BUNDLE_FORMAT
    report = verify_bundle(bundle, at_utc=datetime(2026, 12, 1, tzinfo=UTC))  # before its windows
    assert report.problems == []
    assert report.in_force
    assert report.digest == bundle["digest_sha256"] == terms_digest(bundle["terms"])
    assert [s.party for s in report.statuses] == [p["name"] for p in bundle["terms"]["parties"]]


def _flip_signature(b: dict[str, Any]) -> None:
    sig = b["signatures"][0]["signature"]
    b["signatures"][0]["signature"] = ("A" if sig[0] != "A" else "B") + sig[1:]


TAMPERINGS: dict[str, Callable[[dict[str, Any]], None]] = {
    "terms edited": lambda b: b["terms"]["windows"][0].update(end_utc="2027-03-01T23:00:00Z"),
    "terms and digest edited": lambda b: (
        b["terms"].update(max_convoy_size=99),
        b.update(digest_sha256=terms_digest(b["terms"])),
    ),
    "signature altered": _flip_signature,
    "signature removed": lambda b: b["signatures"].pop(),
    "signature moved to another party": lambda b: b["signatures"][1].update(
        signature=b["signatures"][0]["signature"]
    ),
    "key swapped": lambda b: b["terms"]["parties"][0].update(
        public_key=b["terms"]["parties"][1]["public_key"]
    ),
    "public_keys table edited": lambda b: b["public_keys"].update(
        icrc=b["public_keys"]["city-of-krems"]
    ),
    "version relabelled": lambda b: b.update(version=2),
}


@pytest.mark.parametrize("how", sorted(TAMPERINGS))
def test_tampered_bundle_fails(how: str) -> None:
    bundle = copy.deepcopy(read_bundle(FROZEN))
    TAMPERINGS[how](bundle)
    report = verify_bundle(bundle)
    assert not report.in_force
    assert report.problems or any(not s.valid for s in report.statuses)


def test_fresh_bundle_and_partial_signatures(
    terms_data: dict[str, Any], session_keys: dict[str, KeyPair]
) -> None:
    digest = terms_digest(terms_data)
    sigs = [
        {"party": n, "signature": sign_digest(load_private_key(k.private_path), digest)}
        for n, k in session_keys.items()
    ]
    bundle = make_bundle(
        terms=terms_data,
        digest=digest,
        signatures=sigs,
        state="agreed",
        exported_at_utc="2026-11-26T12:00:00Z",
    )
    assert verify_bundle(json.loads(json.dumps(bundle))).in_force
    partial = make_bundle(
        terms=terms_data,
        digest=digest,
        signatures=sigs[1:],
        state="proposed",
        exported_at_utc="2026-11-26T12:00:00Z",
    )
    report = verify_bundle(partial)
    assert not report.in_force and report.statuses[0].status == "missing"


def test_unreadable_bundles(tmp_path: Path) -> None:
    for text in ("not json", "[]", '{"format": "something else"}'):
        path = tmp_path / "b.json"
        path.write_text(text, encoding="utf-8")
        with pytest.raises(InputError):
            read_bundle(path)
    report = verify_bundle({"format": BUNDLE_FORMAT, "terms": {"corridor_id": "x"}})
    assert not report.in_force and report.problems
