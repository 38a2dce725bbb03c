"""The picture of a running corridor, derived from its reports by event time.

Everything here is a pure function of (terms, schedule, reports, settings, as_of): reports are
sorted by when they happened (then by id), never by when they arrived, so a late report lands
in its place, a duplicate (same id) is dropped before it gets here, and replaying the same
batch twice gives the very same picture.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from corridor.monitoring._geo import distance_to_line_m
from corridor.monitoring._model import (
    AT_CHECKPOINT,
    Checkin,
    CheckinStatus,
    Incident,
    IncidentKind,
)
from corridor.monitoring._schedule import DESTINATION, ORIGIN, ConvoyPlan

if TYPE_CHECKING:  # only annotations: `rules check` reads rules without the terms model
    from corridor.agreements import Terms

#: Which term an incident near the route during a window breaches.
INCIDENT_TERM = {
    IncidentKind.SHELLING: "windows",  # the ceasefire of the window
    IncidentKind.FIRED_UPON: "windows",
    IncidentKind.DETENTION: "vehicles",  # safe passage of the marked vehicles
    IncidentKind.ROUTE_BLOCKED: "route",
    IncidentKind.MINES: "route",
    IncidentKind.BRIDGE_DESTROYED: "route",
}


@dataclass(frozen=True)
class Settings:
    """How strict monitoring is: minutes of grace beyond the agreed inspection time, and how
    far from the route a report still concerns the corridor."""

    margin_minutes: float = 15.0
    near_route_m: float = 1000.0


@dataclass(frozen=True)
class IncidentView:
    """A stored incident and whether a coordinator has confirmed it."""

    incident: Incident
    confirmed: bool = False


@dataclass(frozen=True)
class MovementView:
    """The movement notification a convoy moves under, as monitoring needs it (issue 11).

    ``acked`` maps each party that must acknowledge (every party but the sender) to the time of
    its valid acknowledgement, or None (none, or a signature that does not verify)."""

    movement_id: str
    convoy_id: str
    sender: str
    departure_utc: datetime
    arrival_utc: datetime
    ack_deadline_utc: datetime
    checkpoints: tuple[tuple[str, datetime], ...]
    acked: tuple[tuple[str, datetime | None], ...]

    def missing_at(self, at: datetime) -> list[str]:
        """Parties that had not acknowledged by ``at`` (or by the deadline, if earlier)."""
        by = min(at, self.ack_deadline_utc)
        return [p for p, when in self.acked if when is None or when > by]


@dataclass(frozen=True)
class Stop:
    """Time a convoy stood at one checkpoint, and whether that breached the agreed time."""

    convoy_id: str
    checkpoint: str
    operated_by: str | None
    start_utc: datetime
    end_utc: datetime | None  # None: still there at ``as_of``
    minutes: float
    allowed_minutes: float | None
    term: str | None  # the term whose allowance is binding
    held: bool  # a team reported "held" (not only "at checkpoint")
    report_id: str  # the report that started the stop

    @property
    def over(self) -> bool:
        return self.allowed_minutes is not None and self.minutes > self.allowed_minutes


@dataclass(frozen=True)
class Progress:
    place: str
    expected_utc: datetime
    actual_utc: datetime | None
    delay_minutes: float | None  # actual - expected; for a missed place, as_of - expected
    overdue: bool


@dataclass
class ConvoyState:
    convoy_id: str
    label: str
    kind: str
    vehicles: int
    people: int
    status: str = "scheduled"
    last_utc: datetime | None = None
    lat: float | None = None
    lon: float | None = None
    checkpoint: str | None = None
    progress: list[Progress] = field(default_factory=list)
    stops: list[Stop] = field(default_factory=list)
    delay_minutes: float | None = None
    n_reports: int = 0

    @property
    def moved(self) -> bool:
        """Whether the people on this convoy have left (a re-plan concerns only the others)."""
        return self.status not in ("scheduled", CheckinStatus.TURNED_BACK.value)

    def to_dict(self) -> dict[str, Any]:
        return {
            "convoy_id": self.convoy_id,
            "label": self.label,
            "kind": self.kind,
            "vehicles": self.vehicles,
            "people": self.people,
            "status": self.status,
            "last_utc": _iso(self.last_utc),
            "lat": self.lat,
            "lon": self.lon,
            "checkpoint": self.checkpoint,
            "delay_minutes": _round(self.delay_minutes),
            "n_reports": self.n_reports,
            "progress": [
                {
                    "place": p.place,
                    "expected_utc": _iso(p.expected_utc),
                    "actual_utc": _iso(p.actual_utc),
                    "delay_minutes": _round(p.delay_minutes),
                    "overdue": p.overdue,
                }
                for p in self.progress
            ],
            "stops": [
                {
                    "checkpoint": s.checkpoint,
                    "operated_by": s.operated_by,
                    "start_utc": _iso(s.start_utc),
                    "end_utc": _iso(s.end_utc),
                    "minutes": _round(s.minutes),
                    "allowed_minutes": _round(s.allowed_minutes),
                    "held": s.held,
                    "over": s.over,
                    "term": s.term,
                }
                for s in self.stops
            ],
        }


@dataclass(frozen=True)
class Violation:
    """A breach of a named term, attributed to a party where the facts allow it."""

    key: str  # stable across re-derivations: the same breach keeps its key
    kind: str  # hold, turned_back, convoy_size, outside_window, incident
    term: str  # e.g. "checkpoints[0].inspection_minutes", "windows[0]", "route"
    party: str | None  # None: not attributable from the reports
    corridor_id: str
    convoy_id: str | None
    start_utc: datetime
    end_utc: datetime | None
    minutes: float | None
    distance_m: float | None
    report_ids: tuple[str, ...]
    summary: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "kind": self.kind,
            "term": self.term,
            "party": self.party,
            "corridor_id": self.corridor_id,
            "convoy_id": self.convoy_id,
            "start_utc": _iso(self.start_utc),
            "end_utc": _iso(self.end_utc),
            "minutes": _round(self.minutes),
            "distance_m": _round(self.distance_m),
            "report_ids": list(self.report_ids),
            "summary": self.summary,
        }


@dataclass
class Picture:
    corridor_id: str
    as_of: datetime | None
    convoys: list[ConvoyState]
    violations: list[Violation]

    def convoy(self, convoy_id: str) -> ConvoyState:
        return next(c for c in self.convoys if c.convoy_id == convoy_id)


def _iso(at: datetime | None) -> str | None:
    return None if at is None else at.isoformat().replace("+00:00", "Z")


def _round(x: float | None) -> float | None:
    return None if x is None else round(x, 1)


def _minutes(a: datetime, b: datetime) -> float:
    return (b - a) / timedelta(minutes=1)


def window_index(terms: Terms, at_utc: datetime) -> int | None:
    """Index (in ``terms.windows``) of the window open at ``at_utc``, or None."""
    return next((i for i, w in enumerate(terms.windows) if w.contains(at_utc)), None)


def route_distance_m(terms: Terms, lat: float, lon: float) -> float:
    return distance_to_line_m(lat, lon, terms.route.geometry.coordinates)


def _allowance(
    terms: Terms, checkpoint: str, vehicles: int, margin: float
) -> tuple[str | None, float | None, str | None]:
    """(operator, allowed minutes, binding term) for a convoy of ``vehicles`` at a checkpoint.

    The checkpoint agreed an inspection time and a throughput; a column of 30 buses through a
    checkpoint rated 20 an hour legitimately takes 90 minutes, so the longer of the two binds.
    """
    for i, cp in enumerate(terms.checkpoints):
        if cp.name == checkpoint:
            through = 60.0 * vehicles / cp.max_vehicles_per_hour
            if through > cp.inspection_minutes:
                return cp.operated_by, through + margin, f"checkpoints[{i}].max_vehicles_per_hour"
            return (
                cp.operated_by,
                cp.inspection_minutes + margin,
                f"checkpoints[{i}].inspection_minutes",
            )
    return None, None, None


def _stops(
    terms: Terms, plan: ConvoyPlan, checkins: Sequence[Checkin], as_of: datetime, margin: float
) -> list[Stop]:
    stops: list[Stop] = []
    current: tuple[str, datetime, str, bool] | None = None  # checkpoint, start, report id, held
    vehicles = plan.vehicles

    def close(end: datetime | None) -> None:
        assert current is not None
        name, start, rid, held = current
        operator, allowed, term = _allowance(terms, name, vehicles, margin)
        stops.append(
            Stop(plan.id, name, operator, start, end, _minutes(start, end or as_of), allowed, term,
                 held, rid)
        )  # fmt: skip

    for c in checkins:
        if c.vehicles is not None:
            vehicles = c.vehicles
        if c.status in AT_CHECKPOINT and c.checkpoint is not None:
            if current is not None and current[0] == c.checkpoint:
                if c.status is CheckinStatus.HELD and not current[3]:
                    current = (current[0], current[1], current[2], True)
                continue
            if current is not None:
                close(c.at_utc)
            current = (c.checkpoint, c.at_utc, c.id, c.status is CheckinStatus.HELD)
        elif current is not None:
            close(c.at_utc)
            current = None
    if current is not None:
        close(None)
    return stops


def _progress(
    plan: ConvoyPlan, checkins: Sequence[Checkin], as_of: datetime
) -> tuple[list[Progress], float | None]:
    first: dict[str, datetime] = {}
    for c in checkins:
        if c.status is CheckinStatus.DEPARTED:
            first.setdefault(ORIGIN, c.at_utc)
        elif c.status is CheckinStatus.ARRIVED:
            first.setdefault(DESTINATION, c.at_utc)
        if c.checkpoint is not None:
            first.setdefault(c.checkpoint, c.at_utc)
    out: list[Progress] = []
    delay: float | None = None
    for place, expected in plan.expected():
        actual = first.get(place)
        if actual is not None:
            d: float | None = _minutes(expected, actual)
            out.append(Progress(place, expected, actual, d, False))
            delay = d
        elif as_of > expected:
            d = _minutes(expected, as_of)
            out.append(Progress(place, expected, None, d, True))
            delay = d if delay is None else max(delay, d)
        else:
            out.append(Progress(place, expected, None, None, False))
    return out, delay


def latest_event(checkins: Iterable[Checkin], incidents: Iterable[IncidentView]) -> datetime | None:
    times = [c.at_utc for c in checkins] + [i.incident.at_utc for i in incidents]
    return max(times) if times else None


def derive(
    terms: Terms,
    convoys: Sequence[ConvoyPlan],
    checkins: Sequence[Checkin],
    incidents: Sequence[IncidentView],
    *,
    settings: Settings | None = None,
    as_of: datetime | None = None,
    movements: Mapping[str, MovementView] | None = None,
) -> Picture:
    """The corridor's picture at ``as_of`` (default: the latest reported event), from reports
    up to ``as_of`` only. ``movements`` maps a convoy id to the movement it moves under."""
    s = settings or Settings()
    if as_of is None:
        as_of = latest_event(checkins, incidents)
    at = as_of
    cks = sorted(
        (c for c in checkins if at is None or c.at_utc <= at), key=lambda c: (c.at_utc, c.id)
    )
    incs = sorted(
        (i for i in incidents if at is None or i.incident.at_utc <= at),
        key=lambda i: (i.incident.at_utc, i.incident.id),
    )
    states: list[ConvoyState] = []
    violations: list[Violation] = []
    by_convoy: dict[str, list[Checkin]] = {}
    for c in cks:
        by_convoy.setdefault(c.convoy_id, []).append(c)
    moves = movements or {}
    for plan in sorted(convoys, key=lambda p: (p.depart_utc, p.id)):
        st, vs = convoy_state(
            terms, plan, by_convoy.get(plan.id, []), at, s, movement=moves.get(plan.id)
        )
        states.append(st)
        violations.extend(vs)
    for view in incs:
        v = _incident_violation(terms, view.incident, s)
        if v is not None:
            violations.append(v)
    violations.sort(key=lambda v: (v.start_utc, v.key))
    return Picture(terms.corridor_id, at, states, violations)


def convoy_state(
    terms: Terms,
    plan: ConvoyPlan,
    mine: Sequence[Checkin],
    at: datetime | None,
    s: Settings,
    *,
    movement: MovementView | None = None,
) -> tuple[ConvoyState, list[Violation]]:
    """One convoy's state and violations at ``at`` from its check-ins (sorted by event time,
    none after ``at``): a convoy's picture depends on its own reports only."""
    st = ConvoyState(plan.id, plan.label, plan.kind, plan.vehicles, plan.people)
    st.n_reports = len(mine)
    if mine:
        last = mine[-1]
        st.status, st.last_utc = last.status.value, last.at_utc
        st.lat, st.lon = last.lat, last.lon
        st.checkpoint = last.checkpoint if last.status in AT_CHECKPOINT else None
        st.vehicles = max(c.vehicles or 0 for c in mine) or plan.vehicles
        people = [c.people for c in mine if c.people is not None]
        st.people = people[-1] if people else plan.people
    ref = at or plan.depart_utc
    st.progress, st.delay_minutes = _progress(plan, mine, ref)
    st.stops = _stops(terms, plan, mine, ref, s.margin_minutes)
    out = _convoy_violations(terms, plan, st, mine, s)
    if movement is not None:
        out.extend(_movement_violations(terms, plan, mine, movement, s))
    return st, out


