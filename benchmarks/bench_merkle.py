"""RFC 9162 Merkle tree over the audit log: building it, proofs, and checking a checkpoint.

Over 20 000 in-memory entries (seed 20260305): the tree of the whole log (leaf hashing
includes the RFC 8785 canonical form of each entry), the root from ready leaf hashes,
inclusion and consistency proofs with their RFC verifiers, and a full checkpoint check.
The peer, measured in the same run over the same entries, is ``verify_chain`` (which every
`audit verify` runs anyway): the tree should cost about the same, since both are dominated
by canonicalising each entry once.
"""

from __future__ import annotations

import random
import statistics
import time
from datetime import UTC, datetime

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from corridor.agreements import public_key_b64
from corridor.audit import (
    ChainEntry,
    LogTree,
    check_against_checkpoint,
    next_entry,
    root_from_leaf_hashes,
    sign_checkpoint,
    verify_chain,
    verify_consistency,
    verify_inclusion,
)

SEED = 20260305
N = 20_000
PROOFS = 50
T0 = datetime(2022, 3, 5, 9, 0, tzinfo=UTC)


def _chain() -> list[ChainEntry]:
    rng = random.Random(SEED)
    chain: list[ChainEntry] = []
    for i in range(N):
        payload = {"id": f"h{i}", "severity": round(rng.random(), 3), "note": "Маріуполь"}
        chain.append(
            next_entry(
                chain[-1] if chain else None,
                at_utc=T0,
                actor="bench",
                action="hazard.added",
                payload=payload,
            )
        )
    return chain


def _median(fn: object, repeat: int = 3) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()  # type: ignore[operator]
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    chain = _chain()
    rng = random.Random(SEED)
    chain_s = _median(lambda: verify_chain(chain))
    tree_s = _median(lambda: LogTree.of(chain))
    tree = LogTree.of(chain)
    root_s = _median(lambda: root_from_leaf_hashes(tree.leaves))
    root = tree.root()

    def inclusions() -> None:
        for _ in range(PROOFS):
            seq = rng.randint(1, N)
            path = tree.inclusion(seq)
            assert verify_inclusion(tree.leaves[seq - 1], seq - 1, N, path, root)

    def consistencies() -> None:
        for _ in range(PROOFS):
            first = rng.randint(1, N - 1)
            proof = tree.consistency(first)
            assert verify_consistency(first, N, tree.root(first), root, proof)

    inc_s = _median(inclusions, 1) / PROOFS
    con_s = _median(consistencies, 1) / PROOFS
    key = Ed25519PrivateKey.generate()
    cp = sign_checkpoint(LogTree.of(chain[: N // 2]).checkpoint(), "north", key)
    keys = {"north": (public_key_b64(key), "bench")}
    check_s = _median(lambda: check_against_checkpoint(chain, cp, keys=keys), 1)
    print(f"entries: {N}")
    print(f"verify_chain (peer):            {chain_s * 1e3:8.1f} ms  ({N / chain_s:,.0f}/s)")
    print(f"LogTree.of (leaves + canonical): {tree_s * 1e3:8.1f} ms  ({N / tree_s:,.0f}/s)")
    print(f"root from leaf hashes:          {root_s * 1e3:8.1f} ms")
    print(f"inclusion proof + verify:       {inc_s * 1e3:8.2f} ms each (avg of {PROOFS})")
    print(f"consistency proof + verify:     {con_s * 1e3:8.2f} ms each (avg of {PROOFS})")
    print(f"checkpoint check (chain, tree, proof, signature): {check_s * 1e3:8.1f} ms")
    print(f"tree / chain: {tree_s / chain_s:.2f}x")
