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


def build_network(
    table: WayTable,
    *,
    path: Path,
    source_sha256: str,
    profile: Profile,
    keep_all: bool,
    progress: ProgressFn | None,
) -> Network:
    """The network of the ways in ``table``; ``path`` only names the source in errors/meta."""
    if progress is not None:
        progress("building graph", 0)

    refs = _np(table.refs, np.int64)
    lon = _np(table.lon, np.float64)
    lat = _np(table.lat, np.float64)
    n_pieces = len(table.way_id)  # way pieces (a way cut by missing nodes gives several)
    way_of_pt = np.repeat(np.arange(n_pieces, dtype=np.int64), np.diff(_np(table.ptr, np.int64)))

    # Repeated consecutive nodes (zero-length pieces) are mapping errors: drop the repeats,
    # then drop ways left with fewer than two points.
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
    n_pts = refs.shape[0]
    if n_pts == 0:
        raise OsmInputError(
            f"no usable roads for profile {profile!r} in this file",
            path=path,
            hint="every road way has fewer than two distinct nodes; check the extract",
        )

    # A point is a graph node if its OSM node is used more than once (in any way, or twice in
    # the same way) or it starts or ends a way.
    uniq, inverse, counts = np.unique(refs, return_inverse=True, return_counts=True)
    is_split = counts[inverse] > 1
    is_split[way_first] = True
    is_split[way_last] = True
    split_pos = np.flatnonzero(is_split)
    same_way = way_of_pt[split_pos[:-1]] == way_of_pt[split_pos[1:]]
    seg_start = split_pos[:-1][same_way]
    seg_end = split_pos[1:][same_way]
    seg_way = way_of_pt[seg_start]

    # Geodesic length of every piece between consecutive points of a way (WGS84 ellipsoid).
    piece_len = np.zeros(n_pts, dtype=np.float64)
    if n_pts > 1:
        _, _, dist = _GEOD.inv(lon[:-1], lat[:-1], lon[1:], lat[1:])
        piece_len[1:] = dist
    piece_len[way_first] = 0.0  # no piece joins the end of one way to the start of the next
    cum = np.cumsum(piece_len)
    seg_len = cum[seg_end] - cum[seg_start]

    # Graph node ids: dense ids over the OSM nodes that are split points.
    node_uniq_idx = np.unique(inverse[split_pos])
    node_of_uniq = np.full(uniq.shape[0], -1, dtype=np.int64)
    node_of_uniq[node_uniq_idx] = np.arange(node_uniq_idx.shape[0])
    seg_u = node_of_uniq[inverse[seg_start]]
    seg_v = node_of_uniq[inverse[seg_end]]
    first_pos = np.zeros(uniq.shape[0], dtype=np.int64)
    first_pos[inverse[::-1]] = np.arange(n_pts - 1, -1, -1)  # any occurrence gives the location
    node_osm = uniq[node_uniq_idx]
    node_lon = lon[first_pos[node_uniq_idx]]
    node_lat = lat[first_pos[node_uniq_idx]]

    fwd = _np(table.forward, np.uint8).astype(bool)[seg_way]
    bwd = _np(table.backward, np.uint8).astype(bool)[seg_way]
    n_seg = seg_way.shape[0]
    seg_ids = np.arange(n_seg, dtype=np.int64)
    e_seg = np.concatenate([seg_ids[fwd], seg_ids[bwd]])
    e_rev = np.concatenate([np.zeros(int(fwd.sum()), bool), np.ones(int(bwd.sum()), bool)])
    e_src = np.where(e_rev, seg_v[e_seg], seg_u[e_seg])
    e_dst = np.where(e_rev, seg_u[e_seg], seg_v[e_seg])

    n_nodes_all = node_osm.shape[0]
    n_edges_all = e_seg.shape[0]
    keep_node = np.ones(n_nodes_all, dtype=bool)
    n_comp = 1
    if not keep_all and n_edges_all:
        if progress is not None:
            progress("connected components", 0)
        graph = coo_matrix(
            (np.ones(n_edges_all, dtype=np.int8), (e_src, e_dst)), shape=(n_nodes_all, n_nodes_all)
        ).tocsr()
        n_comp, labels = connected_components(graph, directed=True, connection="strong")
        largest = np.bincount(labels).argmax()
        keep_node = labels == largest
    keep_edge = keep_node[e_src] & keep_node[e_dst]
    e_seg, e_rev, e_src, e_dst = (
        e_seg[keep_edge],
        e_rev[keep_edge],
        e_src[keep_edge],
        e_dst[keep_edge],
    )
    if e_seg.shape[0] == 0:
        raise OsmInputError(
            "the road network has no edges after filtering",
            path=path,
            hint="try --keep-all, or check the extract",
        )

    # Renumber nodes and segments that survive.
    new_node = np.cumsum(keep_node) - 1
    e_src, e_dst = new_node[e_src], new_node[e_dst]
    node_osm, node_lon, node_lat = node_osm[keep_node], node_lon[keep_node], node_lat[keep_node]
    used_seg = np.zeros(n_seg, dtype=bool)
    used_seg[e_seg] = True
    new_seg = np.cumsum(used_seg) - 1
    e_seg = new_seg[e_seg]
    k_start, k_end, k_way = seg_start[used_seg], seg_end[used_seg], seg_way[used_seg]
    k_len = seg_len[used_seg]

    # Segment geometry as flat arrays: points start..end (inclusive) of each kept segment.
    sizes = k_end - k_start + 1
    seg_offsets = np.zeros(sizes.shape[0] + 1, dtype=np.int64)
    np.cumsum(sizes, out=seg_offsets[1:])
    pt_idx = np.repeat(k_start - seg_offsets[:-1], sizes) + np.arange(seg_offsets[-1])

    # Sort edges by source (then target) so the edge id is its CSR position.
    order = np.lexsort((e_dst, e_src))
    e_seg, e_rev, e_src, e_dst = e_seg[order], e_rev[order], e_src[order], e_dst[order]
    n_nodes = node_osm.shape[0]
    indptr = np.zeros(n_nodes + 1, dtype=np.int64)
    np.cumsum(np.bincount(e_src, minlength=n_nodes), out=indptr[1:])
    rev_edges = np.argsort(e_dst, kind="stable")
    rev_indptr = np.zeros(n_nodes + 1, dtype=np.int64)
    np.cumsum(np.bincount(e_dst, minlength=n_nodes), out=rev_indptr[1:])

    e_way = k_way[e_seg]
    speed = _np(table.speed, np.float32)[e_way]
    length = k_len[e_seg].astype(np.float32)
    flags = _np(table.flags, np.uint16)[e_way] | np.where(e_rev, FLAG_REVERSED, 0).astype(np.uint16)
    arrays: dict[str, NDArray[Any]] = {
        "node_lon": node_lon,
        "node_lat": node_lat,
        "node_osm_id": node_osm,
        "indptr": indptr.astype(np.int32),
        "edge_source": e_src.astype(np.int32),
        "edge_target": e_dst.astype(np.int32),
        "rev_indptr": rev_indptr.astype(np.int32),
        "rev_edges": rev_edges.astype(np.int32),
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
        "seg_offsets": seg_offsets,
        "seg_lon": lon[pt_idx],
        "seg_lat": lat[pt_idx],
        "seg_node_id": refs[pt_idx],
    }
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
            "nodes": int(n_nodes_all - n_nodes),
            "edges": int(n_edges_all - e_seg.shape[0]),
        },
    }
    strings = tuple(table.strings)  # dict keeps insertion order = index order
    return Network(arrays=arrays, strings=strings, meta=meta)
