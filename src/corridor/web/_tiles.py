"""Road-network map tiles: the network as GeoJSON per web-mercator tile, simplified by zoom.

The dashboard draws its base map from the imported network itself (no online tiles), so the
server cuts it into the usual z/x/y tiles. Below street zoom a tile is cut from a pyramid
built once per network: the roads joined into long strokes, only the classes drawn at that
zoom, simplified to half a pixel, in an R-tree per zoom; so a low-zoom tile of a
million-edge network costs a query and a clip instead of touching every segment. From
``NAME_ZOOM`` on, tiles are cut from the segments themselves and carry road-name label
anchors. Tiles are pure functions of the (immutable) network, so a bounded LRU cache keeps
the bytes of recent ones.
"""

from __future__ import annotations

import json
import math
import threading
from collections import OrderedDict
from typing import Any

import numpy as np
import shapely
from numpy.typing import NDArray

from corridor.errors import InputError
from corridor.network import FLAG_BRIDGE, FLAG_REVERSED, FLAG_TUNNEL, HIGHWAY_CLASSES, Network

MAX_ZOOM = 20
TILE_PX = 256
#: From this zoom on, features carry the road's name (and ref) for labels.
NAME_ZOOM = 15

#: The classes drawn up to each zoom; from zoom 13 on, every class (a town's streets).
_MAJOR = ("motorway", "motorway_link", "trunk", "trunk_link", "primary")
_MEDIUM = (*_MAJOR, "primary_link", "secondary")
_BANDS: tuple[tuple[int, frozenset[str]], ...] = (
    (9, frozenset(_MAJOR)),
    (11, frozenset(_MEDIUM)),
    (12, frozenset({*_MEDIUM, "secondary_link", "tertiary", "tertiary_link", "unclassified"})),
)


def classes_at(zoom: int) -> frozenset[str] | None:
    """The road classes drawn at ``zoom``; None means every class."""
    for upto, classes in _BANDS:
        if zoom <= upto:
            return classes
    return None


def tile_bounds(z: int, x: int, y: int) -> tuple[float, float, float, float]:
    """(west, south, east, north) in degrees of the slippy-map tile z/x/y."""
    if not 0 <= z <= MAX_ZOOM:
        raise InputError(f"zoom {z} is outside 0..{MAX_ZOOM}", field="z")
    n = 1 << z
    if not (0 <= x < n and 0 <= y < n):
        raise InputError(f"tile {x}/{y} does not exist at zoom {z} (0..{n - 1})", field="x/y")

    def lat(row: int) -> float:
        return math.degrees(math.atan(math.sinh(math.pi * (1 - 2 * row / n))))

    return x / n * 360.0 - 180.0, lat(y + 1), (x + 1) / n * 360.0 - 180.0, lat(y)


def road_tile(
    network: Network, z: int, x: int, y: int, index: TileIndex | None = None
) -> dict[str, Any]:
    """The roads meeting tile z/x/y as a GeoJSON FeatureCollection.

    One MultiLineString per kind of road drawn: ``highway`` class, ``bridge`` and ``tunnel``;
    every point drawn is within a pixel of the road. Below ``NAME_ZOOM`` the lines come from
    the network's pyramid (roads joined into long strokes, simplified once per zoom), clipped
    to the tile and a few pixels around it, and snapped to a half-pixel grid. From
    ``NAME_ZOOM`` on they are the network's own segments, simplified to half a pixel, and the
    tile also carries the road-name labels anchored inside it (Point features with a ``label``
    property), so that the client draws each label once, whole, above every tile.
    """
    index = index if index is not None else TileIndex(network)
    west, south, east, north = tile_bounds(z, x, y)
    # A margin of a few pixels so lines crossing the edge are drawn continuously.
    pad = (east - west) * 4 / TILE_PX
    box = (west - pad, max(south - pad, -90.0), east + pad, min(north + pad, 90.0))
    if z < NAME_ZOOM:
        lines, keys = index.level(z).cut(box)
    else:
        lines, keys = _segment_lines(network, index.grid, z, box)
    features: list[dict[str, Any]] = []
    if lines.shape[0]:
        tolerance = (east - west) / TILE_PX / 2
        if z >= NAME_ZOOM:
            lines = shapely.simplify(lines, tolerance, preserve_topology=False)
        coords, owner = shapely.get_coordinates(lines, return_index=True)
        if z < NAME_ZOOM:
            # A segment is often shorter than a pixel here: snapping to a half-pixel grid and
            # dropping what collapses keeps every line continuous at screen resolution.
            cell = np.array([(east - west) / TILE_PX / 2, (north - south) / TILE_PX / 2])
            coords, owner = _snap(coords, owner, np.array([west, south]), cell)
        coords = np.round(coords, _decimals(z))
        features = _line_features(coords, owner, keys)
    if z >= NAME_ZOOM:
        features.extend(index.labels(z).inside(west, south, east, north))
    return {"type": "FeatureCollection", "features": features}


