"""Build the ``Network`` arrays from the accepted ways: split, measure, orient, prune, index.

Everything here is vectorised numpy over all points at once: dropping repeated nodes,
splitting ways at shared nodes, geodesic lengths (pyproj), the directed edge list, the
largest strongly connected component (scipy) and the CSR arrays.
"""

from __future__ import annotations

from array import array
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray
from pyproj import Geod
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from corridor.errors import OsmInputError
from corridor.network._model import FLAG_REVERSED, Network
from corridor.network._tags import Profile

_GEOD = Geod(ellps="WGS84")

# progress(phase, done_items) is called now and then; the CLI turns it into a Rich bar.
ProgressFn = Callable[[str, int], None]


@dataclass
class WayTable:
    """Column store of the accepted ways (one row per way piece), filled by the reader."""

    refs: array[int] = field(default_factory=lambda: array("q"))
    lon: array[float] = field(default_factory=lambda: array("d"))
    lat: array[float] = field(default_factory=lambda: array("d"))
    ptr: array[int] = field(default_factory=lambda: array("q", [0]))
    way_id: array[int] = field(default_factory=lambda: array("q"))
    highway: array[int] = field(default_factory=lambda: array("B"))
    forward: array[int] = field(default_factory=lambda: array("B"))
    backward: array[int] = field(default_factory=lambda: array("B"))
    speed: array[float] = field(default_factory=lambda: array("f"))
    maxspeed: array[float] = field(default_factory=lambda: array("f"))
    flags: array[int] = field(default_factory=lambda: array("H"))
    layer: array[int] = field(default_factory=lambda: array("b"))
    lanes: array[int] = field(default_factory=lambda: array("B"))
    name: array[int] = field(default_factory=lambda: array("i"))
    ref: array[int] = field(default_factory=lambda: array("i"))
    surface: array[int] = field(default_factory=lambda: array("i"))
    strings: dict[str, int] = field(default_factory=dict)
    cut_at_missing_nodes: int = 0

    def intern(self, value: str | None) -> int:
        if not value:
            return -1
        idx = self.strings.get(value)
        if idx is None:
            idx = self.strings[value] = len(self.strings)
        return idx


def _np(buf: array[Any], dtype: type[np.generic]) -> NDArray[Any]:
    return np.frombuffer(buf, dtype=dtype) if len(buf) else np.zeros(0, dtype=dtype)


@dataclass
class _Points:
    """The ways' points after cleaning: OSM node ids, coordinates, the way piece of each."""

    refs: NDArray[np.int64]
    lon: NDArray[np.float64]
    lat: NDArray[np.float64]
    way_of_pt: NDArray[np.int64]
    way_first: NDArray[np.int64]  # first and last point of each non-empty way piece
    way_last: NDArray[np.int64]
    skipped_degenerate: int


@dataclass
class _Segments:
    """Road pieces between graph nodes: first and last point, way piece, ends, length."""

    start: NDArray[np.int64]
    end: NDArray[np.int64]
    way: NDArray[np.int64]
    u: NDArray[np.int64]
    v: NDArray[np.int64]
    length: NDArray[np.float64]


@dataclass
class _Nodes:
    osm: NDArray[np.int64]
    lon: NDArray[np.float64]
    lat: NDArray[np.float64]


@dataclass
class _Edges:
    """Directed edges: segment, whether against the segment's direction, ends."""

    seg: NDArray[np.int64]
    rev: NDArray[np.bool_]
    src: NDArray[np.int64]
    dst: NDArray[np.int64]


_GEOD_BLOCK = 1 << 17  # points per geodesic call
_COLUMN_ORDER = (
    "node_lon",
    "node_lat",
    "node_osm_id",
    "indptr",
    "edge_source",
    "edge_target",
    "rev_indptr",
    "rev_edges",
    "edge_length_m",
    "edge_time_s",
    "edge_speed_kmh",
    "edge_maxspeed_kmh",
    "edge_highway",
    "edge_flags",
    "edge_layer",
    "edge_lanes",
    "edge_way_id",
    "edge_name",
    "edge_ref",
    "edge_surface",
    "edge_segment",
    "seg_offsets",
    "seg_lon",
    "seg_lat",
    "seg_node_id",
)


