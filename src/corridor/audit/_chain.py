"""The audit hash chain, with no database: how an entry is hashed, and how a chain is checked.

An entry's canonical form is the RFC 8785 JSON of ``{seq, at_utc, actor, action,
payload_digest, prev_hash}``; ``entry_hash = SHA-256(prev_hash_hex_ascii || canonical)``, with
64 zeros as the genesis ``prev_hash``. The payload enters the chain only through its digest
(SHA-256 of its RFC 8785 form), so a published chain can withhold a payload and still verify.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal

from corridor._canonical import canonical_json
from corridor.errors import InputError

_HEX64 = re.compile(r"[0-9a-f]{64}")
GENESIS_HASH = "0" * 64
_MAX_MOVE = 5000  # how far from its seq an entry is looked for when naming a fault

FaultKind = Literal["edited", "deleted", "reordered", "inserted"]


@dataclass(frozen=True, slots=True)
class ChainEntry:
    """One audit entry as stored; ``payload`` is its RFC 8785 JSON text (or None if withheld)."""

    seq: int
    at_utc: datetime
    actor: str
    action: str
    payload: str | None
    payload_digest: str
    prev_hash: str
    entry_hash: str

    def to_json(self, *, with_payload: bool = True) -> dict[str, Any]:
        """The entry as a JSON object (the export line format); without ``payload`` when it is
        withheld, leaving only its digest."""
        obj: dict[str, Any] = {
            "seq": self.seq,
            "at_utc": format_utc(self.at_utc),
            "actor": self.actor,
            "action": self.action,
            "payload_digest": self.payload_digest,
            "prev_hash": self.prev_hash,
            "entry_hash": self.entry_hash,
        }
        if with_payload and self.payload is not None:
            obj["payload"] = json.loads(self.payload)
        return obj

    @classmethod
    def from_json(cls, obj: dict[str, Any]) -> ChainEntry:
        """Read an export line back; raises InputError naming the missing or bad field."""
        for key in ("payload_digest", "prev_hash", "entry_hash"):
            if key in obj and not _HEX64.fullmatch(str(obj[key])):
                # A hash is ASCII hex; anything else (a lone surrogate, "é") can never verify
                # and broke hashing with UnicodeEncodeError (found by fuzzing).
                raise InputError("is not a SHA-256 (64 lowercase hex digits)", field=key)
        try:
            withheld = "payload" not in obj
            return cls(
                seq=int(obj["seq"]),
                at_utc=parse_utc(str(obj["at_utc"])),
                actor=str(obj["actor"]),
                action=str(obj["action"]),
                payload=None if withheld else canonical_payload(obj["payload"]).decode(),
                payload_digest=str(obj["payload_digest"]),
                prev_hash=str(obj["prev_hash"]),
                entry_hash=str(obj["entry_hash"]),
            )
        except KeyError as exc:
            raise InputError("audit entry lacks a field", field=str(exc.args[0])) from exc
        except (TypeError, ValueError, OverflowError) as exc:  # int(1e400), year 0 in UTC
            raise InputError(f"audit entry is malformed: {exc}") from exc


@dataclass(frozen=True, slots=True)
class ChainFault:
    """The first place where a chain stops verifying."""

    seq: int
    kind: FaultKind
    detail: str

    def message(self) -> str:
        return f"audit chain broken at seq {self.seq}: {self.kind} ({self.detail})"


def format_utc(at: datetime) -> str:
    """``2022-03-05T09:00:00.000000Z``: fixed width, always microseconds, always UTC."""
    if at.tzinfo is None:
        raise ValueError("audit times must be aware UTC datetimes")
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def parse_utc(text: str) -> datetime:
    when = datetime.fromisoformat(text.replace("Z", "+00:00"))
    if when.tzinfo is None:
        raise ValueError(f"time {text!r} has no zone")
    try:
        return when.astimezone(UTC)
    except OverflowError:  # 0001-01-01T00:00+14:00 is in the year 0 in UTC
        raise ValueError(f"time {text!r} is outside the years 1 to 9999 in UTC") from None


def canonical_payload(payload: Any) -> bytes:
    """RFC 8785 bytes of a JSON-able payload; raises InputError for what JSON cannot hold."""
    return canonical_json(payload, what="the audit payload")


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def entry_canonical(
    *, seq: int, at_utc: datetime, actor: str, action: str, payload_digest: str, prev_hash: str
) -> bytes:
    """The bytes an entry's hash covers (after ``prev_hash``)."""
    return canonical_json(
        {
            "seq": seq,
            "at_utc": format_utc(at_utc),
            "actor": actor,
            "action": action,
            "payload_digest": payload_digest,
            "prev_hash": prev_hash,
        },
        what="the audit entry",
    )


def compute_entry_hash(
    *, seq: int, at_utc: datetime, actor: str, action: str, payload_digest: str, prev_hash: str
) -> str:
    canonical = entry_canonical(
        seq=seq,
        at_utc=at_utc,
        actor=actor,
        action=action,
        payload_digest=payload_digest,
        prev_hash=prev_hash,
    )
    return sha256_hex(prev_hash.encode("ascii") + canonical)


def next_entry(
    head: ChainEntry | None, *, at_utc: datetime, actor: str, action: str, payload: Any
) -> ChainEntry:
    """The entry that follows ``head`` (or starts the chain when ``head`` is None)."""
    text = canonical_payload(payload)
    seq = 1 if head is None else head.seq + 1
    prev = GENESIS_HASH if head is None else head.entry_hash
    at = parse_utc(format_utc(at_utc))  # keep exactly what the hash covers: microseconds, UTC
    digest = sha256_hex(text)
    entry_hash = compute_entry_hash(
        seq=seq, at_utc=at, actor=actor, action=action, payload_digest=digest, prev_hash=prev
    )
    return ChainEntry(seq, at, actor, action, text.decode(), digest, prev, entry_hash)


