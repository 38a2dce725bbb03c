"""The picture kept up to date report by report, equal to :func:`derive` over all reports.

A convoy's state depends on its own check-ins and on the time the picture is taken at; an
incident's violation on the incident alone. So a new report touches one convoy: a check-in
later than the convoy's last is appended and that convoy's state advanced from its cached
reports; one that lands earlier (a late report) re-derives that convoy from its reports, not
the corridor. A convoy's cached state stays valid as the picture's time moves on until a place
it has not reached falls due, unless it stands at a checkpoint or is overdue (then its clock
runs and it is recomputed). Duplicates (same id) are dropped, so a replayed batch changes
nothing.
"""

from __future__ import annotations

import bisect
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from corridor.agreements import Terms
from corridor.monitoring._derive import (
    ConvoyState,
    IncidentView,
    MovementView,
    Picture,
    Settings,
    Violation,
    _incident_violation,
    convoy_state,
)
from corridor.monitoring._model import Checkin
from corridor.monitoring._schedule import ConvoyPlan


@dataclass
class _Convoy:
    plan: ConvoyPlan
    keys: list[tuple[datetime, str]] = field(default_factory=list)
    reports: list[Checkin] = field(default_factory=list)
    at: datetime | None = None  # the time the cached result was computed for
    until: datetime | None = None  # it holds for every time in [at, until); None: only at
    forever: bool = False  # no due place, no open stop: it holds from ``at`` on
    state: ConvoyState | None = None
    violations: list[Violation] = field(default_factory=list)

    def valid_at(self, at: datetime | None) -> bool:
        if self.state is None or at is None or self.at is None:
            return False
        if at < self.at:
            return False
        if self.forever:
            return True
        return at == self.at or (self.until is not None and at < self.until)


class Tracker:
    """The incremental picture of one corridor (pure: no store)."""

    def __init__(
        self,
        terms: Terms,
        convoys: Sequence[ConvoyPlan],
        *,
        settings: Settings | None = None,
        movements: Mapping[str, MovementView] | None = None,
    ) -> None:
        self.terms = terms
        self.settings = settings or Settings()
        self.movements = dict(movements or {})
        ordered = sorted(convoys, key=lambda p: (p.depart_utc, p.id))
        self._convoys = {p.id: _Convoy(p) for p in ordered}
        self._ids: set[str] = set()
        self._incidents: dict[str, tuple[IncidentView, Violation | None]] = {}
        self.latest: datetime | None = None
        self.rederived = 0  # convoys re-derived from a late report (for the benchmark)

    def __contains__(self, report_id: str) -> bool:
        return report_id in self._ids

    def __len__(self) -> int:
        return len(self._ids)

    def _saw(self, at: datetime) -> None:
        if self.latest is None or at > self.latest:
            self.latest = at

    def add_checkin(self, c: Checkin) -> bool:
        """Apply a check-in; False for a duplicate id."""
        if c.id in self._ids:
            return False
        self._ids.add(c.id)
        self._saw(c.at_utc)
        conv = self._convoys.get(c.convoy_id)
        if conv is None:
            return True  # kept (it moves the picture's time) but concerns no registered convoy
        key = (c.at_utc, c.id)
        i = bisect.bisect(conv.keys, key)
        conv.keys.insert(i, key)
        conv.reports.insert(i, c)
        if i < len(conv.reports) - 1:
            self.rederived += 1  # out of event order: this convoy is re-derived
        conv.state = None
        return True

    def add_incident(self, view: IncidentView) -> bool:
        inc = view.incident
        if inc.id in self._ids:
            return False
        self._ids.add(inc.id)
        self._incidents[inc.id] = (view, _incident_violation(self.terms, inc, self.settings))
        self._saw(inc.at_utc)
        return True

    def add(self, checkins: Sequence[Checkin], incidents: Sequence[IncidentView] = ()) -> None:
        for c in checkins:
            self.add_checkin(c)
        for v in incidents:
            self.add_incident(v)

    def _refresh(self, conv: _Convoy, at: datetime | None) -> None:
        if conv.valid_at(at):
            return
        mine: Sequence[Checkin] = conv.reports
        if at is not None and mine and mine[-1].at_utc > at:
            mine = mine[: bisect.bisect(conv.keys, (at, "\uffff"))]
        st, vs = convoy_state(self.terms, conv.plan, mine, at, self.settings,
                              movement=self.movements.get(conv.plan.id))  # fmt: skip
        conv.state, conv.violations, conv.at = st, vs, at
        running = any(p.overdue for p in st.progress) or any(x.end_utc is None for x in st.stops)
        due = [p.expected_utc for p in st.progress if p.actual_utc is None and not p.overdue]
        # Reports after ``at`` (a picture in the past) would change it: never cached past them.
        later = conv.reports[len(mine)].at_utc if len(mine) < len(conv.reports) else None
        bounds = [t for t in (*due, later) if t is not None]
        conv.forever = not running and not bounds
        conv.until = None if running else (min(bounds) if bounds else None)

    def picture(self, as_of: datetime | None = None) -> Picture:
        at = as_of if as_of is not None else self.latest
        states: list[ConvoyState] = []
        violations: list[Violation] = []
        for conv in self._convoys.values():
            self._refresh(conv, at)
            assert conv.state is not None
            states.append(conv.state)
            violations.extend(conv.violations)
        for view, v in self._incidents.values():
            if v is not None and (at is None or view.incident.at_utc <= at):
                violations.append(v)
        violations.sort(key=lambda v: (v.start_utc, v.key))
        return Picture(self.terms.corridor_id, at, states, violations)