def build_network(
    table: WayTable,
    *,
    path: Path,
    source_sha256: str,
    profile: Profile,
    keep_all: bool,
    progress: ProgressFn | None,
) -> Network:
    """The network of the ways in ``table``; ``path`` only names the source in errors/meta.

    The steps, each a function below: clean the points, split ways into segments at shared
    nodes, measure them, number the graph nodes, orient the edges, keep the largest strongly
    connected component, renumber, sort into CSR, and gather the arrays and metadata."""
    if progress is not None:
        progress("building graph", 0)
    pts = _clean_points(table, path, profile)
    # the cleaned points are copies: the reader's per-point columns (24 bytes a point) go now
    table.refs, table.lon, table.lat = array("q"), array("d"), array("d")
    split_pos, inverse, uniq = _split_points(pts)
    seg_start, seg_end, seg_way = _segment_bounds(pts, split_pos)
    pts.way_of_pt = np.zeros(0, np.int64)  # its last use: 8 bytes a point freed for the rest
    seg_len = _segment_lengths(pts, seg_start, seg_end)
    nodes, seg_u, seg_v = _graph_nodes(
        pts, split_pos, inverse=inverse, uniq=uniq, seg_start=seg_start, seg_end=seg_end
    )
    segs = _Segments(seg_start, seg_end, seg_way, seg_u, seg_v, seg_len)
    # every step's temporaries die with it; these would otherwise live to the end (peak memory)
    del split_pos, inverse, uniq, seg_start, seg_end, seg_way, seg_u, seg_v, seg_len
    edges = _orient(table, segs)
    n_nodes_all, n_edges_all = nodes.osm.shape[0], edges.seg.shape[0]
    keep_node, n_comp = _largest_component(edges, n_nodes_all, keep_all, progress)
    nodes, segs, edges = _keep(nodes, segs, edges, keep_node, path)
    seg_offsets, pt_idx = _segment_geometry(segs)
    # past here a segment needs only its way and length
    segs.start = segs.end = segs.u = segs.v = np.zeros(0, np.int64)
    geometry = {
        "seg_offsets": seg_offsets,
        "seg_lon": pts.lon[pt_idx],
        "seg_lat": pts.lat[pt_idx],
        "seg_node_id": pts.refs[pt_idx],
    }
    # the points (32 bytes each) are not needed past here: free them before the edge columns
    # are built, which is where the import's memory peaks
    skipped_degenerate = pts.skipped_degenerate
    del pts, pt_idx
    n_edges = edges.seg.shape[0]
    # the CSR columns come out as the file's int32 at once and the int64 edges go before the
    # edge attributes are gathered (no int64 and int32 copy of a column side by side)
    arrays, e_seg, e_rev = _csr(edges, nodes.osm.shape[0])
    del edges
    arrays.update(_arrays(table, nodes, segs, e_seg, e_rev))
    arrays.update(geometry)
    arrays = {name: arrays[name] for name in _COLUMN_ORDER}  # the order files always had
    meta = {
        "source": path.name,
        "source_sha256": source_sha256,
        "profile": profile,
        "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "ways": int(np.unique(_np(table.way_id, np.int64)).shape[0]),
        "ways_cut_at_missing_nodes": table.cut_at_missing_nodes,
        "skipped_ways_degenerate": skipped_degenerate,
        "kept_largest_scc": not keep_all,
        "dropped": {
            "components": int(n_comp - 1) if not keep_all else 0,
            "nodes": int(n_nodes_all - nodes.osm.shape[0]),
            "edges": int(n_edges_all - n_edges),
        },
    }
    strings = tuple(table.strings)  # dict keeps insertion order = index order
    return Network(arrays=arrays, strings=strings, meta=meta)


