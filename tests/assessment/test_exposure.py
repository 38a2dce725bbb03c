"""Exposure against hand-worked answers, segmentation invariance, and no look-ahead."""

from __future__ import annotations

import math
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np
import pytest
from pyproj import Geod
from shapely.geometry import Point

from corridor.assessment import (
    IncidentSet,
    Line,
    RiskParameters,
    assess,
    geodesic_line,
    line_exposure,
    make_proposal,
    parse_time,
)
from corridor.hazards import Gazetteer, Hazard, Place

T0 = datetime(2022, 3, 1, 12, 0, tzinfo=UTC)
KM_PER_DEG = math.pi * 6371.0088 / 180.0
PARAMS = RiskParameters()


def _shelling(hid: str, lat: float, lon: float, at: datetime = T0, **extra: Any) -> Hazard:
    return Hazard(hid, "shelling", Point(lon, lat), 0.5, 0.8, observed_at=at, valid_from=at,
                  extra=extra)  # type: ignore[arg-type]  # fmt: skip


def _meridian(lon: float, lat0: float, lat1: float) -> Line:
    return geodesic_line([Place("a", lat0, lon, "t"), Place("b", lat1, lon, "t")])


def test_a_line_passing_one_incident_by_hand() -> None:
    """Incident at 48.0 N 35.0 E, the line the meridian 35.05 E from 47.8 to 48.2 N, one day
    later: the acute zone (300 m) is missed, the area zone (11.3 km) crossed off-centre."""
    incidents = IncidentSet.from_hazards([_shelling("a", 48.0, 35.0)], PARAMS)
    line = _meridian(35.05, 47.8, 48.2)
    at = T0 + timedelta(days=1)
    got = line_exposure(line, at.timestamp(), incidents, PARAMS)

    d = 0.05 * math.cos(math.radians(48.0)) * KM_PER_DEG  # 3.7202 km
    assert d == pytest.approx(3.7202, abs=1e-4)
    ellipsoid = Geod(ellps="WGS84").inv(35.0, 48.0, 35.05, 48.0)[2] / 1000
    assert d == pytest.approx(ellipsoid, rel=0.005)  # the local plane agrees with the ellipsoid
    r = 11.3
    crossing = 2 * math.sqrt(r * r - d * d) / (2 * r)  # 0.94425
    w = 0.5 * 0.8 * 0.26 * 0.5 ** (1 / 3.4)  # 0.0848194
    assert crossing == pytest.approx(0.94425, abs=1e-5)
    assert w == pytest.approx(0.0848194, abs=1e-7)
    assert got.exposure == pytest.approx(w * crossing, rel=1e-6)  # 0.080091
    assert got.risk == pytest.approx(1 - (1 - w) ** crossing, rel=1e-6)
    (c,) = got.contributions
    assert c.acute == 0.0 and c.area == pytest.approx(got.exposure)
    assert c.distance_km == pytest.approx(d, rel=1e-6)
    assert c.at_km == pytest.approx(22.24, abs=0.05)  # half way along the 44.5 km line


def test_a_line_through_a_fresh_incident_by_hand() -> None:
    """Six hours after a shelling on the line: the acute zone at one half-life, crossed through
    its middle (crossing 1), and the area zone crossed through its middle too."""
    incidents = IncidentSet.from_hazards([_shelling("a", 48.0, 35.0)], PARAMS)
    line = _meridian(35.0, 47.8, 48.2)
    got = line_exposure(line, (T0 + timedelta(hours=6)).timestamp(), incidents, PARAMS)
    acute = 0.4 * 0.5  # severity x confidence x 0.5 (one 6 h half-life)
    area = 0.4 * 0.26 * 0.5 ** (0.25 / 3.4)
    assert got.exposure == pytest.approx(acute + area, rel=1e-6)  # 0.29883
    assert got.risk == pytest.approx(1 - (1 - acute) * (1 - area), rel=1e-6)
    (c,) = got.contributions
    assert (c.acute, c.area) == (pytest.approx(acute), pytest.approx(area))


def test_a_line_that_starts_at_the_incident_crosses_half_the_zone() -> None:
    incidents = IncidentSet.from_hazards([_shelling("a", 48.0, 35.0)], PARAMS)
    line = _meridian(35.0, 48.0, 48.5)
    only_area = replace(PARAMS, acute=False)
    got = line_exposure(line, (T0 + timedelta(days=2)).timestamp(), incidents, only_area)
    assert got.exposure == pytest.approx(0.4 * 0.26 * 0.5 ** (2 / 3.4) * 0.5, rel=1e-6)


