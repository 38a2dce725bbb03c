"""The Merkle tree over the audit entries, as RFC 9162 (Certificate Transparency 2.0) defines it.

A hash chain shows an edit in the middle, but not a cut tail or a forged append: a party that
once saw the log needs a short proof that today's log *extends* what it saw. RFC 9162 section
2.1 gives exactly that: ``leaf = SHA-256(0x00 || entry)``, ``node = SHA-256(0x01 || l || r)``,
the tree hash MTH of n leaves split at the largest power of two below n, inclusion proofs
(an entry is in a tree of a given size) and consistency proofs (a tree of size m is a prefix
of a tree of size n). The verifiers follow the RFC's step-by-step algorithms (2.1.3.2 and
2.1.4.2) literally, so they check proofs made by any RFC 6962/9162 implementation.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

from corridor.errors import InputError

HASH_SIZE = 32
EMPTY_ROOT = hashlib.sha256(b"").digest()


def leaf_hash(entry: bytes) -> bytes:
    """``SHA-256(0x00 || entry)``: the prefix keeps a leaf from passing as an inner node."""
    return hashlib.sha256(b"\x00" + entry).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """``SHA-256(0x01 || left || right)``."""
    return hashlib.sha256(b"\x01" + left + right).digest()


def _split(n: int) -> int:
    """The largest power of two strictly below ``n`` (n >= 2)."""
    return 1 << ((n - 1).bit_length() - 1)


def root_from_leaf_hashes(leaves: Sequence[bytes]) -> bytes:
    """MTH over already-hashed leaves, in one pass with a stack of perfect subtrees.

    Equal to the RFC's recursive definition: the stack holds the roots of the perfect
    subtrees that the binary digits of the size describe, merged right to left at the end.
    """
    if not leaves:
        return EMPTY_ROOT
    stack: list[tuple[int, bytes]] = []  # (height, hash), heights strictly decreasing
    for leaf in leaves:
        height, h = 0, leaf
        while stack and stack[-1][0] == height:
            h = node_hash(stack.pop()[1], h)
            height += 1
        stack.append((height, h))
    h = stack[-1][1]
    for _, left in reversed(stack[:-1]):
        h = node_hash(left, h)
    return h


def _subtree(leaves: Sequence[bytes], lo: int, hi: int) -> bytes:
    return root_from_leaf_hashes(leaves[lo:hi])


def inclusion_path(leaves: Sequence[bytes], index: int, size: int | None = None) -> list[bytes]:
    """PATH(index, D[0:size]) of RFC 9162 2.1.3.1: the sibling hashes from the leaf upwards."""
    n = len(leaves) if size is None else size
    if not 0 <= index < n <= len(leaves):
        raise InputError(f"no leaf {index} in a tree of size {n}", field="index")
    path: list[bytes] = []
    lo, hi = 0, n
    # Walk down from the root, collecting the sibling of each side taken; reverse at the end.
    while hi - lo > 1:
        k = _split(hi - lo)
        if index - lo < k:
            path.append(_subtree(leaves, lo + k, hi))
            hi = lo + k
        else:
            path.append(_subtree(leaves, lo, lo + k))
            lo = lo + k
    path.reverse()
    return path


def consistency_path(leaves: Sequence[bytes], first: int, second: int | None = None) -> list[bytes]:
    """PROOF(first, D[0:second]) of RFC 9162 2.1.4.1; empty when first is 0 or equals second."""
    n = len(leaves) if second is None else second
    if not 0 <= first <= n <= len(leaves):
        raise InputError(f"no consistency proof from size {first} to size {n}", field="first")
    if first in (0, n):
        return []
    proof: list[bytes] = []
    lo, hi, m, complete = 0, n, first, True
    # SUBPROOF(m, D[lo:hi], complete), unrolled; the RFC appends on the way back up.
    while m != hi - lo:
        k = _split(hi - lo)
        if m <= k:
            proof.append(_subtree(leaves, lo + k, hi))
            hi = lo + k
        else:
            proof.append(_subtree(leaves, lo, lo + k))
            lo, m, complete = lo + k, m - k, False
    if not complete:
        proof.append(_subtree(leaves, lo, hi))
    proof.reverse()
    return proof


def verify_inclusion(
    leaf: bytes, index: int, size: int, path: Sequence[bytes], root: bytes
) -> bool:
    """RFC 9162 2.1.3.2, step by step: does ``leaf`` (a leaf hash) sit at ``index``?"""
    if index >= size or index < 0:
        return False
    fn, sn = index, size - 1
    r = leaf
    for p in path:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            if not fn & 1:
                while fn and not fn & 1:
                    fn >>= 1
                    sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    return sn == 0 and r == root


def verify_consistency(
    first: int, second: int, first_root: bytes, second_root: bytes, proof: Sequence[bytes]
) -> bool:
    """RFC 9162 2.1.4.2, step by step: is the tree of size ``first`` a prefix of ``second``?

    The RFC leaves the trivial cases to the caller: an empty first tree is a prefix of
    anything, and equal sizes need equal roots and an empty proof.
    """
    if first < 0 or second < first:
        return False
    if first == second:
        return not proof and first_root == second_root
    if first == 0:
        return not proof
    if not proof:
        return False
    path = list(proof)
    if first & (first - 1) == 0:  # an exact power of two: the old root is itself a node
        path.insert(0, first_root)
    fn, sn = first - 1, second - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
            if not fn & 1:
                while fn and not fn & 1:
                    fn >>= 1
                    sn >>= 1
        else:
            sr = node_hash(sr, c)
        fn >>= 1
        sn >>= 1
    return fr == first_root and sr == second_root and sn == 0
