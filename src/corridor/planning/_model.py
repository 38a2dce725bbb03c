"""The public domain model of planning: the plan file (input), the re-plan state, the schedule.

Other areas (monitoring re-plans mid-day, notices turn the schedule into announcements) build on
these classes and on the JSON they produce, so they only ever grow: new optional fields, never a
renamed or re-typed one. Every model rejects unknown keys (a typo must never silently drop a
bus) and non-finite numbers; every time is an aware datetime stored in UTC.

People are counted in four priority classes, in the order they are moved:
``medical`` (medical cases and people of limited mobility), ``children`` (children with their
carers, carers included), ``elderly`` and ``general``. A family group is a set of people of one
class (the group travels as its most urgent member's class) that must share one vehicle.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from corridor._times import UtcDatetime

#: The priority classes, most urgent first; the planner moves them in this order.
PEOPLE_CLASSES: tuple[str, ...] = ("medical", "children", "elderly", "general")
PeopleClass = Literal["medical", "children", "elderly", "general"]

#: Why people are still waiting at the end of the last window (``LeftBehind.reason``).
REASONS: tuple[str, ...] = (
    "seats",
    "window_length",
    "checkpoint_throughput",
    "reception_capacity",
    "no_open_route",
    "family_too_large",
)
Reason = Literal[
    "seats",
    "window_length",
    "checkpoint_throughput",
    "reception_capacity",
    "no_open_route",
    "family_too_large",
]

Id = Annotated[str, Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")]
Name = Annotated[str, Field(min_length=1, max_length=200)]
Lat = Annotated[float, Field(ge=-90, le=90)]
Lon = Annotated[float, Field(ge=-180, le=180)]
Count = Annotated[int, Field(ge=0, le=10_000_000)]
Minutes = Annotated[float, Field(ge=0, le=7 * 24 * 60)]


class _Strict(BaseModel):
    """Unknown keys are errors; values never change once validated."""

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


def _utc(value: datetime) -> datetime:
    return value.astimezone(UTC)


# --------------------------------------------------------------------------------------------
# Input: the plan file
# --------------------------------------------------------------------------------------------


class Point(_Strict):
    """A place on the map (WGS 84); snapped to the nearest road of the network when planning."""

    lat: Lat = Field(description="latitude, degrees north")
    lon: Lon = Field(description="longitude, degrees east")


class PeopleByClass(_Strict):
    """How many people wait in each priority class (family members included)."""

    medical: Count = Field(default=0, description="medical cases and limited mobility; go first")
    children: Count = Field(default=0, description="children with their carers (carers counted)")
    elderly: Count = Field(default=0, description="elderly people without medical needs")
    general: Count = Field(default=0, description="everyone else")

    @property
    def total(self) -> int:
        """Everyone, all classes."""
        return self.medical + self.children + self.elderly + self.general

    def get(self, people_class: str) -> int:
        """The count of one class by name."""
        return int(getattr(self, people_class))


class FamilyGroup(_Strict):
    """People who must travel in the same vehicle; they are counted in ``people`` too."""

    id: Id = Field(description="unique within its gathering point, e.g. 'f12'")
    size: int = Field(ge=1, le=1000, description="people in the group")
    people_class: PeopleClass = Field(
        default="general", description="the class the group travels as (its most urgent member)"
    )


class GatheringPoint(_Strict):
    """Where people wait to be picked up."""

    id: Id = Field(description="unique id, used in the schedule and in notices")
    name: Name = Field(description="what people call the place, e.g. 'School No. 3'")
    address: str = Field(default="", max_length=500, description="street address, for notices")
    lat: Lat
    lon: Lon
    people: PeopleByClass = Field(description="people waiting, by class (family members included)")
    families: list[FamilyGroup] = Field(
        default_factory=list, description="groups that must share one vehicle"
    )
    private_cars_per_hour: float = Field(
        default=0.0,
        ge=0,
        le=10_000,
        description=(
            "expected rate of private cars leaving from here while a window is open; their "
            "drivers are not in ``people``, but the cars use checkpoint capacity"
        ),
    )
    corridors: list[Id] | None = Field(
        default=None, description="corridor ids people here may use; absent = any corridor"
    )

    @model_validator(mode="after")
    def _families_fit(self) -> GatheringPoint:
        ids = [f.id for f in self.families]
        if len(set(ids)) != len(ids):
            raise ValueError("families: ids must be unique within a gathering point")
        for c in PEOPLE_CLASSES:
            in_families = sum(f.size for f in self.families if f.people_class == c)
            if in_families > self.people.get(c):
                raise ValueError(
                    f"families of class {c} hold {in_families} people but people.{c} is "
                    f"{self.people.get(c)} (family members are counted in people)"
                )
        return self


class ReceptionPoint(_Strict):
    """Where evacuees are received, with how many it can take in."""

    id: Id
    name: Name
    address: str = Field(default="", max_length=500)
    lat: Lat
    lon: Lon
    capacity: Count = Field(description="people it can receive over the whole operation")


class Bus(_Strict):
    """A bus: seats for any class (medical cases too, when no ambulance place is left)."""

    id: Id
    seats: int = Field(gt=0, le=500, description="passenger seats")
    depot: Point = Field(description="where the bus starts")
    available_from_utc: UtcDatetime | None = Field(
        default=None, description="not usable before this time (absent = from the plan start)"
    )

    _v_utc = field_validator("available_from_utc")(lambda v: None if v is None else _utc(v))


class Ambulance(_Strict):
    """An ambulance: carries only the medical class (stretchers plus seats for sitting cases)."""

    id: Id
    stretchers: int = Field(default=1, ge=0, le=20, description="stretcher places")
    seats: int = Field(default=2, ge=0, le=20, description="seats for sitting medical cases")
    depot: Point
    available_from_utc: UtcDatetime | None = None

    _v_utc = field_validator("available_from_utc")(lambda v: None if v is None else _utc(v))

    @property
    def places(self) -> int:
        """Medical-class people it carries per trip."""
        return self.stretchers + self.seats


class Fleet(_Strict):
    """Every vehicle the coordinator can send."""

    buses: list[Bus] = Field(default_factory=list)
    ambulances: list[Ambulance] = Field(default_factory=list)

    def all(self) -> list[Bus | Ambulance]:
        """Buses then ambulances: the row order of the vehicle tables in planning."""
        return [*self.buses, *self.ambulances]


class CorridorCheckpoint(_Strict):
    """A checkpoint on a corridor, in the order vehicles pass it."""

    name: Name
    lat: Lat
    lon: Lon
    max_vehicles_per_hour: int = Field(gt=0, le=10_000, description="agreed throughput")
    inspection_minutes: Minutes = Field(default=0.0, description="each vehicle is held this long")


class TimeWindow(_Strict):
    """A ceasefire window [start_utc, end_utc): vehicles are inside the corridor only then."""

    start_utc: UtcDatetime
    end_utc: UtcDatetime

    _v_utc = field_validator("start_utc", "end_utc")(_utc)

    @model_validator(mode="after")
    def _ordered(self) -> TimeWindow:
        if self.end_utc <= self.start_utc:
            raise ValueError("end_utc must be after start_utc")
        return self


class CorridorSpec(_Strict):
    """One corridor: an agreement from the store by id, or given inline (no agreement yet).

    With ``agreement`` set the route, checkpoints, windows and convoy size come from the stored
    terms; inline fields given as well are an error (one source of truth).
    """

    id: Id = Field(description="corridor id used in the schedule")
    agreement: str | None = Field(
        default=None, description="corridor_id of a stored agreement (its latest version)"
    )
    agreement_version: int | None = Field(default=None, ge=1, description="a specific version")
    name: str = Field(default="", max_length=200)
    entry: Point | None = Field(default=None, description="where vehicles enter the corridor")
    exit: Point | None = Field(default=None, description="where vehicles leave the corridor")
    checkpoints: list[CorridorCheckpoint] = Field(default_factory=list)
    windows: list[TimeWindow] = Field(default_factory=list)
    max_convoy_size: int | None = Field(default=None, gt=0, le=1000)

    @model_validator(mode="after")
    def _one_source(self) -> CorridorSpec:
        inline = self.entry is not None or self.exit is not None or bool(self.windows)
        if self.agreement is not None:
            if inline or self.checkpoints:
                raise ValueError("give either agreement or inline entry/exit/windows, not both")
        elif self.entry is None or self.exit is None or not self.windows:
            raise ValueError("an inline corridor needs entry, exit and at least one window")
        return self


class ConvoyRules(_Strict):
    """How vehicles move together and how long stops take."""

    max_convoy_size: int = Field(default=10, gt=0, le=1000, description="vehicles per convoy")
    min_spacing_minutes: Minutes = Field(
        default=10.0, description="between two convoys entering the same corridor"
    )
    loading_minutes: Minutes = Field(default=15.0, description="to board at a gathering point")
    unloading_minutes: Minutes = Field(default=10.0, description="to leave the vehicle")
    max_driving_minutes: Minutes = Field(
        default=270.0, description="a driver rests after this much driving"
    )
    rest_minutes: Minutes = Field(default=45.0, description="length of that rest")


class PlanInput(_Strict):
    """The plan file: everything the coordinator knows; validated by ``plan.schema.json``."""

    plan_format: Literal[1] = Field(default=1, description="version of this file format")
    id: Id = Field(description="plan id; re-submitting the same id stores a new version")
    title: str = Field(default="", max_length=500)
    start_utc: UtcDatetime = Field(
        description="the planned time: nothing departs earlier; hazards are taken at this time"
    )
    network: str | None = Field(default=None, description="network file (CLI --network wins)")
    hazards: str | None = Field(default=None, description="hazard file (CLI --hazards wins)")
    step_minutes: int = Field(
        default=1,
        ge=1,
        le=60,
        description=(
            "time step of the exact bound's time-expanded network (coarsened automatically "
            "when the model would be too large)"
        ),
    )
    gathering_points: list[GatheringPoint] = Field(min_length=1, max_length=5000)
    reception_points: list[ReceptionPoint] = Field(min_length=1, max_length=1000)
    vehicles: Fleet = Field(default_factory=Fleet)
    corridors: list[CorridorSpec] = Field(min_length=1, max_length=100)
    convoy: ConvoyRules = Field(default_factory=ConvoyRules)

    _v_utc = field_validator("start_utc")(_utc)

    @model_validator(mode="after")
    def _unique_ids(self) -> PlanInput:
        for label, ids in (
            ("gathering_points", [g.id for g in self.gathering_points]),
            ("reception_points", [r.id for r in self.reception_points]),
            ("vehicles", [v.id for v in self.vehicles.all()]),
            ("corridors", [c.id for c in self.corridors]),
        ):
            seen: set[str] = set()
            for i in ids:
                if i in seen:
                    raise ValueError(f"{label}: duplicate id {i!r}")
                seen.add(i)
        corridor_ids = {c.id for c in self.corridors}
        for g in self.gathering_points:
            for c in g.corridors or []:
                if c not in corridor_ids:
                    raise ValueError(f"gathering point {g.id!r} names unknown corridor {c!r}")
        return self

    @property
    def total_people(self) -> int:
        """Everyone waiting, all points and classes."""
        return sum(g.people.total for g in self.gathering_points)


# --------------------------------------------------------------------------------------------
# Re-planning: the state of the operation at some moment
# --------------------------------------------------------------------------------------------


class Departed(_Strict):
    """People who have already left a gathering point (by any means) and need no seat."""

    gathering_point_id: Id
    people_class: PeopleClass
    people: Count
    family_id: Id | None = Field(
        default=None, description="the whole family left (``people`` must equal its size)"
    )


class VehicleState(_Strict):
    """Where a vehicle is and from when it can take a new trip."""

    vehicle_id: Id
    lat: Lat = Field(description="where it will be free (e.g. its reception point)")
    lon: Lon
    available_utc: UtcDatetime = Field(description="when it can start a new trip")
    out_of_service: bool = Field(default=False, description="broken down, held, or withdrawn")

    _v_utc = field_validator("available_utc")(_utc)


class ReplanState(_Strict):
    """What has changed since the plan was made; :func:`corridor.planning.replan` plans the rest.

    Vehicles not listed keep their start from the plan (depot, available from ``at_utc``).
    """

    at_utc: UtcDatetime = Field(description="now: nothing in the new schedule starts earlier")
    departed: list[Departed] = Field(default_factory=list)
    vehicles: list[VehicleState] = Field(default_factory=list)
    closed_corridors: list[Id] = Field(
        default_factory=list, description="corridor ids no longer usable"
    )
    closed_edges: list[int] = Field(
        default_factory=list, description="network edge ids now closed (bridge destroyed...)"
    )
    closed_checkpoints: list[str] = Field(
        default_factory=list, description="checkpoint names now closed (their corridor too)"
    )
    reception_used: dict[str, int] = Field(
        default_factory=dict, description="people already received at each reception point"
    )

    _v_utc = field_validator("at_utc")(_utc)


# --------------------------------------------------------------------------------------------
# Output: the schedule
# --------------------------------------------------------------------------------------------


class PassengerGroup(_Strict):
    """Some people of one class on one trip; a family is always one whole group."""

    gathering_point_id: Id
    people_class: PeopleClass
    people: int = Field(ge=1)
    family_id: Id | None = Field(default=None, description="set when this group is a family")


class CheckpointPass(_Strict):
    """When a vehicle reaches a checkpoint and when it is through (after queue and inspection)."""

    checkpoint: str = Field(description="checkpoint name as in the corridor")
    arrive_utc: datetime
    pass_utc: datetime


class Trip(_Strict):
    """One loaded run of one vehicle: load, drive through the corridor, unload, go back."""

    trip_id: str = Field(description="unique in the schedule, e.g. 'bus-07/2'")
    vehicle_id: str
    vehicle_kind: Literal["bus", "ambulance"]
    convoy_id: str = Field(description="the convoy it enters the corridor with")
    corridor_id: str
    window_index: int = Field(ge=0, description="index into the corridor's windows")
    gathering_point_id: str = Field(description="where it loads")
    load_start_utc: datetime = Field(description="boarding starts (the vehicle is there)")
    depart_utc: datetime = Field(description="leaves the gathering point")
    entry_utc: datetime = Field(description="enters the corridor (window open)")
    checkpoints: list[CheckpointPass] = Field(default_factory=list)
    exit_utc: datetime = Field(description="leaves the corridor (before the window closes)")
    reception_point_id: str
    arrive_utc: datetime = Field(description="arrives at the reception point")
    unload_end_utc: datetime
    return_utc: datetime | None = Field(
        default=None, description="back at its next loading point (None: no further trip)"
    )
    passengers: list[PassengerGroup]
    people: int = Field(ge=0)
    capacity: int = Field(gt=0, description="places on this trip")

    def by_class(self) -> dict[str, int]:
        """Passengers per class."""
        out = dict.fromkeys(PEOPLE_CLASSES, 0)
        for p in self.passengers:
            out[p.people_class] += p.people
        return out


class Convoy(_Strict):
    """Vehicles that enter a corridor together (at most the convoy size), spaced from others."""

    convoy_id: str
    corridor_id: str
    window_index: int
    entry_utc: datetime = Field(description="the first vehicle enters the corridor")
    exit_utc: datetime = Field(description="the last vehicle leaves it")
    vehicle_ids: list[str]
    trip_ids: list[str]
    people: int


class WindowSpan(_Strict):
    """One ceasefire window of one corridor, as used in the schedule."""

    corridor_id: str
    window_index: int
    start_utc: datetime
    end_utc: datetime


class WindowLoad(_Strict):
    """What a window carries: vehicles, people by class, seats offered and used."""

    corridor_id: str
    window_index: int
    vehicles: int = Field(description="vehicle passages (trips)")
    convoys: int
    people: int
    by_class: dict[str, int]
    places: int = Field(description="places offered on these trips")


class CheckpointLoad(_Strict):
    """Vehicles through one checkpoint in one clock hour, against its agreed throughput."""

    corridor_id: str
    checkpoint: str
    hour_start_utc: datetime
    vehicles: int = Field(description="planned vehicles (buses and ambulances)")
    private_cars: float = Field(description="expected private cars in that hour")
    max_vehicles_per_hour: int


class LeftBehind(_Strict):
    """People still waiting at the end of the last window, and what stopped them."""

    gathering_point_id: str
    people_class: PeopleClass
    people: int = Field(ge=1)
    family_id: str | None = None
    reason: Reason
    detail: str = Field(description="one line a coordinator can act on")


class BoundStep(_Strict):
    """At most ``people`` can be out (at a reception point) by ``at_utc``."""

    at_utc: datetime
    people: float


class Bound(_Strict):
    """The exact reference: an upper bound on the people moved, and the plan's gap to it."""

    method: str = Field(description="'mip' (exact whole-vehicle optimum) or 'lp' (relaxation)")
    kind: str = Field(
        default="lp_relaxation",
        description=(
            "what the figure is: 'mip_optimum' (whole vehicles, proved optimal), "
            "'lp_relaxation' (the LP optimum of the model: a weaker but valid bound), "
            "'trivial' (no model solved: everyone who can move)"
        ),
    )
    status: str = Field(
        description=(
            "how the solve ended: 'optimal'; 'mip_node_limit' (the MIP was not proved optimal "
            "within its node limit, so the bound is its LP relaxation); 'safety_net' (the "
            "wall-clock safety net stopped the solve: the bound is from the models solved "
            "before and may be tighter on a faster machine); 'trivial'. Otherwise the bound "
            "depends only on the instance (work limits, one thread)"
        )
    )
    people: float = Field(description="most people that can be out by the end")
    by_step: list[BoundStep] = Field(default_factory=list)
    gap: float = Field(description="(bound - moved) / bound; 0 when bound is 0")
    solve_s: float
    step_minutes: int
    gathering_groups: int | None = Field(
        default=None,
        description=(
            "gathering point groups in the bound's model when points with similar times were "
            "merged (their shortest times; a looser but valid bound); None: every point"
        ),
    )