def test_location_uncertainty_widens_the_zone() -> None:
    """A record naming only its town is placed within 5 km: zone radius hypot(11.3, 5)."""
    town = _shelling("t", 48.0, 35.0, location="Dnipro", time_precision="day")
    incidents = IncidentSet.from_hazards([town], PARAMS)
    assert incidents.sigma_km[0] == 5.0
    assert incidents.known_s[0] == (T0 + timedelta(hours=24)).timestamp()  # known at day's end
    line = _meridian(35.16, 47.5, 48.5)  # 11.93 km east: outside 11.3 km, inside 12.36 km
    at = (T0 + timedelta(days=2)).timestamp()
    got = line_exposure(line, at, incidents, PARAMS)
    d = 0.16 * math.cos(math.radians(48.0)) * KM_PER_DEG
    r = math.hypot(11.3, 5.0)
    assert 11.3 < d < r
    w = 0.4 * 0.26 * 0.5 ** (2 / 3.4)
    assert got.exposure == pytest.approx(w * math.sqrt(r * r - d * d) / r, rel=1e-6)
    exact = IncidentSet.from_hazards([_shelling("x", 48.0, 35.0)], PARAMS)
    assert line_exposure(line, at, exact, PARAMS).exposure == 0.0


def test_cutting_the_line_differently_changes_nothing() -> None:
    hazards = [_shelling(f"h{i}", 48.0 + 0.02 * i, 35.0 + 0.01 * (i % 3)) for i in range(12)]
    incidents = IncidentSet.from_hazards(hazards, PARAMS)
    at = (T0 + timedelta(hours=20)).timestamp()
    coarse = Line(np.array([35.02, 35.02]), np.array([47.7, 48.6]), "given", 100.0)
    fine = _meridian(35.02, 47.7, 48.6)
    assert fine.lon.size > 40
    a = line_exposure(coarse, at, incidents, PARAMS)
    b = line_exposure(fine, at, incidents, PARAMS)
    assert a.exposure == pytest.approx(b.exposure, rel=1e-3)
    each_a = {c.index: c.exposure for c in a.contributions}
    each_b = {c.index: c.exposure for c in b.contributions}
    assert set(each_a) == set(each_b) == set(range(12))
    assert all(each_a[i] == pytest.approx(each_b[i], rel=1e-3) for i in each_a)


def test_incidents_known_later_or_older_than_the_horizon_do_not_count() -> None:
    line = _meridian(35.0, 47.8, 48.2)
    at = T0 + timedelta(days=3)
    now = [_shelling("now", 48.0, 35.0, at=T0)]
    later = [
        _shelling("future", 48.0, 35.0, at=at + timedelta(seconds=1)),
        _shelling("day", 48.0, 35.0, at=at.replace(hour=0), time_precision="day"),  # known 24:00
        _shelling("old", 48.0, 35.0, at=at - timedelta(days=31)),
    ]
    one, every = (
        IncidentSet.from_hazards(now, PARAMS),
        IncidentSet.from_hazards(now + later, PARAMS),
    )
    alone = line_exposure(line, at.timestamp(), one, PARAMS)
    both = line_exposure(line, at.timestamp(), every, PARAMS)
    assert (alone.exposure, alone.risk, alone.n_known) == (both.exposure, both.risk, both.n_known)
    assert [every.hazards[c.index].id for c in both.contributions] == ["now"]
    assert alone.exposure > 0


def test_adding_future_records_never_changes_a_past_assessment(
    record_path: Any, records: list[dict[str, Any]], gazetteer: Gazetteer, tmp_path: Any
) -> None:
    """The full 2022 record against a copy cut at the assessment day: the same answer."""
    import json

    from corridor.hazards import import_hazards

    at = parse_time("2022-03-08T10:00Z")
    proposals = [
        make_proposal("kp", at, ["Kharkiv", "Poltava"], gazetteer),
        make_proposal("mo", at, ["Mykolayiv", "Odesa"], gazetteer),
        make_proposal("sp", at, ["Sumy", "Poltava"], gazetteer),
    ]
    cut = [r for r in records if datetime.strptime(r["date"], "%m/%d/%Y") <= datetime(2022, 3, 8)]
    assert 100 < len(cut) < len(records)
    path = tmp_path / "cut.json"
    path.write_text(json.dumps(cut))
    full = assess(proposals, import_hazards(record_path, gazetteer=gazetteer).hazards)
    past = assess(proposals, import_hazards(path, gazetteer=gazetteer).hazards)
    assert [a.as_dict() for a in full.assessments] == [a.as_dict() for a in past.assessments]
    assert full.assessments[0].exposure > 0.5  # Kharkiv - Poltava crossed the week's shelling
    dates = {i.date for a in full.assessments for i in a.incidents}
    assert max(dates) == "2022-03-07"  # 8 March's records are not known at 10:00 on 8 March
