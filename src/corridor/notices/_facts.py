"""The facts of one notice, in no language yet: what, where, when, what changed, what is wrong.

Renderers only phrase these facts; every decision (is it in force, what changed since the
notice it supersedes, which problems stop it from being issued) is made here, once.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Literal

from corridor.agreements import Checkpoint, Place, Terms, Window
from corridor.errors import InputError
from corridor.notices._details import NoticeDetails, PlaceDetails
from corridor.notices._schedule import Departure, Schedule

if TYPE_CHECKING:  # the store imports this area for movements; records come in from the edge
    from corridor.store import AgreementRecord

Status = Literal["in_force", "not_in_force", "suspended", "closed"]


@dataclass(frozen=True)
class Change:
    """One difference from the notice this one supersedes. ``kind`` picks the sentence:
    suspended, closed, window_added, window_removed, origin, destination, checkpoint_added,
    checkpoint_removed, checkpoint_hours, route, vehicles, markings, convoy_size."""

    kind: str
    old: str | None = None
    new: str | None = None
    window: Window | None = None
    at_utc: datetime | None = None
    old_km: float | None = None
    new_km: float | None = None


@dataclass(frozen=True)
class NoticeFacts:
    corridor_id: str
    version: int
    title: str | None
    status: Status
    terms: Terms
    details: NoticeDetails
    schedule: Schedule
    hotline: str
    issued_at_utc: datetime
    valid_until_utc: datetime | None  # None: until further notice (suspended)
    notice_id: str
    supersedes: tuple[str, datetime] | None = None  # (notice id, issued at) it replaces
    changes: list[Change] = field(default_factory=list)
    reason: str | None = None  # why suspended/closed, as the party gave it
    warnings: list[str] = field(default_factory=list)

    @property
    def origin(self) -> Place:
        return self.terms.origin

    @property
    def destination(self) -> Place:
        return self.terms.destination

    @property
    def checkpoints(self) -> list[Checkpoint]:
        return list(self.terms.checkpoints)

    @property
    def gathering_points(self) -> list[str]:
        """Where people gather: the plan's points, or the agreement's origin without a plan."""
        places = [d.place for d in self.departures]
        if self.schedule.source == "agreement":
            places.insert(0, self.origin.name)
        return list(dict.fromkeys(places))

    @property
    def departures(self) -> list[Departure]:
        return sorted(self.schedule.departures, key=lambda d: (d.at_utc, d.place))

    @property
    def active(self) -> bool:
        """People should act on it: in force, and not a suspension or closure."""
        return self.status == "in_force"

    def place(self, name: str) -> PlaceDetails | None:
        return self.details.places.get(name)

    @property
    def route_km(self) -> float:
        return self.terms.route.length_m / 1000

    @property
    def roads(self) -> list[str]:
        """Named roads in driving order, each once, "unnamed ..." labels left out."""
        out: list[str] = []
        for e in self.terms.route.edges:
            if e.road and not e.road.startswith("unnamed") and e.road not in out:
                out.append(e.road)
        return out


def notice_id(corridor_id: str, version: int, status: Status) -> str:
    suffix = {"in_force": "", "not_in_force": "-draft", "suspended": "-suspended"}
    return f"{corridor_id}-v{version}" + suffix.get(status, f"-{status}")


def status_of(rec: AgreementRecord) -> Status:
    if rec.stored_state.value == "suspended":
        return "suspended"
    if rec.stored_state.value == "closed":
        return "closed"
    return "in_force" if rec.in_force else "not_in_force"


def agreed_at(rec: AgreementRecord) -> datetime | None:
    """When the last party signed (the moment the version came into force)."""
    times = [s.signed_at_utc for s in rec.statuses if s.valid and s.signed_at_utc]
    return datetime.fromisoformat(max(times).replace("Z", "+00:00")) if times else None


def _hotline(terms: Terms, details: NoticeDetails) -> str | None:
    if details.hotline:
        return details.hotline
    return next((c.address for c in terms.contacts if c.channel.strip().lower() == "hotline"), None)


def changes_between(old: Terms, new: Terms) -> list[Change]:
    """What a reader of the old notice must know: windows, places, checkpoints, route..."""
    out: list[Change] = []
    old_w = {(w.start_utc, w.end_utc): w for w in old.windows}
    new_w = {(w.start_utc, w.end_utc): w for w in new.windows}
    out += [Change("window_removed", window=w) for k, w in sorted(old_w.items()) if k not in new_w]
    out += [Change("window_added", window=w) for k, w in sorted(new_w.items()) if k not in old_w]
    for kind, a, b in (
        ("origin", old.origin, new.origin),
        ("destination", old.destination, new.destination),
    ):
        if (a.name, a.lat, a.lon) != (b.name, b.lat, b.lon):
            out.append(Change(kind, old=a.name, new=b.name))
    old_cp = {c.name: c for c in old.checkpoints}
    new_cp = {c.name: c for c in new.checkpoints}
    out += [Change("checkpoint_removed", old=n) for n in old_cp if n not in new_cp]
    out += [Change("checkpoint_added", new=n) for n in new_cp if n not in old_cp]
    out += [
        Change("checkpoint_hours", old=n, new=n)
        for n in new_cp
        if n in old_cp and old_cp[n].hours_utc != new_cp[n].hours_utc
    ]
    if old.route.edge_ids != new.route.edge_ids:
        out.append(
            Change("route", old_km=old.route.length_m / 1000, new_km=new.route.length_m / 1000)
        )
    if old.vehicles.permitted != new.vehicles.permitted:
        out.append(
            Change(
                "vehicles",
                old=", ".join(old.vehicles.permitted),
                new=", ".join(new.vehicles.permitted),
            )
        )
    if old.vehicles.markings != new.vehicles.markings:
        out.append(Change("markings", old=old.vehicles.markings, new=new.vehicles.markings))
    if old.max_convoy_size != new.max_convoy_size:
        out.append(
            Change("convoy_size", old=str(old.max_convoy_size), new=str(new.max_convoy_size))
        )
    return out


def notice_facts(
    rec: AgreementRecord,
    *,
    details: NoticeDetails,
    schedule: Schedule,
    previous: AgreementRecord | None = None,
    issued_at_utc: datetime | None = None,
    draft: bool = False,
    now_utc: datetime | None = None,
) -> NoticeFacts:
    """Check everything a notice needs and gather it; one InputError lists every problem.

    A version not in force is refused unless ``draft`` (then the notice says NOT IN FORCE on
    every format). ``previous`` is the version this one replaces, for the list of changes.
    ``issued_at_utc`` defaults to the moment the state began (last signature, suspension).
    """
    terms = rec.terms
    status = status_of(rec)
    problems: list[str] = []
    warnings: list[str] = []
    if status == "not_in_force":
        why = (
            f"superseded by version {rec.latest_version}"
            if rec.superseded
            else f"state {rec.stored_state.value}, "
            f"{sum(s.valid for s in rec.statuses)}/{len(rec.statuses)} parties signed"
        )
        if not draft:
            problems.append(
                f"{rec.corridor_id} v{rec.version} is not in force ({why}); "
                "give --draft to draft a notice marked NOT IN FORCE"
            )
        else:
            warnings.append(f"drafted a notice for an agreement NOT IN FORCE ({why})")
    hotline = _hotline(terms, details)
    if hotline is None:
        problems.append(
            "no hotline: give `hotline:` in the notice details or a contact with channel "
            "'hotline' in the terms"
        )
    places = {d.place for d in schedule.departures}
    if schedule.source == "agreement":  # with a plan, people gather where the plan says
        places.add(terms.origin.name)
    for name in sorted(places):
        if name not in details.places:
            problems.append(f"gathering point {name!r} has no address in the notice details")
    if terms.destination.name not in details.places:
        warnings.append(f"reception point {terms.destination.name!r} has no address")
    if problems:
        raise InputError("cannot issue the notice: " + "; ".join(problems))
    assert hotline is not None
    reason = None
    at_state: datetime | None = None
    if status in ("suspended", "closed") and rec.suspensions:
        last = rec.suspensions[-1]
        reason = str(last["reason"]) or None
        at_state = datetime.fromisoformat(str(last["at_utc"]).replace("Z", "+00:00"))
    elif status == "in_force":
        at_state = agreed_at(rec)
    issued = issued_at_utc or at_state or now_utc or datetime.now(UTC)
    windows = terms.windows_sorted()
    valid_until = windows[-1].end_utc if status == "in_force" else None
    if status == "not_in_force":
        valid_until = windows[-1].end_utc
    if valid_until is not None and issued >= valid_until:
        warnings.append("every window of this agreement has already ended")
    changes: list[Change] = []
    supersedes: tuple[str, datetime] | None = None
    if status == "suspended":
        changes.append(Change("suspended", at_utc=at_state))
        prev_at = agreed_at(rec)
        if prev_at is not None:
            supersedes = (notice_id(rec.corridor_id, rec.version, "in_force"), prev_at)
    elif status == "closed":
        changes.append(Change("closed", at_utc=at_state))
    if previous is not None and previous.version < rec.version:
        changes += changes_between(previous.terms, terms)
        prev_at = agreed_at(previous)
        if supersedes is None and prev_at is not None:
            prev_status: Status = "in_force"
            if previous.stored_state.value == "suspended":
                prev_status = "suspended"
                if previous.suspensions:
                    raw = str(previous.suspensions[-1]["at_utc"])
                    prev_at = datetime.fromisoformat(raw.replace("Z", "+00:00"))
            supersedes = (notice_id(rec.corridor_id, previous.version, prev_status), prev_at)
    return NoticeFacts(
        corridor_id=rec.corridor_id,
        version=rec.version,
        title=terms.title,
        status=status,
        terms=terms,
        details=details,
        schedule=schedule,
        hotline=hotline,
        issued_at_utc=issued,
        valid_until_utc=valid_until,
        notice_id=notice_id(rec.corridor_id, rec.version, status),
        supersedes=supersedes,
        changes=changes,
        reason=reason,
        warnings=warnings,
    )
