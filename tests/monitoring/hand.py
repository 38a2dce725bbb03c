"""A hand-built corridor for the pure monitoring tests: a straight route along one parallel, so
every distance and duration below is worked out by hand (see each test's comment)."""

from __future__ import annotations

import base64
from datetime import UTC, datetime
from typing import Any

from corridor._records import adapter
from corridor.agreements import Terms, terms_from_data
from corridor.monitoring import Checkin, ConvoyPlan

LAT = 48.40
LON0, LON1 = 15.55, 15.65
M_PER_DEG_LAT = 6_371_008.8 * 3.141592653589793 / 180  # 111_195.08 m


def utc(hh_mm: str, day: str = "2022-03-08") -> datetime:
    return datetime.fromisoformat(f"{day}T{hh_mm}:00+00:00").astimezone(UTC)


def key(n: int) -> str:
    return base64.b64encode(bytes([n]) * 32).decode()


def terms_data() -> dict[str, Any]:
    from corridor.agreements._terms import haversine_m

    coords = [[LON0, LAT], [LON1, LAT]]
    length = haversine_m(coords[0], coords[1])
    return {
        "corridor_id": "hand-1",
        "version": 1,
        "parties": [
            {"name": "north", "role": "armed forces", "public_key": key(1)},
            {"name": "south", "role": "government", "public_key": key(2)},
        ],
        "route": {
            "network_sha256": "0" * 64,
            "edges": [{"id": 0, "length_m": round(length, 1)}],
            "geometry": {"type": "LineString", "coordinates": coords},
        },
        "origin": {"name": "A", "lat": LAT, "lon": LON0},
        "destination": {"name": "B", "lat": LAT, "lon": LON1},
        "checkpoints": [
            {
                "name": "CP-A",
                "lat": LAT,
                "lon": 15.58,
                "operated_by": "north",
                "hours_utc": "06:00-20:00",
                "max_vehicles_per_hour": 60,
                "inspection_minutes": 20,
            },
            {
                "name": "CP-B",
                "lat": LAT,
                "lon": 15.62,
                "operated_by": "south",
                "hours_utc": "06:00-20:00",
                "max_vehicles_per_hour": 60,
                "inspection_minutes": 20,
            },
        ],
        "windows": [{"start_utc": "2022-03-08T08:00:00Z", "end_utc": "2022-03-08T19:00:00Z"}],
        "vehicles": {"permitted": ["bus", "car"], "markings": "white flags"},
        "max_convoy_size": 50,
    }


def terms() -> Terms:
    return terms_from_data(terms_data())


def plan(convoy: str = "bus-1", vehicles: int = 10, depart: str = "08:10") -> ConvoyPlan:
    return adapter(ConvoyPlan).validate_python({
        "id": convoy, "corridor_id": "hand-1", "kind": "bus", "vehicles": vehicles,
        "people": 400, "depart_utc": utc(depart).isoformat(),
        "stops": [{"place": "CP-A", "at_utc": utc("08:30").isoformat()},
                  {"place": "CP-B", "at_utc": utc("09:00").isoformat()},
                  {"place": "destination", "at_utc": utc("09:20").isoformat()}],
    })  # fmt: skip


def ck(rid: str, at: str, status: str, lon: float, checkpoint: str | None = None, *,
       convoy: str = "bus-1", **extra: Any) -> Checkin:  # fmt: skip
    return adapter(Checkin).validate_python({
        "id": rid, "corridor_id": "hand-1", "convoy_id": convoy, "at_utc": utc(at).isoformat(),
        "lat": LAT, "lon": lon, "status": status, "checkpoint": checkpoint, **extra,
    })  # fmt: skip


def day() -> list[Checkin]:
    """bus-1: held 90 minutes at CP-A (08:31-10:01), 10 minutes at CP-B, arrives 10:50."""
    return [
        ck("r1", "08:12", "departed", LON0),
        ck("r2", "08:31", "at_checkpoint", 15.58, "CP-A"),
        ck("r3", "08:45", "held", 15.58, "CP-A"),
        ck("r4", "10:01", "released", 15.58, "CP-A"),
        ck("r5", "10:20", "at_checkpoint", 15.62, "CP-B"),
        ck("r6", "10:30", "released", 15.62, "CP-B"),
        ck("r7", "10:50", "arrived", LON1),
    ]