def _decimals(z: int) -> int:
    """Decimal places for about a tenth of a pixel at zoom ``z`` (a degree of longitude is
    256 * 2**z / 360 pixels); fewer digits are what keeps a low-zoom tile small."""
    return max(1, math.ceil(math.log10(10 * TILE_PX * (1 << z) / 360.0)))


def _line_features(
    coords: NDArray[np.float64], owner: NDArray[np.int64], keys: NDArray[np.int64]
) -> list[dict[str, Any]]:
    """One MultiLineString per (class, bridge, tunnel): the JSON of a Feature per line would
    otherwise outweigh the coordinates."""
    groups: dict[tuple[int, ...], list[list[list[float]]]] = {}
    if owner.shape[0]:
        # One tolist() and list slices: a tolist() per line costs more than the JSON.
        flat = coords.tolist()
        starts = np.concatenate(([0], np.flatnonzero(np.diff(owner)) + 1))
        ends = np.concatenate((starts[1:], [owner.shape[0]])).tolist()
        line_keys = [tuple(k) for k in keys[owner[starts]].tolist()]
        for key, a, b in zip(line_keys, starts.tolist(), ends, strict=True):
            groups.setdefault(key, []).append(flat[a:b])
    features = []
    for (code, bridge, tunnel), parts in sorted(groups.items()):
        props: dict[str, Any] = {"highway": HIGHWAY_CLASSES[code]}
        if bridge:
            props["bridge"] = True
        if tunnel:
            props["tunnel"] = True
        features.append(
            {"type": "Feature", "geometry": {"type": "MultiLineString", "coordinates": parts},
             "properties": props}
        )  # fmt: skip
    return features


def _segment_keys(network: Network, segments: NDArray[np.int64]) -> NDArray[np.int64]:
    """(highway class, bridge, tunnel) of each segment, as int64 rows."""
    edge = network.segment_edges[segments]
    flags = network.edge_flags[edge].astype(np.int64)
    return np.column_stack(
        (network.edge_highway[edge], (flags & FLAG_BRIDGE) != 0, (flags & FLAG_TUNNEL) != 0)
    ).astype(np.int64)


def _segment_geometries(network: Network, segments: NDArray[np.int64]) -> NDArray[Any]:
    """The segments' lines (stored direction) as a shapely array, built in one call."""
    arr = network.arrays
    starts = network.seg_offsets[segments]
    counts = (network.seg_offsets[segments + 1] - starts).astype(np.int64)
    index = np.repeat(np.arange(segments.shape[0]), counts)
    first = np.cumsum(counts) - counts
    points = np.arange(int(counts.sum())) - np.repeat(first, counts) + np.repeat(starts, counts)
    coords = np.column_stack((arr["seg_lon"][points], arr["seg_lat"][points])).astype(np.float64)
    lines: NDArray[Any] = shapely.linestrings(coords, indices=index)
    return lines


def _segment_lines(
    network: Network, grid: SegmentGrid, z: int, box: tuple[float, float, float, float]
) -> tuple[NDArray[Any], NDArray[np.int64]]:
    """Street zoom: the segments whose box meets ``box`` (classes of ``z``), as lines."""
    segments = grid.query(*box)
    keys = _segment_keys(network, segments)
    wanted = classes_at(z)
    if wanted is not None:
        keep = np.isin(keys[:, 0], _class_codes(wanted))
        segments, keys = segments[keep], keys[keep]
    return _segment_geometries(network, segments), keys


def _class_codes(classes: frozenset[str]) -> NDArray[np.int64]:
    return np.array([i for i, c in enumerate(HIGHWAY_CLASSES) if c in classes], np.int64)


