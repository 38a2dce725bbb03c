"""The audit log as a Merkle tree: which bytes a leaf covers, proofs by seq, checkpoint checks.

Leaf ``i`` (0-based) is entry ``seq = i + 1``; its input is the entry's canonical bytes (the
RFC 8785 JSON of seq, time, actor, action, payload digest and previous hash: everything the
chain hash covers). A payload enters only through its digest, so a checkpoint stays valid
for an export without payloads, exactly like the chain.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from corridor.audit._chain import ChainEntry, ChainFault, entry_canonical, verify_chain
from corridor.audit._checkpoint import Checkpoint, log_origin, verify_checkpoint_signature
from corridor.audit._merkle import (
    consistency_path,
    inclusion_path,
    leaf_hash,
    root_from_leaf_hashes,
    verify_consistency,
)
from corridor.errors import InputError


def entry_leaf(entry: ChainEntry) -> bytes:
    """The leaf hash of one entry."""
    return leaf_hash(
        entry_canonical(
            seq=entry.seq,
            at_utc=entry.at_utc,
            actor=entry.actor,
            action=entry.action,
            payload_digest=entry.payload_digest,
            prev_hash=entry.prev_hash,
        )
    )


@dataclass(frozen=True)
class LogTree:
    """The leaves of a log read once, to answer roots and proofs for any size up to ``size``."""

    origin: str | None
    leaves: Sequence[bytes]
    head_hash: str | None  # the chain's newest entry hash

    @classmethod
    def of(cls, entries: Iterable[ChainEntry]) -> LogTree:
        leaves: list[bytes] = []
        first = last = None
        for entry in entries:
            if first is None:
                first = entry.entry_hash
            leaves.append(entry_leaf(entry))
            last = entry.entry_hash
        return cls(None if first is None else log_origin(first), leaves, last)

    @property
    def size(self) -> int:
        return len(self.leaves)

    def root(self, size: int | None = None) -> bytes:
        n = self.size if size is None else size
        if not 0 <= n <= self.size:
            raise InputError(f"the log has {self.size} entries, not {n}", field="size")
        return root_from_leaf_hashes(self.leaves[:n])

    def inclusion(self, seq: int, size: int | None = None) -> list[bytes]:
        n = self.size if size is None else size
        if not 1 <= seq <= n <= self.size:
            raise InputError(
                f"no entry {seq} in a tree of size {n} (the log has {self.size} entries)",
                field="seq",
            )
        return inclusion_path(self.leaves, seq - 1, n)

    def consistency(self, first: int, second: int | None = None) -> list[bytes]:
        n = self.size if second is None else second
        if not 0 <= first <= n <= self.size:
            raise InputError(
                f"no consistency proof from size {first} to {n} (the log has {self.size})",
                field="first",
            )
        return consistency_path(self.leaves, first, n)

    def checkpoint(self) -> Checkpoint:
        """This tree's head, unsigned; an empty log has nothing to checkpoint."""
        if self.origin is None:
            raise InputError("the audit log is empty: nothing to checkpoint yet")
        return Checkpoint(self.origin, self.size, self.root())


@dataclass(frozen=True)
class SignatureCheck:
    name: str
    ok: bool
    key_source: str  # where the public key came from, or "unknown signer"


@dataclass
class CheckpointReport:
    """What a party's checkpoint says about the log now: extended, truncated or rewritten."""

    checkpoint: Checkpoint
    log_size: int
    log_root: bytes
    chain_fault: ChainFault | None = None
    problems: list[str] = field(default_factory=list)
    signatures: list[SignatureCheck] = field(default_factory=list)
    proof: list[bytes] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return (
            self.chain_fault is None
            and not self.problems
            and bool(self.signatures)
            and all(s.ok for s in self.signatures)
        )


def check_against_checkpoint(
    entries: Sequence[ChainEntry],
    checkpoint: Checkpoint,
    *,
    keys: Mapping[str, tuple[str, str]],
) -> CheckpointReport:
    """Prove that ``entries`` extend what ``checkpoint``'s signers saw.

    ``keys`` maps a signer name to (public key base64, where the key came from); a signer
    with no known key is reported, never trusted. The proof is a real RFC 9162 consistency
    proof from the checkpoint's size to the log's, checked by the RFC verifier, so the same
    check works against a remote log that only sends the proof.
    """
    tree = LogTree.of(entries)
    report = CheckpointReport(checkpoint, tree.size, tree.root())
    report.chain_fault = verify_chain(entries)
    for name in checkpoint.signers():
        if name not in keys:
            report.signatures.append(SignatureCheck(name, False, "unknown signer"))
            continue
        pub, source = keys[name]
        ok = verify_checkpoint_signature(checkpoint, name, pub)
        report.signatures.append(SignatureCheck(name, ok, source))
    if not checkpoint.signatures:
        report.problems.append("the checkpoint carries no signature")
    if tree.origin != checkpoint.origin:
        report.problems.append(
            f"the checkpoint is for log {checkpoint.origin} but this log is {tree.origin}: "
            "another database, or the log's first entry was rewritten"
        )
    if tree.size < checkpoint.size:
        report.problems.append(
            f"truncated: the log has {tree.size} entries but {_who(checkpoint)} signed "
            f"a log of {checkpoint.size}; entries {tree.size + 1}..{checkpoint.size} are gone"
        )
        return report
    report.proof = tree.consistency(checkpoint.size)
    if not verify_consistency(
        checkpoint.size, tree.size, checkpoint.root, report.log_root, report.proof
    ):
        report.problems.append(
            f"rewritten: the first {checkpoint.size} entries are not the ones "
            f"{_who(checkpoint)} signed (the consistency proof from size {checkpoint.size} "
            f"to {tree.size} fails)"
            + (f"; first bad entry: seq {report.chain_fault.seq}" if report.chain_fault else "")
        )
    return report


def _who(checkpoint: Checkpoint) -> str:
    return ", ".join(checkpoint.signers()) or "nobody"
