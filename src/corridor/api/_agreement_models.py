"""Bodies of `/agreements` (the terms themselves are `corridor.agreements.Terms`)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import Header
from pydantic import BaseModel, ConfigDict, Field

from corridor._times import UtcDatetime
from corridor.store import AgreementRecord

IfMatch = Annotated[
    str | None,
    Header(
        alias="If-Match",
        max_length=500,
        description="The ETag of the agreement as you last read it (see docs/api.md).",
    ),
]

SIGNATURE_PATTERN = r"^[A-Za-z0-9+/]{86}==$"  # 64-byte Ed25519 signature, standard base64


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)


class SignatureIn(_In):
    """A signature the party made on its own machine over the version's digest."""

    signature: str = Field(
        pattern=SIGNATURE_PATTERN,
        description="Ed25519 over b'corridor-agreement-v1\\n' + bytes.fromhex(digest), base64.",
    )
    version: int | None = Field(
        default=None, ge=1, le=1_000_000, description="The version you reviewed (must be latest)."
    )


class SuspensionIn(_In):
    """A party's signed suspension; the signature covers the reason and ``at_utc``."""

    reason: str = Field(min_length=1, max_length=2000)
    at_utc: UtcDatetime = Field(description="The time in the signed message (whole seconds).")
    signature: str = Field(pattern=SIGNATURE_PATTERN)


class TransitionIn(_In):
    reason: str = Field(min_length=1, max_length=2000)


class StatusOut(BaseModel):
    party: str
    role: str
    status: str
    signed_at_utc: str | None


class AgreementOut(BaseModel):
    corridor_id: str
    version: int
    latest_version: int
    superseded: bool
    state: str
    state_now: str
    in_force: bool
    digest: str
    terms: dict[str, Any]
    statuses: list[StatusOut]
    signatures: list[dict[str, Any]]
    suspensions: list[dict[str, Any]]


class AgreementSummary(BaseModel):
    corridor_id: str
    version: int
    state: str


def view(rec: AgreementRecord, *, now: datetime | None = None) -> AgreementOut:
    """The API's view of a ``corridor.store`` AgreementRecord."""
    at = now or datetime.now(UTC)
    return AgreementOut(
        corridor_id=rec.corridor_id,
        version=rec.version,
        latest_version=rec.latest_version,
        superseded=rec.superseded,
        state=rec.stored_state.value,
        state_now=rec.state_at(at).value,
        in_force=rec.in_force_at(at),
        digest=rec.digest,
        terms=rec.terms_data,
        statuses=[
            StatusOut(party=s.party, role=s.role, status=s.status, signed_at_utc=s.signed_at_utc)
            for s in rec.statuses
        ],
        signatures=rec.signatures,
        suspensions=rec.suspensions,
    )