def _snap(
    coords: NDArray[np.float64],
    owner: NDArray[np.int64],
    origin: NDArray[np.float64],
    cell: NDArray[np.float64],
) -> tuple[NDArray[np.float64], NDArray[np.int64]]:
    """Points snapped to the grid; repeated points and lines left with one point dropped."""
    q = np.round((coords - origin) / cell)
    keep = np.ones(q.shape[0], dtype=bool)
    keep[1:] = ~((q[1:] == q[:-1]).all(axis=1) & (owner[1:] == owner[:-1]))
    q, owner = q[keep], owner[keep]
    lines, counts = np.unique(owner, return_counts=True)
    long_enough = np.isin(owner, lines[counts >= 2])
    return q[long_enough] * cell + origin, owner[long_enough]


class SegmentGrid:
    """The network's segments bucketed by a regular lon/lat grid, so a tile looks only at the
    segments of the cells it covers instead of scanning every segment's box (the scan costs
    ~10 ms per tile on a million-edge network). Answers exactly as ``segments_in_bbox``."""

    def __init__(self, network: Network, cell_deg: float = 0.01) -> None:
        self.network = network
        self.cell = cell_deg
        starts = network.seg_offsets[:-1]
        lon, lat = network.arrays["seg_lon"], network.arrays["seg_lat"]
        if starts.shape[0] == 0:
            self.bounds = np.zeros((0, 4))
        else:
            self.bounds = np.column_stack(
                (np.minimum.reduceat(lon, starts), np.minimum.reduceat(lat, starts),
                 np.maximum.reduceat(lon, starts), np.maximum.reduceat(lat, starts))
            ).astype(np.float64)  # fmt: skip
        b = self.bounds
        self.lon0 = float(b[:, 0].min()) if b.shape[0] else 0.0
        self.lat0 = float(b[:, 1].min()) if b.shape[0] else 0.0
        ix0, iy0 = self._cells(b[:, 0], b[:, 1])
        ix1, iy1 = self._cells(b[:, 2], b[:, 3])
        self.nx = int(ix1.max()) + 1 if b.shape[0] else 1
        self.ny = int(iy1.max()) + 1 if b.shape[0] else 1
        # A segment spanning several cells is listed in each (most span one).
        wide, high = ix1 - ix0 + 1, iy1 - iy0 + 1
        per = wide * high
        seg = np.repeat(np.arange(b.shape[0], dtype=np.int64), per)
        k = np.arange(int(per.sum()), dtype=np.int64) - np.repeat(np.cumsum(per) - per, per)
        cx = np.repeat(ix0, per) + k // np.repeat(high, per)
        cy = np.repeat(iy0, per) + k % np.repeat(high, per)
        keys = cx * self.ny + cy
        order = np.argsort(keys, kind="stable")
        self.keys = keys[order]
        self.segments = seg[order]

    def _cells(
        self, lon: NDArray[np.float64], lat: NDArray[np.float64]
    ) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
        ix = np.floor((lon - self.lon0) / self.cell).astype(np.int64)
        iy = np.floor((lat - self.lat0) / self.cell).astype(np.int64)
        return ix, iy

    def query(self, west: float, south: float, east: float, north: float) -> NDArray[np.int64]:
        """Ids (sorted) of the segments whose box meets the given box."""
        b = self.bounds
        if b.shape[0] == 0:
            return np.zeros(0, np.int64)
        x0, y0 = (int(v[0]) for v in self._cells(np.array([west]), np.array([south])))
        x1, y1 = (int(v[0]) for v in self._cells(np.array([east]), np.array([north])))
        x0, y0, x1, y1 = max(x0, 0), max(y0, 0), min(x1, self.nx - 1), min(y1, self.ny - 1)
        if x0 > x1 or y0 > y1:
            return np.zeros(0, np.int64)
        if (x1 - x0 + 1) * (y1 - y0 + 1) * 4 > self.nx * self.ny:  # most of the grid: scan
            candidates = np.arange(b.shape[0], dtype=np.int64)
        else:
            lo = np.searchsorted(self.keys, np.arange(x0, x1 + 1) * self.ny + y0, side="left")
            hi = np.searchsorted(self.keys, np.arange(x0, x1 + 1) * self.ny + y1, side="right")
            parts = [self.segments[a:c] for a, c in zip(lo.tolist(), hi.tolist(), strict=True)]
            candidates = np.unique(np.concatenate(parts)) if parts else np.zeros(0, np.int64)
        c = b[candidates]
        hit = (c[:, 0] <= east) & (c[:, 2] >= west) & (c[:, 1] <= north) & (c[:, 3] >= south)
        return candidates[hit]


