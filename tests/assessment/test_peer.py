"""The vectorised exposure against a second implementation (GEOS intersections on an
azimuthal equidistant plane) on real proposals and the shared 2022 record."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import numpy as np
import pytest
from benchmarks._shapely_exposure import exposure as geos_exposure

from corridor.assessment import (
    IncidentSet,
    RiskParameters,
    line_exposure,
    make_proposal,
    parse_time,
    proposal_line,
)


def test_agrees_with_geos_on_real_proposals(incidents_2022: Any, gazetteer: Any) -> None:
    params = RiskParameters()
    incidents = IncidentSet.from_hazards(incidents_2022.hazards, params)
    names = [p.name for p in gazetteer.places]
    rng = np.random.default_rng(3)
    start = parse_time("2022-02-26T06:00Z")
    checked = nonzero = 0
    for k in range(40):
        a, b, c = rng.choice(len(names), 3, replace=False)
        via = [names[a], names[b]] if k % 2 else [names[a], names[c], names[b]]
        at = start + timedelta(hours=int(rng.integers(0, 24 * 80)))
        line = proposal_line(make_proposal(f"p{k}", at, via, gazetteer).places)
        ours = line_exposure(line, at.timestamp(), incidents, params).exposure
        theirs = geos_exposure(line, at.timestamp(), incidents, params)
        assert ours == pytest.approx(theirs, rel=5e-3, abs=1e-9), (via, at)
        checked += 1
        nonzero += ours > 0
    assert checked == 40 and nonzero >= 15  # most examples cross recorded violence
