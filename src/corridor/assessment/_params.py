"""The two-scale incident model's parameters: documented defaults, a file to override them.

The defaults of the area scale are the estimates of ``scripts/estimate_risk_params.py`` on the
shared 2022 record (docs/risk-model.md, "Two scales"); a test re-runs the estimate and checks
they still agree. The acute scale keeps each hazard kind's radius and half-life
(docs/risk-model.md, kinds), which a record without times of day cannot estimate.
"""

from __future__ import annotations

import json
import math
import tomllib
from dataclasses import asdict, dataclass, fields, replace
from pathlib import Path
from typing import Any

from corridor.errors import InputError

# Upper bounds: zones beyond a few hundred km or a horizon beyond a year say nothing about a
# corridor, and would make every incident touch every line (unbounded work for an API caller).
_LIMITS = {
    "area_radius_km": 200.0, "area_half_life_days": 365.0, "site_km": 200.0,
    "town_km": 200.0, "region_km": 200.0, "report_lag_h": 24.0 * 30, "horizon_days": 365.0,
}  # fmt: skip


@dataclass(frozen=True, slots=True)
class RiskParameters:
    """Both scales of the incident model.

    Area scale (continuing threat): a zone of radius ``sqrt(area_radius_km**2 + sigma**2)``
    around each incident, ``sigma`` its location uncertainty, with weight
    ``severity x confidence x area_daily_weight x 0.5 ** (age_days / area_half_life_days)``.
    Acute scale (point danger): the hazard kind's radius (widened the same way by ``sigma``)
    and half-life in hours, weight ``severity x confidence x decay``.
    ``sigma`` is ``site_km``, ``town_km`` or ``region_km`` by how the record names its place
    (``_incidents.location_level``). ``report_lag_h``: a record dated to a day (no time) is
    known only at the end of that day, so an assessment at 10:00 does not see the afternoon.
    Incidents older than ``horizon_days`` are left out (their weight is below 0.3 % by then).
    """

    area_radius_km: float = 11.3
    area_half_life_days: float = 3.4
    area_daily_weight: float = 0.26
    site_km: float = 1.0
    town_km: float = 5.0
    region_km: float = 25.0
    report_lag_h: float = 24.0
    horizon_days: float = 30.0
    acute: bool = True
    area: bool = True

    def __post_init__(self) -> None:
        for f in fields(self):
            value = getattr(self, f.name)
            if f.type in ("bool", bool):
                if not isinstance(value, bool):
                    raise InputError(f"risk parameter {f.name} must be true or false",
                                     field=f.name)  # fmt: skip
                continue
            if isinstance(value, bool) or not (
                isinstance(value, int | float) and math.isfinite(value) and value >= 0
            ):
                raise InputError(f"risk parameter {f.name} must be a number >= 0, got {value!r}",
                                 field=f.name)  # fmt: skip
            limit = _LIMITS.get(f.name)
            if limit is not None and value > limit:
                raise InputError(f"risk parameter {f.name} must be at most {limit:g}",
                                 field=f.name)  # fmt: skip
        if not self.area_daily_weight <= 1.0:
            raise InputError("area_daily_weight must be in [0, 1]", field="area_daily_weight")
        if self.area_half_life_days <= 0 or self.area_radius_km <= 0:
            raise InputError("area radius and half-life must be > 0", field="area_radius_km")

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    def updated(self, values: dict[str, Any], *, source: str = "parameters") -> RiskParameters:
        """These parameters with ``values`` replaced; unknown names are an error, not ignored."""
        known = {f.name for f in fields(self)}
        unknown = sorted(set(values) - known)
        if unknown:
            raise InputError(f"unknown risk parameter(s) {', '.join(unknown)} in {source}",
                             hint="known: " + ", ".join(sorted(known)))  # fmt: skip
        return replace(self, **values)

    @classmethod
    def from_file(cls, path: str | Path) -> RiskParameters:
        """Defaults overridden by a TOML or JSON file of ``name = value``."""
        path = Path(path)
        from corridor._input import loads_json, read_input_text

        text = read_input_text(path, what="parameters file")
        try:
            data = (
                loads_json(text, path=path)
                if path.suffix.lower() == ".json"
                else tomllib.loads(text)
            )
        except (json.JSONDecodeError, tomllib.TOMLDecodeError) as exc:
            raise InputError(f"parameters file is not valid: {exc}", path=path) from exc
        if not isinstance(data, dict):
            raise InputError("parameters file must hold name = value pairs", path=path)
        try:
            return cls().updated(data, source=path.name)
        except InputError as exc:
            raise InputError(exc.message, path=path, field=exc.field, hint=exc.hint) from exc
