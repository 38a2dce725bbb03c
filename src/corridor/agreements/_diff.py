"""What changed between two versions of the terms, in words a negotiator would use."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

from corridor.agreements._terms import Checkpoint, Place, RouteEdge, Terms, haversine_m


def human_duration(delta: timedelta) -> str:
    """``timedelta(minutes=90)`` -> ``1 h 30 min`` (sign dropped; callers say earlier/later)."""
    minutes = round(abs(delta).total_seconds() / 60)
    days, rest = divmod(minutes, 24 * 60)
    hours, mins = divmod(rest, 60)
    parts = [f"{days} day{'s' if days != 1 else ''}"] if days else []
    parts += [f"{hours} h"] if hours else []
    parts += [f"{mins} min"] if mins or not parts else []
    return " ".join(parts)


def human_length(length_m: float) -> str:
    return f"{length_m / 1000:.1f} km" if length_m >= 1000 else f"{length_m:.0f} m"


def _shift(delta: timedelta) -> str:
    return f"{human_duration(delta)} {'later' if delta > timedelta(0) else 'earlier'}"


def _distance_m(a: Place | Checkpoint, b: Place | Checkpoint) -> float:
    return haversine_m([a.lon, a.lat], [b.lon, b.lat])


def _roads(edges: list[RouteEdge]) -> str:
    """Group edges by road: ``Ringstraße 420 m, unnamed road 80 m``."""
    per_road: dict[str, float] = {}
    for e in edges:
        per_road[e.road or "unnamed road"] = per_road.get(e.road or "unnamed road", 0) + e.length_m
    return ", ".join(f"{road} {human_length(m)}" for road, m in per_road.items())


def _minus(edges: list[RouteEdge], ids: list[int]) -> list[RouteEdge]:
    """Edges not matched by ``ids`` (a multiset: a route may use an edge twice)."""
    left = Counter(ids)
    out = []
    for e in edges:
        if left[e.id] > 0:
            left[e.id] -= 1
        else:
            out.append(e)
    return out


def _route_changes(old: Terms, new: Terms) -> list[str]:
    out = []
    if old.route.network_sha256 != new.route.network_sha256:
        out.append(
            f"route computed on another network file ({old.route.network_sha256[:12]} -> "
            f"{new.route.network_sha256[:12]}); edge ids are not comparable"
        )
    removed = _minus(old.route.edges, new.route.edge_ids)
    added = _minus(new.route.edges, old.route.edge_ids)
    if removed:
        out.append(
            f"road segments removed ({human_length(sum(e.length_m for e in removed))}): "
            + _roads(removed)
        )
    if added:
        out.append(
            f"road segments added ({human_length(sum(e.length_m for e in added))}): "
            + _roads(added)
        )
    if (removed or added) and old.route.length_m != new.route.length_m:
        d = new.route.length_m - old.route.length_m
        sign = "+" if d > 0 else "-"
        out.append(
            f"route length {human_length(old.route.length_m)} -> "
            f"{human_length(new.route.length_m)} ({sign}{human_length(abs(d))})"
        )
    if not (removed or added) and old.route.edge_ids != new.route.edge_ids:
        out.append("route uses the same road segments in another order")
    if old.route.geometry != new.route.geometry and not (removed or added):
        out.append("route geometry changed")
    return out


def _place_change(label: str, a: Place, b: Place) -> list[str]:
    out = []
    if a.name != b.name:
        out.append(f"{label} renamed {a.name!r} -> {b.name!r}")
    d = _distance_m(a, b)
    if d >= 1:
        out.append(f"{label} {b.name!r} moved {human_length(d)}")
    return out


_CHECKPOINT_FIELDS = {
    "operated_by": "operated by",
    "hours_utc": "hours (UTC)",
    "max_vehicles_per_hour": "max vehicles per hour",
    "inspection_minutes": "inspection minutes",
}


def _checkpoint_changes(old: Terms, new: Terms) -> list[str]:
    out = []
    a = {c.name: c for c in old.checkpoints}
    b = {c.name: c for c in new.checkpoints}
    out += [f"checkpoint {n!r} removed" for n in a if n not in b]
    out += [
        f"checkpoint {n!r} added (operated by {c.operated_by}, {c.hours_utc} UTC, "
        f"{c.max_vehicles_per_hour} vehicles/h)"
        for n, c in b.items()
        if n not in a
    ]
    for name in (n for n in a if n in b):
        x, y = a[name], b[name]
        bits = [
            f"{label} {getattr(x, f)} -> {getattr(y, f)}"
            for f, label in _CHECKPOINT_FIELDS.items()
            if getattr(x, f) != getattr(y, f)
        ]
        d = _distance_m(x, y)
        if d >= 1:
            bits.append(f"moved {human_length(d)}")
        if bits:
            out.append(f"checkpoint {name!r} changed: " + ", ".join(bits))
    return out


def _window_changes(old: Terms, new: Terms) -> list[str]:
    """Windows are compared in time order and named by that order (window 1 is the earliest)."""
    out = []
    a, b = old.windows_sorted(), new.windows_sorted()
    for i, (x, y) in enumerate(zip(a, b, strict=False), start=1):
        ds, de = y.start_utc - x.start_utc, y.end_utc - x.end_utc
        if not ds and not de:
            continue
        if ds == de:
            out.append(f"window {i} moved {_shift(ds)} (now {y.utc_text()}, {y.local_text()})")
            continue
        bits = []
        if ds:
            bits.append(f"starts {_shift(ds)}")
        if de:
            bits.append(f"ends {_shift(de)}")
        diff = y.duration - x.duration
        grew = "longer" if diff > timedelta(0) else "shorter"
        out.append(
            f"window {i} {' and '.join(bits)}: {human_duration(diff)} {grew} "
            f"(now {y.utc_text()}, {y.local_text()})"
        )
    out += [f"window {i} removed ({w.utc_text()})" for i, w in enumerate(a[len(b) :], len(b) + 1)]
    out += [
        f"window {i} added ({w.utc_text()}, {w.local_text()})"
        for i, w in enumerate(b[len(a) :], len(a) + 1)
    ]
    return out


def _list_change(label: str, a: list[str], b: list[str]) -> list[str]:
    out = [f"{label} added: {x}" for x in b if x not in a]
    out += [f"{label} removed: {x}" for x in a if x not in b]
    return out


def _party_changes(old: Terms, new: Terms) -> list[str]:
    a = {p.name: p for p in old.parties}
    b = {p.name: p for p in new.parties}
    out = [f"party removed: {n}" for n in a if n not in b]
    out += [f"party added: {n} ({p.role})" for n, p in b.items() if n not in a]
    for n in (n for n in a if n in b):
        if a[n].role != b[n].role:
            out.append(f"party {n} role {a[n].role!r} -> {b[n].role!r}")
        if a[n].public_key != b[n].public_key:
            out.append(f"party {n} public key changed")
    return out


def diff_terms(old: Terms, new: Terms) -> list[str]:
    """One sentence per change, in the order a reader checks them; empty when nothing changed."""
    out: list[str] = []
    if old.corridor_id != new.corridor_id:
        out.append(f"corridor id {old.corridor_id} -> {new.corridor_id}")
    if old.title != new.title:
        out.append(f"title {old.title!r} -> {new.title!r}")
    out += _party_changes(old, new)
    out += _route_changes(old, new)
    out += _place_change("origin", old.origin, new.origin)
    out += _place_change("destination", old.destination, new.destination)
    out += _checkpoint_changes(old, new)
    out += _window_changes(old, new)
    out += _list_change("permitted vehicle", old.vehicles.permitted, new.vehicles.permitted)
    if old.vehicles.markings != new.vehicles.markings:
        out.append(f"markings {old.vehicles.markings!r} -> {new.vehicles.markings!r}")
    if old.max_convoy_size != new.max_convoy_size:
        out.append(f"maximum convoy size {old.max_convoy_size} -> {new.max_convoy_size} vehicles")
    if old.escort != new.escort:
        out.append(f"escort {old.escort or 'none'!r} -> {new.escort or 'none'!r}")
    out += _list_change("observer", old.observers, new.observers)
    ca = [f"{c.party} {c.channel} {c.address}" for c in old.contacts]
    cb = [f"{c.party} {c.channel} {c.address}" for c in new.contacts]
    out += _list_change("contact", ca, cb)
    if old.notes != new.notes:
        out.append("notes changed")
    return out