#: Two road ends meeting at a node continue one stroke when they deviate from a straight
#: line by less than this (degrees); a node where only two ends of a kind meet always joins.
STROKE_TURN_DEG = 45.0
#: Road-name labels are anchored about this many pixels apart along a named road (one at its
#: middle at least), each in exactly one tile.
LABEL_SPACING_PX = 384
_MAX_STROKE_DEGREE = 8  # ends of one kind at one node considered for pairing


def _strokes(
    network: Network, classes: frozenset[str] | None
) -> tuple[NDArray[Any], NDArray[np.int64]]:
    """The segments of ``classes`` (None: all) joined into long lines ("strokes") of one
    kind each.

    A map at low zoom draws a long road as one line; drawn as its segments (a few hundred
    metres each) it is thousands of tiny lines, which simplification cannot shorten and
    which make a regional tile megabytes. Joining only where exactly two ends meet (GEOS's
    line merge) stops at every crossing, so at each node the ends of one kind (class, bridge,
    tunnel) are paired, straightest pair first, while they continue within ``STROKE_TURN_DEG``
    of straight: the usual "stroke" generalisation of road networks. Ends pair only within a
    kind, so the strokes of a few classes are those of the whole network restricted to them,
    and the low zooms (major roads: a fraction of the segments) are ready first.
    """
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    segs = np.arange(network.n_segments, dtype=np.int64)
    keys = _segment_keys(network, segs)
    if classes is not None:
        keep = np.isin(keys[:, 0], _class_codes(classes))
        segs, keys = segs[keep], keys[keep]
    n = segs.shape[0]
    if n == 0:
        return np.zeros(0, dtype=object), np.zeros((0, 3), np.int64)
    edge = network.segment_edges[segs]
    reversed_ = (network.edge_flags[edge] & FLAG_REVERSED) != 0
    source, target = network.edge_source[edge], network.edge_target[edge]
    # End 2i is segment segs[i]'s first point, 2i+1 its last; nodes from the graph.
    node = np.empty(2 * n, np.int64)
    node[0::2] = np.where(reversed_, target, source)
    node[1::2] = np.where(reversed_, source, target)
    lon, lat = network.arrays["seg_lon"], network.arrays["seg_lat"]
    off = network.seg_offsets
    shrink = math.cos(math.radians(float(np.mean(lat))))
    first, last = off[segs], off[segs + 1] - 1
    out = np.empty((2 * n, 2))  # the direction leaving the node along the segment
    out[0::2, 0] = (lon[first + 1] - lon[first]) * shrink
    out[0::2, 1] = lat[first + 1] - lat[first]
    out[1::2, 0] = (lon[last - 1] - lon[last]) * shrink
    out[1::2, 1] = lat[last - 1] - lat[last]
    out /= np.maximum(np.hypot(out[:, 0], out[:, 1]), 1e-12)[:, None]
    kind = np.repeat(keys[:, 0] * 4 + keys[:, 1] * 2 + keys[:, 2], 2)
    order = np.lexsort((kind, node))
    sn, sk = node[order], kind[order]
    cut = np.flatnonzero((sn[1:] != sn[:-1]) | (sk[1:] != sk[:-1])) + 1
    starts = np.concatenate(([0], cut))
    sizes = np.diff(np.concatenate((starts, [2 * n])))
    pairs: list[NDArray[np.int64]] = []
    two = starts[sizes == 2]
    pairs.append(np.column_stack((order[two], order[two + 1])))
    straight = -math.cos(math.radians(STROKE_TURN_DEG))
    for size in range(3, _MAX_STROKE_DEGREE + 1):
        at = starts[sizes == size]
        if at.shape[0] == 0:
            continue
        members = order[at[:, None] + np.arange(size)]  # (groups, size) end ids
        ii, jj = np.triu_indices(size, 1)
        dots = np.einsum("gkd,gkd->gk", out[members[:, ii]], out[members[:, jj]])
        rank = np.argsort(dots, axis=1, kind="stable")  # straightest (dot nearest -1) first
        used = np.zeros(members.shape, dtype=bool)
        rows = np.arange(members.shape[0])
        for k in range(ii.shape[0]):
            c = rank[:, k]
            a, b = ii[c], jj[c]
            take = (dots[rows, c] < straight) & ~used[rows, a] & ~used[rows, b]
            used[rows[take], a[take]] = True
            used[rows[take], b[take]] = True
            pairs.append(
                np.column_stack((members[rows[take], a[take]], members[rows[take], b[take]]))
            )
    joined = np.concatenate(pairs) // 2
    graph = coo_matrix((np.ones(joined.shape[0]), (joined[:, 0], joined[:, 1])), shape=(n, n))
    _, label = connected_components(graph, directed=False)
    by_label = np.argsort(label, kind="stable")
    lines = _segment_geometries(network, segs[by_label])
    merged = shapely.line_merge(
        shapely.multilinestrings(lines, indices=label[by_label]), directed=False
    )
    parts, owner = shapely.get_parts(merged, return_index=True)
    representative = np.empty(int(label.max()) + 1, np.int64)
    representative[label[by_label][::-1]] = by_label[::-1]
    return parts, keys[representative[owner]]


