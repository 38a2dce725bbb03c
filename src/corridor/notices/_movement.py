"""Convoy movement notifications: what deconfliction needs, signed by the sender, and each
party's signed acknowledgement.

A notification names who moves (organisation, contacts), in what (vehicle type, plate,
markings), where (the agreement's route and checkpoints), when (departure, each checkpoint,
arrival) and whom (passengers *counted* by class: the schema has no place for a name). It is
tied to one agreement version by its digest. Signatures use the agreements' canonical JSON
(RFC 8785) and Ed25519, under their own domains so that a movement signature can never pass
for an agreement signature or an acknowledgement, nor the other way round.
"""

from __future__ import annotations

import base64
import dataclasses
import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Annotated, Any, Literal, Optional, TypeAlias

from corridor.agreements import canonical_bytes, verify_message
from corridor.errors import InputError
from corridor.notices._validate import validate

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
    from pydantic import Field

    from corridor._times import UtcDatetime
    from corridor.agreements import Terms

MOVEMENT_DOMAIN = b"corridor-movement-v1\n"
ACK_DOMAIN = b"corridor-movement-ack-v1\n"
MOVEMENT_FORMAT = "corridor-movement/1"

# The records below are :mod:`corridor._records` records: constraints as text, read by
# pydantic only when it validates what the committed schema (``movement.schema.json``) did
# not pass, so the movement commands start without pydantic (issue 14, defect 10).
Name: TypeAlias = "Annotated[str, Field(min_length=1, max_length=200)]"
_ID: TypeAlias = "Annotated[str, Field(pattern=r'^[a-z0-9][a-z0-9._-]{0,63}$')]"
_CONFIG = {"extra": "forbid", "frozen": True, "allow_inf_nan": False}


class PassengerClass(StrEnum):
    """Who is on board, by the classes deconfliction cells count (never who by name)."""

    CHILDREN = "children"
    ADULTS = "adults"
    OLDER_PEOPLE = "older_people"
    REDUCED_MOBILITY = "reduced_mobility"
    MEDICAL = "medical"  # sick or wounded, lying or needing care on board


def _in_utc(record: object, *names: str) -> None:
    """Aware times in UTC, as the models' validators made them (records built in code too)."""
    for name in names:
        at = getattr(record, name)
        if isinstance(at, datetime) and at.tzinfo is not None:
            object.__setattr__(record, name, at.astimezone(UTC))


@dataclasses.dataclass(frozen=True, kw_only=True)
class MovementContact:
    __pydantic_config__ = _CONFIG
    role: Annotated[Name, Field(description="e.g. 'convoy leader', 'operations room'")]
    channel: Annotated[Name, Field(description="phone, radio, satellite phone...")]
    address: Annotated[Name, Field(description="number, frequency or handle")]


@dataclasses.dataclass(frozen=True, kw_only=True)
class Vehicle:
    __pydantic_config__ = _CONFIG
    type: Annotated[Name, Field(description="must be a kind the agreement permits")]
    plate: Annotated[str, Field(min_length=2, max_length=20, pattern=r"^[A-Z0-9АВЕІКМНОРСТХ -]+$")]
    markings: Name
    seats: Annotated[Optional[int], Field(ge=1, le=120)] = None  # noqa: UP045


@dataclasses.dataclass(frozen=True, kw_only=True)
class CheckpointPlan:
    __pydantic_config__ = _CONFIG
    checkpoint: Name
    planned_utc: UtcDatetime

    def __post_init__(self) -> None:
        _in_utc(self, "planned_utc")


@dataclasses.dataclass(frozen=True, kw_only=True)
class Movement:
    """One convoy movement; its canonical JSON digest is what the sender and each party sign."""

    __pydantic_config__ = _CONFIG
    movement_id: _ID
    corridor_id: _ID
    agreement_version: Annotated[int, Field(ge=1)]
    agreement_digest: Annotated[str, Field(pattern=r"^[0-9a-f]{64}$")]
    sender: Annotated[Name, Field(description="the party sending it (its key signs)")]
    organisation: Name
    contacts: Annotated[list[MovementContact], Field(min_length=1, max_length=20)]
    vehicles: Annotated[list[Vehicle], Field(min_length=1, max_length=500)]
    departure_utc: UtcDatetime
    checkpoints: Annotated[list[CheckpointPlan], Field(max_length=100)] = dataclasses.field(
        default_factory=list
    )
    arrival_utc: UtcDatetime
    passengers: dict[PassengerClass, Annotated[int, Field(ge=0, le=100_000)]]
    ack_deadline_utc: Annotated[
        UtcDatetime,
        Field(description="every party must acknowledge by then, or the movement is flagged"),
    ]
    notes: Annotated[str, Field(max_length=2000)] = ""

    def __post_init__(self) -> None:
        _in_utc(self, "departure_utc", "arrival_utc", "ack_deadline_utc")

    @property
    def passenger_total(self) -> int:
        return sum(self.passengers.values())


