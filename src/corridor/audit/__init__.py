"""The tamper-evident audit chain: entry hashing, verification and export, with no database.

The package loads its modules on first use (PEP 562), as :mod:`corridor.store` does: appending
to the chain needs only ``_chain``, not the checkpoints' Ed25519 signing (cryptography) or the
Merkle tree, which a database-only command must not pay for (issue 14, defect 10).
"""

from __future__ import annotations

import typing as _typing

from corridor import _lazy

if _typing.TYPE_CHECKING:
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
    from corridor.audit._checkpoint import (
        CHECKPOINT_DOMAIN,
        MAX_CHECKPOINT_BYTES,
        Checkpoint,
        NoteSignature,
        log_origin,
        parse_checkpoint,
        sign_checkpoint,
        verify_checkpoint_signature,
    )
    from corridor.audit._export import (
        export_lines,
        read_export,
        verify_export,
    )
    from corridor.audit._merkle import (
        EMPTY_ROOT,
        consistency_path,
        inclusion_path,
        leaf_hash,
        node_hash,
        root_from_leaf_hashes,
        verify_consistency,
        verify_inclusion,
    )
    from corridor.audit._tree import (
        CheckpointReport,
        LogTree,
        SignatureCheck,
        check_against_checkpoint,
        entry_leaf,
    )

#: public name -> the module that defines it
_WHERE: dict[str, str] = {
    "CHECKPOINT_DOMAIN": "corridor.audit._checkpoint",
    "ChainEntry": "corridor.audit._chain",
    "ChainFault": "corridor.audit._chain",
    "Checkpoint": "corridor.audit._checkpoint",
    "CheckpointReport": "corridor.audit._tree",
    "EMPTY_ROOT": "corridor.audit._merkle",
    "FaultKind": "corridor.audit._chain",
    "GENESIS_HASH": "corridor.audit._chain",
    "LogTree": "corridor.audit._tree",
    "MAX_CHECKPOINT_BYTES": "corridor.audit._checkpoint",
    "NoteSignature": "corridor.audit._checkpoint",
    "SignatureCheck": "corridor.audit._tree",
    "canonical_payload": "corridor.audit._chain",
    "check_against_checkpoint": "corridor.audit._tree",
    "compute_entry_hash": "corridor.audit._chain",
    "consistency_path": "corridor.audit._merkle",
    "entry_canonical": "corridor.audit._chain",
    "entry_leaf": "corridor.audit._tree",
    "export_lines": "corridor.audit._export",
    "format_utc": "corridor.audit._chain",
    "inclusion_path": "corridor.audit._merkle",
    "leaf_hash": "corridor.audit._merkle",
    "log_origin": "corridor.audit._checkpoint",
    "next_entry": "corridor.audit._chain",
    "node_hash": "corridor.audit._merkle",
    "parse_checkpoint": "corridor.audit._checkpoint",
    "parse_utc": "corridor.audit._chain",
    "read_export": "corridor.audit._export",
    "root_from_leaf_hashes": "corridor.audit._merkle",
    "sha256_hex": "corridor.audit._chain",
    "sign_checkpoint": "corridor.audit._checkpoint",
    "verify_chain": "corridor.audit._chain",
    "verify_checkpoint_signature": "corridor.audit._checkpoint",
    "verify_consistency": "corridor.audit._merkle",
    "verify_export": "corridor.audit._export",
    "verify_inclusion": "corridor.audit._merkle",
}


__getattr__, __dir__ = _lazy.exports(__name__, _WHERE)


__all__ = [
    "CHECKPOINT_DOMAIN",
    "EMPTY_ROOT",
    "GENESIS_HASH",
    "MAX_CHECKPOINT_BYTES",
    "ChainEntry",
    "ChainFault",
    "Checkpoint",
    "CheckpointReport",
    "FaultKind",
    "LogTree",
    "NoteSignature",
    "SignatureCheck",
    "canonical_payload",
    "check_against_checkpoint",
    "compute_entry_hash",
    "consistency_path",
    "entry_canonical",
    "entry_leaf",
    "export_lines",
    "format_utc",
    "inclusion_path",
    "leaf_hash",
    "log_origin",
    "next_entry",
    "node_hash",
    "parse_checkpoint",
    "parse_utc",
    "read_export",
    "root_from_leaf_hashes",
    "sha256_hex",
    "sign_checkpoint",
    "verify_chain",
    "verify_checkpoint_signature",
    "verify_consistency",
    "verify_export",
    "verify_inclusion",
]
