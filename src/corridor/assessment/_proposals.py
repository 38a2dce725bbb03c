"""Proposals: an id, a time, places in order. From the command line, a CSV or a GeoJSON batch.

A batch row whose places cannot be resolved (an unknown or ambiguous name) is not guessed: it
is reported with its row and reason, and the rest of the batch is assessed.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from corridor.assessment._geometry import Line
from corridor.errors import CorridorError, InputError
from corridor.hazards import Gazetteer, Place, place_of

MAX_PROPOSALS = 10_000
MAX_PLACES = 50


@dataclass(frozen=True)
class Proposal:
    """One corridor proposal: places in order (at least two) at a time (UTC)."""

    id: str
    at: datetime
    places: tuple[Place, ...]
    given: Line | None = None  # a line given by the batch file itself (GeoJSON LineString)
    row: int | None = None


@dataclass(frozen=True)
class Unresolved:
    """A batch row that was not assessed, and why."""

    row: int
    id: str | None
    reason: str

    def as_dict(self) -> dict[str, Any]:
        return {"row": self.row, "id": self.id, "reason": self.reason}


@dataclass
class Batch:
    proposals: list[Proposal] = field(default_factory=list)
    unresolved: list[Unresolved] = field(default_factory=list)


def parse_time(text: Any, *, field: str = "time") -> datetime:
    """ISO 8601 with an offset (or a bare date, read as 00:00 UTC) -> aware UTC datetime."""
    value = str(text).strip()
    try:
        at = datetime.fromisoformat(value.replace("z", "Z"))
    except ValueError:
        raise InputError(f"time {value!r} is not ISO 8601", field=field,
                         hint="e.g. 2022-03-08T10:00Z") from None  # fmt: skip
    if at.tzinfo is None:
        if len(value) == 10:  # a date alone
            return at.replace(tzinfo=UTC)
        raise InputError(f"time {value!r} has no UTC offset", field=field, hint="add Z")
    return at.astimezone(UTC)


def split_places(value: Any) -> list[str]:
    """``A; B; C`` (or a JSON list) -> names; a bare comma is kept (it separates LAT,LON)."""
    if value is None:
        return []
    if isinstance(value, list):
        return [str(v).strip() for v in value if str(v).strip()]
    return [p.strip() for p in str(value).split(";") if p.strip()]


def make_proposal(
    pid: str, at: datetime, names: Sequence[str], gazetteer: Gazetteer, row: int | None = None
) -> Proposal:
    if len(names) < 2:
        raise InputError(f"proposal {pid!r} needs at least two places (origin and destination)",
                         field="via")  # fmt: skip
    if len(names) > MAX_PLACES:
        raise InputError(f"proposal {pid!r} has {len(names)} places, at most {MAX_PLACES}")
    places = tuple(place_of(n, gazetteer, field=f"place {i + 1}") for i, n in enumerate(names))
    return Proposal(pid, at, places, row=row)


def _row_places(row: dict[str, Any]) -> list[str]:
    return [
        *split_places(row.get("origin")),
        *split_places(row.get("via")),
        *split_places(row.get("destination")),
    ]


def _given_line(geometry: Any) -> Line | None:
    from corridor.assessment._geometry import _length_km, densified

    if not isinstance(geometry, dict) or geometry.get("type") != "LineString":
        return None
    coords = np.asarray(geometry.get("coordinates"), dtype=np.float64)
    if coords.ndim != 2 or coords.shape[0] < 2 or coords.shape[1] < 2:
        raise InputError("LineString needs at least two [lon, lat] positions")
    lon, lat = coords[:, 0], coords[:, 1]
    if not (np.isfinite(coords).all() and (np.abs(lon) <= 180).all()
            and (np.abs(lat) <= 90).all()):  # fmt: skip
        raise InputError("LineString positions out of range")
    lon, lat = densified(lon, lat)
    return Line(lon, lat, "given", _length_km(lon, lat))


def _add(batch: Batch, n: int, row: dict[str, Any], gazetteer: Gazetteer, geometry: Any) -> None:
    pid = str(row.get("id") or f"row-{n}").strip()
    try:
        at = parse_time(row.get("time") or row.get("at") or "", field="time")
        names = _row_places(row)
        given = _given_line(geometry)
        if given is not None and len(names) < 2:
            first = Place("line start", float(given.lat[0]), float(given.lon[0]), "line")
            last = Place("line end", float(given.lat[-1]), float(given.lon[-1]), "line")
            batch.proposals.append(Proposal(pid, at, (first, last), given, n))
            return
        proposal = make_proposal(pid, at, names, gazetteer, n)
        batch.proposals.append(Proposal(pid, at, proposal.places, given, n))
    except CorridorError as exc:
        where = f" ({exc.field})" if exc.field else ""
        hint = f" ({exc.hint})" if exc.hint else ""
        batch.unresolved.append(Unresolved(n, pid, f"{exc.message}{where}{hint}"))


def read_batch(path: str | Path, gazetteer: Gazetteer) -> Batch:
    """Proposals of a CSV (id, time, origin, destination, via) or GeoJSON batch file."""
    path = Path(path)
    from corridor._input import loads_json, read_input_text

    text = read_input_text(path, what="batch file")
    batch = Batch()
    if path.suffix.lower() in (".json", ".geojson"):
        data = loads_json(text, path=path)
        features = data.get("features") if isinstance(data, dict) else None
        if not isinstance(features, list):
            raise InputError("expected a GeoJSON FeatureCollection of proposals", path=path)
        if len(features) > MAX_PROPOSALS:
            raise InputError(f"{len(features)} proposals, at most {MAX_PROPOSALS}", path=path)
        for n, f in enumerate(features):
            if not isinstance(f, dict):
                batch.unresolved.append(Unresolved(n, None, "feature is not an object"))
                continue
            props = f.get("properties") if isinstance(f.get("properties"), dict) else {}
            row = dict(props or {})
            row.setdefault("id", f.get("id"))
            _add(batch, n, row, gazetteer, f.get("geometry"))
    else:
        reader = csv.DictReader(io.StringIO(text))
        names = {(c or "").strip().lower(): c for c in reader.fieldnames or []}
        missing = {"time", "origin", "destination"} - set(names)
        if missing:
            raise InputError(
                f"batch CSV lacks column(s) {', '.join(sorted(missing))}", path=path, line=1,
                hint="columns: id,time,origin,destination,via",
            )  # fmt: skip
        for n, raw in enumerate(reader, start=2):
            if n - 1 > MAX_PROPOSALS:
                raise InputError(f"more than {MAX_PROPOSALS} proposals", path=path, line=n)
            row = {k: raw.get(c) for k, c in names.items()}
            _add(batch, n, row, gazetteer, None)
    if not batch.proposals and not batch.unresolved:
        raise InputError("batch file has no proposals", path=path)
    return batch