def _clean_points(table: WayTable, path: Path, profile: Profile) -> _Points:
    """Repeated consecutive nodes (zero-length pieces) are mapping errors: drop the repeats,
    then drop ways left with fewer than two points."""
    refs = _np(table.refs, np.int64)
    lon = _np(table.lon, np.float64)
    lat = _np(table.lat, np.float64)
    n_pieces = len(table.way_id)  # way pieces (a way cut by missing nodes gives several)
    way_of_pt = np.repeat(np.arange(n_pieces, dtype=np.int64), np.diff(_np(table.ptr, np.int64)))
    dup = np.zeros(refs.shape[0], dtype=bool)
    dup[1:] = (refs[1:] == refs[:-1]) & (way_of_pt[1:] == way_of_pt[:-1])
    per_way = np.bincount(way_of_pt[~dup], minlength=n_pieces)
    keep_pt = ~dup & (per_way[way_of_pt] >= 2)
    skipped_degenerate = int((per_way < 2).sum())
    refs, lon, lat, way_of_pt = refs[keep_pt], lon[keep_pt], lat[keep_pt], way_of_pt[keep_pt]
    counts_per_way = np.bincount(way_of_pt, minlength=n_pieces)
    ptr = np.zeros(n_pieces + 1, dtype=np.int64)
    np.cumsum(counts_per_way, out=ptr[1:])
    way_first, way_last = ptr[:-1][counts_per_way > 0], ptr[1:][counts_per_way > 0] - 1
    if refs.shape[0] == 0:
        raise OsmInputError(
            f"no usable roads for profile {profile!r} in this file",
            path=path,
            hint="every road way has fewer than two distinct nodes; check the extract",
        )
    return _Points(refs, lon, lat, way_of_pt, way_first, way_last, skipped_degenerate)


def _split_points(pts: _Points) -> tuple[NDArray[np.int64], NDArray[np.int64], NDArray[np.int64]]:
    """A point is a graph node if its OSM node is used more than once (in any way, or twice in
    the same way) or it starts or ends a way. Returns (split positions, inverse, unique ids)."""
    uniq, inverse, counts = np.unique(pts.refs, return_inverse=True, return_counts=True)
    is_split = (counts > 1)[inverse]  # (a bool gather: no int64 array a point long)
    is_split[pts.way_first] = True
    is_split[pts.way_last] = True
    return np.flatnonzero(is_split), inverse, uniq


def _segment_bounds(
    pts: _Points, split_pos: NDArray[np.int64]
) -> tuple[NDArray[np.int64], NDArray[np.int64], NDArray[np.int64]]:
    """Consecutive split points of the same way bound a segment: (start, end, way)."""
    same_way = pts.way_of_pt[split_pos[:-1]] == pts.way_of_pt[split_pos[1:]]
    seg_start = split_pos[:-1][same_way]
    seg_end = split_pos[1:][same_way]
    return seg_start, seg_end, pts.way_of_pt[seg_start]


def _segment_lengths(
    pts: _Points, seg_start: NDArray[np.int64], seg_end: NDArray[np.int64]
) -> NDArray[np.float64]:
    """Geodesic length of every piece between consecutive points (WGS84), summed per segment."""
    n_pts = pts.refs.shape[0]
    piece_len = np.zeros(n_pts, dtype=np.float64)
    # in blocks: pyproj returns two azimuth arrays beside the distances, unused here
    for a in range(0, n_pts - 1, _GEOD_BLOCK):
        b = min(a + _GEOD_BLOCK, n_pts - 1)
        _, _, dist = _GEOD.inv(
            pts.lon[a:b], pts.lat[a:b], pts.lon[a + 1 : b + 1], pts.lat[a + 1 : b + 1]
        )
        piece_len[a + 1 : b + 1] = dist
    piece_len[pts.way_first] = 0.0  # no piece joins the end of one way to the start of the next
    cum = np.cumsum(piece_len)
    result: NDArray[np.float64] = cum[seg_end] - cum[seg_start]
    return result