class Schedule(_Strict):
    """The plan's answer: trips, convoys, loads, clearance time, who is left and why."""

    schedule_format: Literal[1] = 1
    plan_id: str
    plan_version: int | None = Field(default=None, description="set once stored")
    method: str = Field(description="the planner that made it, e.g. 'ccrp-bish'")
    created_utc: datetime
    start_utc: datetime
    network_sha256: str | None = None
    windows: list[WindowSpan]
    trips: list[Trip]
    convoys: list[Convoy]
    window_loads: list[WindowLoad]
    checkpoint_loads: list[CheckpointLoad]
    total_people: int
    moved: int
    moved_by_class: dict[str, int]
    clearance_utc: datetime | None = Field(
        default=None, description="the last evacuee arrives (None: nobody moved)"
    )
    left_behind: list[LeftBehind]
    problems: list[str] = Field(default_factory=list, description="input problems, one line each")
    bound: Bound | None = None
    guide: str | None = Field(
        default=None,
        description=(
            "the exact MIP's trips as a second planner, tried only when the greedy "
            "schedule's gap to the bound is above 5 % (small instances): 'not_needed' (gap "
            "<= 5 %), 'optimal' or 'node_limit' (solved; a deterministic limit, so the same "
            "on every machine), 'time_limit' (the wall-clock safety net fired: discarded), "
            "'too_large', 'no_solution'; None when not tried (no bound asked). Whether its "
            "schedule was kept shows in ``method`` ('+mip')"
        ),
    )
    plan_s: float = Field(default=0.0, description="planner wall time")

    def to_json(self) -> str:
        """The schedule JSON (UTC ISO 8601 times), as written by ``corridor plan -o``."""
        return self.model_dump_json(indent=2)

    @property
    def waiting(self) -> int:
        """People not moved."""
        return self.total_people - self.moved


def schedule_from_data(data: Any) -> Schedule:
    """A schedule from its JSON data (e.g. read back from a file or the API)."""
    return Schedule.model_validate(data)
