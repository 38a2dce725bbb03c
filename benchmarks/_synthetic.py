"""A synthetic road network of >= 1M directed edges, built straight from numpy (fixed seed).

A perturbed square grid (~100 m blocks) around 48.4 N 15.6 E: every 10th line is a primary
road, every 50th a trunk, the rest residential; 8 % of links are missing and 10 % of the rest
are one-way. Only the largest strongly connected component is kept, as ``import_osm`` does.
Cached under ``benchmarks/data/`` (git-ignored) with its ALT landmarks as extras (and, for the
region-like networks, the hierarchy's nested-dissection order).
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
from numpy.typing import NDArray
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from corridor.network import FLAG_ONEWAY, FLAG_REVERSED, HIGHWAY_CLASSES, Network, write_network
from corridor.network._format import read_network_with_extras
from corridor.routing import Landmarks, compute_landmarks, router_for
from corridor.routing._cch import Hierarchy

DATA = Path(__file__).parent / "data"
SIDE = 640  # nodes per side: ~410k nodes, ~1.5M directed edges
SEED = 20260301
SPACING_M = 100.0
M_PER_DEG_LAT = 111_195.0
SPEED = {"trunk": 90.0, "primary": 70.0, "secondary": 60.0, "residential": 30.0}


def _build(side: int, seed: int) -> Network:
    rng = np.random.default_rng(seed)
    n = side * side
    row, col = np.divmod(np.arange(n), side)
    lat0, lon0 = 48.2, 15.4
    m_per_deg_lon = M_PER_DEG_LAT * np.cos(np.radians(lat0))
    jitter = rng.normal(0, 12.0, size=(2, n))
    y_m = row * SPACING_M + jitter[0]
    x_m = col * SPACING_M + jitter[1]
    lat = lat0 + y_m / M_PER_DEG_LAT
    lon = lon0 + x_m / m_per_deg_lon

    ids = np.arange(n).reshape(side, side)
    right = np.column_stack([ids[:, :-1].ravel(), ids[:, 1:].ravel()])
    up = np.column_stack([ids[:-1, :].ravel(), ids[1:, :].ravel()])
    links = np.concatenate([right, up])
    links = links[rng.random(links.shape[0]) >= 0.08]
    a, b = links[:, 0], links[:, 1]
    horizontal = (b - a) == 1
    along = np.where(horizontal, row[a], col[a])  # the grid line the link lies on
    klass = np.where(along % 50 == 0, "trunk", np.where(along % 10 == 0, "primary", "residential"))
    oneway = (klass == "residential") & (rng.random(a.shape[0]) < 0.10)
    flip = oneway & (rng.random(a.shape[0]) < 0.5)
    source = f"synthetic grid {side}x{side} seed {seed}"
    return _assemble(lon, lat, a, b, klass, oneway, flip, rng, source)


def _assemble(  # noqa: PLR0917  (the link table's columns)
    lon: NDArray[np.float64],
    lat: NDArray[np.float64],
    a: NDArray[np.int64],
    b: NDArray[np.int64],
    klass: NDArray[np.str_],
    oneway: NDArray[np.bool_],
    flip: NDArray[np.bool_],
    rng: np.random.Generator,
    source: str,
) -> Network:
    """The network of undirected links ``a``-``b`` (one-way ones from a to b after ``flip``):
    lengths, speeds, directed edges, the largest strongly connected component and CSR."""
    n = lon.shape[0]
    m_per_deg_lat = M_PER_DEG_LAT
    m_per_deg_lon = m_per_deg_lat * np.cos(np.radians(48.2))
    a, b = np.where(flip, b, a), np.where(flip, a, b)
    dx = (lon[b] - lon[a]) * m_per_deg_lon
    dy = (lat[b] - lat[a]) * m_per_deg_lat
    length = np.hypot(dx, dy) * (1.0 + 0.05 * rng.random(a.shape[0]))
    speed = np.full(a.shape[0], SPEED["residential"])
    code = np.full(a.shape[0], HIGHWAY_CLASSES.index("residential"), np.uint8)
    for name, kmh in SPEED.items():
        speed[klass == name] = kmh
        code[klass == name] = HIGHWAY_CLASSES.index(name)

    # directed edges: every link forward; two-way links also backward (sharing the segment)
    seg = np.arange(a.shape[0])
    back = ~oneway
    src = np.concatenate([a, b[back]])
    dst = np.concatenate([b, a[back]])
    e_seg = np.concatenate([seg, seg[back]])
    flags = np.concatenate([np.where(oneway, FLAG_ONEWAY, 0), np.full(back.sum(), FLAG_REVERSED)])

    # largest strongly connected component
    graph = coo_matrix((np.ones(src.shape[0]), (src, dst)), shape=(n, n)).tocsr()
    _, labels = connected_components(graph, directed=True, connection="strong")
    keep_node = labels == np.bincount(labels).argmax()
    keep_edge = keep_node[src] & keep_node[dst]
    new_id = np.cumsum(keep_node) - 1
    src, dst, e_seg, flags = (
        new_id[src[keep_edge]],
        new_id[dst[keep_edge]],
        e_seg[keep_edge],
        flags[keep_edge],
    )
    used_seg, e_seg = np.unique(e_seg, return_inverse=True)
    n_keep = int(keep_node.sum())

    order = np.lexsort((dst, src))
    src, dst, e_seg, flags = src[order], dst[order], e_seg[order], flags[order]
    m = src.shape[0]
    seg_len = length[used_seg]
    seg_speed = speed[used_seg]
    e_len = seg_len[e_seg].astype(np.float32)
    e_speed = seg_speed[e_seg].astype(np.float32)
    indptr = np.zeros(n_keep + 1, np.int32)
    np.cumsum(np.bincount(src, minlength=n_keep), out=indptr[1:])
    rev_edges = np.lexsort((src, dst)).astype(np.int32)
    rev_indptr = np.zeros(n_keep + 1, np.int32)
    np.cumsum(np.bincount(dst, minlength=n_keep), out=rev_indptr[1:])
    node_old = np.flatnonzero(keep_node)
    seg_a, seg_b = a[used_seg], b[used_seg]
    seg_lon = np.column_stack([lon[seg_a], lon[seg_b]]).ravel()
    seg_lat = np.column_stack([lat[seg_a], lat[seg_b]]).ravel()
    arrays = {
        "node_lon": lon[node_old],
        "node_lat": lat[node_old],
        "node_osm_id": node_old.astype(np.int64) + 1,
        "indptr": indptr,
        "edge_source": src.astype(np.int32),
        "edge_target": dst.astype(np.int32),
        "rev_indptr": rev_indptr,
        "rev_edges": rev_edges,
        "edge_length_m": e_len,
        "edge_time_s": (e_len / (e_speed / 3.6)).astype(np.float32),
        "edge_speed_kmh": e_speed,
        "edge_maxspeed_kmh": np.full(m, np.nan, np.float32),
        "edge_highway": code[used_seg][e_seg],
        "edge_flags": flags.astype(np.uint16),
        "edge_layer": np.zeros(m, np.int8),
        "edge_lanes": np.zeros(m, np.uint8),
        "edge_way_id": e_seg.astype(np.int64) + 1,
        "edge_name": np.full(m, -1, np.int32),
        "edge_ref": np.full(m, -1, np.int32),
        "edge_surface": np.full(m, -1, np.int32),
        "edge_segment": e_seg.astype(np.int32),
        "seg_offsets": np.arange(0, 2 * used_seg.shape[0] + 1, 2, dtype=np.int64),
        "seg_lon": seg_lon,
        "seg_lat": seg_lat,
        "seg_node_id": np.column_stack([seg_a, seg_b]).ravel().astype(np.int64) + 1,
    }
    return Network(
        arrays=arrays,
        strings=(),
        meta={"source": source, "profile": "car"},
    )


def _town_grid(  # noqa: PLR0917
    rng: np.random.Generator, side: int, x0: float, y0: float, spacing: float, first: int
) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.int64], NDArray[np.str_]]:
    """A town: a perturbed street grid of ``side`` x ``side`` nodes (ids from ``first``), a
    primary street every 8th line, 12 % of links missing. Returns x, y, links, classes."""
    n = side * side
    row, col = np.divmod(np.arange(n), side)
    x = x0 + (col - side / 2) * spacing + rng.normal(0, spacing * 0.15, n)
    y = y0 + (row - side / 2) * spacing + rng.normal(0, spacing * 0.15, n)
    ids = np.arange(n).reshape(side, side)
    right = np.column_stack([ids[:, :-1].ravel(), ids[:, 1:].ravel()])
    up = np.column_stack([ids[:-1, :].ravel(), ids[1:, :].ravel()])
    links = np.concatenate([right, up])
    links = links[rng.random(links.shape[0]) >= 0.12]
    along = np.where((links[:, 1] - links[:, 0]) == 1, row[links[:, 0]], col[links[:, 0]])
    klass = np.where(along % 8 == side // 2 % 8, "primary", "residential")
    return x, y, links + first, klass


def _build_region(n_target: int, seed: int) -> Network:
    """Towns with dense streets joined by a sparse hierarchy of roads, as real regions are.

    Town sizes are log-normal; towns sit at random in a square region (about 25 km^2 of
    countryside per 1,000 town nodes); neighbouring towns (Delaunay) are joined by secondary
    roads, the minimum spanning tree of the towns by primary roads, and the largest towns by a
    trunk network; rural roads get a node every ~400 m (villages, junctions, bends).
    """
    from scipy.sparse.csgraph import minimum_spanning_tree
    from scipy.spatial import Delaunay

    rng = np.random.default_rng(seed)
    sizes: list[int] = []
    while sum(sizes) < 0.85 * n_target:
        sizes.append(int(np.clip(rng.lognormal(6.0, 1.0), 60, 40_000)))
    n_towns = len(sizes)
    extent = np.sqrt(n_target * 25_000.0)  # metres
    centres = rng.uniform(0, extent, size=(n_towns, 2))
    xs, ys, links, klasses, town_nodes = [], [], [], [], []
    first = 0
    for size, (cx, cy) in zip(sizes, centres.tolist(), strict=True):
        side = max(3, round(np.sqrt(size)))
        x, y, lk, kl = _town_grid(rng, side, cx, cy, rng.uniform(70, 120), first)
        xs.append(x)
        ys.append(y)
        links.append(lk)
        klasses.append(kl)
        town_nodes.append(np.arange(first, first + side * side))
        first += side * side
    x_all = np.concatenate(xs)
    y_all = np.concatenate(ys)
    tri = Delaunay(centres)
    pairs = np.concatenate(
        [tri.simplices[:, [0, 1]], tri.simplices[:, [1, 2]], tri.simplices[:, [0, 2]]]
    )
    pairs = np.unique(np.sort(pairs, axis=1), axis=0)
    length = np.hypot(*(centres[pairs[:, 0]] - centres[pairs[:, 1]]).T)
    keep = length < np.percentile(length, 90)  # no long hull edges
    pairs, length = pairs[keep], length[keep]
    mst = minimum_spanning_tree(
        coo_matrix((length, (pairs[:, 0], pairs[:, 1])), shape=(n_towns, n_towns))
    ).tocoo()
    on_mst = set(zip(mst.row.tolist(), mst.col.tolist(), strict=True))
    big = np.argsort(sizes)[-max(2, n_towns // 12) :]
    gap = np.hypot(*(centres[big][:, None, :] - centres[big][None, :, :]).transpose(2, 0, 1))
    trunk_tree = minimum_spanning_tree(np.triu(gap)).tocoo()
    road_pairs = [
        (int(a), int(b), "primary" if (a, b) in on_mst else "secondary") for a, b in pairs
    ]
    road_pairs += [
        (int(big[a]), int(big[b]), "trunk")
        for a, b in zip(trunk_tree.row, trunk_tree.col, strict=True)
    ]
    rx, ry, rlinks, rklass = [], [], [], []
    for ta, tb, kl in road_pairs:
        # the town nodes nearest to the other town's centre
        na, nb = town_nodes[ta], town_nodes[tb]
        u = int(na[np.argmin(np.hypot(x_all[na] - centres[tb, 0], y_all[na] - centres[tb, 1]))])
        v = int(nb[np.argmin(np.hypot(x_all[nb] - centres[ta, 0], y_all[nb] - centres[ta, 1]))])
        dist = float(np.hypot(x_all[u] - x_all[v], y_all[u] - y_all[v]))
        k = max(1, int(dist / 400.0))
        t = np.linspace(0, 1, k + 1)[1:-1]
        bend = rng.normal(0, 0.03 * dist, t.size) * np.sin(np.pi * t)
        nx_, ny_ = -(y_all[v] - y_all[u]) / max(dist, 1.0), (x_all[v] - x_all[u]) / max(dist, 1.0)
        px = x_all[u] + t * (x_all[v] - x_all[u]) + bend * nx_
        py = y_all[u] + t * (y_all[v] - y_all[u]) + bend * ny_
        ids = np.arange(first, first + t.size)
        first += t.size
        chain = np.concatenate([[u], ids, [v]])
        rx.append(px)
        ry.append(py)
        rlinks.append(np.column_stack([chain[:-1], chain[1:]]))
        rklass.append(np.full(chain.size - 1, kl))
    x_all = np.concatenate([x_all, *rx])
    y_all = np.concatenate([y_all, *ry])
    a_b = np.concatenate(links + rlinks)
    klass = np.concatenate(klasses + rklass)
    oneway = (klass == "residential") & (rng.random(klass.size) < 0.10)
    flip = oneway & (rng.random(klass.size) < 0.5)
    lat0, lon0 = 48.2, 15.4
    lat = lat0 + y_all / M_PER_DEG_LAT
    lon = lon0 + x_all / (M_PER_DEG_LAT * np.cos(np.radians(lat0)))
    source = f"synthetic region ~{n_target} nodes seed {seed}"
    return _assemble(lon, lat, a_b[:, 0], a_b[:, 1], klass, oneway, flip, rng, source)


def synthetic_network(
    side: int = SIDE, seed: int = SEED, *, region_nodes: int | None = None
) -> tuple[Network, float]:
    """The cached synthetic network (built on first use) and the landmark build time in s:
    the perturbed grid, or with ``region_nodes`` the region-like network of about that many
    nodes."""
    name = f"region-{region_nodes}" if region_nodes else f"synthetic-{side}"
    path = DATA / f"{name}-{seed}.net"
    if not path.exists():
        DATA.mkdir(parents=True, exist_ok=True)
        t0 = time.perf_counter()
        net = _build_region(region_nodes, seed) if region_nodes else _build(side, seed)
        print(
            f"built {name}: {net.n_nodes:,} nodes, {net.n_edges:,} edges "
            f"in {time.perf_counter() - t0:.1f} s",
            flush=True,
        )
        t0 = time.perf_counter()
        lm = compute_landmarks(net)
        lm_s = time.perf_counter() - t0
        net.meta["landmarks_s"] = lm_s  # type: ignore[index]
        write_network(net, path, extra=lm.as_extras())
    net, extras = read_network_with_extras(path)
    landmarks = Landmarks.from_extras(net, extras)
    hierarchy = Hierarchy.from_extras(net, extras)
    if hierarchy is None and region_nodes:  # the order (METIS: minutes) cached beside them
        hierarchy = Hierarchy.build(net)
        write_network(net, path, extra={**extras, **hierarchy.as_extras()})
    router_for(net, landmarks=landmarks, hierarchy=hierarchy)
    return net, float(net.meta.get("landmarks_s", float("nan")))