def movement_to_data(movement: Movement) -> dict[str, Any]:
    """The JSON form that is signed: UTC times as ``...Z`` text, enum keys as strings."""
    from corridor._records import to_data

    data: dict[str, Any] = to_data(movement)
    for key in ("departure_utc", "arrival_utc", "ack_deadline_utc"):
        data[key] = _z(getattr(movement, key))
    for cp, plan in zip(data["checkpoints"], movement.checkpoints, strict=True):
        cp["planned_utc"] = _z(plan.planned_utc)
    return data


def _build(data: Any) -> Movement:
    """:func:`corridor._records.build` for schema-checked data, field by field: it reads no
    dict keyed by an enum (the passengers), so the top level is read here, as strictly (exact
    JSON types, no unknown field) and the nested records through it."""
    from corridor._records import RecordError, build, parse_utc

    if not isinstance(data, dict) or not set(data) <= _FIELDS:
        raise RecordError("not a movement's fields")
    values: dict[str, Any] = {}
    for name, value in data.items():
        if name in _TIMES:
            values[name] = parse_utc(value)
        elif name in _LISTS:
            if not isinstance(value, list):
                raise RecordError(f"{name}: expected a list")
            values[name] = [build(_LISTS[name], x) for x in value]
        elif name == "passengers":
            if not isinstance(value, dict) or not all(type(n) is int for n in value.values()):
                raise RecordError("passengers: expected counts by class")
            try:
                values[name] = {PassengerClass(k): n for k, n in value.items()}
            except ValueError:
                raise RecordError("passengers: not a passenger class") from None
        elif type(value) is not (int if name == "agreement_version" else str):
            raise RecordError(f"{name}: not of its JSON type")
        else:
            values[name] = value
    try:
        return Movement(**values)
    except TypeError as exc:  # a required field is missing
        raise RecordError(str(exc)) from None


_FIELDS = {f.name for f in dataclasses.fields(Movement)}
_TIMES = {"departure_utc", "arrival_utc", "ack_deadline_utc"}
_LISTS: dict[str, type[Any]] = {
    "contacts": MovementContact,
    "vehicles": Vehicle,
    "checkpoints": CheckpointPlan,
}


def _z(at: datetime) -> str:
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def movement_from_data(data: Any, *, source: str | None = None) -> Movement:
    """Validate a movement (from YAML/JSON/the API); every problem in one InputError."""
    if isinstance(data, Movement):
        return data
    made, problems = validate(Movement, "movement.schema.json", data, builder=_build)
    if made is None:
        raise InputError(
            "movement notification is invalid: " + "; ".join(problems[:6]),
            path=source,
            hint="see docs/notices.md for the movement file",
        )
    return made


def movement_digest(movement: Movement) -> str:
    """SHA-256 hex of the RFC 8785 canonical JSON (the agreements' canonicaliser)."""
    return hashlib.sha256(canonical_bytes(movement_to_data(movement))).hexdigest()


def movement_message(digest_hex: str) -> bytes:
    return MOVEMENT_DOMAIN + bytes.fromhex(digest_hex)


def ack_message(*, movement_id: str, digest_hex: str, party: str, at_utc: str) -> bytes:
    """What a party signs to acknowledge: which movement (and its exact digest), who, when."""
    body = {"movement_id": movement_id, "digest": digest_hex, "party": party, "at_utc": at_utc}
    return ACK_DOMAIN + canonical_bytes(body)


def sign_movement(key: Ed25519PrivateKey, digest_hex: str) -> str:
    return base64.b64encode(key.sign(movement_message(digest_hex))).decode()


def sign_ack(
    key: Ed25519PrivateKey, *, movement_id: str, digest_hex: str, party: str, at_utc: str
) -> str:
    message = ack_message(
        movement_id=movement_id, digest_hex=digest_hex, party=party, at_utc=at_utc
    )
    return base64.b64encode(key.sign(message)).decode()


def verify_movement(public_key: str, digest_hex: str, signature: str) -> bool:
    return verify_message(public_key, movement_message(digest_hex), signature)


def verify_ack(
    public_key: str, *, movement_id: str, digest_hex: str, party: str, at_utc: str, signature: str
) -> bool:
    message = ack_message(
        movement_id=movement_id, digest_hex=digest_hex, party=party, at_utc=at_utc
    )
    return verify_message(public_key, message, signature)


def _hours_contain(hours_utc: str, at: datetime) -> bool:
    start, end = hours_utc.split("-")
    minute = at.hour * 60 + at.minute
    a = int(start[:2]) * 60 + int(start[3:])
    b = int(end[:2]) * 60 + int(end[3:])
    return a <= minute < b if a < b else (minute >= a or minute < b)


