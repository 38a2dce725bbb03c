"""The Hazard model: validation, the half-open validity interval, decay, kind defaults."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta

import pytest
from shapely.geometry import LineString, Point, Polygon

from corridor.errors import HazardInputError
from corridor.hazards import KIND_DEFAULTS, KINDS, Hazard, HazardKind

T0 = datetime(2022, 3, 8, 10, tzinfo=UTC)


def shelling(**kw: object) -> Hazard:
    args: dict[str, object] = {
        "id": "h1", "kind": "shelling", "geometry": Point(15.6, 48.4), "severity": 0.8,
        "confidence": 0.5, "observed_at": T0,
    }  # fmt: skip
    args.update(kw)
    return Hazard(**args)  # type: ignore[arg-type]


def test_kinds_cover_the_issue_and_have_defaults() -> None:
    required = {
        "shelling", "airstrike", "missile", "mines", "checkpoint", "roadblock",
        "destroyed_bridge", "damaged_road", "front_line", "no_go_zone", "active_fighting",
    }  # fmt: skip
    assert required <= set(KINDS)
    assert set(KIND_DEFAULTS) == set(HazardKind)
    assert math.isinf(KIND_DEFAULTS[HazardKind.MINES].half_life_h)
    assert KIND_DEFAULTS[HazardKind.SHELLING].half_life_h <= 24
    assert KIND_DEFAULTS[HazardKind.DESTROYED_BRIDGE].closes
    assert KIND_DEFAULTS[HazardKind.DESTROYED_BRIDGE].bridges_only
    assert KIND_DEFAULTS[HazardKind.NO_GO_ZONE].closes
    assert KIND_DEFAULTS[HazardKind.ROADBLOCK].closes
    assert not KIND_DEFAULTS[HazardKind.CHECKPOINT].closes


def test_kind_string_becomes_enum_and_defaults_apply() -> None:
    h = shelling()
    assert h.kind is HazardKind.SHELLING
    assert h.effective_radius_m == KIND_DEFAULTS[HazardKind.SHELLING].radius_m
    assert shelling(radius_m=42.0).effective_radius_m == 42.0
    assert not h.effective_closes
    assert shelling(closes=True).effective_closes


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"severity": 1.2}, "severity"),
        ({"severity": -0.1}, "severity"),
        ({"confidence": 1.01}, "confidence"),
        ({"observed_at": datetime(2022, 3, 8, 10)}, "observed_at"),  # naive
        ({"radius_m": -5.0}, "radius_m"),
        ({"half_life_h": 0.0}, "half_life_h"),
        ({"geometry": Point()}, "geometry"),
    ],
)
def test_invalid_values_raise_with_the_field(changes: dict[str, object], field: str) -> None:
    with pytest.raises(HazardInputError) as info:
        shelling(**changes)
    assert info.value.field == field


def test_unknown_kind_and_empty_interval_are_refused() -> None:
    with pytest.raises(ValueError, match="volcano"):
        shelling(kind="volcano")
    with pytest.raises(HazardInputError, match="valid_until"):
        shelling(valid_from=T0, valid_until=T0)


def test_times_are_normalised_to_utc() -> None:
    from datetime import timezone

    kyiv = timezone(timedelta(hours=2))
    h = shelling(observed_at=datetime(2022, 3, 8, 12, tzinfo=kyiv))
    assert h.observed_at == T0
    assert h.observed_at is not None and h.observed_at.utcoffset() == timedelta(0)


def test_validity_is_half_open() -> None:
    h = shelling(valid_from=T0, valid_until=T0 + timedelta(hours=2))
    assert not h.valid_at(T0 - timedelta(seconds=1))
    assert h.valid_at(T0)
    assert h.valid_at(T0 + timedelta(hours=2) - timedelta(microseconds=1))
    assert not h.valid_at(T0 + timedelta(hours=2))
    assert h.weight(T0 + timedelta(hours=2)) == 0.0
    open_ended = shelling(valid_from=None, valid_until=None)
    assert open_ended.valid_at(datetime(1990, 1, 1, tzinfo=UTC))


def test_decay_halves_every_half_life() -> None:
    h = shelling()
    half_life = timedelta(hours=KIND_DEFAULTS[HazardKind.SHELLING].half_life_h)
    assert h.decay(T0) == 1.0
    assert h.decay(T0 - timedelta(hours=3)) == 1.0  # before the observation: no decay
    assert h.decay(T0 + half_life) == pytest.approx(0.5, rel=1e-12)
    assert h.decay(T0 + 2 * half_life) == pytest.approx(0.25, rel=1e-12)
    assert h.weight(T0 + half_life) == pytest.approx(0.8 * 0.5 * 0.5, rel=1e-12)
    assert shelling(half_life_h=1.0).decay(T0 + timedelta(hours=3)) == pytest.approx(0.125)


def test_mines_do_not_decay() -> None:
    mines = shelling(kind="mines", geometry=LineString([(15.6, 48.4), (15.61, 48.4)]))
    assert mines.decay(T0 + timedelta(days=3650)) == 1.0


def test_decay_starts_at_valid_from_without_observation() -> None:
    h = shelling(observed_at=None, valid_from=T0)
    assert h.decay(T0 + timedelta(hours=6)) == pytest.approx(0.5)
    assert shelling(observed_at=None).decay(T0 + timedelta(days=9)) == 1.0


def test_polygon_geometry_and_representative_point() -> None:
    square = Polygon([(15.60, 48.40), (15.61, 48.40), (15.61, 48.41), (15.60, 48.41)])
    h = shelling(kind="no_go_zone", geometry=square)
    lon, lat = h.lonlat
    assert 15.60 < lon < 15.61 and 48.40 < lat < 48.41