class _Level:
    """One zoom of the pyramid: the strokes of the classes drawn there, simplified to half a
    pixel, in an R-tree; a tile is a query and a clip."""

    def __init__(self, strokes: NDArray[Any], keys: NDArray[np.int64], z: int) -> None:
        wanted = classes_at(z)
        if wanted is not None:
            keep = np.isin(keys[:, 0], _class_codes(wanted))
            strokes, keys = strokes[keep], keys[keep]
        px_lon = 360.0 / (TILE_PX * (1 << z))
        if strokes.shape[0]:
            mid = float(np.mean(shapely.get_coordinates(strokes[:1000])[:, 1]))
            # Half a pixel along both axes (a degree of latitude spans more pixels).
            tolerance = px_lon * math.cos(math.radians(mid)) / 2
            strokes = shapely.simplify(strokes, tolerance, preserve_topology=False)
        self.lines: NDArray[Any] = strokes
        self.keys = keys
        self.tree = shapely.STRtree(strokes)

    def cut(self, box: tuple[float, float, float, float]) -> tuple[NDArray[Any], NDArray[np.int64]]:
        hit = np.sort(self.tree.query(shapely.box(*box)))
        clipped = shapely.clip_by_rect(self.lines[hit], *box)
        parts, owner = shapely.get_parts(clipped, return_index=True)
        line = shapely.get_type_id(parts) == 1
        line &= shapely.get_num_points(parts) >= 2
        return parts[line], self.keys[hit[owner[line]]]


class _Labels:
    """Road-name anchors at one zoom, sorted by longitude."""

    def __init__(self, chains: NDArray[Any], names: list[str], length: NDArray[np.float64],
                 z: int) -> None:  # fmt: skip
        px = length * TILE_PX * (1 << z) / 360.0
        count = np.maximum(1, np.floor(px / LABEL_SPACING_PX)).astype(np.int64)
        chain = np.repeat(np.arange(chains.shape[0]), count)
        k = np.arange(int(count.sum())) - np.repeat(np.cumsum(count) - count, count)
        points = shapely.line_interpolate_point(
            chains[chain], (k + 0.5) / count[chain], normalized=True
        )
        self.decimals = _decimals(z)
        xy = np.round(shapely.get_coordinates(points), self.decimals)  # as sent: tile by these
        order = np.argsort(xy[:, 0], kind="stable") if xy.shape[0] else np.zeros(0, np.int64)
        self.lon, self.lat = xy[order, 0], xy[order, 1]
        self.names = [names[i] for i in chain[order].tolist()]

    def inside(self, west: float, south: float, east: float, north: float) -> list[dict[str, Any]]:
        """The anchors of tile (west, south, east, north): west and north edges included, so
        an anchor on a shared edge belongs to one tile only."""
        a, b = np.searchsorted(self.lon, [west, east], side="left").tolist()
        lat = self.lat[a:b]
        hit = (np.flatnonzero((lat > south) & (lat <= north)) + a).tolist()
        return [
            {"type": "Feature",
             "geometry": {"type": "Point",
                          "coordinates": [float(self.lon[i]), float(self.lat[i])]},
             "properties": {"label": self.names[i]}}
            for i in hit
        ]  # fmt: skip


