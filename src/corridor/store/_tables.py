"""The ORM tables; their names and columns are a contract with the agreement and API code."""

from __future__ import annotations

from datetime import datetime
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    CheckConstraint,
    Float,
    ForeignKey,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from corridor.store._plain import USER_ROLES
from corridor.store._types import UTCDateTime, utc_now

# Deterministic constraint names, so migrations can refer to them on every database.
NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

AGREEMENT_STATES = ("draft", "proposed", "agreed", "open", "suspended", "closed")
HASH_LEN = 64  # SHA-256 as lower-case hex


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map: ClassVar[dict[Any, Any]] = {
        datetime: UTCDateTime(),
        dict[str, Any]: JSON,
        list[Any]: JSON,
    }


class NetworkRow(Base):
    """A network file known to the store: its hash ties agreements to the exact roads."""

    __tablename__ = "networks"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    sha256: Mapped[str] = mapped_column(String(HASH_LEN), unique=True)
    path: Mapped[str] = mapped_column(Text)
    profile: Mapped[str] = mapped_column(String(32))
    nodes: Mapped[int] = mapped_column(Integer)
    edges: Mapped[int] = mapped_column(Integer)
    imported_at: Mapped[datetime] = mapped_column(default=utc_now)


class HazardRow(Base):
    """One hazard as reported; expiring sets ``expired_at`` instead of deleting the row."""

    __tablename__ = "hazards"
    id: Mapped[str] = mapped_column(String(200), primary_key=True)
    kind: Mapped[str] = mapped_column(String(64), index=True)
    geometry: Mapped[str] = mapped_column(Text)  # GeoJSON geometry object, as text
    radius_m: Mapped[float | None] = mapped_column(Float)
    closes: Mapped[bool | None]  # None: the kind's default
    half_life_h: Mapped[float | None] = mapped_column(Float)  # None: the kind's default
    severity: Mapped[float] = mapped_column(Float)
    confidence: Mapped[float] = mapped_column(Float)
    observed_at: Mapped[datetime | None]
    valid_from: Mapped[datetime | None]
    valid_until: Mapped[datetime | None]
    source: Mapped[str | None] = mapped_column(Text)
    links: Mapped[list[Any]] = mapped_column(default=list)
    notes: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utc_now)
    expired_at: Mapped[datetime | None]
    created_by: Mapped[str] = mapped_column(String(200))
    # A field team's closure waits for a coordinator: until confirmed it adds risk, closes nothing.
    provisional: Mapped[bool] = mapped_column(default=False, server_default=false())
    confirmed_by: Mapped[str | None] = mapped_column(String(200))
    confirmed_at: Mapped[datetime | None]


class PartyRow(Base):
    """A signing party; ``public_key`` is the raw 32-byte Ed25519 key in standard base64."""

    __tablename__ = "parties"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    role: Mapped[str] = mapped_column(String(64))
    public_key: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(default=utc_now)


class CorridorRow(Base):
    __tablename__ = "corridors"
    id: Mapped[str] = mapped_column(String(100), primary_key=True)
    title: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utc_now)
    created_by: Mapped[str] = mapped_column(String(200))
    versions: Mapped[list[AgreementVersionRow]] = relationship(
        back_populates="corridor", order_by="AgreementVersionRow.version"
    )