def _graph_nodes(
    pts: _Points,
    split_pos: NDArray[np.int64],
    *,
    inverse: NDArray[np.int64],
    uniq: NDArray[np.int64],
    seg_start: NDArray[np.int64],
    seg_end: NDArray[np.int64],
) -> tuple[_Nodes, NDArray[np.int64], NDArray[np.int64]]:
    """Dense node ids over the OSM nodes that are split points; each segment's two ends."""
    n_pts = pts.refs.shape[0]
    node_uniq_idx = np.unique(inverse[split_pos])
    node_of_uniq = np.full(uniq.shape[0], -1, dtype=np.int64)
    node_of_uniq[node_uniq_idx] = np.arange(node_uniq_idx.shape[0])
    seg_u = node_of_uniq[inverse[seg_start]]
    seg_v = node_of_uniq[inverse[seg_end]]
    first_pos = np.zeros(uniq.shape[0], dtype=np.int64)
    first_pos[inverse[::-1]] = np.arange(n_pts - 1, -1, -1)  # any occurrence gives the location
    nodes = _Nodes(
        osm=uniq[node_uniq_idx],
        lon=pts.lon[first_pos[node_uniq_idx]],
        lat=pts.lat[first_pos[node_uniq_idx]],
    )
    return nodes, seg_u, seg_v


def _orient(table: WayTable, segs: _Segments) -> _Edges:
    """One directed edge per segment and allowed direction."""
    fwd = _np(table.forward, np.uint8).astype(bool)[segs.way]
    bwd = _np(table.backward, np.uint8).astype(bool)[segs.way]
    seg_ids = np.arange(segs.way.shape[0], dtype=np.int64)
    e_seg = np.concatenate([seg_ids[fwd], seg_ids[bwd]])
    e_rev = np.concatenate([np.zeros(int(fwd.sum()), bool), np.ones(int(bwd.sum()), bool)])
    e_src = np.where(e_rev, segs.v[e_seg], segs.u[e_seg])
    e_dst = np.where(e_rev, segs.u[e_seg], segs.v[e_seg])
    return _Edges(e_seg, e_rev, e_src, e_dst)


def _largest_component(
    edges: _Edges, n_nodes: int, keep_all: bool, progress: ProgressFn | None
) -> tuple[NDArray[np.bool_], int]:
    """The nodes of the largest strongly connected component (all with ``keep_all``)."""
    keep_node = np.ones(n_nodes, dtype=bool)
    n_comp = 1
    n_edges = edges.seg.shape[0]
    if not keep_all and n_edges:
        if progress is not None:
            progress("connected components", 0)
        graph = coo_matrix(
            (np.ones(n_edges, dtype=np.int8), (edges.src, edges.dst)), shape=(n_nodes, n_nodes)
        ).tocsr()
        n_comp, labels = connected_components(graph, directed=True, connection="strong")
        largest = np.bincount(labels).argmax()
        keep_node = labels == largest
    return keep_node, int(n_comp)


def _keep(
    nodes: _Nodes, segs: _Segments, edges: _Edges, keep_node: NDArray[np.bool_], path: Path
) -> tuple[_Nodes, _Segments, _Edges]:
    """Drop what lies outside the kept nodes; renumber nodes and segments densely. The three
    are filtered in place, a column at a time, so that only one old and one new column live
    at once (this step was the import's memory peak)."""
    keep_edge = keep_node[edges.src] & keep_node[edges.dst]
    if not keep_edge.any():
        raise OsmInputError(
            "the road network has no edges after filtering",
            path=path,
            hint="try --keep-all, or check the extract",
        )
    new_node = np.cumsum(keep_node) - 1
    edges.seg = edges.seg[keep_edge]
    edges.rev = edges.rev[keep_edge]
    edges.src = new_node[edges.src[keep_edge]]
    edges.dst = new_node[edges.dst[keep_edge]]
    del keep_edge, new_node
    nodes.osm = nodes.osm[keep_node]
    nodes.lon = nodes.lon[keep_node]
    nodes.lat = nodes.lat[keep_node]
    used_seg = np.zeros(segs.way.shape[0], dtype=bool)
    used_seg[edges.seg] = True
    edges.seg = (np.cumsum(used_seg) - 1)[edges.seg]
    segs.start = segs.start[used_seg]
    segs.end = segs.end[used_seg]
    segs.way = segs.way[used_seg]
    segs.u = segs.u[used_seg]
    segs.v = segs.v[used_seg]
    segs.length = segs.length[used_seg]
    return nodes, segs, edges


