"""Assessment: how exposed proposed corridors are to the violence recorded around them.

Incident records become a two-scale picture (acute point danger for hours, a continuing area
threat for days with a radius that grows with the location's uncertainty); each proposal's
line (routed on a loaded network, else geodesic) is measured against the incidents known at
its time. Method and figures: docs/risk-model.md; use: docs/assessment.md.
"""

from corridor.assessment._assess import (
    WORDING,
    Assessment,
    BatchResult,
    Incident,
    assess,
    rank_batch,
)
from corridor.assessment._exposure import Contribution, LineExposure, line_exposure
from corridor.assessment._geometry import Line, geodesic_line, proposal_line
from corridor.assessment._incidents import IncidentSet, location_level
from corridor.assessment._knox import AreaEstimate, KnoxTable, estimate_area, knox_table
from corridor.assessment._params import RiskParameters
from corridor.assessment._proposals import (
    Batch,
    Proposal,
    Unresolved,
    make_proposal,
    parse_time,
    read_batch,
    split_places,
)
from corridor.assessment._report import table, to_csv, to_geojson, to_geojson_text, to_json

__all__ = [
    "WORDING",
    "AreaEstimate",
    "Assessment",
    "Batch",
    "BatchResult",
    "Contribution",
    "Incident",
    "IncidentSet",
    "KnoxTable",
    "Line",
    "LineExposure",
    "Proposal",
    "RiskParameters",
    "Unresolved",
    "assess",
    "estimate_area",
    "geodesic_line",
    "knox_table",
    "line_exposure",
    "location_level",
    "make_proposal",
    "parse_time",
    "proposal_line",
    "rank_batch",
    "read_batch",
    "split_places",
    "table",
    "to_csv",
    "to_geojson",
    "to_geojson_text",
    "to_json",
]
