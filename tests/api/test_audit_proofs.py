"""`/audit`: a published head alone is checked (defect 6), and the RFC 9162 proofs verify.

Proofs are checked with the RFC verifiers against roots computed independently from the
export (the naive recursive definition in tests/audit/test_merkle.py), so a server that
answered with self-consistent nonsense would fail.
"""

from __future__ import annotations

import json
import secrets
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from corridor.audit import (
    ChainEntry,
    entry_canonical,
    leaf_hash,
    parse_checkpoint,
    sign_checkpoint,
    verify_consistency,
    verify_inclusion,
)
from tests.api.conftest import Api
from tests.audit.test_merkle import naive_mth

HAZARD = {
    "type": "Feature",
    "geometry": {"type": "Point", "coordinates": [15.61, 48.41]},
    "properties": {"kind": "roadblock"},
}


def _grow(api: Api, n: int) -> None:
    for _ in range(n):
        assert api.post("/hazards", "field", json=HAZARD).status_code == 201


def _leaf_inputs(api: Api) -> list[bytes]:
    lines = api.get("/audit/export", "observer").text.strip().splitlines()[:-1]
    out = []
    for line in lines:
        e = ChainEntry.from_json(json.loads(line))
        out.append(
            entry_canonical(
                seq=e.seq,
                at_utc=e.at_utc,
                actor=e.actor,
                action=e.action,
                payload_digest=e.payload_digest,
                prev_hash=e.prev_hash,
            )
        )
    return out


def test_a_random_expect_hash_alone_is_not_ok(api: Api) -> None:
    """Defect 6: the published head was ignored unless expect_seq came with it."""
    _grow(api, 3)
    status = api.get("/audit/verify", "observer").json()
    assert status["ok"] is True
    random_head = secrets.token_hex(32)
    alone = api.get("/audit/verify", "observer", params={"expect_hash": random_head}).json()
    assert alone["ok"] is False
    assert "not in the log" in alone["fault"]["detail"]
    real = api.get("/audit/verify", "observer", params={"expect_hash": status["head_hash"]})
    assert real.json()["ok"] is True
    # An older head is still in a log that grew since: a published head stays valid.
    _grow(api, 1)
    assert api.get("/audit/verify", params={"expect_hash": status["head_hash"]}).json()["ok"]
    seq_only = api.get("/audit/verify", params={"expect_seq": 2})
    assert seq_only.status_code == 422
    wrong_seq = api.get(
        "/audit/verify", params={"expect_seq": 1, "expect_hash": status["head_hash"]}
    ).json()
    assert wrong_seq["ok"] is False


def test_tree_head_and_proofs_verify_against_independent_roots(api: Api) -> None:
    _grow(api, 6)
    data = _leaf_inputs(api)
    n = len(data)
    head = api.get("/audit/tree", "field").json()
    assert head["tree_size"] == n
    assert head["root_hash"] == naive_mth(data).hex()
    cp = parse_checkpoint(head["checkpoint"] + "\n")
    assert cp.size == n and cp.root.hex() == head["root_hash"]
    for seq in (1, 2, n // 2, n):
        for size in (seq, n):
            got = api.get(
                "/audit/proof/inclusion", "field", params={"seq": seq, "tree_size": size}
            ).json()
            assert got["root_hash"] == naive_mth(data[:size]).hex()
            assert got["leaf_hash"] == leaf_hash(data[seq - 1]).hex()
            path = [bytes.fromhex(p) for p in got["path"]]
            assert verify_inclusion(
                leaf_hash(data[seq - 1]), seq - 1, size, path, naive_mth(data[:size])
            )
    for first in range(n + 1):
        got = api.get("/audit/proof/consistency", "observer", params={"first": first}).json()
        proof = [bytes.fromhex(p) for p in got["proof"]]
        assert verify_consistency(first, n, naive_mth(data[:first]), naive_mth(data), proof)
    for bad in ({"seq": n + 1}, {"seq": 1, "tree_size": n + 1}, {"seq": 2**60}):
        assert api.get("/audit/proof/inclusion", params=bad).status_code == 422
    assert api.get("/audit/proof/consistency", params={"first": n + 1}).status_code == 422


def _signed_note(api: Api, party: str, key: Ed25519PrivateKey) -> str:
    body = api.get("/audit/tree").json()["checkpoint"]
    return sign_checkpoint(parse_checkpoint(body + "\n"), party, key).text()


def test_parties_leave_signed_checkpoints(api: Api) -> None:
    _grow(api, 2)
    note = _signed_note(api, "north", api.keys["north"])
    stored = api.post("/audit/checkpoints", "liaison-north", json={"note": note})
    assert stored.status_code == 201, stored.text
    assert stored.json()[0]["signer"] == "north"
    listed: list[dict[str, Any]] = api.get("/audit/checkpoints", "field").json()
    assert [c["signer"] for c in listed] == ["north"]
    assert parse_checkpoint(listed[0]["note"]).size == parse_checkpoint(note).size
    # A liaison cannot leave another party's signature; a wrong key is refused.
    south = _signed_note(api, "south", api.keys["south"])
    assert api.post("/audit/checkpoints", "liaison-north", json={"note": south}).status_code == 403
    forged = _signed_note(api, "south", api.keys["north"])
    assert api.post("/audit/checkpoints", json={"note": forged}).status_code == 422
    assert api.post("/audit/checkpoints", json={"note": "garbage"}).status_code == 422
    # Storing a checkpoint is audited, and the log still verifies.
    assert api.get("/audit/verify").json()["ok"] is True
