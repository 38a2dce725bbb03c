"""The RFC 9162 Merkle tree: published vectors, hand-worked trees, and a naive second version.

Three independent oracles: (1) the reference vectors of transparency-dev/merkle (the Go
library behind Certificate Transparency and Trillian; testonly/constants.go and
proof/verify_test.go), (2) small trees hashed by hand below, (3) a literal transcription of
the RFC's recursive definitions of MTH, PATH and PROOF that recomputes everything from
scratch, against which hypothesis checks the iterative code on random sizes.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

import pytest
from hypothesis import event, given, settings
from hypothesis import strategies as st

from corridor.audit import (
    EMPTY_ROOT,
    consistency_path,
    inclusion_path,
    leaf_hash,
    root_from_leaf_hashes,
    verify_consistency,
    verify_inclusion,
)

# --- (1) transparency-dev/merkle reference vectors (RFC 6962 hashing) -----------------------
LEAF_INPUTS = [
    bytes.fromhex(h)
    for h in ("", "00", "10", "2021", "3031", "40414243", "5051525354555657",
              "606162636465666768696a6b6c6d6e6f")
]  # fmt: skip
ROOTS = [
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
]
# (leaf index, tree size, proof); the Go file counts leaves from 1, these from 0.
INCLUSION = [
    (0, 8, ["96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"]),
    (5, 8, ["bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"]),
    (2, 3, ["fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"]),
    (1, 5, ["6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"]),
]  # fmt: skip
CONSISTENCY = [
    (1, 8, ["96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"]),
    (6, 8, ["0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"]),
    (2, 5, ["5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"]),
    (6, 7, ["0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
            "b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"]),
]  # fmt: skip
LEAVES = [leaf_hash(d) for d in LEAF_INPUTS]


def _hx(items: Sequence[bytes]) -> list[str]:
    return [i.hex() for i in items]


def test_roots_match_the_reference_for_every_size() -> None:
    for size, root in enumerate(ROOTS):
        assert root_from_leaf_hashes(LEAVES[:size]).hex() == root
    assert EMPTY_ROOT.hex() == ROOTS[0]


@pytest.mark.parametrize(("index", "size", "proof"), INCLUSION)
def test_inclusion_proofs_match_the_reference(index: int, size: int, proof: list[str]) -> None:
    assert _hx(inclusion_path(LEAVES, index, size)) == proof
    root = bytes.fromhex(ROOTS[size])
    path = [bytes.fromhex(p) for p in proof]
    assert verify_inclusion(LEAVES[index], index, size, path, root)
    # The reference's corruptions, each of which must fail.
    some = bytes.fromhex("abacaba000000000000000000000000000000000000000000060061e00123456")
    bad = [
        (LEAVES[index], index - 1, size, path, root),
        (LEAVES[index], index + 1, size, path, root),
        (LEAVES[index], index ^ 2, size, path, root),
        (LEAVES[index], index, size * 2, path, root),
        (LEAVES[index], index, size // 2, path, root),
        (b"WrongLeaf", index, size, path, root),
        (LEAVES[index], index, size, path, EMPTY_ROOT),
        (LEAVES[index], index, size, path, some),
        (LEAVES[index], index, size, [*path, b""], root),
        (LEAVES[index], index, size, [*path, root], root),
        (LEAVES[index], index, size, [b"", *path], root),
        (LEAVES[index], index, size, [root, *path], root),
        (LEAVES[index], index, size, path[:-1], root),
    ]
    if len(path) > 1:
        bad.append((LEAVES[index], index, size, [path[0], some, *path[1:]], root))
    for i in range(len(path)):
        flipped = list(path)
        flipped[i] = bytes([flipped[i][0] ^ 8]) + flipped[i][1:]
        bad.append((LEAVES[index], index, size, flipped, root))
    for leaf, idx, sz, pth, rt in bad:
        assert not verify_inclusion(leaf, idx, sz, pth, rt), (idx, sz)


@pytest.mark.parametrize(("first", "second", "proof"), CONSISTENCY)
def test_consistency_proofs_match_the_reference(first: int, second: int, proof: list[str]) -> None:
    assert _hx(consistency_path(LEAVES, first, second)) == proof
    r1, r2 = bytes.fromhex(ROOTS[first]), bytes.fromhex(ROOTS[second])
    path = [bytes.fromhex(p) for p in proof]
    assert verify_consistency(first, second, r1, r2, path)
    bad = [
        (first - 1, second, r1, r2, path),
        (first + 1, second, r1, r2, path),
        (first ^ 2, second, r1, r2, path),
        (first, second * 2, r1, r2, path),
        (first, second // 2, r1, r2, path),
        (first, second, b"WrongRoot", r2, path),
        (first, second, r1, b"WrongRoot", path),
        (first, second, r2, r1, path),
        (first, second, r1, r2, []),
        (first, second, r1, r2, [*path, b""]),
        (first, second, r1, r2, [*path, r1]),
        (first, second, r1, r2, [*path, r2]),
        (first, second, r1, r2, [b"", *path]),
        (first, second, r1, r2, [r1, *path]),
        (first, second, r1, r2, [r2, *path]),
        (first, second, r1, r2, [path[0], *path]),
        (first, second, r1, r2, path[:-1]),
    ]
    for i in range(len(path)):
        flipped = list(path)
        flipped[i] = bytes([flipped[i][0] ^ 16]) + flipped[i][1:]
        bad.append((first, second, r1, r2, flipped))
    for f, s, a, b, p in bad:
        assert not verify_consistency(f, s, a, b, p), (f, s)


def test_trivial_consistency_cases_as_the_reference_has_them() -> None:
    r1, r2 = b"don't care 1", b"don't care 2"
    assert not verify_consistency(0, 0, r1, r2, [])
    assert not verify_consistency(1, 1, r1, r2, [])
    assert verify_consistency(0, 0, r1, r1, [])
    assert verify_consistency(0, 1, r1, r2, [])
    assert verify_consistency(1, 1, r2, r2, [])
    assert not verify_consistency(1, 0, r1, r2, [])
    assert not verify_consistency(2, 1, r1, r2, [])
    assert not verify_consistency(1, 2, r1, r2, [])
    assert not verify_consistency(0, 0, EMPTY_ROOT, EMPTY_ROOT, [EMPTY_ROOT])
    assert not verify_consistency(0, 1, EMPTY_ROOT, EMPTY_ROOT, [EMPTY_ROOT])


# --- (2) a hand-worked tree of three entries (RFC 9162 2.1.1: split at 2) ---------------------
def test_three_leaves_by_hand() -> None:
    def sha(b: bytes) -> bytes:
        return hashlib.sha256(b).digest()

    a, b, c = sha(b"\x00a"), sha(b"\x00b"), sha(b"\x00c")
    ab = sha(b"\x01" + a + b)
    root = sha(b"\x01" + ab + c)  # not (a, bc): the left subtree is the largest power of two
    leaves = [leaf_hash(x) for x in (b"a", b"b", b"c")]
    assert leaves == [a, b, c]
    assert root_from_leaf_hashes(leaves) == root
    assert inclusion_path(leaves, 2) == [ab]
    assert inclusion_path(leaves, 0) == [b, c]
    assert consistency_path(leaves, 2, 3) == [c]  # the old root ab is a node: not repeated
    assert consistency_path(leaves, 1, 3) == [b, c]
    assert verify_consistency(2, 3, ab, root, [c])
    assert verify_consistency(1, 3, a, root, [b, c])


# --- (3) a naive transcription of the RFC's recursive definitions ----------------------------
def _k(n: int) -> int:
    k = 1
    while k * 2 < n:
        k *= 2
    return k


def naive_mth(data: Sequence[bytes]) -> bytes:
    n = len(data)
    if n == 0:
        return hashlib.sha256(b"").digest()
    if n == 1:
        return hashlib.sha256(b"\x00" + data[0]).digest()
    k = _k(n)
    return hashlib.sha256(b"\x01" + naive_mth(data[:k]) + naive_mth(data[k:])).digest()


def naive_path(m: int, data: Sequence[bytes]) -> list[bytes]:
    n = len(data)
    if n == 1:
        return []
    k = _k(n)
    if m < k:
        return [*naive_path(m, data[:k]), naive_mth(data[k:])]
    return [*naive_path(m - k, data[k:]), naive_mth(data[:k])]


def naive_subproof(m: int, data: Sequence[bytes], b: bool) -> list[bytes]:
    n = len(data)
    if m == n:
        return [] if b else [naive_mth(data)]
    k = _k(n)
    if m <= k:
        return [*naive_subproof(m, data[:k], b), naive_mth(data[k:])]
    return [*naive_subproof(m - k, data[k:], False), naive_mth(data[:k])]


@settings(max_examples=150, deadline=None)
@given(
    data=st.lists(st.binary(max_size=8), min_size=1, max_size=70),
    picks=st.tuples(st.integers(0, 10_000), st.integers(0, 10_000), st.integers(0, 10_000)),
)
def test_iterative_code_equals_the_naive_definitions(
    data: list[bytes], picks: tuple[int, int, int]
) -> None:
    n = len(data)
    leaves = [leaf_hash(d) for d in data]
    size = 1 + picks[0] % n
    index = picks[1] % size
    first = picks[2] % (size + 1)
    event("power of two size" if size & (size - 1) == 0 else "other size")
    event("first is 0 or size" if first in (0, size) else "proper prefix")
    root = naive_mth(data[:size])
    assert root_from_leaf_hashes(leaves[:size]) == root
    path = inclusion_path(leaves, index, size)
    assert path == naive_path(index, data[:size])
    assert verify_inclusion(leaves[index], index, size, path, root)
    proof = consistency_path(leaves, first, size)
    expected = [] if first in (0, size) else naive_subproof(first, data[:size], True)
    assert proof == expected
    assert verify_consistency(first, size, naive_mth(data[:first]), root, proof)
    if 0 < first < size:
        # A different old tree (one leaf changed) must not be consistent with this one.
        changed = [*data[: first - 1], data[first - 1] + b"!"]
        assert not verify_consistency(first, size, naive_mth(changed), root, proof)
        # A wrong claimed leaf must not be included.
        assert not verify_inclusion(leaf_hash(data[index] + b"!"), index, size, path, root)
