"""Rules that decide what follows a violation or an incident, written in YAML.

Rules are set by the coordinator but arrive as a file, so they are read defensively:
``yaml.safe_load`` semantics, a size limit, no anchors or aliases (a few hundred bytes of
aliases can expand to gigabytes), unknown keys refused, every problem named with its line.
"""

from __future__ import annotations

import copy
import dataclasses
import functools
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Literal

from corridor._input import load_yaml
from corridor.errors import InputError
from corridor.monitoring._checked import checked, first_problem
from corridor.monitoring._derive import Settings, Violation, route_distance_m, window_index
from corridor.monitoring._model import Incident, IncidentKind

if TYPE_CHECKING:  # constraints as text: nothing of pydantic runs at import (corridor._records)
    from pydantic import Field

MAX_RULES_BYTES = 64 * 1024
_CONFIG = {"extra": "forbid", "frozen": True, "allow_inf_nan": False}


class Action(StrEnum):
    SUSPEND = "suspend"  # the agreement's state becomes suspended (audited)
    ALERT = "alert"  # an alert event to every party
    REROUTE = "reroute"  # a new route around the incident, as a draft amendment
    REPLAN = "replan"  # re-plan the people not yet moved


ViolationKind = Literal[
    "hold",
    "turned_back",
    "convoy_size",
    "outside_window",
    "incident",
    "unacknowledged_movement",
    "movement_deviation",
]


@dataclasses.dataclass(frozen=True)
class When:
    """All given conditions must hold. ``incident`` and ``violation`` select the subject."""

    __pydantic_config__ = _CONFIG

    incident: Annotated[list[IncidentKind] | None, Field(min_length=1)] = None
    violation: Annotated[list[ViolationKind] | None, Field(min_length=1)] = None
    confirmed: Annotated[bool | None, Field(description="a coordinator confirmed it")] = None
    within_m: Annotated[float | None, Field(gt=0, le=100_000)] = None
    in_window: bool | None = None
    min_severity: Annotated[float | None, Field(ge=0, le=1)] = None
    min_confidence: Annotated[float | None, Field(ge=0, le=1)] = None
    min_minutes: Annotated[float | None, Field(ge=0)] = None


@dataclasses.dataclass(frozen=True)
class Rule:
    __pydantic_config__ = _CONFIG

    name: Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9_-]{0,63}$")]
    when: When
    then: Annotated[list[Action], Field(min_length=1, max_length=4)]


@dataclasses.dataclass(frozen=True)
class RuleSet:
    __pydantic_config__ = _CONFIG

    version: Literal[1] = 1
    margin_minutes: Annotated[float, Field(ge=0, le=24 * 60)] = 15.0
    near_route_m: Annotated[float, Field(gt=0, le=100_000)] = 1000.0
    rules: Annotated[list[Rule], Field(max_length=200)] = dataclasses.field(default_factory=list)

    @property
    def settings(self) -> Settings:
        return Settings(margin_minutes=self.margin_minutes, near_route_m=self.near_route_m)


DEFAULT_RULES_YAML = """\
# What monitoring does on its own. A rule fires once per subject (incident or violation).
version: 1
margin_minutes: 15      # grace beyond a checkpoint's agreed inspection time
near_route_m: 1000      # reports farther from the agreed route do not concern the corridor
rules:
  - name: confirmed-shelling-suspends
    when: {incident: [shelling, fired_upon], confirmed: true, within_m: 500, in_window: true}
    then: [suspend, alert]
  - name: destroyed-bridge-reroutes
    when: {incident: [bridge_destroyed], within_m: 100}
    then: [reroute, replan, alert]
  - name: hold-alerts
    when: {violation: [hold, turned_back]}
    then: [alert]
  - name: unacknowledged-movement-alerts
    when: {violation: [unacknowledged_movement, movement_deviation]}
    then: [alert]
"""


#: :data:`DEFAULT_RULES_YAML` as it reads (``tests/monitoring/test_rules.py`` holds the two
#: together). The default rules are in force on every report of a corridor that has set none:
#: checked from this data, they cost no PyYAML import and parse on each report (issue 14,
#: defect 10).
_DEFAULT_RULES_DATA: dict[str, Any] = {
    "version": 1,
    "margin_minutes": 15,
    "near_route_m": 1000,
    "rules": [
        {"name": "confirmed-shelling-suspends",
         "when": {"incident": ["shelling", "fired_upon"], "confirmed": True, "within_m": 500,
                  "in_window": True},
         "then": ["suspend", "alert"]},
        {"name": "destroyed-bridge-reroutes",
         "when": {"incident": ["bridge_destroyed"], "within_m": 100},
         "then": ["reroute", "replan", "alert"]},
        {"name": "hold-alerts",
         "when": {"violation": ["hold", "turned_back"]},
         "then": ["alert"]},
        {"name": "unacknowledged-movement-alerts",
         "when": {"violation": ["unacknowledged_movement", "movement_deviation"]},
         "then": ["alert"]},
    ],
}  # fmt: skip


