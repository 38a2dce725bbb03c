"""Monitoring's database-only writes and reads on plain SQL (:mod:`corridor.store._sql`).

``corridor convoys add|list`` and ``corridor rules set|show`` only touch the database; kept
apart from :mod:`corridor.monitoring._service` (which derives the picture with numpy and
reads reports through the ORM) they run on the command's bare-driver transaction without
importing SQLAlchemy, and inside the ORM session for the server and the report functions.
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from corridor._records import to_data
from corridor.errors import InputError, NotFoundError, StateError
from corridor.monitoring._checked import checked
from corridor.monitoring._schedule import DESTINATION, ConvoyPlan
from corridor.store import Json, as_sql, read_json, record, utc_now

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from corridor.monitoring._rules import RuleSet
    from corridor.store import AgreementRecord, Sql

EVENT_CHANNEL = "corridor_events"


def emit(
    tx: Sql | Session,
    kind: str,
    payload: dict[str, Any],
    *,
    corridor_id: str | None = None,
    party: str | None = None,
) -> None:
    """Queue an event for live subscribers; call after the audit append of the same write, so
    that event ids grow in commit order (the audit lock serialises writers)."""
    sql = as_sql(tx)
    sql.execute(
        "INSERT INTO events (at_utc, kind, corridor_id, party, payload)"
        " VALUES (:at, :kind, :corridor_id, :party, :payload)",
        {"at": utc_now(), "kind": kind, "corridor_id": corridor_id, "party": party,
         "payload": Json(payload)},
    )  # fmt: skip
    if sql.dialect == "postgresql":
        # Delivered at commit, to every server process listening (see api/_events.py).
        sql.execute("SELECT pg_notify(:channel, current_schema())", {"channel": EVENT_CHANNEL})


def monitored_agreement(tx: Sql | Session, corridor_id: str) -> AgreementRecord:
    """The version being run: the newest one the parties agreed (a re-route proposal waiting
    for signatures does not replace it), else the newest version."""
    from corridor.agreements import State
    from corridor.store import load_agreement

    latest = load_agreement(tx, corridor_id)
    for version in range(latest.version, 0, -1):
        rec = (
            latest
            if version == latest.version
            else load_agreement(tx, corridor_id, version=version)
        )
        if rec.stored_state in (State.AGREED, State.SUSPENDED, State.CLOSED):
            return rec
    return latest


def convoy_plans(tx: Sql | Session, corridor_id: str) -> list[ConvoyPlan]:
    rows = as_sql(tx).execute(
        "SELECT plan FROM monitoring_convoys WHERE corridor_id = :id",
        {"id": corridor_id},
    )
    return [checked(ConvoyPlan, read_json(plan)) for (plan,) in rows.all()]


def add_convoys(tx: Sql | Session, plans: Sequence[ConvoyPlan], *, actor: str) -> list[str]:
    """Register convoys for monitoring; an identical re-registration is a no-op, a changed one
    under the same id is refused (the schedule is what holds are measured against)."""
    sql = as_sql(tx)
    added: list[str] = []
    for plan in plans:
        rec = monitored_agreement(tx, plan.corridor_id)
        known = {c.name for c in rec.terms.checkpoints} | {DESTINATION}
        for i, stop in enumerate(plan.stops):
            if stop.place not in known:
                raise InputError(
                    f"convoy {plan.id}: stop {stop.place!r} is not a checkpoint of "
                    f"{plan.corridor_id}",
                    field=f"stops[{i}].place",
                    hint=f"known: {', '.join(sorted(known))}",
                )
        if plan.movement_id is not None:
            moved = sql.execute(
                "SELECT corridor_id FROM movements WHERE id = :id", {"id": plan.movement_id}
            ).scalar()
            if moved != plan.corridor_id:
                raise NotFoundError(
                    f"convoy {plan.id}: no movement {plan.movement_id!r} on {plan.corridor_id}",
                    field="movement_id",
                    hint="submit the movement notification first (`corridor movement submit`)",
                )
        data = to_data(plan, exclude_none=True)
        stored = sql.execute(
            "SELECT plan FROM monitoring_convoys WHERE id = :id", {"id": plan.id}
        ).scalar()
        if stored is not None:
            if checked(ConvoyPlan, read_json(stored)) != plan:
                raise StateError(
                    f"convoy {plan.id!r} is already registered with a different plan",
                    hint="use a new convoy id",
                )
            continue
        sql.execute(
            "INSERT INTO monitoring_convoys (id, corridor_id, plan, created_at, created_by)"
            " VALUES (:id, :corridor_id, :plan, :at, :actor)",
            {"id": plan.id, "corridor_id": plan.corridor_id, "plan": Json(data),
             "at": utc_now(), "actor": actor},
        )  # fmt: skip
        record(sql, actor=actor, action="convoy.added", payload=data)
        emit(sql, "convoy", data, corridor_id=plan.corridor_id)
        added.append(plan.id)
    return added


def rules_in_force(tx: Sql | Session) -> RuleSet:
    from corridor.monitoring._rules import DEFAULT_RULES_YAML

    text = as_sql(tx).execute("SELECT text FROM monitoring_rules ORDER BY id DESC LIMIT 1").scalar()
    return _parsed_rules(DEFAULT_RULES_YAML if text is None else str(text))


@functools.lru_cache(maxsize=16)
def _parsed_rules(text_: str) -> RuleSet:
    """Rules are read on every report: parse each text once (a RuleSet is immutable).

    The rules module (with the violation model it checks against) is imported here, not with
    this module: ``convoys list`` and the other reads of stored convoys need none of it."""
    from corridor.monitoring._rules import DEFAULT_RULES_YAML, default_rules, parse_rules

    if text_ == DEFAULT_RULES_YAML:
        return default_rules()
    return parse_rules(text_, source="stored rules")


def set_rules(tx: Sql | Session, text_: str, *, actor: str, source: str | None = None) -> RuleSet:
    from corridor.monitoring._rules import parse_rules

    sql = as_sql(tx)
    rules = parse_rules(text_, source=source)
    sha = hashlib.sha256(text_.encode()).hexdigest()
    sql.execute(
        "INSERT INTO monitoring_rules (text, sha256, set_at, set_by)"
        " VALUES (:text, :sha, :at, :actor)",
        {"text": text_, "sha": sha, "at": utc_now(), "actor": actor},
    )
    names = [r.name for r in rules.rules]
    record(sql, actor=actor, action="monitoring.rules.set", payload={"sha256": sha, "rules": names})
    emit(sql, "rules", {"sha256": sha, "rules": names})
    return rules
