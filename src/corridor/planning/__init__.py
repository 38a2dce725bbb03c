"""Evacuation planning: the plan file, a fast convoy planner, an exact bound, re-planning.

The model (``PlanInput`` in, ``Schedule`` out, ``ReplanState`` for re-planning mid-day) is the
contract other areas build on; its JSON Schemas are ``plan.schema.json`` and
``schedule.schema.json`` beside this file. Entry points:

- ``plan_evacuation(plan, travel=..., ...)`` -> ``Schedule``: the fast planner (CCRP-style with
  windows and checkpoint throughput, multi-trip vehicle assignment after Bish 2011), with the
  exact bound (time-expanded flow, HiGHS) and the plan's gap to it;
- ``replan(plan, state, travel=..., ...)`` -> ``Schedule``: the rest of the operation from a
  given state (who has left, where vehicles are, corridors/edges/checkpoints now closed);
- ``travel_times(plan, network, hazards=..., at=...)``: the condensed network's travel times
  from the routing engine's route matrix, with the hazard picture at the planned time.
"""

from corridor.planning._api import plan_evacuation, replan
from corridor.planning._exact import (
    ExactResult,
    MipGuide,
    TripChains,
    exact_bound,
    mip_guide,
)
from corridor.planning._load import (
    SCHEDULE_SCHEMA_PATH,
    SCHEMA_PATH,
    load_plan,
    parse_plan_text,
    plan_from_data,
    plan_schema,
    schedule_schema,
    schema_text,
    state_from_data,
)
from corridor.planning._model import (
    PEOPLE_CLASSES,
    REASONS,
    Ambulance,
    Bound,
    BoundStep,
    Bus,
    CheckpointLoad,
    CheckpointPass,
    Convoy,
    ConvoyRules,
    CorridorCheckpoint,
    CorridorSpec,
    Departed,
    FamilyGroup,
    Fleet,
    GatheringPoint,
    LeftBehind,
    PassengerGroup,
    PeopleByClass,
    PeopleClass,
    PlanInput,
    Point,
    Reason,
    ReceptionPoint,
    ReplanState,
    Schedule,
    TimeWindow,
    Trip,
    VehicleState,
    WindowLoad,
    WindowSpan,
    schedule_from_data,
)
from corridor.planning._planner import PlannerInput, plan_schedule
from corridor.planning._render import render_gantt, schedule_summary
from corridor.planning._travel import (
    Corridor,
    TravelTimes,
    corridor_from_terms,
    resolve_corridors,
    travel_times,
)

__all__ = [
    "PEOPLE_CLASSES",
    "REASONS",
    "SCHEDULE_SCHEMA_PATH",
    "SCHEMA_PATH",
    "Ambulance",
    "Bound",
    "BoundStep",
    "Bus",
    "CheckpointLoad",
    "CheckpointPass",
    "Convoy",
    "ConvoyRules",
    "Corridor",
    "CorridorCheckpoint",
    "CorridorSpec",
    "Departed",
    "ExactResult",
    "FamilyGroup",
    "Fleet",
    "GatheringPoint",
    "LeftBehind",
    "MipGuide",
    "PassengerGroup",
    "PeopleByClass",
    "PeopleClass",
    "PlanInput",
    "PlannerInput",
    "Point",
    "Reason",
    "ReceptionPoint",
    "ReplanState",
    "Schedule",
    "TimeWindow",
    "TravelTimes",
    "Trip",
    "TripChains",
    "VehicleState",
    "WindowLoad",
    "WindowSpan",
    "corridor_from_terms",
    "exact_bound",
    "load_plan",
    "mip_guide",
    "parse_plan_text",
    "plan_evacuation",
    "plan_from_data",
    "plan_schedule",
    "plan_schema",
    "render_gantt",
    "replan",
    "resolve_corridors",
    "schedule_from_data",
    "schedule_schema",
    "schedule_summary",
    "schema_text",
    "state_from_data",
    "travel_times",
]
