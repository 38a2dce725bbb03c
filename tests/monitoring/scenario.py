"""The day of 8 March 2022 on the Sumy -> Poltava corridor, replayed on the bundled town.

Krems stands in for the region: "Sumy" is the gathering point in the east of the extract,
"Poltava" the reception point in the west, 7.4 km apart by road, over the S5 bridges. The
window is 10:00-21:00 Europe/Kyiv (08:00-19:00 UTC). Two bus convoys leave first, private
cars follow, a third bus convoy waits for the afternoon. The first column is held at the
checkpoint operated by the Russian side far beyond the agreed inspection time; a shelling
is reported 300 m from the route and confirmed; a bridge on the route is destroyed.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

CORRIDOR = "sumy-poltava"
ORIGIN = (48.415, 15.66)  # "Sumy"
DESTINATION = (48.41, 15.58)  # "Poltava"
BRIDGE = (48.4023107, 15.6465884)  # a point on an S5 bridge edge of the agreed route
RU, UA = "Russian Federation", "Ukraine"
DAY = "2022-03-08"
#: The server's own clock decides whether an agreement may still be suspended, so the day is
#: replayed shifted in time: its last report (12:45 UTC, 14:45 in Kyiv) is made "now", and
#: every time keeps its place and distance to the others.
SHIFT = (
    (datetime.now(UTC) - datetime.fromisoformat(f"{DAY}T12:45:00+00:00"))
    // timedelta(minutes=1)
    * timedelta(minutes=1)
)


def utc(hh_mm: str) -> datetime:
    """A time of 8 March 2022 (UTC), shifted as the replay is."""
    return datetime.fromisoformat(f"{DAY}T{hh_mm}:00+00:00").astimezone(UTC) + SHIFT


def iso(hh_mm: str) -> str:
    return utc(hh_mm).isoformat().replace("+00:00", "Z")


def public_b64(key: Ed25519PrivateKey) -> str:
    return base64.b64encode(key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)).decode()


@dataclass
class Corridor:
    terms: dict[str, Any]
    keys: dict[str, Ed25519PrivateKey]
    checkpoints: list[dict[str, Any]]
    shelling: tuple[float, float]  # 300 m north of the route's middle


def build(network: Any) -> Corridor:
    """Terms over the real fastest route from "Sumy" to "Poltava" on ``network``."""
    from corridor.agreements import route_from_geojson
    from corridor.routing import RouteOptions, answer, to_geojson

    found = answer(network, origin=ORIGIN, destination=DESTINATION,
                   options=RouteOptions(at=utc("07:00")), explain_routes=False)  # fmt: skip
    route = route_from_geojson(to_geojson(network, found.result), network=network,
                               network_sha256=network.source_sha256)  # fmt: skip
    coords = route["geometry"]["coordinates"]
    third, two_thirds, middle = (
        coords[len(coords) // 3],
        coords[2 * len(coords) // 3],
        coords[len(coords) // 2],
    )
    keys = {RU: Ed25519PrivateKey.generate(), UA: Ed25519PrivateKey.generate()}
    checkpoints = [
        {"name": "Lokhvytsia", "lat": third[1], "lon": third[0], "operated_by": RU,
         "hours_utc": "00:00-24:00", "max_vehicles_per_hour": 120, "inspection_minutes": 20},
        {"name": "Lubny", "lat": two_thirds[1], "lon": two_thirds[0], "operated_by": UA,
         "hours_utc": "00:00-24:00", "max_vehicles_per_hour": 60, "inspection_minutes": 15},
    ]  # fmt: skip
    terms = {
        "corridor_id": CORRIDOR,
        "version": 1,
        "title": "Sumy - Poltava humanitarian corridor (replay)",
        "parties": [
            {"name": n, "role": "party to the conflict", "public_key": public_b64(k)}
            for n, k in keys.items()
        ],
        "route": route,
        "origin": {"name": "Sumy", "lat": ORIGIN[0], "lon": ORIGIN[1]},
        "destination": {"name": "Poltava", "lat": DESTINATION[0], "lon": DESTINATION[1]},
        "checkpoints": checkpoints,
        # 10:00-21:00 in Kyiv (UTC+2 in March), shifted.
        "windows": [{"start_utc": iso("08:00"), "end_utc": iso("19:00")}],
        "vehicles": {"permitted": ["bus", "car"], "markings": "white flags, red cross"},
        "max_convoy_size": 60,
        "observers": ["ICRC"],
    }
    # 300 m north of the route's middle point: 300 / 111195 degrees of latitude.
    shelling = (middle[1] + 300 / 111_195.08, middle[0])
    return Corridor(terms, keys, checkpoints, shelling)


def agree(store: Any, c: Corridor) -> None:
    """Register the parties, propose the terms and have both parties sign (state agreed)."""
    from corridor.agreements import terms_from_data
    from corridor.store import add_party, propose_agreement, sign_agreement

    with store.session() as s:
        for name, key in c.keys.items():
            add_party(s, name=name, role="party to the conflict", public_key=public_b64(key),
                      actor="setup")  # fmt: skip
        propose_agreement(s, terms_from_data(c.terms), actor="setup", at_utc=utc("06:00"))
        for name, key in c.keys.items():
            sign_agreement(s, CORRIDOR, key=key, party=name, actor="setup", at_utc=utc("06:30"))


def convoys() -> list[dict[str, Any]]:
    def plan(cid: str, kind: str, vehicles: int, people: int, *times: str) -> dict[str, Any]:
        depart, cp1, cp2, arrive = times
        return {"id": cid, "corridor_id": CORRIDOR, "kind": kind, "vehicles": vehicles,
                "people": people, "depart_utc": iso(depart), "label": cid,
                "stops": [{"place": "Lokhvytsia", "at_utc": iso(cp1)},
                          {"place": "Lubny", "at_utc": iso(cp2)},
                          {"place": "destination", "at_utc": iso(arrive)}]}  # fmt: skip

    return [
        plan("bus-1", "bus", 22, 1000, "08:15", "08:45", "09:30", "10:15"),
        plan("bus-2", "bus", 20, 900, "08:45", "09:15", "10:00", "10:45"),
        plan("cars-1", "private cars", 50, 160, "09:00", "09:30", "10:15", "11:00"),
        plan("bus-3", "bus", 20, 900, "14:00", "14:30", "15:15", "16:00"),
    ]


def checkin(rid: str, convoy: str, at: str, status: str, where: tuple[float, float],  # noqa: PLR0917
            checkpoint: str | None = None, **extra: Any) -> dict[str, Any]:  # fmt: skip
    return {"id": rid, "corridor_id": CORRIDOR, "convoy_id": convoy, "at_utc": iso(at),
            "lat": where[0], "lon": where[1], "status": status, "checkpoint": checkpoint,
            **extra}  # fmt: skip


def day_checkins(c: Corridor) -> list[dict[str, Any]]:
    """Every check-in of the day, in event order (the replay sends them out of order)."""
    cp1 = (c.checkpoints[0]["lat"], c.checkpoints[0]["lon"])
    cp2 = (c.checkpoints[1]["lat"], c.checkpoints[1]["lon"])
    return [
        checkin("b1-dep", "bus-1", "08:14", "departed", ORIGIN, vehicles=22, people=1000),
        checkin("b1-cp1", "bus-1", "08:44", "at_checkpoint", cp1, "Lokhvytsia"),
        checkin("b2-dep", "bus-2", "08:47", "departed", ORIGIN, vehicles=20),
        checkin(
            "b1-held",
            "bus-1",
            "09:05",
            "held",
            cp1,
            "Lokhvytsia",
            notes="documents checked again, buses searched",
        ),
        checkin("c1-dep", "cars-1", "09:02", "departed", ORIGIN, vehicles=50),
        checkin("b2-cp1", "bus-2", "09:20", "at_checkpoint", cp1, "Lokhvytsia"),
        checkin("c1-cp1", "cars-1", "09:35", "at_checkpoint", cp1, "Lokhvytsia"),
        checkin("b2-rel", "bus-2", "09:38", "released", cp1, "Lokhvytsia"),
        checkin("c1-rel", "cars-1", "09:50", "released", cp1, "Lokhvytsia"),
        checkin("b2-cp2", "bus-2", "10:05", "at_checkpoint", cp2, "Lubny"),
        checkin("b2-rel2", "bus-2", "10:15", "released", cp2, "Lubny"),
        checkin("c1-cp2", "cars-1", "10:20", "at_checkpoint", cp2, "Lubny"),
        checkin("c1-rel2", "cars-1", "10:28", "released", cp2, "Lubny"),
        checkin("b2-arr", "bus-2", "10:50", "arrived", DESTINATION),
        checkin("b1-rel", "bus-1", "11:00", "released", cp1, "Lokhvytsia"),
        checkin("c1-arr", "cars-1", "11:05", "arrived", DESTINATION),
        checkin("b1-cp2", "bus-1", "11:40", "at_checkpoint", cp2, "Lubny"),
        checkin("b1-rel2", "bus-1", "11:50", "released", cp2, "Lubny"),
        checkin("b1-arr", "bus-1", "12:30", "arrived", DESTINATION),
    ]


def shelling(c: Corridor, rid: str = "inc-shelling") -> dict[str, Any]:
    return {"id": rid, "corridor_id": CORRIDOR, "kind": "shelling", "at_utc": iso("12:10"),
            "lat": c.shelling[0], "lon": c.shelling[1], "severity": 0.8, "confidence": 0.7,
            "notes": "artillery impacts beside the road, no casualties reported"}  # fmt: skip


def bridge(rid: str = "inc-bridge") -> dict[str, Any]:
    return {"id": rid, "corridor_id": CORRIDOR, "kind": "bridge_destroyed",
            "at_utc": iso("12:40"), "lat": BRIDGE[0], "lon": BRIDGE[1], "severity": 1.0,
            "confidence": 0.9, "notes": "span down"}  # fmt: skip
