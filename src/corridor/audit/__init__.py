"""The tamper-evident audit chain: entry hashing, verification and export, with no database."""

from corridor.audit._chain import (
    GENESIS_HASH,
    ChainEntry,
    ChainFault,
    FaultKind,
    canonical_payload,
    compute_entry_hash,
    entry_canonical,
    format_utc,
    next_entry,
    parse_utc,
    sha256_hex,
    verify_chain,
)
from corridor.audit._export import export_lines, read_export, verify_export

__all__ = [
    "GENESIS_HASH",
    "ChainEntry",
    "ChainFault",
    "FaultKind",
    "canonical_payload",
    "compute_entry_hash",
    "entry_canonical",
    "export_lines",
    "format_utc",
    "next_entry",
    "parse_utc",
    "read_export",
    "sha256_hex",
    "verify_chain",
    "verify_export",
]
