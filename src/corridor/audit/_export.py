"""Audit export as JSON Lines: one entry per line, then one line with the head hash."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from typing import Any

from corridor._input import loads_json
from corridor.audit._chain import GENESIS_HASH, ChainEntry, ChainFault, verify_chain
from corridor.errors import InputError

HEAD_KEY = "head_hash"


def export_lines(entries: Iterable[ChainEntry], *, with_payloads: bool = True) -> Iterator[str]:
    """JSON Lines (no trailing newline on each); the last line is ``{"head_hash", "head_seq",
    "entries"}``, the part to publish or sign. Without payloads, each line keeps only the
    payload's digest and the chain still verifies."""
    last: ChainEntry | None = None
    count = 0
    for entry in entries:
        line = entry.to_json(with_payload=with_payloads)
        yield json.dumps(line, ensure_ascii=False, sort_keys=True)
        last, count = entry, count + 1
    head: dict[str, Any] = {
        HEAD_KEY: GENESIS_HASH if last is None else last.entry_hash,
        "head_seq": 0 if last is None else last.seq,
        "entries": count,
    }
    yield json.dumps(head, sort_keys=True)


def read_export(lines: Iterable[str]) -> tuple[list[ChainEntry], tuple[int, str]]:
    """Entries and the stated head of an export; raises InputError naming the bad line."""
    entries: list[ChainEntry] = []
    head: tuple[int, str] | None = None
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        if head is not None:
            raise InputError("text after the head line", line=number)
        obj = loads_json(line, line=number, what="JSON")
        if not isinstance(obj, dict):
            raise InputError("each line must be a JSON object", line=number)
        if HEAD_KEY in obj:
            head = (int(obj.get("head_seq", 0)), str(obj[HEAD_KEY]))
            continue
        try:
            entries.append(ChainEntry.from_json(obj))
        except InputError as exc:
            exc.line = number
            raise
    if head is None:
        raise InputError("the export has no head line; it may be cut short")
    return entries, head


def verify_export(
    lines: Iterable[str], *, head: tuple[int, str] | str | None = None
) -> ChainFault | None:
    """Check an export offline: the chain, its own head line, and optionally a published head."""
    entries, stated = read_export(lines)
    fault = verify_chain(entries, head=stated if stated[0] > 0 else None)
    if fault is None and stated[0] == 0 and entries:
        fault = ChainFault(1, "inserted", "the head line says the log is empty")
    if fault is None and head is not None:
        fault = verify_chain(entries, head=head)
    return fault