#: Where a convoy may be away from the route: at its gathering point as it leaves, at the
#: reception point it arrived at (often off the corridor's end), on its way back.
_OFF_ROUTE_OK = frozenset({CheckinStatus.DEPARTED, CheckinStatus.ARRIVED, CheckinStatus.RETURNING})


def _movement_violations(
    terms: Terms, plan: ConvoyPlan, mine: Sequence[Checkin], m: MovementView, s: Settings
) -> list[Violation]:
    """Issue 11: a convoy that leaves before every party acknowledged its movement, or that
    moves otherwise than notified (departure or checkpoint time beyond the margin, a checkpoint
    not notified, off the agreed route), is flagged. A late time is not attributed (a hold
    has its own violation naming the checkpoint's party); leaving the notified route or
    checkpoints is the sender's convoy's doing."""
    out: list[Violation] = []
    cid = terms.corridor_id
    departed = next((c for c in mine if c.status is CheckinStatus.DEPARTED), None)
    if departed is None:
        return out
    missing = m.missing_at(departed.at_utc)
    if missing:
        out.append(
            Violation(f"unacknowledged:{m.movement_id}", "unacknowledged_movement",
                      "movement.acknowledgements", None, cid, plan.id, departed.at_utc, None,
                      None, None, (departed.id,),
                      f"convoy {plan.id} departed but movement {m.movement_id} was not "
                      f"acknowledged in time by {', '.join(missing)}")
        )  # fmt: skip
    off = _minutes(m.departure_utc, departed.at_utc)
    if abs(off) > s.margin_minutes:
        out.append(
            Violation(f"deviation:{m.movement_id}:departure", "movement_deviation",
                      "movement.departure_utc", None, cid, plan.id, departed.at_utc, None,
                      round(off, 1), None, (departed.id,),
                      f"convoy {plan.id} departed {abs(off):.0f} min "
                      f"{'late' if off > 0 else 'early'} against movement {m.movement_id}")
        )  # fmt: skip
    notified = dict(m.checkpoints)
    order = [name for name, _ in m.checkpoints]
    seen: set[str] = set()
    for c in mine:
        if c.checkpoint is None or c.status not in AT_CHECKPOINT or c.checkpoint in seen:
            continue
        seen.add(c.checkpoint)
        if c.checkpoint not in notified:
            out.append(
                Violation(f"deviation:{m.movement_id}:{c.checkpoint}", "movement_deviation",
                          "movement.checkpoints", m.sender, cid, plan.id, c.at_utc, None, None,
                          None, (c.id,),
                          f"convoy {plan.id} at {c.checkpoint}, not a checkpoint of movement "
                          f"{m.movement_id}")
            )  # fmt: skip
            continue
        off = _minutes(notified[c.checkpoint], c.at_utc)
        if abs(off) > s.margin_minutes:
            i = order.index(c.checkpoint)
            out.append(
                Violation(f"deviation:{m.movement_id}:{c.checkpoint}", "movement_deviation",
                          f"movement.checkpoints[{i}].planned_utc", None, cid, plan.id,
                          c.at_utc, None, round(off, 1), None, (c.id,),
                          f"convoy {plan.id} reached {c.checkpoint} {abs(off):.0f} min "
                          f"{'late' if off > 0 else 'early'} against movement {m.movement_id}")
            )  # fmt: skip
    away = next(
        (
            (c, d)
            for c in mine
            if c.status not in _OFF_ROUTE_OK
            and (d := route_distance_m(terms, c.lat, c.lon)) > s.near_route_m
        ),
        None,
    )
    if away is not None:
        c, d = away
        out.append(
            Violation(f"deviation:{m.movement_id}:route", "movement_deviation", "movement.route",
                      m.sender, cid, plan.id, c.at_utc, None, None, d, (c.id,),
                      f"convoy {plan.id} reported {d:.0f} m off the notified route")
        )  # fmt: skip
    return out


