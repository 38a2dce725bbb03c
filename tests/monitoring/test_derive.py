"""The picture by event time, against hand-worked answers (tests/monitoring/hand.py)."""

from __future__ import annotations

import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from corridor._records import adapter
from corridor.monitoring import Incident, IncidentView, Settings, derive, distance_to_line_m
from tests.monitoring.hand import LAT, LON0, LON1, M_PER_DEG_LAT, ck, day, plan, terms, utc


def test_hold_is_timed_flagged_and_attributed_to_the_operator() -> None:
    pic = derive(terms(), [plan()], day(), [])
    bus = pic.convoy("bus-1")
    assert bus.status == "arrived"
    cp_a, cp_b = bus.stops
    # 08:31 -> 10:01 is 90 minutes; allowed 20 (inspection) + 15 (margin) = 35.
    assert (cp_a.checkpoint, cp_a.minutes, cp_a.allowed_minutes, cp_a.held) == (
        "CP-A",
        90,
        35,
        True,
    )
    assert cp_a.over and cp_a.operated_by == "north"
    assert (cp_b.minutes, cp_b.over) == (10, False)
    [v] = pic.violations
    assert (v.kind, v.term, v.party, v.minutes) == (
        "hold", "checkpoints[0].inspection_minutes", "north", 90)  # fmt: skip
    assert v.end_utc == utc("10:01") and v.distance_m == pytest.approx(0, abs=0.5)


def test_expected_against_actual_progress() -> None:
    bus = derive(terms(), [plan()], day(), []).convoy("bus-1")
    got = {p.place: (p.delay_minutes, p.overdue) for p in bus.progress}
    # departed 08:12 vs 08:10; CP-A 08:31 vs 08:30; CP-B 10:20 vs 09:00; arrived 10:50 vs 09:20.
    assert got == {"origin": (2, False), "CP-A": (1, False), "CP-B": (80, False),
                   "destination": (90, False)}  # fmt: skip
    assert bus.delay_minutes == 90


def test_state_over_time_uses_only_reports_up_to_then() -> None:
    reports = day()
    at_0900 = derive(terms(), [plan()], reports, [], as_of=utc("09:00")).convoy("bus-1")
    assert (at_0900.status, at_0900.checkpoint) == ("held", "CP-A")
    [stop] = at_0900.stops  # still there: 08:31 -> 09:00 is 29 minutes, under 35
    assert stop.end_utc is None and stop.minutes == 29 and not stop.over
    # CP-B was due at 09:00: not overdue yet at 09:00 exactly, 30 minutes late at 09:30.
    at_0930 = derive(terms(), [plan()], reports, [], as_of=utc("09:30"))
    assert at_0930.convoy("bus-1").delay_minutes == 30
    [hold] = at_0930.violations  # 59 minutes by now, still ongoing
    assert hold.end_utc is None and hold.minutes == 59


def test_throughput_binds_for_a_long_column() -> None:
    # 40 vehicles through 60 an hour take 40 minutes (> 20 inspection): allowed 40 + 15 = 55.
    pic = derive(terms(), [plan(vehicles=40)], day(), [])
    stop = pic.convoy("bus-1").stops[0]
    assert stop.allowed_minutes == 55 and stop.term == "checkpoints[0].max_vehicles_per_hour"
    assert pic.violations[0].term == "checkpoints[0].max_vehicles_per_hour"


def test_convoy_size_turn_back_and_departure_outside_the_window() -> None:
    reports = [
        ck("x1", "07:30", "departed", LON0, convoy="bus-1", vehicles=60),
        ck("x2", "08:40", "turned_back", 15.62, "CP-B", convoy="bus-1"),
    ]
    got = {(v.kind, v.term, v.party) for v in derive(terms(), [plan()], reports, []).violations}
    assert got == {
        ("outside_window", "windows", None),
        ("turned_back", "checkpoints[1]", "south"),
        ("convoy_size", "max_convoy_size", None),
    }


def _incident(rid: str, at: str, dlat: float, kind: str = "shelling", **kw: object) -> IncidentView:
    inc = adapter(Incident).validate_python({"id": rid, "corridor_id": "hand-1", "kind": kind,
                                   "at_utc": utc(at).isoformat(), "lat": LAT + dlat, "lon": 15.60,
                                   **kw})  # fmt: skip
    return IncidentView(inc)


def test_incidents_near_the_route_in_a_window_name_the_term() -> None:
    near = _incident("i1", "11:00", 0.0027, attributed_to="north")  # 0.0027 deg = 300.2 m
    late = _incident("i2", "19:30", 0.0027)  # after the window closed
    far = _incident("i3", "11:00", 0.0135)  # 1.5 km, beyond near_route_m 1000
    bridge = _incident("i4", "12:00", 0.0, kind="bridge_destroyed")
    pic = derive(terms(), [], [], [near, late, far, bridge])
    got = {v.key: (v.term, v.party, round(v.distance_m or 0, 1)) for v in pic.violations}
    assert got == {"incident:i1": ("windows[0]", "north", 300.2),
                   "incident:i4": ("route", None, 0.0)}  # fmt: skip
    wider = derive(terms(), [], [], [far], settings=Settings(near_route_m=2000))
    assert [v.key for v in wider.violations] == ["incident:i3"]


def test_distance_to_line_against_hand_values() -> None:
    line = [[LON0, LAT], [LON1, LAT]]
    assert distance_to_line_m(LAT + 0.01, 15.6, line) == pytest.approx(
        0.01 * M_PER_DEG_LAT, rel=1e-4
    )
    # Beyond the end: the distance to the end point (0.01 deg of longitude east of it).
    east = distance_to_line_m(LAT, LON1 + 0.01, line)
    assert east == pytest.approx(0.01 * M_PER_DEG_LAT * 0.663926, rel=1e-4)  # cos(48.4 deg)
    assert distance_to_line_m(LAT, LON0, line) == pytest.approx(0, abs=1e-6)


@settings(max_examples=60, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), dup=st.lists(st.integers(0, 6), max_size=7))
def test_arrival_order_and_duplicates_do_not_change_the_picture(seed: int, dup: list[int]) -> None:
    reports = day()
    expected = derive(terms(), [plan()], reports, [])
    shuffled = reports + [reports[i] for i in dup]  # duplicates are dropped by id at the store
    random.Random(seed).shuffle(shuffled)
    unique = list({r.id: r for r in shuffled}.values())
    got = derive(terms(), [plan()], unique, [])
    assert got.convoy("bus-1").to_dict() == expected.convoy("bus-1").to_dict()
    assert [v.to_dict() for v in got.violations] == [v.to_dict() for v in expected.violations]


def test_a_late_release_shortens_the_hold() -> None:
    """Reports arrive out of order: without r4 the hold runs to the next report (10:20)."""
    without = [r for r in day() if r.id != "r4"]
    assert derive(terms(), [plan()], without, []).convoy("bus-1").stops[0].minutes == 109
    assert derive(terms(), [plan()], day(), []).convoy("bus-1").stops[0].minutes == 90


def test_scheduled_convoy_without_reports() -> None:
    pic = derive(terms(), [plan()], [ck("o1", "08:00", "departed", LON0, convoy="bus-2")], [])
    bus = pic.convoy("bus-1")
    assert bus.status == "scheduled" and not bus.moved and bus.stops == []
    assert LON1 > LON0