class TileIndex:
    """What the tiles of one network are cut from, each part built on first use and kept:
    the segment grid (street zooms), the strokes and their simplified level per zoom (the
    pyramid below ``NAME_ZOOM``) and the label anchors per zoom."""

    def __init__(self, network: Network) -> None:
        self.network = network
        self._pyramid_lock = threading.Lock()
        self._street_lock = threading.Lock()
        self._grid: SegmentGrid | None = None
        self._strokes: dict[frozenset[str] | None, tuple[NDArray[Any], NDArray[np.int64]]] = {}
        self._levels: dict[int, _Level] = {}
        self._named: tuple[NDArray[Any], list[str], NDArray[np.float64]] | None = None
        self._labels: dict[int, _Labels] = {}

    @property
    def grid(self) -> SegmentGrid:
        found = self._grid  # built parts are read without a lock (never replaced)
        if found is None:
            with self._street_lock:
                if self._grid is None:
                    self._grid = SegmentGrid(self.network)
                found = self._grid
        return found

    def level(self, z: int) -> _Level:
        found = self._levels.get(z)
        if found is None:
            # Only the pyramid's builds wait for each other: a street-zoom tile, or a zoom
            # already built, is not held up while a slow class band is being joined.
            with self._pyramid_lock:
                found = self._levels.get(z)
                if found is None:
                    band = classes_at(z)
                    strokes = self._strokes.get(band)
                    if strokes is None:
                        strokes = self._strokes[band] = _strokes(self.network, band)
                    found = self._levels[z] = _Level(*strokes, z)
        return found

    def labels(self, z: int) -> _Labels:
        found = self._labels.get(z)
        if found is None:
            with self._street_lock:
                found = self._labels.get(z)
                if found is None:
                    if self._named is None:
                        self._named = _named_chains(self.network)
                    found = self._labels[z] = _Labels(*self._named, z)
        return found


def _named_chains(network: Network) -> tuple[NDArray[Any], list[str], NDArray[np.float64]]:
    """Each named road's segments joined into chains (one per connected piece), their names
    and their lengths in web-mercator degrees (a degree of longitude at the equator)."""
    edge = network.segment_edges
    name = network.arrays["edge_name"][edge].astype(np.int64)
    segs = np.flatnonzero(name >= 0)
    if segs.shape[0] == 0:
        return np.zeros(0, dtype=object), [], np.zeros(0)
    segs = segs[np.argsort(name[segs], kind="stable")]
    present, dense = np.unique(name[segs], return_inverse=True)
    merged = shapely.line_merge(
        shapely.multilinestrings(_segment_geometries(network, segs), indices=dense),
        directed=False,
    )
    chains, owner = shapely.get_parts(merged, return_index=True)
    strings = network.strings
    names = [strings[int(i)] for i in present[owner].tolist()]

    def mercator(xy: NDArray[np.float64]) -> NDArray[np.float64]:
        lat = np.radians(np.clip(xy[:, 1], -85.0511, 85.0511))
        return np.column_stack((xy[:, 0], np.degrees(np.arcsinh(np.tan(lat)))))

    length = shapely.length(shapely.transform(chains, mercator)).astype(np.float64)
    return chains, names, length


class TileCache:
    """A bounded LRU of encoded tiles per (network name, z, x, y), and each network's
    TileIndex (built once, kept while the network is served); safe across threads."""

    def __init__(self, max_tiles: int = 4096) -> None:
        self.max_tiles = max_tiles
        self._tiles: OrderedDict[tuple[str, int, int, int], bytes] = OrderedDict()
        self._indexes: dict[str, TileIndex] = {}
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def clear_tiles(self) -> None:
        """Forget the tiles (not the networks' indexes and pyramids)."""
        with self._lock:
            self._tiles.clear()

    def index(self, name: str, network: Network) -> TileIndex:
        with self._lock:
            found = self._indexes.get(name)
            if found is None or found.network is not network:
                found = self._indexes[name] = TileIndex(network)
            return found

    def get(self, name: str, network: Network, z: int, x: int, y: int) -> bytes:
        key = (name, z, x, y)
        with self._lock:
            found = self._tiles.get(key)
            if found is not None:
                self._tiles.move_to_end(key)
                self.hits += 1
                return found
        tile = road_tile(network, z, x, y, self.index(name, network))
        body = json.dumps(tile, ensure_ascii=False, separators=(",", ":")).encode()
        with self._lock:
            self.misses += 1
            self._tiles[key] = body
            self._tiles.move_to_end(key)
            while len(self._tiles) > self.max_tiles:
                self._tiles.popitem(last=False)
        return body
