"""The routable road network: flat numpy arrays (CSR adjacency, per-edge attributes, geometry)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import numpy as np
from numpy.typing import NDArray

from corridor._files import sha256_file
from corridor.network._tags import HIGHWAY_CLASSES

F64 = NDArray[np.float64]
F32 = NDArray[np.float32]
I32 = NDArray[np.int32]
I64 = NDArray[np.int64]
U8 = NDArray[np.uint8]
I8 = NDArray[np.int8]
U16 = NDArray[np.uint16]

# Bits of ``edge_flags``.
FLAG_BRIDGE = 1
FLAG_TUNNEL = 2
FLAG_FORD = 4
FLAG_ONEWAY = 8
FLAG_ROUNDABOUT = 16
FLAG_REVERSED = 32  # the edge runs against its segment's stored geometry


# Arrays a Network holds, with the dtype each must have; the file format stores exactly these.
ARRAY_DTYPES: dict[str, type[np.generic]] = {
    "node_lon": np.float64,
    "node_lat": np.float64,
    "node_osm_id": np.int64,
    "indptr": np.int32,
    "edge_source": np.int32,
    "edge_target": np.int32,
    "rev_indptr": np.int32,
    "rev_edges": np.int32,
    "edge_length_m": np.float32,
    "edge_time_s": np.float32,
    "edge_speed_kmh": np.float32,
    "edge_maxspeed_kmh": np.float32,
    "edge_highway": np.uint8,
    "edge_flags": np.uint16,
    "edge_layer": np.int8,
    "edge_lanes": np.uint8,
    "edge_way_id": np.int64,
    "edge_name": np.int32,
    "edge_ref": np.int32,
    "edge_surface": np.int32,
    "edge_segment": np.int32,
    "seg_offsets": np.int64,
    "seg_lon": np.float64,
    "seg_lat": np.float64,
    "seg_node_id": np.int64,
}


@dataclass(frozen=True, eq=False, repr=False)
class Network:
    """A directed road graph for one vehicle profile.

    Nodes are intersections and way ends only. Edges are sorted by source, so the edges out of
    node ``u`` are ``indptr[u]:indptr[u+1]`` and the edge id *is* the position. ``rev_edges``
    lists edge ids sorted by target (``rev_indptr`` indexes it) for backward searches.

    Geometry is stored once per *segment* (a piece of an OSM way between two graph nodes);
    a two-way road has two edges that share one segment, one of them with ``FLAG_REVERSED``.
    Strings (name, ref, surface) are indices into ``strings``; -1 means absent.
    """

    arrays: Mapping[str, NDArray[Any]]
    strings: tuple[str, ...]
    meta: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        missing = sorted(set(ARRAY_DTYPES) - set(self.arrays))
        if missing:
            raise ValueError(f"network is missing arrays: {', '.join(missing)}")

    def __repr__(self) -> str:
        return (
            f"Network(nodes={self.n_nodes:,}, edges={self.n_edges:,}, profile={self.profile!r}, "
            f"source={self.meta.get('source', '')!r})"
        )

    def _repr_pretty_(self, printer: Any, _cycle: bool) -> None:
        # Hypothesis and IPython print a dataclass field by field (50 kB of arrays for a town),
        # which hid a failing example behind Hypothesis's size warning; print the summary.
        printer.text(repr(self))

    def __getattr__(self, name: str) -> NDArray[Any]:
        # Typed accessors are below; this keeps rarely used arrays reachable by name.
        arrays = self.__dict__.get("arrays")
        if arrays is not None and name in arrays:
            return arrays[name]  # type: ignore[no-any-return]
        raise AttributeError(name)

    # Typed views of the hot arrays (kept explicit for mypy and readers).
    @property
    def node_lon(self) -> F64:
        return self.arrays["node_lon"]

    @property
    def node_lat(self) -> F64:
        return self.arrays["node_lat"]

    @property
    def indptr(self) -> I32:
        return self.arrays["indptr"]

    @property
    def edge_source(self) -> I32:
        return self.arrays["edge_source"]

    @property
    def edge_target(self) -> I32:
        return self.arrays["edge_target"]

    @property
    def rev_indptr(self) -> I32:
        return self.arrays["rev_indptr"]

    @property
    def rev_edges(self) -> I32:
        return self.arrays["rev_edges"]

    @property
    def edge_length_m(self) -> F32:
        return self.arrays["edge_length_m"]

    @property
    def edge_time_s(self) -> F32:
        return self.arrays["edge_time_s"]

    @property
    def edge_flags(self) -> U16:
        return self.arrays["edge_flags"]

    @property
    def edge_highway(self) -> U8:
        return self.arrays["edge_highway"]

    @property
    def edge_segment(self) -> I32:
        return self.arrays["edge_segment"]

    @property
    def seg_offsets(self) -> I64:
        return self.arrays["seg_offsets"]

    @property
    def n_nodes(self) -> int:
        return int(self.arrays["node_lon"].shape[0])

    @property
    def n_edges(self) -> int:
        return int(self.arrays["edge_source"].shape[0])

    @property
    def n_segments(self) -> int:
        return int(self.arrays["seg_offsets"].shape[0] - 1)

    @property
    def source_sha256(self) -> str:
        return str(self.meta.get("source_sha256", ""))

    @property
    def profile(self) -> str:
        return str(self.meta.get("profile", "car"))

    def string(self, index: int) -> str | None:
        """The string at ``index`` in the string table, or None for -1."""
        return None if index < 0 else self.strings[index]

    def edge_name(self, edge: int) -> str | None:
        return self.string(int(self.arrays["edge_name"][edge]))

    def edge_ref(self, edge: int) -> str | None:
        return self.string(int(self.arrays["edge_ref"][edge]))

    def edge_label(self, edge: int) -> str:
        """What a driver would call the road: "name (ref)", the ref, or the road class."""
        name, ref = self.edge_name(edge), self.edge_ref(edge)
        if name and ref:
            return f"{name} ({ref})"
        return name or ref or f"unnamed {self.highway_class(edge)}"

    def highway_class(self, edge: int) -> str:
        return HIGHWAY_CLASSES[int(self.edge_highway[edge])]

    def segment_coords(self, segment: int) -> tuple[F64, F64]:
        """(lon, lat) arrays of a segment in its stored direction."""
        a, b = int(self.seg_offsets[segment]), int(self.seg_offsets[segment + 1])
        return self.arrays["seg_lon"][a:b], self.arrays["seg_lat"][a:b]

    def edge_coords(self, edge: int) -> tuple[F64, F64]:
        """(lon, lat) arrays of an edge from its source to its target node."""
        lon, lat = self.segment_coords(int(self.edge_segment[edge]))
        if self.edge_flags[edge] & FLAG_REVERSED:
            return lon[::-1], lat[::-1]
        return lon, lat

    def edge_osm_nodes(self, edge: int) -> I64:
        """OSM node ids along an edge, source first."""
        seg = int(self.edge_segment[edge])
        a, b = int(self.seg_offsets[seg]), int(self.seg_offsets[seg + 1])
        ids: I64 = self.arrays["seg_node_id"][a:b]
        return ids[::-1] if self.edge_flags[edge] & FLAG_REVERSED else ids

    def out_edges(self, node: int) -> I32:
        return np.arange(self.indptr[node], self.indptr[node + 1], dtype=np.int32)

    def in_edges(self, node: int) -> I32:
        return self.rev_edges[self.rev_indptr[node] : self.rev_indptr[node + 1]]

    @cached_property
    def file_sha256(self) -> str | None:
        """SHA-256 of the network file this was loaded from (what agreements cite), else None.

        Computed on first use, not at load, so opening a large network stays a memory map.
        """

        path = self.meta.get("path")
        return sha256_file(path) if path else None

    @cached_property
    def segment_edges(self) -> I32:
        """For each segment, one edge that uses it (the forward one where both exist)."""
        out = np.full(self.n_segments, -1, dtype=np.int32)
        reversed_ = (self.edge_flags & FLAG_REVERSED) != 0
        edges = np.arange(self.n_edges, dtype=np.int32)
        out[self.edge_segment[reversed_]] = edges[reversed_]
        out[self.edge_segment[~reversed_]] = edges[~reversed_]  # forward edges win
        return out

    def segment_length_m(self) -> F32:
        """Length of each segment (two-way roads counted once)."""
        return self.edge_length_m[self.segment_edges]
