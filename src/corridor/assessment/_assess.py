"""Assess a batch of proposals: line, exposure and risk at each one's time, rank in the batch.

The numbers are exposure to *recorded* violence, never the probability that a corridor fails:
corridors in 2022 failed for political reasons and at checkpoints far more often than under
fire, and a record only holds what someone geolocated (docs/assessment.md).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from corridor.assessment._exposure import Contribution, line_exposure
from corridor.assessment._geometry import Line, proposal_line
from corridor.assessment._incidents import IncidentSet
from corridor.assessment._params import RiskParameters
from corridor.assessment._proposals import Proposal, Unresolved
from corridor.hazards import Hazard, format_time
from corridor.network import Network

WORDING = (
    "exposure to recorded violence along the line at its time; not a probability that the "
    "corridor fails"
)


@dataclass(frozen=True)
class Incident:
    """A contributing incident as shown to a coordinator: only what the record holds."""

    id: str
    date: str
    kind: str
    location: str
    distance_km: float
    at_km: float
    exposure: float
    acute: float
    area: float
    source_links: tuple[str, ...]
    suspect: str | None
    lon: float
    lat: float

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id, "date": self.date, "kind": self.kind, "location": self.location,
            "distance_km": round(self.distance_km, 3), "at_km": round(self.at_km, 2),
            "exposure": round(self.exposure, 6), "acute": round(self.acute, 6),
            "area": round(self.area, 6), "source_links": list(self.source_links),
            "suspect": self.suspect, "lon": self.lon, "lat": self.lat,
        }  # fmt: skip


@dataclass(frozen=True)
class Assessment:
    """One proposal's result; ``rank`` 1 is the most exposed of the batch, ``percentile`` the
    share of the batch (in %) at or below its exposure."""

    proposal: Proposal
    line: Line
    exposure: float
    risk: float
    incidents: tuple[Incident, ...]
    n_known: int
    rank: int = 0
    percentile: float = 0.0

    @property
    def exposure_per_100km(self) -> float:
        return 100.0 * self.exposure / self.line.length_km if self.line.length_km > 0 else 0.0

    def as_dict(self, *, max_incidents: int | None = None) -> dict[str, Any]:
        shown = self.incidents if max_incidents is None else self.incidents[:max_incidents]
        return {
            "id": self.proposal.id,
            "at": format_time(self.proposal.at),
            "places": [p.as_dict() for p in self.proposal.places],
            "line": self.line.method,
            "line_note": self.line.note,
            "length_km": round(self.line.length_km, 2),
            "exposure": round(self.exposure, 6),
            "exposure_per_100km": round(self.exposure_per_100km, 6),
            "risk_index": round(self.risk, 6),
            "rank": self.rank,
            "percentile": round(self.percentile, 1),
            "n_incidents": len(self.incidents),
            "n_known": self.n_known,
            "incidents": [i.as_dict() for i in shown],
        }


@dataclass(frozen=True)
class BatchResult:
    assessments: list[Assessment]
    unresolved: list[Unresolved]
    params: RiskParameters
    n_incidents: int

    def as_dict(self, *, max_incidents: int | None = None) -> dict[str, Any]:
        return {
            "meaning": WORDING,
            "parameters": self.params.as_dict(),
            "n_incident_records": self.n_incidents,
            "assessments": [a.as_dict(max_incidents=max_incidents) for a in self.assessments],
            "unresolved": [u.as_dict() for u in self.unresolved],
        }


def _incident(hazard: Hazard, c: Contribution, lon: float, lat: float) -> Incident:
    day = hazard.observed_at or hazard.valid_from
    suspect = hazard.extra.get("suspect")
    return Incident(
        hazard.id, "" if day is None else day.date().isoformat(), hazard.kind.value,
        str(hazard.extra.get("location") or ""), c.distance_km, c.at_km, c.exposure, c.acute,
        c.area, tuple(hazard.source_links), None if suspect is None else str(suspect), lon, lat,
    )  # fmt: skip


def rank_batch(assessments: Sequence[Assessment]) -> list[Assessment]:
    """Rank 1 = most exposed (ties share the better rank); percentile = % at or below."""
    if not assessments:
        return []
    values = np.array([a.exposure for a in assessments])
    ordered = np.sort(values)
    n = values.size
    out = []
    for a, v in zip(assessments, values, strict=True):
        rank = 1 + int(n - np.searchsorted(ordered, v, side="right"))
        pct = 100.0 * int(np.searchsorted(ordered, v, side="right")) / n
        out.append(Assessment(a.proposal, a.line, a.exposure, a.risk, a.incidents, a.n_known,
                              rank, pct))  # fmt: skip
    return out


def assess(
    proposals: Sequence[Proposal],
    incidents: IncidentSet | Sequence[Hazard],
    *,
    params: RiskParameters | None = None,
    network: Network | None = None,
    unresolved: Sequence[Unresolved] = (),
) -> BatchResult:
    """Assess every proposal against the incidents known at its own time."""
    params = params or RiskParameters()
    inc = incidents if isinstance(incidents, IncidentSet) else IncidentSet.from_hazards(
        incidents, params
    )  # fmt: skip
    results = []
    for p in proposals:
        line = p.given or proposal_line(p.places, network)
        le = line_exposure(line, p.at.timestamp(), inc, params)
        found = tuple(
            _incident(inc.hazards[c.index], c, float(inc.lon[c.index]), float(inc.lat[c.index]))
            for c in le.contributions
        )
        results.append(Assessment(p, line, le.exposure, le.risk, found, le.n_known))
    return BatchResult(rank_batch(results), list(unresolved), params, len(inc))