def movement_problems(movement: Movement, terms: Terms, digest_hex: str) -> list[str]:
    """What the agreement forbids in this movement; empty when it may be sent."""
    problems: list[str] = []
    if movement.corridor_id != terms.corridor_id:
        problems.append(f"corridor_id: {movement.corridor_id!r} is not {terms.corridor_id!r}")
    if movement.agreement_version != terms.version or movement.agreement_digest != digest_hex:
        problems.append(
            f"agreement_digest: the movement cites v{movement.agreement_version} "
            f"{movement.agreement_digest[:12]}, the agreement is v{terms.version} {digest_hex[:12]}"
        )
    if terms.party(movement.sender) is None:
        problems.append(f"sender: {movement.sender!r} is not a party to {terms.corridor_id}")
    permitted = {v.strip().lower() for v in terms.vehicles.permitted}
    for i, v in enumerate(movement.vehicles):
        if v.type.strip().lower() not in permitted:
            problems.append(f"vehicles[{i}].type: {v.type!r} is not permitted by the agreement")
    plates = [v.plate for v in movement.vehicles]
    for i, p in enumerate(plates):
        if plates.index(p) != i:
            problems.append(f"vehicles[{i}].plate: {p!r} is listed twice")
    if len(movement.vehicles) > terms.max_convoy_size:
        problems.append(
            f"vehicles: {len(movement.vehicles)} exceed the agreed convoy size "
            f"{terms.max_convoy_size}"
        )
    if not any(w.contains(movement.departure_utc) for w in terms.windows):
        problems.append("departure_utc: not inside any agreed ceasefire window")
    if not movement.ack_deadline_utc < movement.departure_utc:
        problems.append("ack_deadline_utc: must be before departure_utc")
    if not movement.departure_utc < movement.arrival_utc:
        problems.append("arrival_utc: must be after departure_utc")
    agreed = {c.name: c for c in terms.checkpoints}
    listed = [c.checkpoint for c in movement.checkpoints]
    for i, cp in enumerate(movement.checkpoints):
        if cp.checkpoint not in agreed:
            problems.append(f"checkpoints[{i}]: {cp.checkpoint!r} is not an agreed checkpoint")
            continue
        if not movement.departure_utc <= cp.planned_utc <= movement.arrival_utc:
            problems.append(f"checkpoints[{i}].planned_utc: not between departure and arrival")
        if not _hours_contain(agreed[cp.checkpoint].hours_utc, cp.planned_utc):
            problems.append(
                f"checkpoints[{i}].planned_utc: {cp.checkpoint} is closed then "
                f"(open {agreed[cp.checkpoint].hours_utc} UTC)"
            )
    problems += [
        f"checkpoints: agreed checkpoint {name!r} is missing"
        for name in agreed
        if name not in listed
    ]
    times = [c.planned_utc for c in movement.checkpoints]
    if times != sorted(times):
        problems.append("checkpoints: planned times must follow the route order")
    seats = [v.seats for v in movement.vehicles]
    if all(s is not None for s in seats):
        capacity = sum(s for s in seats if s is not None)
        if movement.passenger_total > capacity:
            problems.append(
                f"passengers: {movement.passenger_total} exceed the {capacity} seats listed"
            )
    return problems


AckState = Literal["valid", "invalid", "missing", "late"]


@dataclass(frozen=True)
class AckStatus:
    party: str
    state: AckState
    acked_at_utc: str | None = None


@dataclass(frozen=True)
class Clearance:
    """Whether the convoy may leave as notified, at a given time, and why not."""

    status: Literal["cleared", "pending", "flagged"]
    acks: list[AckStatus]
    reasons: list[str]

    @property
    def flagged(self) -> bool:
        return self.status == "flagged"


def clearance(
    movement: Movement,
    *,
    digest_hex: str,
    parties: dict[str, str],
    acks: list[dict[str, Any]],
    at_utc: datetime,
    agreement_in_force: bool = True,
) -> Clearance:
    """Each party's acknowledgement, and the verdict at ``at_utc``.

    ``parties`` maps every party of the agreement to its public key; all but the sender must
    acknowledge, with a valid signature, by ``ack_deadline_utc``. Once the deadline has
    passed with any missing or late, the movement is *flagged* (before departure, so the
    convoy does not leave into a checkpoint that was never told); before it, *pending*.
    """
    deadline = movement.ack_deadline_utc
    statuses: list[AckStatus] = []
    for party, key in parties.items():
        if party == movement.sender:
            continue
        given = [a for a in acks if a.get("party") == party]
        good = next(
            (
                a
                for a in given
                if verify_ack(
                    key,
                    movement_id=movement.movement_id,
                    digest_hex=digest_hex,
                    party=party,
                    at_utc=str(a.get("at_utc")),
                    signature=str(a.get("signature")),
                )
            ),
            None,
        )
        if good is None:
            statuses.append(AckStatus(party, "invalid" if given else "missing"))
            continue
        at = datetime.fromisoformat(str(good["at_utc"]).replace("Z", "+00:00"))
        statuses.append(AckStatus(party, "late" if at > deadline else "valid", str(good["at_utc"])))
    reasons = []
    if not agreement_in_force:
        reasons.append("the agreement it relies on is no longer in force")
    missing = [s.party for s in statuses if s.state != "valid"]
    if missing:
        reasons.append(
            "not acknowledged in time by " + ", ".join(missing)
            if at_utc >= deadline
            else "waiting for " + ", ".join(missing)
        )
    if not agreement_in_force or (missing and at_utc >= deadline):
        verdict: Literal["cleared", "pending", "flagged"] = "flagged"
    elif missing:
        verdict = "pending"
    else:
        verdict = "cleared"
    return Clearance(verdict, statuses, reasons)
