"""Hazards: the model, import from GeoJSON/CSV/Bellingcat, and risk on roads."""

from corridor.hazards._bellingcat import SOURCE as BELLINGCAT_SOURCE
from corridor.hazards._bellingcat import WEAPON_MAP, records_from_bellingcat
from corridor.hazards._field import (
    FIELD_MAX_RADIUS_M,
    check_field_report,
    footprint_radius_m,
    needs_confirmation,
)
from corridor.hazards._index import Footprint, SegmentIndex, segment_index
from corridor.hazards._io import (
    FORMATS,
    ImportResult,
    hazards_to_geojson,
    import_hazards,
    load_hazards,
    read_records,
    records_from_text,
    write_hazards,
    write_report,
)
from corridor.hazards._kinds import KIND_DEFAULTS, KINDS, HazardKind, KindDefaults
from corridor.hazards._model import (
    HAZARD_ID_PATTERN,
    Contribution,
    Hazard,
    check_hazard_id,
    hazard_id_problem,
)
from corridor.hazards._near import hazards_near
from corridor.hazards._places import (
    Gazetteer,
    Place,
    load_gazetteer,
    normalise_name,
    parse_point,
    place_of,
    shared_data_dir,
)
from corridor.hazards._records import (
    REASONS,
    SUSPECT_REASONS,
    Problem,
    RawRecord,
    format_time,
    hazard_schema,
    validate_records,
)
from corridor.hazards._risk import MAX_RISK, RiskModel
from corridor.hazards._suspect import SuspectChecks, distance_km, named_place
from corridor.hazards._table import combine_entries

__all__ = [
    "BELLINGCAT_SOURCE",
    "FIELD_MAX_RADIUS_M",
    "FORMATS",
    "HAZARD_ID_PATTERN",
    "KINDS",
    "KIND_DEFAULTS",
    "MAX_RISK",
    "REASONS",
    "SUSPECT_REASONS",
    "WEAPON_MAP",
    "Contribution",
    "Footprint",
    "Gazetteer",
    "Hazard",
    "HazardKind",
    "ImportResult",
    "KindDefaults",
    "Place",
    "Problem",
    "RawRecord",
    "RiskModel",
    "SegmentIndex",
    "SuspectChecks",
    "check_field_report",
    "check_hazard_id",
    "combine_entries",
    "distance_km",
    "footprint_radius_m",
    "format_time",
    "hazard_id_problem",
    "hazard_schema",
    "hazards_near",
    "hazards_to_geojson",
    "import_hazards",
    "load_gazetteer",
    "load_hazards",
    "named_place",
    "needs_confirmation",
    "normalise_name",
    "parse_point",
    "place_of",
    "read_records",
    "records_from_bellingcat",
    "records_from_text",
    "segment_index",
    "shared_data_dir",
    "validate_records",
    "write_hazards",
    "write_report",
]
