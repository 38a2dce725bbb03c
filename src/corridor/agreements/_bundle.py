"""The signed bundle: everything needed to check an agreement offline, with no database."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from corridor.agreements._load import read_json_file, terms_from_data
from corridor.agreements._signing import (
    SignatureStatus,
    in_force,
    signature_statuses,
    suspension_message,
    terms_digest,
    verify_message,
)
from corridor.agreements._terms import Terms
from corridor.errors import InputError, TermsError

BUNDLE_FORMAT = "corridor-agreement-bundle/1"


def make_bundle(
    *,
    terms: Mapping[str, Any],
    digest: str,
    signatures: Sequence[Mapping[str, Any]],
    state: str,
    suspensions: Sequence[Mapping[str, Any]] = (),
    audit_head: Mapping[str, Any] | None = None,
    exported_at_utc: str,
) -> dict[str, Any]:
    """A JSON-ready bundle. ``terms`` is the exact JSON that was canonicalised and signed."""
    parties = terms.get("parties", [])
    return {
        "format": BUNDLE_FORMAT,
        "corridor_id": terms.get("corridor_id"),
        "version": terms.get("version"),
        "state": state,
        "terms": dict(terms),
        "digest_sha256": digest,
        "signing_message": "b'corridor-agreement-v1\\n' + bytes.fromhex(digest_sha256)",
        "public_keys": {p["name"]: p["public_key"] for p in parties},
        "signatures": [dict(s) for s in signatures],
        "suspensions": [dict(s) for s in suspensions],
        "audit_head": dict(audit_head) if audit_head is not None else None,
        "exported_at_utc": exported_at_utc,
    }


@dataclass
class BundleReport:
    """The outcome of an offline check; ``in_force`` needs no problem and every signature valid."""

    corridor_id: str | None
    version: int | None
    digest: str | None
    statuses: list[SignatureStatus] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    suspended_by: list[str] = field(default_factory=list)

    @property
    def signatures_valid(self) -> bool:
        return not self.problems and in_force(self.statuses)

    @property
    def in_force(self) -> bool:
        return self.signatures_valid and not self.suspended_by


def read_bundle(path: str | Path) -> dict[str, Any]:
    path = Path(path)
    data = read_json_file(path, name="bundle", kind="JSON bundle")
    if not isinstance(data, dict) or data.get("format") != BUNDLE_FORMAT:
        raise InputError(
            f"not a corridor agreement bundle (format must be {BUNDLE_FORMAT!r})", path=path
        )
    return data


def _check_suspensions(
    bundle: Mapping[str, Any], terms: Terms, digest: str, report: BundleReport
) -> None:
    keys = {p.name: p.public_key for p in terms.parties}
    for i, s in enumerate(bundle.get("suspensions") or []):
        try:
            msg = suspension_message(
                corridor_id=terms.corridor_id,
                version=terms.version,
                digest_hex=digest,
                reason=str(s["reason"]),
                at_utc=str(s["at_utc"]),
            )
            ok = verify_message(keys[str(s["party"])], msg, str(s["signature"]))
        except (KeyError, TypeError):
            ok = False
        if ok:
            report.suspended_by.append(f"{s['party']} at {s['at_utc']}: {s['reason']}")
        else:
            report.problems.append(f"suspensions[{i}]: signature does not verify")


def verify_bundle(bundle: Mapping[str, Any]) -> BundleReport:
    """Check a bundle with nothing but its own content; never touches a database.

    The digest is recomputed from ``terms`` exactly as stored in the bundle, every signature
    is checked against that recomputed digest and the key listed in the terms, and the
    ``public_keys`` table must agree with the terms.
    """
    raw_terms = bundle.get("terms")
    report = BundleReport(bundle.get("corridor_id"), bundle.get("version"), None)
    if not isinstance(raw_terms, dict):
        report.problems.append("terms: missing")
        return report
    try:
        terms = terms_from_data(raw_terms)
    except TermsError as exc:
        report.problems.extend(f"terms: {p}" for p in exc.problems or [exc.message])
        return report
    digest = terms_digest(raw_terms)
    report.digest = digest
    if bundle.get("digest_sha256") != digest:
        report.problems.append(
            f"digest_sha256 {str(bundle.get('digest_sha256'))[:16]}... does not match the terms "
            f"({digest[:16]}...): the terms were changed after signing"
        )
    if (bundle.get("corridor_id"), bundle.get("version")) != (terms.corridor_id, terms.version):
        report.problems.append("corridor_id/version do not match the terms")
    listed = {p.name: p.public_key for p in terms.parties}
    if dict(bundle.get("public_keys") or {}) != listed:
        report.problems.append("public_keys do not match the parties listed in the terms")
    sigs = bundle.get("signatures") or []
    if not isinstance(sigs, list) or not all(
        isinstance(s, dict) and "party" in s and "signature" in s for s in sigs
    ):
        report.problems.append("signatures: each must have 'party' and 'signature'")
        sigs = []
    report.statuses = signature_statuses(terms, digest, sigs)
    _check_suspensions(bundle, terms, digest, report)
    return report