def _written_seq(entry: ChainEntry, *, max_seq: int) -> int | None:
    """The seq an entry's hash was computed for, nearest its current seq first; None when no
    seq fits (its content was changed). Only run at the first fault; the scan is bounded so a
    long log still answers fast, and an entry moved farther is reported as edited."""
    for distance in range(1, min(max_seq, _MAX_MOVE) + 1):
        for seq in (entry.seq - distance, entry.seq + distance):
            if 1 <= seq <= max_seq and _hash_at(entry, seq) == entry.entry_hash:
                return seq
    return None


def _hash_at(entry: ChainEntry, seq: int) -> str:
    return compute_entry_hash(
        seq=seq,
        at_utc=entry.at_utc,
        actor=entry.actor,
        action=entry.action,
        payload_digest=entry.payload_digest,
        prev_hash=entry.prev_hash,
    )


def verify_chain(
    entries: Iterable[ChainEntry], *, head: tuple[int, str] | str | None = None
) -> ChainFault | None:
    """The first fault in ``entries`` (any order; checked by ``seq``), or None if it verifies.

    ``head`` is a previously published ``(seq, entry_hash)`` or just the hash: the chain must
    still contain it, which is what reveals a truncated or rewritten tail. The chain alone
    cannot reveal entries cut off its end, nor a correctly forged append: publish the head.
    """
    chain = sorted(entries, key=lambda e: e.seq)
    fault = _first_fault(chain)
    if fault is not None or head is None:
        return fault
    return _check_head(chain, head)


def _check_head(chain: Sequence[ChainEntry], head: tuple[int, str] | str) -> ChainFault | None:
    if isinstance(head, str):
        head_hash = head.lower()
        if head_hash == GENESIS_HASH or any(e.entry_hash == head_hash for e in chain):
            return None
        return ChainFault(
            len(chain) + 1 if not chain else chain[-1].seq,
            "edited",
            f"the published head {head_hash[:16]}... is not in the log: it was rewritten or cut",
        )
    head_seq, head_hash = head[0], head[1].lower()
    if head_seq == 0:
        return None
    if len(chain) < head_seq:
        return ChainFault(
            len(chain) + 1,
            "deleted",
            f"the log ends at seq {len(chain)} but the published head is seq {head_seq}",
        )
    if chain[head_seq - 1].entry_hash != head_hash:
        return ChainFault(
            head_seq,
            "edited",
            f"the entry hash differs from the published head {head_hash[:16]}...",
        )
    return None


def _first_fault(chain: Sequence[ChainEntry]) -> ChainFault | None:
    seq_by_hash = {e.entry_hash: e.seq for e in chain}
    expected_prev, expected_seq = GENESIS_HASH, 1
    for i, entry in enumerate(chain):
        if entry.seq > expected_seq:
            gap = (
                f"{expected_seq}"
                if entry.seq == expected_seq + 1
                else f"{expected_seq}..{entry.seq - 1}"
            )
            return ChainFault(expected_seq, "deleted", f"entries {gap} are missing")
        if entry.seq < expected_seq:
            return ChainFault(entry.seq, "inserted", "a sequence number before the first entry")
        payload_ok = entry.payload is None or (
            sha256_hex(entry.payload.encode()) == entry.payload_digest
        )
        own_ok = _hash_at(entry, entry.seq) == entry.entry_hash
        if payload_ok and own_ok and entry.prev_hash == expected_prev:
            expected_prev, expected_seq = entry.entry_hash, expected_seq + 1
            continue
        return _classify(
            chain,
            i,
            own_ok=own_ok,
            payload_ok=payload_ok,
            expected_prev=expected_prev,
            seq_by_hash=seq_by_hash,
        )
    return None


def _classify(  # noqa: PLR0911 - one return per kind of fault reads best flat
    chain: Sequence[ChainEntry],
    i: int,
    *,
    own_ok: bool,
    payload_ok: bool,
    expected_prev: str,
    seq_by_hash: dict[str, int],
) -> ChainFault:
    """Name what happened at position ``i``, where the chain first fails."""
    entry = chain[i]
    known_prev = entry.prev_hash == GENESIS_HASH or entry.prev_hash in seq_by_hash
    origin = None if own_ok else _written_seq(entry, max_seq=2 * chain[-1].seq + 1)
    if origin is not None and origin > entry.seq:
        # An intact entry that belongs later: moved up by a swap, or by deleting and renumbering.
        if not known_prev:
            return ChainFault(
                entry.seq, "deleted", f"entries before the one written as seq {origin} are gone"
            )
        return ChainFault(
            entry.seq, "reordered", f"the entry now at seq {entry.seq} was written as seq {origin}"
        )
    if origin is not None and origin < entry.seq:
        return ChainFault(
            origin, "inserted", f"the entry written as seq {origin} was pushed to seq {entry.seq}"
        )
    if i + 1 < len(chain) and chain[i + 1].prev_hash == expected_prev:
        return ChainFault(entry.seq, "inserted", "the next entry links past this one")
    if not payload_ok:
        return ChainFault(entry.seq, "edited", "the payload does not match its digest")
    if own_ok and not known_prev and i > 0:
        # Intact, but links to a hash nobody has: the entry before it was rewritten.
        return ChainFault(
            chain[i - 1].seq,
            "edited",
            f"seq {entry.seq} links to a hash that seq {chain[i - 1].seq} no longer has",
        )
    if own_ok:
        return ChainFault(entry.seq, "inserted", "the entry does not link to the one before it")
    return ChainFault(entry.seq, "edited", "the entry does not match its hash")
