"""The signed bundle: everything needed to check an agreement offline, with no database."""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import rfc8785
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from corridor.agreements._lifecycle import State, state_at
from corridor.agreements._load import read_json_file, terms_from_data
from corridor.agreements._signing import (
    SignatureStatus,
    in_force,
    lifecycle_message,
    public_key_b64,
    signature_statuses,
    suspension_message,
    terms_digest,
    verify_message,
)
from corridor.agreements._terms import Terms
from corridor.errors import InputError, SignatureError, TermsError

BUNDLE_FORMAT = "corridor-agreement-bundle/1"


def lifecycle_digest(bundle: Mapping[str, Any]) -> str:
    """SHA-256 (hex) of what a bundle says happened to the agreement: its state, every
    suspension, the closure and the export time, for the terms digest it names.

    Parties attest this value (:func:`attest_bundle`); a suspension or closure removed, or the
    state changed, after one attested it no longer matches their signature.
    """
    body = {key: bundle.get(key) for key in _LIFECYCLE_KEYS}
    try:
        return hashlib.sha256(rfc8785.dumps(body)).hexdigest()
    except (rfc8785.CanonicalizationError, TypeError, ValueError):
        return ""  # not canonicalisable: no attestation can match it


_LIFECYCLE_KEYS = (
    "format", "corridor_id", "version", "digest_sha256", "state", "suspensions", "closure",
    "exported_at_utc",
)  # fmt: skip


def make_bundle(
    *,
    terms: Mapping[str, Any],
    digest: str,
    signatures: Sequence[Mapping[str, Any]],
    state: str,
    suspensions: Sequence[Mapping[str, Any]] = (),
    closure: Mapping[str, Any] | None = None,
    audit_head: Mapping[str, Any] | None = None,
    exported_at_utc: str,
) -> dict[str, Any]:
    """A JSON-ready bundle. ``terms`` is the exact JSON that was canonicalised and signed.

    ``suspensions`` carry the suspending party's signature (``None`` for a coordinator's
    incident suspension); ``closure`` says when and why it was closed for good. Both, with the
    state and export time, are covered by ``lifecycle_sha256``, which parties attest.
    """
    parties = terms.get("parties", [])
    bundle: dict[str, Any] = {
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
        "closure": dict(closure) if closure is not None else None,
        "audit_head": dict(audit_head) if audit_head is not None else None,
        "exported_at_utc": exported_at_utc,
    }
    bundle["lifecycle_sha256"] = lifecycle_digest(bundle)
    bundle["attestations"] = []
    return bundle


def attest_bundle(bundle: Mapping[str, Any], key: Ed25519PrivateKey) -> dict[str, Any]:
    """``bundle`` with the key's party attesting its lifecycle (state, suspensions, closure).

    Hand out attested bundles: a checkpoint that verifies one knows no suspension or closure
    was removed after the attesting party saw it.
    """
    pub = public_key_b64(key)
    names = [n for n, k in dict(bundle.get("public_keys") or {}).items() if k == pub]
    if not names:
        raise InputError("this key is not the key of any party to the bundle's terms")
    digest = lifecycle_digest(bundle)
    signature = base64.b64encode(key.sign(lifecycle_message(digest))).decode()
    out = dict(bundle)
    out["lifecycle_sha256"] = digest
    out["attestations"] = [
        *[a for a in bundle.get("attestations") or [] if a.get("party") != names[0]],
        {"party": names[0], "signature": signature},
    ]
    return out


@dataclass
class BundleReport:
    """The outcome of an offline check at ``at_utc``.

    ``in_force`` needs no problem, every signature valid, the bundle's state agreed, no
    suspension or closure, and ``at_utc`` not after the last window (state *and* time).
    """

    corridor_id: str | None
    version: int | None
    digest: str | None
    statuses: list[SignatureStatus] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    suspended_by: list[str] = field(default_factory=list)
    state: str | None = None
    state_at: str | None = None
    at_utc: datetime | None = None
    closed: str | None = None
    attested_by: list[str] = field(default_factory=list)

    @property
    def signatures_valid(self) -> bool:
        return not self.problems and in_force(self.statuses)

    @property
    def in_force(self) -> bool:
        return (
            self.signatures_valid
            and not self.suspended_by
            and self.closed is None
            and self.state == State.AGREED.value
            and self.state_at in (State.AGREED.value, State.OPEN.value)
        )

    def why_not(self) -> list[str]:
        """Every reason the agreement is not in force (empty when it is)."""
        out = [*self.problems, *(f"suspended by {s}" for s in self.suspended_by)]
        if self.closed is not None:
            out.append(f"closed {self.closed}")
        elif self.state_at == State.CLOSED.value and self.state == State.AGREED.value:
            out.append("its last window has ended")
        elif self.state not in (State.AGREED.value, None) and not self.suspended_by:
            out.append(f"its state is {self.state}")
        return out


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
    items = bundle.get("suspensions") or []
    if not isinstance(items, list):
        report.problems.append("suspensions: must be a list")
        return
    for i, s in enumerate(items):
        if not isinstance(s, Mapping):
            report.problems.append(f"suspensions[{i}]: not an object")
            continue
        if s.get("signature") is None:
            # A coordinator's incident suspension: unsigned, but believing a suspension can only
            # make the agreement less in force, never more.
            report.suspended_by.append(
                f"{s.get('actor') or 'a coordinator'} at {s.get('at_utc')} (unsigned): "
                f"{s.get('reason')}"
            )
            continue
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