def _segment_geometry(segs: _Segments) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    """Segment geometry as flat arrays: points start..end (inclusive) of each kept segment."""
    sizes = segs.end - segs.start + 1
    seg_offsets = np.zeros(sizes.shape[0] + 1, dtype=np.int64)
    np.cumsum(sizes, out=seg_offsets[1:])
    pt_idx = np.repeat(segs.start - seg_offsets[:-1], sizes) + np.arange(seg_offsets[-1])
    return seg_offsets, pt_idx


def _csr(
    edges: _Edges, n_nodes: int
) -> tuple[dict[str, NDArray[Any]], NDArray[np.int64], NDArray[np.bool_]]:
    """Sort edges by source (then target) so the edge id is its CSR position; the reverse
    adjacency as a permutation. Returns the int32 CSR columns of the Network, and each sorted
    edge's segment and direction."""
    order = np.lexsort((edges.dst, edges.src))
    cols: dict[str, NDArray[Any]] = {}
    indptr = np.zeros(n_nodes + 1, dtype=np.int64)
    src = edges.src[order]
    np.cumsum(np.bincount(src, minlength=n_nodes), out=indptr[1:])
    cols["indptr"] = indptr.astype(np.int32)
    cols["edge_source"] = src.astype(np.int32)
    del src
    dst = edges.dst[order]
    cols["rev_edges"] = np.argsort(dst, kind="stable").astype(np.int32)
    rev_indptr = np.zeros(n_nodes + 1, dtype=np.int64)
    np.cumsum(np.bincount(dst, minlength=n_nodes), out=rev_indptr[1:])
    cols["rev_indptr"] = rev_indptr.astype(np.int32)
    cols["edge_target"] = dst.astype(np.int32)
    del dst
    return cols, edges.seg[order], edges.rev[order]


def _arrays(
    table: WayTable,
    nodes: _Nodes,
    segs: _Segments,
    e_seg: NDArray[np.int64],
    e_rev: NDArray[np.bool_],
) -> dict[str, NDArray[Any]]:
    """The node columns and the edge attributes of the Network (the way's, per edge)."""
    e_way = segs.way[e_seg]
    speed = _np(table.speed, np.float32)[e_way]
    length = segs.length[e_seg].astype(np.float32)
    flags = _np(table.flags, np.uint16)[e_way] | np.where(e_rev, FLAG_REVERSED, 0).astype(np.uint16)
    return {
        "node_lon": nodes.lon,
        "node_lat": nodes.lat,
        "node_osm_id": nodes.osm,
        "edge_length_m": length,
        "edge_time_s": (length / (speed / np.float32(3.6))).astype(np.float32),
        "edge_speed_kmh": speed,
        "edge_maxspeed_kmh": _np(table.maxspeed, np.float32)[e_way],
        "edge_highway": _np(table.highway, np.uint8)[e_way],
        "edge_flags": flags.astype(np.uint16),
        "edge_layer": _np(table.layer, np.int8)[e_way],
        "edge_lanes": _np(table.lanes, np.uint8)[e_way],
        "edge_way_id": _np(table.way_id, np.int64)[e_way],
        "edge_name": _np(table.name, np.int32)[e_way],
        "edge_ref": _np(table.ref, np.int32)[e_way],
        "edge_surface": _np(table.surface, np.int32)[e_way],
        "edge_segment": e_seg.astype(np.int32),
    }
