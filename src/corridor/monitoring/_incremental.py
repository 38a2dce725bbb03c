"""The picture kept up to date report by report, equal to :func:`derive` over all reports.

A convoy's state depends on its own check-ins and on the time the picture is taken at; an
incident's violation on the incident alone. So a new report touches one convoy: a check-in
later than the convoy's last is appended and that convoy's state advanced from its cached
reports; one that lands earlier (a late report) re-derives that convoy from its reports, not
the corridor. A convoy's cached state stays valid as the picture's time moves on until a place
it has not reached falls due, unless it stands at a checkpoint or is overdue (then its clock
runs and it is recomputed). Duplicates (same id) are dropped, so a replayed batch changes
nothing.

The picture itself is kept, not re-assembled: convoy states sit in a list in the picture's
order and violations in a list sorted as :func:`derive` sorts them, each convoy's replaced in
place when it is recomputed. A picture as time moves forward recomputes only the convoys a
report touched, those standing at a checkpoint or overdue, and those whose cached state falls
due (a heap by due time), so a report costs the same however many other convoys wait. A
picture earlier than the last one asked for is derived in full (no cache is disturbed).
"""

from __future__ import annotations

import bisect
import heapq
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

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
    derive,
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
        self._order = {p.id: i for i, p in enumerate(ordered)}
        self._ids: set[str] = set()
        self._incidents: dict[str, tuple[IncidentView, Violation | None]] = {}
        self.latest: datetime | None = None
        self.rederived = 0  # convoys re-derived from a late report (for the benchmark)
        self.recomputed = 0  # convoy states computed (for the benchmark and the tests)
        # the kept picture: at ``_at``, with what must be recomputed before the next one
        self._at: datetime | None = None
        self._fresh = False  # False until the first picture (everything is computed then)
        self._states: list[ConvoyState | None] = [None] * len(ordered)
        self._vkeys: list[tuple[Any, ...]] = []  # sorted as derive sorts, ties as it leaves them
        self._vs: list[Violation] = []
        self._dirty: set[str] = set()
        self._running: set[str] = set()
        self._due: list[tuple[datetime, str]] = []  # (until, convoy id), stale entries skipped
        self._pending: list[tuple[datetime, str]] = []  # incident violations not yet in view

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
        self._dirty.add(c.convoy_id)
        return True

    def add_incident(self, view: IncidentView) -> bool:
        inc = view.incident
        if inc.id in self._ids:
            return False
        self._ids.add(inc.id)
        v = _incident_violation(self.terms, inc, self.settings)
        self._incidents[inc.id] = (view, v)
        if v is not None:
            heapq.heappush(self._pending, (inc.at_utc, inc.id))
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

    def _vkey(self, v: Violation, tie: tuple[Any, ...]) -> tuple[Any, ...]:
        return (v.start_utc, v.key, *tie)

    def _put(self, v: Violation, tie: tuple[Any, ...]) -> None:
        k = self._vkey(v, tie)
        j = bisect.bisect(self._vkeys, k)
        self._vkeys.insert(j, k)
        self._vs.insert(j, v)

    def _drop(self, v: Violation, tie: tuple[Any, ...]) -> None:
        j = bisect.bisect_left(self._vkeys, self._vkey(v, tie))
        assert self._vs[j] is v
        del self._vkeys[j]
        del self._vs[j]

    def _recompute(self, cid: str, at: datetime | None) -> None:
        """One convoy's state and violations at ``at``, swapped into the kept picture."""
        conv = self._convoys[cid]
        idx = self._order[cid]
        for j, v in enumerate(conv.violations if self._states[idx] is not None else ()):
            self._drop(v, (0, idx, j))
        # the cached result belongs to the kept picture only: recompute it even if valid
        conv.state = None
        self._refresh(conv, at)
        self.recomputed += 1
        assert conv.state is not None
        self._states[idx] = conv.state
        for j, v in enumerate(conv.violations):
            self._put(v, (0, idx, j))
        self._running.discard(cid)
        if conv.forever:
            return
        if conv.until is None:
            self._running.add(cid)
        else:
            heapq.heappush(self._due, (conv.until, cid))

    def picture(self, as_of: datetime | None = None) -> Picture:
        at = as_of if as_of is not None else self.latest
        back = self._fresh and (
            (at is None and self._at is not None)
            or (at is not None and self._at is not None and at < self._at)
        )
        if back:  # a picture in the past: derived in full, the kept one left as it is
            return self._derived(at)
        todo = set(self._dirty)
        if not self._fresh or (self._at is None and at is not None):
            todo = set(self._convoys)
            self._states = [None] * len(self._convoys)
            self._vkeys, self._vs, self._due, self._running = [], [], [], set()
            for conv in self._convoys.values():
                conv.state = None
            for inc_id, (view, v) in self._incidents.items():
                if v is not None and (at is None or view.incident.at_utc <= at):
                    self._put(v, (1, view.incident.at_utc, inc_id))
            self._pending = [
                (view.incident.at_utc, i)
                for i, (view, v) in self._incidents.items()
                if v is not None and at is not None and view.incident.at_utc > at
            ]
            heapq.heapify(self._pending)
        elif at != self._at:
            todo |= self._running
        if at is not None:
            while self._due and self._due[0][0] <= at:
                until, cid = heapq.heappop(self._due)
                if self._convoys[cid].until == until:
                    todo.add(cid)
            while self._pending and self._pending[0][0] <= at:
                when, inc_id = heapq.heappop(self._pending)
                v = self._incidents[inc_id][1]
                assert v is not None
                self._put(v, (1, when, inc_id))
        for cid in todo:
            self._recompute(cid, at)
        self._dirty.clear()
        self._at, self._fresh = at, True
        states = [st for st in self._states if st is not None]
        return Picture(self.terms.corridor_id, at, states, list(self._vs))

    def _derived(self, at: datetime | None) -> Picture:
        reports = [c for conv in self._convoys.values() for c in conv.reports]
        return derive(self.terms, [c.plan for c in self._convoys.values()], reports,
                      [view for view, _ in self._incidents.values()], settings=self.settings,
                      as_of=at, movements=self.movements)  # fmt: skip
