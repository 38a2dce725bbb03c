"""Risk on roads: per-edge probability of harm at a time, and closures, updated incrementally.

r_e = 1 - prod_i (1 - p_ie) over the non-closing hazards valid at t, with w_i = severity x
confidence x decay_i(t) and either (default, ``exposure="zone_length"``) p_ie =
1 - (1 - w_i) ** (length of e inside zone i / zone diameter), which does not depend on how a
road is cut into edges, or (``exposure="edge_share"``) p_ie = w_i x share_ie, the length share
of edge e inside zone i. ``closed[e]`` is True while any closing hazard covering e is valid.
Each hazard keeps its sparse footprint; a change recombines only the edges in the footprints
that changed (the rows live in per-edge chains, ``_table``).
Formulas and their reasons: docs/risk-model.md.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

import numpy as np
from numpy.typing import NDArray

from corridor.hazards._index import Footprint, FootprintRows, segment_index
from corridor.hazards._model import Contribution, Hazard
from corridor.hazards._table import EntryTable
from corridor.hazards._values import as_utc
from corridor.network import Network

F64 = NDArray[np.float64]
I32 = NDArray[np.int32]
Exposure = Literal["edge_share", "zone_length"]

# An open edge's risk stays below 1 so that -log(1 - r) stays finite (DESIGN-NOTES).
MAX_RISK = 1.0 - 1e-9
_EMPTY = np.zeros(0, dtype=np.int32)
# dead rows tolerated before compacting the table: they cost memory (37 bytes each), not time
_COMPACT_MIN = 250_000


@dataclass(slots=True)
class _Entry:
    hazard: Hazard
    rows: FootprintRows  # the join's rows of its batch; its own are ``rows.footprint(index)``
    index: int
    size: int  # its number of rows
    closes: bool
    weight: float  # severity x confidence x decay at the model's time, 0 when not valid
    valid: bool
    serial: int
    start: int = 0  # first slot of its rows in the table
    cached: Footprint | None = None

    @property
    def footprint(self) -> Footprint:
        """Made on first use: a change of 100 zones need not build 100 of them."""
        if self.cached is None:
            self.cached = self.rows.footprint(self.index)
        return self.cached

    @property
    def block(self) -> tuple[int, int]:
        return self.start, self.size

    @property
    def counted(self) -> tuple[float, bool]:
        """(weight towards risk, closes now): a closing hazard adds no risk."""
        return (self.weight if self.valid and not self.closes else 0.0), (
            self.valid and self.closes
        )


def _state(hazard: Hazard, at: datetime) -> tuple[float, bool]:
    valid = hazard.valid_at(at)
    return (hazard.weight(at) if valid else 0.0), valid


def _same_place(a: Hazard, b: Hazard) -> bool:
    """Whether two versions of a hazard cover the same roads (so the footprint can be kept)."""
    return (
        a.kind == b.kind
        and a.effective_radius_m == b.effective_radius_m
        and a.geometry.equals_exact(b.geometry, 0.0)
    )


class RiskModel:
    """Edge risk and closures of a network under a changing set of hazards at a time ``at``.

    ``risk`` (float64, in [0, 1)) and ``closed`` (bool) have one value per edge and are updated
    in place; every mutating method returns the ids of the edges whose risk or closure changed,
    so a router can refresh just those costs. Adding a hazard whose id is present replaces it.
    Closing hazards close; they add nothing to ``risk``.
    """

    def __init__(
        self,
        network: Network,
        hazards: Iterable[Hazard] = (),
        *,
        at: datetime,
        exposure: Exposure = "zone_length",
    ) -> None:
        if exposure not in ("edge_share", "zone_length"):
            raise ValueError(f"unknown exposure model {exposure!r}")
        self.network = network
        self.at = as_utc(at)
        self.exposure: Exposure = exposure
        self._index = segment_index(network)
        self.risk: F64 = np.zeros(network.n_edges, dtype=np.float64)
        self.closed: NDArray[np.bool_] = np.zeros(network.n_edges, dtype=bool)
        self._entries: dict[str, _Entry] = {}
        self._by_serial: dict[int, _Entry] = {}
        self._table = EntryTable(
            network.n_edges, edge_share=exposure == "edge_share", max_risk=MAX_RISK
        )
        self._next_serial = 0
        self._compact_min = _COMPACT_MIN
        self.add(hazards)

    # ---- public queries -------------------------------------------------------------------
    @property
    def hazards(self) -> list[Hazard]:
        """Every hazard held (valid now or not), in insertion order."""
        return [e.hazard for e in self._entries.values()]

    def __len__(self) -> int:
        return len(self._entries)

    def __contains__(self, hazard_id: object) -> bool:
        return hazard_id in self._entries

    def footprint(self, hazard_id: str) -> Footprint:
        """The edges a hazard's zone covers, whether it is valid now or not."""
        return self._entries[hazard_id].footprint

    def contributions(self, edges: Iterable[int] | NDArray[np.integer]) -> list[Contribution]:
        """Each valid hazard's probability on each of ``edges``, by edge then largest first.

        A closing hazard reports probability 1.0 and ``closes=True``.
        """
        wanted = np.unique(np.fromiter(edges, dtype=np.int64)).astype(np.int32)
        slots, local = self._table.gather(wanted)
        serials = self._table.s_serial[slots]
        out: list[Contribution] = []
        for slot, k, serial in zip(slots.tolist(), local.tolist(), serials.tolist(), strict=True):
            entry = self._by_serial.get(serial)
            if entry is None or not entry.valid:
                continue
            if entry.closes:
                p = 1.0
            else:
                value = self._table.s_value[slot : slot + 1]
                p = float(self._probability(value, np.array([entry.weight]))[0])
            h = entry.hazard
            out.append(Contribution(h.id, h.kind, int(wanted[k]), p, entry.closes))
        out.sort(key=lambda c: (c.edge, -c.probability, c.hazard_id))
        return out

    def closing_hazards(self, edges: Iterable[int] | NDArray[np.integer]) -> dict[int, list[str]]:
        """For each of ``edges`` that is closed, the ids of the valid hazards closing it."""
        result: dict[int, list[str]] = {}
        for c in self.contributions(edges):
            if c.closes:
                result.setdefault(c.edge, []).append(c.hazard_id)
        return result

    # ---- updates --------------------------------------------------------------------------
    def add(self, hazards: Iterable[Hazard]) -> I32:
        """Add (or replace, by id) hazards; returns the edges whose risk or closure changed.

        A replacement with the same place (geometry, radius, kind) keeps its footprint, so an
        update of severity, confidence or times costs no spatial join.
        """
        new: dict[str, Hazard] = {}
        for h in hazards:
            new[h.id] = h  # the last record with an id wins, as in a replace
        if not new:
            return _EMPTY
        gone: list[_Entry] = []
        kept: dict[str, _Entry] = {}
        for hid, h in new.items():
            old = self._entries.pop(hid, None)
            if old is None:
                continue
            gone.append(old)
            if _same_place(old.hazard, h):
                kept[hid] = old
        self._kill(gone)
        todo = [h for h in new.values() if h.id not in kept]
        rows = self._index.footprint_rows(todo)
        bounds = rows.bounds.tolist()
        added: list[_Entry] = []
        i = 0
        for h in new.values():
            weight, valid = _state(h, self.at)
            was = kept.get(h.id)
            if was is None:
                entry = _Entry(h, rows, i, bounds[i + 1] - bounds[i], h.effective_closes,
                               weight, valid, self._new_serial())  # fmt: skip
                i += 1
            else:  # the same rows (and the same Footprint object, if one was made)
                entry = _Entry(h, was.rows, was.index, was.size, h.effective_closes, weight,
                               valid, self._new_serial(), cached=was.cached)  # fmt: skip
            self._entries[h.id] = self._by_serial[entry.serial] = entry
            added.append(entry)
        share = self.exposure == "edge_share"
        if kept:  # rows in the order of ``new``, kept footprints among them
            edges = np.concatenate([e.footprint.edges for e in added])
            values = np.concatenate(
                [e.footprint.share if share else e.footprint.crossings for e in added]
            )
            sizes = [e.size for e in added]
            starts_of = np.concatenate([[0], np.cumsum(sizes)]).astype(np.int64)
        else:  # the join's own rows, already in that order
            edges, values = rows.edges, (rows.share if share else rows.crossings)
            starts_of = rows.bounds
        counted = [e.counted for e in added]
        starts = self._table.append(
            [e.serial for e in added], edges, values, starts_of,
            [c[0] for c in counted], [c[1] for c in counted],
        )  # fmt: skip
        for entry, start in zip(added, starts, strict=True):
            entry.start = start
        return self._recombine()

    def remove(self, hazard_ids: Iterable[str]) -> I32:
        """Remove hazards by id (unknown ids are ignored); returns the changed edges."""
        self._kill([self._entries.pop(i) for i in dict.fromkeys(hazard_ids) if i in self._entries])
        return self._recombine()

    def set_time(self, at: datetime) -> I32:
        """Move the model to ``at``: hazards start, expire and decay; returns the changed edges."""
        self.at = as_utc(at)
        moved = []
        for entry in self._entries.values():
            weight, valid = _state(entry.hazard, self.at)
            if weight != entry.weight or valid != entry.valid:
                entry.weight, entry.valid = weight, valid
                moved.append(entry)
        counted = [e.counted for e in moved]
        self._table.reweigh(
            [e.block for e in moved], [c[0] for c in counted], [c[1] for c in counted]
        )
        return self._recombine()

    # ---- internals ------------------------------------------------------------------------
    def _new_serial(self) -> int:
        serial = self._next_serial
        self._next_serial += 1
        return serial

    def _kill(self, entries: list[_Entry]) -> None:
        """Take retired hazards' rows out of the table (their edges are recombined next)."""
        for entry in entries:
            del self._by_serial[entry.serial]
        self._table.unlink([e.block for e in entries])

    def _compact(self) -> None:
        """Drop dead slots and renumber serials 0, 1, ... in hazard order."""
        held = sorted(self._by_serial.values(), key=lambda e: e.serial)
        starts = self._table.compact([e.block for e in held])
        self._by_serial = {}
        for serial, (entry, start) in enumerate(zip(held, starts, strict=True)):
            entry.serial, entry.start = serial, start
            self._by_serial[serial] = entry
        self._next_serial = len(held)

    def _probability(self, exposure: F64, weight: F64) -> F64:
        w = np.minimum(weight, MAX_RISK)
        if self.exposure == "edge_share":
            return np.minimum(exposure * w, MAX_RISK)
        p: F64 = np.minimum(-np.expm1(exposure * np.log1p(-w)), MAX_RISK)
        return p

    def _recombine(self) -> I32:
        """Recompute risk and closure of every edge whose rows changed since the last call."""
        changed = self._table.flush(self.risk, self.closed)
        if self._table.dead > max(self._compact_min, len(self._table)):
            self._compact()
        return changed
