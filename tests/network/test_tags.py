"""OSM tag rules: real-world maxspeed, oneway and access values."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from corridor.network import HIGHWAY_CLASSES, classify_way, parse_maxspeed
from corridor.network._tags import (
    BUS_MAX_SPEED_KMH,
    DEFAULT_SPEED_KMH,
    is_truthy,
    parse_lanes,
    parse_layer,
)


@pytest.mark.parametrize(
    ("value", "kmh"),
    [
        ("50", 50.0),
        (" 70 ", 70.0),
        ("50 km/h", 50.0),
        ("50km/h", 50.0),
        ("80 kmh", 80.0),
        ("30 mph", 30 * 1.609344),
        ("20mph", 20 * 1.609344),
        ("10 knots", 18.52),
        ("UA:urban", 50.0),
        ("UA:rural", 90.0),
        ("UA:motorway", 130.0),
        ("RU:urban", 60.0),
        ("RU:rural", 90.0),
        ("RU:living_street", 20.0),
        ("DE:zone30", 30.0),
        ("DE:zone:30", 30.0),
        ("AT:urban", 50.0),
        ("FR:urban", 50.0),  # country without its own table: the generic row
        ("de:rural", 100.0),
        ("50;70", 50.0),  # several signs: the lowest applies
        ("walk", 7.0),
        ("none", None),
        ("signals", None),
        ("variable", None),
        ("", None),
        ("0", None),
        ("fast", None),
        (None, None),
    ],
)
def test_parse_maxspeed(value: str | None, kmh: float | None) -> None:
    got = parse_maxspeed(value)
    if kmh is None:
        assert got is None
    else:
        assert got == pytest.approx(kmh)


@given(st.text(max_size=30))
def test_parse_maxspeed_never_raises_and_is_positive(value: str) -> None:
    got = parse_maxspeed(value)
    assert got is None or (got > 0 and math.isfinite(got))


def _direction(tags: dict[str, str]) -> tuple[bool, bool] | None:
    rule = classify_way(tags, "car")
    return None if rule is None else (rule.forward, rule.backward)


@pytest.mark.parametrize(
    ("tags", "expected"),
    [
        ({"highway": "residential"}, (True, True)),
        ({"highway": "residential", "oneway": "yes"}, (True, False)),
        ({"highway": "residential", "oneway": "true"}, (True, False)),
        ({"highway": "residential", "oneway": "1"}, (True, False)),
        ({"highway": "residential", "oneway": "YES"}, (True, False)),
        ({"highway": "residential", "oneway": "-1"}, (False, True)),
        ({"highway": "residential", "oneway": "reverse"}, (False, True)),
        ({"highway": "residential", "oneway": "no"}, (True, True)),
        ({"highway": "primary", "junction": "roundabout"}, (True, False)),
        ({"highway": "primary", "junction": "circular"}, (True, False)),
        ({"highway": "primary", "junction": "roundabout", "oneway": "no"}, (True, True)),
        ({"highway": "motorway"}, (True, False)),  # implied
        ({"highway": "motorway", "oneway": "no"}, (True, True)),
        ({"highway": "motorway_link"}, (True, True)),
        ({"highway": "trunk", "oneway": "reversible"}, None),
    ],
)
def test_oneway(tags: dict[str, str], expected: tuple[bool, bool] | None) -> None:
    assert _direction(tags) == expected


@pytest.mark.parametrize(
    ("tags", "car", "bus"),
    [
        ({"highway": "service", "access": "private"}, False, False),
        ({"highway": "service", "access": "no"}, False, False),
        ({"highway": "service", "access": "yes"}, True, True),
        ({"highway": "service", "access": "destination"}, True, True),
        ({"highway": "track", "motor_vehicle": "agricultural;forestry"}, False, False),
        ({"highway": "residential", "access": "no", "motor_vehicle": "yes"}, True, True),
        ({"highway": "residential", "motor_vehicle": "no"}, False, False),
        ({"highway": "residential", "access": "no", "psv": "yes"}, False, True),
        ({"highway": "residential", "motorcar": "no"}, False, True),
        ({"highway": "busway"}, False, True),
        ({"highway": "footway"}, False, False),
        ({"highway": "cycleway"}, False, False),
        ({"highway": "construction"}, False, False),
        ({"highway": "pedestrian"}, False, False),
        ({"highway": "service", "area": "yes"}, False, False),
        ({"building": "yes"}, False, False),
    ],
)
def test_access_by_profile(tags: dict[str, str], car: bool, bus: bool) -> None:
    assert (classify_way(tags, "car") is not None) == car
    assert (classify_way(tags, "bus") is not None) == bus


def test_bus_contraflow_lane_is_two_way_for_buses_only() -> None:
    tags = {"highway": "secondary", "oneway": "yes", "oneway:bus": "no"}
    car, bus = classify_way(tags, "car"), classify_way(tags, "bus")
    assert car is not None and bus is not None
    assert (car.forward, car.backward) == (True, False)
    assert (bus.forward, bus.backward) == (True, True)


@pytest.mark.parametrize("highway", [h for h in HIGHWAY_CLASSES if h != "busway"])
def test_default_speed_per_class(highway: str) -> None:
    rule = classify_way({"highway": highway}, "car")
    assert rule is not None
    assert HIGHWAY_CLASSES[rule.highway] == highway
    assert rule.speed_kmh == DEFAULT_SPEED_KMH[highway]
    assert math.isnan(rule.maxspeed_kmh)


def test_tagged_speed_wins_and_bus_is_capped() -> None:
    car = classify_way({"highway": "motorway", "maxspeed": "130"}, "car")
    bus = classify_way({"highway": "motorway", "maxspeed": "130"}, "bus")
    zone = classify_way({"highway": "residential", "maxspeed": "UA:urban"}, "car")
    assert car is not None and bus is not None and zone is not None
    assert (car.speed_kmh, car.maxspeed_kmh) == (130.0, 130.0)
    assert bus.speed_kmh == BUS_MAX_SPEED_KMH
    assert zone.speed_kmh == 50.0


@pytest.mark.parametrize(
    ("value", "layer"),
    [(None, 0), ("1", 1), ("-2", -2), (" 3 ", 3), ("1;2", 1), ("x", 0), ("99", 0)],
)
def test_parse_layer(value: str | None, layer: int) -> None:
    assert parse_layer(value) == layer


@pytest.mark.parametrize(
    ("value", "lanes"), [(None, 0), ("2", 2), ("1.5", 1), ("2;3", 2), ("many", 0), ("0", 0)]
)
def test_parse_lanes(value: str | None, lanes: int) -> None:
    assert parse_lanes(value) == lanes


@pytest.mark.parametrize(
    ("value", "truthy"),
    [
        ("yes", True),
        ("viaduct", True),
        ("culvert", True),
        ("no", False),
        ("", False),
        (None, False),
    ],
)
def test_is_truthy(value: str | None, truthy: bool) -> None:
    assert is_truthy(value) is truthy