class AgreementVersionRow(Base):
    """One immutable version of a corridor's terms; any change makes a new row."""

    __tablename__ = "agreement_versions"
    __table_args__ = (
        UniqueConstraint("corridor_id", "version", name="uq_agreement_versions_corridor_version"),
        CheckConstraint(_in("state", AGREEMENT_STATES), name="state"),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    corridor_id: Mapped[str] = mapped_column(ForeignKey("corridors.id"), index=True)
    version: Mapped[int] = mapped_column(Integer)
    terms: Mapped[dict[str, Any]]
    canonical: Mapped[bytes] = mapped_column(LargeBinary)  # RFC 8785 bytes that are signed
    digest: Mapped[str] = mapped_column(String(HASH_LEN))  # SHA-256 hex of ``canonical``
    state: Mapped[str] = mapped_column(String(16), default="draft")
    created_at: Mapped[datetime] = mapped_column(default=utc_now)
    created_by: Mapped[str] = mapped_column(String(200))
    etag: Mapped[str] = mapped_column(String(100))
    corridor: Mapped[CorridorRow] = relationship(back_populates="versions")
    signatures: Mapped[list[SignatureRow]] = relationship(back_populates="agreement_version")
    events: Mapped[list[LifecycleEventRow]] = relationship(
        back_populates="agreement_version", order_by="LifecycleEventRow.id"
    )


class SignatureRow(Base):
    """A party's Ed25519 signature (base64) over the version's ``digest``."""

    __tablename__ = "signatures"
    __table_args__ = (
        UniqueConstraint("agreement_version_id", "party_id", name="uq_signatures_version_party"),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    agreement_version_id: Mapped[int] = mapped_column(ForeignKey("agreement_versions.id"))
    party_id: Mapped[int] = mapped_column(ForeignKey("parties.id"))
    signature: Mapped[str] = mapped_column(Text)
    digest: Mapped[str] = mapped_column(String(HASH_LEN))
    signed_at: Mapped[datetime] = mapped_column(default=utc_now)
    agreement_version: Mapped[AgreementVersionRow] = relationship(back_populates="signatures")
    party: Mapped[PartyRow] = relationship()


class LifecycleEventRow(Base):
    """A state transition; ``party_id``/``signature`` are set for a party's signed suspension."""

    __tablename__ = "lifecycle_events"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    agreement_version_id: Mapped[int] = mapped_column(
        ForeignKey("agreement_versions.id"), index=True
    )
    from_state: Mapped[str | None] = mapped_column(String(16))
    to_state: Mapped[str] = mapped_column(String(16))
    at: Mapped[datetime] = mapped_column(default=utc_now)
    actor: Mapped[str] = mapped_column(String(200))
    reason: Mapped[str | None] = mapped_column(Text)
    party_id: Mapped[int | None] = mapped_column(ForeignKey("parties.id"))
    signature: Mapped[str | None] = mapped_column(Text)
    # The time a party's signed statement claims (what its signature covers); ``at`` is always
    # the server's clock when the event was recorded.
    claimed_at: Mapped[datetime | None]
    agreement_version: Mapped[AgreementVersionRow] = relationship(back_populates="events")


class AuditEntry(Base):
    """One link of the hash chain (see ``corridor.audit``); rows are never updated or deleted.

    ``payload`` holds the RFC 8785 canonical JSON text; unique ``prev_hash`` makes a fork
    impossible even if two writers slipped past the append lock.
    """

    __tablename__ = "audit_log"
    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    at_utc: Mapped[datetime]
    actor: Mapped[str] = mapped_column(String(200))
    action: Mapped[str] = mapped_column(String(100))
    payload: Mapped[str] = mapped_column(Text)
    payload_digest: Mapped[str] = mapped_column(String(HASH_LEN))
    prev_hash: Mapped[str] = mapped_column(String(HASH_LEN), unique=True)
    entry_hash: Mapped[str] = mapped_column(String(HASH_LEN), unique=True)


class ApiUserRow(Base):
    """An API user; only the SHA-256 of the token is stored."""

    __tablename__ = "api_users"
    __table_args__ = (CheckConstraint(_in("role", USER_ROLES), name="role"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    role: Mapped[str] = mapped_column(String(16))
    party_id: Mapped[int | None] = mapped_column(ForeignKey("parties.id"))
    token_hash: Mapped[str] = mapped_column(String(HASH_LEN), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utc_now)
    disabled_at: Mapped[datetime | None]
    party: Mapped[PartyRow | None] = relationship()


class IdempotencyKeyRow(Base):
    """A remembered response, so that a retried field-team POST does not write twice."""

    __tablename__ = "idempotency_keys"
    __table_args__ = (UniqueConstraint("user_id", "key", name="uq_idempotency_keys_user_key"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(200))
    user_id: Mapped[int] = mapped_column(ForeignKey("api_users.id"))
    method: Mapped[str] = mapped_column(String(10))
    path: Mapped[str] = mapped_column(Text)
    request_digest: Mapped[str] = mapped_column(String(HASH_LEN))
    status_code: Mapped[int] = mapped_column(Integer)
    response_body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utc_now)