@functools.cache
def _no_alias_loader() -> type[Any]:
    """SafeLoader that refuses anchors and aliases outright (made on first use: PyYAML is
    imported by a command that reads rules text, not by every report)."""
    import yaml

    class NoAliasLoader(yaml.SafeLoader):
        def compose_node(self, parent: Any, index: Any) -> Any:
            if self.check_event(yaml.AliasEvent):
                event = self.peek_event()  # type: ignore[no-untyped-call]
                raise yaml.MarkedYAMLError(
                    problem="aliases are not allowed in rules", problem_mark=event.start_mark
                )
            event = self.peek_event()  # type: ignore[no-untyped-call]
            if getattr(event, "anchor", None):
                raise yaml.MarkedYAMLError(
                    problem="anchors are not allowed in rules", problem_mark=event.start_mark
                )
            return super().compose_node(parent, index)

    return NoAliasLoader


def parse_rules(text: str, *, source: str | Path | None = None) -> RuleSet:
    """Read a rule set; raise InputError naming the file, line and field of the first problem."""
    if len(text.encode()) > MAX_RULES_BYTES:
        raise InputError(
            f"rules are {len(text.encode())} bytes, over the {MAX_RULES_BYTES}-byte limit",
            path=source,
        )
    data = load_yaml(text, loader=_no_alias_loader(), path=source, what="rules YAML")
    return _rule_set(data, source)


def _rule_set(data: Any, source: str | Path | None) -> RuleSet:
    if not isinstance(data, dict):
        raise InputError("rules must be a mapping with a 'rules' list", path=source)
    try:
        return checked(RuleSet, data)
    except ValueError as exc:  # pydantic's ValidationError, worded
        msg, where, count = first_problem(exc)
        raise InputError(f"{msg} ({count} problem(s))", path=source, field=where) from None


def default_rules() -> RuleSet:
    """``parse_rules(DEFAULT_RULES_YAML)``, from the data it reads as."""
    return _rule_set(copy.deepcopy(_DEFAULT_RULES_DATA), None)


@dataclass(frozen=True)
class Firing:
    """One rule firing on one subject; ``key`` makes it happen at most once."""

    key: str
    rule: str
    actions: tuple[Action, ...]
    subject: str  # "incident:<id>" or a violation key
    at_utc: Any
    incident: Incident | None
    violation: Violation | None


def _incident_matches(w: When, inc: Incident, confirmed: bool, terms: Any) -> bool:
    if w.violation is not None or w.incident is None or inc.kind not in w.incident:
        return False
    if w.confirmed is not None and confirmed != w.confirmed:
        return False
    if w.min_severity is not None and inc.severity < w.min_severity:
        return False
    if w.min_confidence is not None and inc.confidence < w.min_confidence:
        return False
    if w.within_m is not None and route_distance_m(terms, inc.lat, inc.lon) > w.within_m:
        return False
    in_window = window_index(terms, inc.at_utc) is not None
    return w.in_window is None or in_window == w.in_window


def _violation_matches(w: When, v: Violation, terms: Any) -> bool:
    if w.incident is not None or w.violation is None or v.kind not in w.violation:
        return False
    if w.within_m is not None and (v.distance_m is None or v.distance_m > w.within_m):
        return False
    if w.min_minutes is not None and (v.minutes or 0) < w.min_minutes:
        return False
    in_window = window_index(terms, v.start_utc) is not None
    return w.in_window is None or in_window == w.in_window


def evaluate(
    rules: RuleSet,
    terms: Any,
    incidents: list[tuple[Incident, bool]],
    violations: list[Violation],
) -> list[Firing]:
    """Every (rule, subject) pair that matches, in event-time order."""
    out: list[Firing] = []
    for rule in rules.rules:
        for inc, confirmed in incidents:
            if _incident_matches(rule.when, inc, confirmed, terms):
                subject = f"incident:{inc.id}"
                out.append(Firing(f"{rule.name}@{subject}", rule.name, tuple(rule.then), subject,
                                  inc.at_utc, inc, None))  # fmt: skip
        for v in violations:
            if _violation_matches(rule.when, v, terms):
                out.append(Firing(f"{rule.name}@{v.key}", rule.name, tuple(rule.then), v.key,
                                  v.start_utc, None, v))  # fmt: skip
    out.sort(key=lambda f: (f.at_utc, f.key))
    return out