#: Checkpoint distances to the route per terms object (kept alive here so that its id stays
#: its own): every hold is checked against its checkpoint's distance, and the tracker
#: recomputes convoys held or overdue at each report, so the geometry is done once per terms.
_CP_DISTANCE: dict[int, tuple[Terms, dict[str, float | None]]] = {}


def _checkpoint_distance(terms: Terms, name: str) -> float | None:
    """The checkpoint's distance to the route (None for a name not in the terms)."""
    entry = _CP_DISTANCE.get(id(terms))
    if entry is None or entry[0] is not terms:
        if len(_CP_DISTANCE) >= 64:
            _CP_DISTANCE.pop(next(iter(_CP_DISTANCE)))
        entry = _CP_DISTANCE[id(terms)] = (terms, {})
    known = entry[1]
    if name not in known:
        cp = next((c for c in terms.checkpoints if c.name == name), None)
        known[name] = None if cp is None else route_distance_m(terms, cp.lat, cp.lon)
    return known[name]


def _convoy_violations(
    terms: Terms, plan: ConvoyPlan, st: ConvoyState, mine: Sequence[Checkin], s: Settings
) -> list[Violation]:
    out: list[Violation] = []
    cid = terms.corridor_id
    seen: dict[str, int] = {}
    for stop in st.stops:
        # The n-th stop of this convoy at this checkpoint: a late report that moves the stop's
        # start keeps the key, so the violation is updated rather than withdrawn and re-made.
        seen[stop.checkpoint] = n = seen.get(stop.checkpoint, 0) + 1
        if not stop.over or stop.term is None or window_index(terms, stop.start_utc) is None:
            continue
        dist = _checkpoint_distance(terms, stop.checkpoint)
        if dist is not None and dist > s.near_route_m:
            continue
        state = "still held" if stop.end_utc is None else "held"
        out.append(
            Violation(
                key=f"hold:{plan.id}:{stop.checkpoint}:{n}",
                kind="hold",
                term=stop.term,
                party=stop.operated_by,
                corridor_id=cid,
                convoy_id=plan.id,
                start_utc=stop.start_utc,
                end_utc=stop.end_utc,
                minutes=stop.minutes,
                distance_m=dist,
                report_ids=(stop.report_id,),
                summary=f"convoy {plan.id} {state} at {stop.checkpoint} for "
                f"{stop.minutes:.0f} min (agreed {stop.allowed_minutes:.0f} min with margin), "
                f"checkpoint operated by {stop.operated_by}",
            )
        )
    for c in mine:
        in_window = window_index(terms, c.at_utc) is not None
        if c.status is CheckinStatus.TURNED_BACK and in_window:
            operator = None
            term = "route"
            if c.checkpoint is not None:
                operator, _, _ = _allowance(terms, c.checkpoint, 1, 0)
                idx = next(i for i, cp in enumerate(terms.checkpoints) if cp.name == c.checkpoint)
                term = f"checkpoints[{idx}]"
            dist = route_distance_m(terms, c.lat, c.lon)
            if dist <= s.near_route_m:
                out.append(
                    Violation(f"turned_back:{c.id}", "turned_back", term, operator, cid, plan.id,
                              c.at_utc, None, None, dist, (c.id,),
                              f"convoy {plan.id} turned back"
                              + (f" at {c.checkpoint}" if c.checkpoint else ""))
                )  # fmt: skip
        if c.status is CheckinStatus.DEPARTED and not in_window:
            out.append(
                Violation(f"outside_window:{c.id}", "outside_window", "windows", None, cid,
                          plan.id, c.at_utc, None, None, None, (c.id,),
                          f"convoy {plan.id} departed outside every agreed window")
            )  # fmt: skip
    oversize = next((c for c in mine if (c.vehicles or 0) > terms.max_convoy_size), None)
    if oversize is not None:
        out.append(
            Violation(f"convoy_size:{plan.id}", "convoy_size", "max_convoy_size", None, cid,
                      plan.id, oversize.at_utc, None, None, None, (oversize.id,),
                      f"convoy {plan.id} has {oversize.vehicles} vehicles, "
                      f"agreed at most {terms.max_convoy_size}")
        )  # fmt: skip
    return out


def _incident_violation(terms: Terms, inc: Incident, s: Settings) -> Violation | None:
    k = window_index(terms, inc.at_utc)
    if k is None:
        return None
    dist = route_distance_m(terms, inc.lat, inc.lon)
    if not dist <= s.near_route_m or math.isnan(dist):
        return None
    term = INCIDENT_TERM[inc.kind]
    if term == "windows":
        term = f"windows[{k}]"
    party = inc.attributed_to if inc.attributed_to and terms.party(inc.attributed_to) else None
    return Violation(
        key=f"incident:{inc.id}",
        kind="incident",
        term=term,
        party=party,
        corridor_id=terms.corridor_id,
        convoy_id=inc.convoy_id,
        start_utc=inc.at_utc,
        end_utc=None,
        minutes=None,
        distance_m=dist,
        report_ids=(inc.id,),
        summary=f"{inc.kind.value.replace('_', ' ')} {dist:.0f} m from the route "
        f"during window {k}" + (f", attributed to {party}" if party else ""),
    )
