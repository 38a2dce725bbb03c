"""A synthetic road network of >= 1M directed edges, built straight from numpy (fixed seed).

A perturbed square grid (~100 m blocks) around 48.4 N 15.6 E: every 10th line is a primary
road, every 50th a trunk, the rest residential; 8 % of links are missing and 10 % of the rest
are one-way. Only the largest strongly connected component is kept, as ``import_osm`` does.
Cached under ``benchmarks/data/`` (git-ignored) with its ALT landmarks as extras.
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from corridor.network import FLAG_ONEWAY, FLAG_REVERSED, HIGHWAY_CLASSES, Network, write_network
from corridor.network._format import read_network_with_extras
from corridor.routing import Landmarks, compute_landmarks, router_for

DATA = Path(__file__).parent / "data"
SIDE = 640  # nodes per side: ~410k nodes, ~1.5M directed edges
SEED = 20260301
SPACING_M = 100.0
SPEED = {"trunk": 90.0, "primary": 70.0, "residential": 30.0}


def _build(side: int, seed: int) -> Network:
    rng = np.random.default_rng(seed)
    n = side * side
    row, col = np.divmod(np.arange(n), side)
    lat0, lon0 = 48.2, 15.4
    m_per_deg_lat = 111_195.0
    m_per_deg_lon = m_per_deg_lat * np.cos(np.radians(lat0))
    jitter = rng.normal(0, 12.0, size=(2, n))
    y_m = row * SPACING_M + jitter[0]
    x_m = col * SPACING_M + jitter[1]
    lat = lat0 + y_m / m_per_deg_lat
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
    a, b = np.where(flip, b, a), np.where(flip, a, b)
    dx = (lon[b] - lon[a]) * m_per_deg_lon
    dy = (lat[b] - lat[a]) * m_per_deg_lat
    length = np.hypot(dx, dy) * (1.0 + 0.05 * rng.random(a.shape[0]))
    speed = np.select(
        [klass == "trunk", klass == "primary"],
        [SPEED["trunk"], SPEED["primary"]],
        SPEED["residential"],
    )
    code = np.select(
        [klass == "trunk", klass == "primary"],
        [HIGHWAY_CLASSES.index("trunk"), HIGHWAY_CLASSES.index("primary")],
        HIGHWAY_CLASSES.index("residential"),
    ).astype(np.uint8)

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
        meta={"source": f"synthetic grid {side}x{side} seed {seed}", "profile": "car"},
    )


def synthetic_network(side: int = SIDE, seed: int = SEED) -> tuple[Network, float]:
    """The cached synthetic network (built on first use) and the landmark build time in s."""
    path = DATA / f"synthetic-{side}-{seed}.net"
    if not path.exists():
        t0 = time.perf_counter()
        net = _build(side, seed)
        print(
            f"built synthetic network: {net.n_nodes:,} nodes, {net.n_edges:,} edges "
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
    router_for(net, landmarks=landmarks)
    return net, float(net.meta.get("landmarks_s", float("nan")))
