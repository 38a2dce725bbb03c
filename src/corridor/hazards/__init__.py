"""Hazards: the model, import from GeoJSON/CSV/Bellingcat, and risk on roads.

The package loads its modules on first use (PEP 562), so reading and checking a hazard file
(``corridor hazards validate``) does not import the risk model's numba kernels, pyproj or the
network stack (issue 14, defect 10).
"""

from __future__ import annotations

import typing as _typing

from corridor import _lazy

if _typing.TYPE_CHECKING:
    from corridor.hazards._bellingcat import SOURCE as BELLINGCAT_SOURCE
    from corridor.hazards._bellingcat import (
        WEAPON_MAP,
        records_from_bellingcat,
    )
    from corridor.hazards._field import (
        FIELD_MAX_RADIUS_M,
        check_field_report,
        check_field_values,
        footprint_radius_m,
        needs_confirmation,
        values_need_confirmation,
    )
    from corridor.hazards._index import (
        Footprint,
        SegmentIndex,
        segment_index,
    )
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
    from corridor.hazards._kinds import (
        KIND_DEFAULTS,
        KINDS,
        HazardKind,
        KindDefaults,
    )
    from corridor.hazards._model import (
        HAZARD_ID_PATTERN,
        Contribution,
        Hazard,
        check_hazard_id,
        hazard_id_problem,
    )
    from corridor.hazards._near import (
        hazards_near,
    )
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
        hazard_schema,
        validate_records,
    )
    from corridor.hazards._risk import (
        MAX_RISK,
        RiskModel,
    )
    from corridor.hazards._suspect import (
        SuspectChecks,
        distance_km,
        named_place,
    )
    from corridor.hazards._table import (
        combine_entries,
    )
    from corridor.hazards._values import (
        check_values,
        feature_of,
        format_time,
        plain_geometry,
    )

#: public name -> (the module that defines it, its name there)
_WHERE: dict[str, tuple[str, str]] = {
    "BELLINGCAT_SOURCE": ("corridor.hazards._bellingcat", "SOURCE"),
    "Contribution": ("corridor.hazards._model", "Contribution"),
    "FIELD_MAX_RADIUS_M": ("corridor.hazards._field", "FIELD_MAX_RADIUS_M"),
    "FORMATS": ("corridor.hazards._io", "FORMATS"),
    "Footprint": ("corridor.hazards._index", "Footprint"),
    "Gazetteer": ("corridor.hazards._places", "Gazetteer"),
    "HAZARD_ID_PATTERN": ("corridor.hazards._model", "HAZARD_ID_PATTERN"),
    "Hazard": ("corridor.hazards._model", "Hazard"),
    "HazardKind": ("corridor.hazards._kinds", "HazardKind"),
    "ImportResult": ("corridor.hazards._io", "ImportResult"),
    "KINDS": ("corridor.hazards._kinds", "KINDS"),
    "KIND_DEFAULTS": ("corridor.hazards._kinds", "KIND_DEFAULTS"),
    "KindDefaults": ("corridor.hazards._kinds", "KindDefaults"),
    "MAX_RISK": ("corridor.hazards._risk", "MAX_RISK"),
    "Place": ("corridor.hazards._places", "Place"),
    "Problem": ("corridor.hazards._records", "Problem"),
    "REASONS": ("corridor.hazards._records", "REASONS"),
    "RawRecord": ("corridor.hazards._records", "RawRecord"),
    "RiskModel": ("corridor.hazards._risk", "RiskModel"),
    "SUSPECT_REASONS": ("corridor.hazards._records", "SUSPECT_REASONS"),
    "SegmentIndex": ("corridor.hazards._index", "SegmentIndex"),
    "SuspectChecks": ("corridor.hazards._suspect", "SuspectChecks"),
    "WEAPON_MAP": ("corridor.hazards._bellingcat", "WEAPON_MAP"),
    "check_field_report": ("corridor.hazards._field", "check_field_report"),
    "check_field_values": ("corridor.hazards._field", "check_field_values"),
    "check_values": ("corridor.hazards._values", "check_values"),
    "check_hazard_id": ("corridor.hazards._model", "check_hazard_id"),
    "combine_entries": ("corridor.hazards._table", "combine_entries"),
    "distance_km": ("corridor.hazards._suspect", "distance_km"),
    "feature_of": ("corridor.hazards._values", "feature_of"),
    "footprint_radius_m": ("corridor.hazards._field", "footprint_radius_m"),
    "format_time": ("corridor.hazards._values", "format_time"),
    "hazard_id_problem": ("corridor.hazards._model", "hazard_id_problem"),
    "hazard_schema": ("corridor.hazards._records", "hazard_schema"),
    "hazards_near": ("corridor.hazards._near", "hazards_near"),
    "hazards_to_geojson": ("corridor.hazards._io", "hazards_to_geojson"),
    "import_hazards": ("corridor.hazards._io", "import_hazards"),
    "load_gazetteer": ("corridor.hazards._places", "load_gazetteer"),
    "load_hazards": ("corridor.hazards._io", "load_hazards"),
    "named_place": ("corridor.hazards._suspect", "named_place"),
    "needs_confirmation": ("corridor.hazards._field", "needs_confirmation"),
    "normalise_name": ("corridor.hazards._places", "normalise_name"),
    "parse_point": ("corridor.hazards._places", "parse_point"),
    "place_of": ("corridor.hazards._places", "place_of"),
    "plain_geometry": ("corridor.hazards._values", "plain_geometry"),
    "read_records": ("corridor.hazards._io", "read_records"),
    "records_from_bellingcat": ("corridor.hazards._bellingcat", "records_from_bellingcat"),
    "records_from_text": ("corridor.hazards._io", "records_from_text"),
    "segment_index": ("corridor.hazards._index", "segment_index"),
    "shared_data_dir": ("corridor.hazards._places", "shared_data_dir"),
    "validate_records": ("corridor.hazards._records", "validate_records"),
    "values_need_confirmation": ("corridor.hazards._field", "values_need_confirmation"),
    "write_hazards": ("corridor.hazards._io", "write_hazards"),
    "write_report": ("corridor.hazards._io", "write_report"),
}


__getattr__, __dir__ = _lazy.exports(__name__, _WHERE)


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
    "check_field_values",
    "check_hazard_id",
    "check_values",
    "combine_entries",
    "distance_km",
    "feature_of",
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
    "plain_geometry",
    "read_records",
    "records_from_bellingcat",
    "records_from_text",
    "segment_index",
    "shared_data_dir",
    "validate_records",
    "values_need_confirmation",
    "write_hazards",
    "write_report",
]
