"""Replay the audit log and compare the state tables with what it accounts for.

The log is tamper-evident (chain, Merkle tree, signed checkpoints); the state tables are
not. An insider with database access could insert a signature row, delete a suspension or
swap a party's key without touching the log. Replaying the log gives the state every
agreement, signature, suspension and party *must* have; any row the log does not account
for, any logged row that is gone, and any field that differs is reported.

Plain SQL, read-only (:mod:`corridor.store._sql`): ``corridor audit verify`` replays on the
bare driver, without SQLAlchemy; the server replays inside its ORM session.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import rfc8785

from corridor.audit import ChainEntry
from corridor.store._audit import iter_audit
from corridor.store._sql import Sql, as_sql, read_bytes, read_json

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

VersionKey = tuple[str, int]
# (to_state, reason, party name, signature) of one lifecycle event
EventKey = tuple[str, str | None, str | None, str | None]


@dataclass(frozen=True, slots=True)
class StateProblem:
    """One row (or missing row) that disagrees with the log."""

    table: str
    key: str
    detail: str

    def message(self) -> str:
        return f"{self.table} {self.key}: {self.detail}"


@dataclass
class _Expected:
    """The state the log implies."""

    parties: dict[str, tuple[str, str]] = field(default_factory=dict)  # name -> (role, key)
    versions: dict[VersionKey, dict[str, str]] = field(default_factory=dict)
    signatures: dict[tuple[str, int, str], str] = field(default_factory=dict)
    events: dict[VersionKey, Counter[EventKey]] = field(default_factory=dict)
    latest: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class _Version:
    """The columns of one agreement_versions row that the replay compares."""

    corridor_id: str
    version: int
    terms: Any
    canonical: bytes
    digest: str
    state: str


def _payload(entry: ChainEntry) -> dict[str, Any]:
    if entry.payload is None:
        return {}
    data = json.loads(entry.payload)
    return data if isinstance(data, dict) else {}


def _replay(entries: Iterable[ChainEntry]) -> tuple[_Expected, list[StateProblem]]:
    exp, problems = _Expected(), []
    for entry in entries:
        p = _payload(entry)
        try:
            _apply(exp, entry.action, p)
        except (KeyError, TypeError, ValueError) as exc:
            problems.append(
                StateProblem(
                    "audit_log", f"seq {entry.seq}", f"cannot replay {entry.action}: {exc}"
                )
            )
    return exp, problems


def _event(exp: _Expected, key: VersionKey, event: EventKey) -> None:
    exp.events.setdefault(key, Counter())[event] += 1


def _apply(exp: _Expected, action: str, p: dict[str, Any]) -> None:
    if action == "party.added":
        exp.parties[str(p["name"])] = (str(p["role"]), str(p["public_key"]))
        return
    if not action.startswith("agreement."):
        return
    key: VersionKey = (str(p["corridor_id"]), int(p["version"]))
    if action == "agreement.proposed":
        exp.versions[key] = {"digest": str(p["digest"]), "state": "proposed"}
        exp.latest[key[0]] = key[1]
        _event(exp, key, ("proposed", None, None, None))
        return
    version = exp.versions[key]
    before = version["state"]
    if action == "agreement.signed":
        exp.signatures[(*key, str(p["party"]))] = str(p["signature"])
        version["state"] = str(p["state"])
        if version["state"] != before:
            _event(exp, key, (version["state"], None, None, None))
    elif action == "agreement.suspended":
        version["state"] = "suspended"
        party, sig = p.get("party"), p.get("signature")
        _event(exp, key, ("suspended", str(p["reason"]), party, sig))
    elif action == "agreement.closed":
        version["state"] = "closed"
        _event(exp, key, ("closed", p.get("reason"), None, None))


def replay_problems(tx: Sql | Session) -> list[StateProblem]:
    """Every disagreement between the state tables and the replayed log (empty: consistent).

    Checks parties, agreement versions (digest, state, and the stored terms against the
    digest), signatures, and lifecycle events (suspensions with their reason, party and
    signature). Hazards and reports are not replayed: their rows are a working picture that
    the log records changes to, not signed evidence.
    """
    sql = as_sql(tx)
    exp, problems = _replay(iter_audit(sql))
    problems += _check_parties(sql, exp)
    ids = _check_versions(sql, exp, problems)
    problems += _check_signatures(sql, exp, ids)
    problems += _check_events(sql, exp, ids)
    return problems


def _check_parties(sql: Sql, exp: _Expected) -> list[StateProblem]:
    problems = []
    seen = set()
    for name, role, public_key in sql.execute(
        "SELECT name, role, public_key FROM parties ORDER BY id"
    ).all():
        seen.add(name)
        want = exp.parties.get(name)
        if want is None:
            problems.append(StateProblem("parties", name, "not registered in the audit log"))
        elif want[1] != public_key:
            problems.append(StateProblem("parties", name, "public key differs from the logged one"))
        elif want[0] != role:
            problems.append(StateProblem("parties", name, "role differs from the logged one"))
    problems += [
        StateProblem("parties", name, "registered in the audit log but the row is gone")
        for name in sorted(set(exp.parties) - seen)
    ]
    return problems


def _check_versions(
    sql: Sql, exp: _Expected, problems: list[StateProblem]
) -> dict[int, VersionKey]:
    ids: dict[int, VersionKey] = {}
    for vid, corridor_id, version, terms, canonical, digest, state in sql.execute(
        "SELECT id, corridor_id, version, terms, canonical, digest, state"
        " FROM agreement_versions ORDER BY id"
    ).all():
        row = _Version(str(corridor_id), int(version), read_json(terms), read_bytes(canonical),
                       str(digest), str(state))  # fmt: skip
        key = (row.corridor_id, row.version)
        ids[int(vid)] = key
        name = f"{row.corridor_id} v{row.version}"
        want = exp.versions.get(key)
        if want is None:
            problems.append(StateProblem("agreement_versions", name, "not proposed in the log"))
            continue
        if row.digest != want["digest"]:
            problems.append(
                StateProblem("agreement_versions", name, "digest differs from the logged one")
            )
        if hashlib.sha256(row.canonical).hexdigest() != want["digest"] or _terms_bytes(
            row.terms
        ) != bytes(row.canonical):
            problems.append(
                StateProblem("agreement_versions", name, "stored terms do not match the digest")
            )
        if row.state != want["state"]:
            problems.append(
                StateProblem(
                    "agreement_versions",
                    name,
                    f"state is {row.state!r} but the log leaves it {want['state']!r}",
                )
            )
    problems += [
        StateProblem("agreement_versions", f"{c} v{v}", "proposed in the log but the row is gone")
        for c, v in sorted(set(exp.versions) - set(ids.values()))
    ]
    return ids


def _terms_bytes(terms: Any) -> bytes:
    try:
        return bytes(rfc8785.dumps(terms))
    except (rfc8785.CanonicalizationError, TypeError, ValueError):
        return b""


def _check_signatures(sql: Sql, exp: _Expected, ids: dict[int, VersionKey]) -> list[StateProblem]:
    problems, seen = [], set()
    for version_id, signature, party in sql.execute(
        "SELECT s.agreement_version_id, s.signature, p.name FROM signatures s"
        " JOIN parties p ON s.party_id = p.id ORDER BY s.id"
    ).all():
        cid, version = ids.get(version_id, ("?", 0))
        key = (cid, version, party)
        seen.add(key)
        name = f"{cid} v{version} by {party}"
        want = exp.signatures.get(key)
        if want is None:
            problems.append(StateProblem("signatures", name, "not signed in the audit log"))
        elif want != signature:
            problems.append(
                StateProblem("signatures", name, "signature differs from the logged one")
            )
    problems += [
        StateProblem("signatures", f"{c} v{v} by {p}", "signed in the log but the row is gone")
        for c, v, p in sorted(set(exp.signatures) - seen)
    ]
    return problems


def _check_events(sql: Sql, exp: _Expected, ids: dict[int, VersionKey]) -> list[StateProblem]:
    have: dict[VersionKey, Counter[EventKey]] = {}
    names = {int(i): str(n) for i, n in sql.execute("SELECT id, name FROM parties").all()}
    for version_id, to_state, reason, party_id, signature in sql.execute(
        "SELECT agreement_version_id, to_state, reason, party_id, signature"
        " FROM lifecycle_events ORDER BY id"
    ).all():
        key = ids.get(version_id, ("?", 0))
        party = names.get(party_id) if party_id is not None else None
        ev: EventKey = (to_state, _reason(to_state, reason), party, signature)
        have.setdefault(key, Counter())[ev] += 1
    problems = []
    for key in sorted(set(have) | set(exp.events)):
        got, want = have.get(key, Counter()), exp.events.get(key, Counter())
        name = f"{key[0]} v{key[1]}"
        for ev in sorted((got - want).elements(), key=repr):
            problems.append(
                StateProblem("lifecycle_events", name, f"{_describe(ev)} is not in the audit log")
            )
        for ev in sorted((want - got).elements(), key=repr):
            problems.append(
                StateProblem(
                    "lifecycle_events", name, f"{_describe(ev)} is in the log but the row is gone"
                )
            )
    return problems


def _reason(to_state: str, reason: str | None) -> str | None:
    # Only suspensions and closures log their reason; other transitions carry none.
    return reason if to_state in ("suspended", "closed") else None


def _describe(ev: EventKey) -> str:
    state, reason, party, _sig = ev
    text = f"a transition to {state}"
    if party:
        text += f" signed by {party}"
    if reason:
        text += f" ({reason[:40]!r})"
    return text