def _check_lifecycle(bundle: Mapping[str, Any], terms: Terms, report: BundleReport) -> None:
    """The state the bundle claims must agree with its evidence, and with every attestation."""
    state = bundle.get("state")
    if state not in {s.value for s in State}:
        report.problems.append(f"state {state!r} is not an agreement state")
        return
    report.state = str(state)
    closure = bundle.get("closure")
    if closure is not None:
        if not isinstance(closure, Mapping):
            report.problems.append("closure: not an object")
        else:
            report.closed = f"at {closure.get('at_utc')}" + (
                f": {closure.get('reason')}" if closure.get("reason") else ""
            )
    if state == State.CLOSED.value and closure is None:
        report.closed = "(the bundle says closed)"
    if state == State.SUSPENDED.value and not (bundle.get("suspensions") or []):
        report.problems.append("the bundle says suspended but lists no suspension: one was removed")
    if report.suspended_by and state not in (State.SUSPENDED.value, State.CLOSED.value):
        report.problems.append(
            f"the bundle says {state} but holds a suspension: its state was changed"
        )
    if closure is not None and state != State.CLOSED.value:
        report.problems.append(f"the bundle says {state} but holds a closure")
    at = report.at_utc or datetime.now(UTC)
    report.state_at = state_at(State(state), terms.windows, at).value
    lifecycle = lifecycle_digest(bundle)
    claimed = bundle.get("lifecycle_sha256")
    if claimed is not None and claimed != lifecycle:
        report.problems.append(
            "lifecycle_sha256 does not match the state, suspensions and closure: they were "
            "changed after export"
        )
    keys = {p.name: p.public_key for p in terms.parties}
    attestations = bundle.get("attestations") or []
    if not isinstance(attestations, list):
        report.problems.append("attestations: must be a list")
        return
    for i, a in enumerate(attestations):
        party = str(a.get("party")) if isinstance(a, Mapping) else "?"
        ok = (
            isinstance(a, Mapping)
            and party in keys
            and bool(lifecycle)
            and verify_message(keys[party], lifecycle_message(lifecycle), str(a.get("signature")))
        )
        if ok:
            report.attested_by.append(party)
        else:
            report.problems.append(
                f"attestations[{i}] by {party}: does not verify; the state, a suspension or the "
                "closure was changed after the party attested the bundle"
            )


def verify_bundle(bundle: Mapping[str, Any], *, at_utc: datetime | None = None) -> BundleReport:
    """Check a bundle with nothing but its own content at ``at_utc`` (default now); never
    touches a database.

    The digest is recomputed from ``terms`` exactly as stored in the bundle, every signature
    is checked against that recomputed digest and the key listed in the terms, and the
    ``public_keys`` table must agree with the terms. The lifecycle (state, suspensions,
    closure) must be consistent and match every party attestation; in force also needs the
    time to be before the end of the last window.
    """
    raw_terms = bundle.get("terms")
    report = BundleReport(bundle.get("corridor_id"), bundle.get("version"), None)
    report.at_utc = (at_utc or datetime.now(UTC)).astimezone(UTC)
    if not isinstance(raw_terms, dict):
        report.problems.append("terms: missing")
        return report
    try:
        terms = terms_from_data(raw_terms)
    except TermsError as exc:
        report.problems.extend(f"terms: {p}" for p in exc.problems or [exc.message])
        return report
    try:
        digest = terms_digest(raw_terms)
    except SignatureError as exc:
        report.problems.append(f"terms: {exc.message}")
        return report
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
    _check_lifecycle(bundle, terms, report)
    return report
