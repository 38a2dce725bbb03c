"""Dashboard base map (issue 12): road tile time per zoom, and time to first map in chromium.

Tiles: every tile covering the demo network (Krems) at zooms 10-17, and 40 random tiles per
zoom inside the synthetic >= 1M-edge grid (``_synthetic.py``, fixed seed) at zooms 8-16, each
computed cold (a fresh cache) and then served from the cache. Time is ``TileCache.get``
(cut, simplify, encode to JSON bytes); HTTP overhead is not included. First map: a real
`corridor serve` on the demo network and Debian's chromium (Playwright): from opening `/` with
a token already typed to every visible road tile drawn, median of 5 fresh browser contexts.
"""

from __future__ import annotations

import math
import random
import shutil
import statistics
import time
from pathlib import Path
from typing import Any

import numpy as np

from corridor.web import NAME_ZOOM, TileCache

REPO = Path(__file__).resolve().parents[1]


def _tiles_covering(net: Any, z: int) -> list[tuple[int, int]]:
    w, s = float(net.node_lon.min()), float(net.node_lat.min())
    e, n = float(net.node_lon.max()), float(net.node_lat.max())
    x0, y0 = _tile(w, n, z)
    x1, y1 = _tile(e, s, z)
    return [(x, y) for x in range(x0, x1 + 1) for y in range(y0, y1 + 1)]


def _tile(lon: float, lat: float, z: int) -> tuple[int, int]:
    k = 2**z
    y = (1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * k
    return int((lon + 180) / 360 * k), int(y)


def _measure(name: str, net: Any, zooms: range, sample: int | None) -> None:
    cache = TileCache(max_tiles=100_000)
    t = time.perf_counter()
    index = cache.index(name, net)
    index.level(0)  # joins the major roads into strokes (each class band once, on first use)
    strokes = time.perf_counter() - t
    t = time.perf_counter()
    index.grid  # noqa: B018 - the segment grid of street zooms, built once
    print(
        f"{name}: {net.n_edges:,} edges, {net.n_segments:,} segments; major-road strokes "
        f"{strokes:.2f} s, segment grid {time.perf_counter() - t:.2f} s"
    )
    print(
        "zoom  tiles  build ms  cold mean ms  cold p95 ms  cold max ms  cached us  "
        "features/tile  kB/tile"
    )
    rng = random.Random(20261130)
    for z in zooms:
        tiles = _tiles_covering(net, z)
        if sample is not None and len(tiles) > sample:
            tiles = rng.sample(tiles, sample)
        cache.clear_tiles()
        t = time.perf_counter()
        _ = index.level(z) if z < NAME_ZOOM else index.labels(z)  # this zoom's part, once
        build_ms = (time.perf_counter() - t) * 1000
        cold, sizes, feats = [], [], []
        for x, y in tiles:
            t = time.perf_counter()
            body = cache.get(name, net, z, x, y)
            cold.append((time.perf_counter() - t) * 1000)
            sizes.append(len(body) / 1024)
            feats.append(body.count(b'"Feature"'))
        t = time.perf_counter()
        for x, y in tiles:
            cache.get(name, net, z, x, y)
        cached_us = (time.perf_counter() - t) / len(tiles) * 1e6
        p95 = float(np.percentile(cold, 95))
        print(
            f"{z:4d}  {len(tiles):5d}  {build_ms:8.0f}  {statistics.mean(cold):12.1f}  "
            f"{p95:11.1f}  {max(cold):11.1f}  {cached_us:9.1f}  {statistics.mean(feats):13.0f}  "
            f"{statistics.mean(sizes):7.1f}"
        )


def _first_map() -> None:
    chromium = shutil.which("chromium")
    if chromium is None:
        print("first map: skipped (chromium not installed; scripts/system-deps.sh)")
        return
    import tempfile

    from playwright.sync_api import sync_playwright
    from tests.api.test_serve import serving
    from tests.conftest import BUNDLED_OSM

    from corridor.api import add_user
    from corridor.network import import_osm, write_network
    from corridor.store import open_store

    with tempfile.TemporaryDirectory() as tmp:
        net_path = Path(tmp) / "krems.corridor"
        write_network(import_osm(BUNDLED_OSM), net_path)
        db_url = f"sqlite:///{Path(tmp) / 'bench.db'}"
        with open_store(db_url) as store:
            token = add_user(store, name="bench", role="observer", party=None, actor="bench")
        with serving(db_url, net_path) as base, sync_playwright() as p:
            browser = p.chromium.launch(executable_path=chromium, args=["--no-sandbox"])
            times = []
            for _ in range(5):
                context = browser.new_context(viewport={"width": 1200, "height": 800})
                page = context.new_page()
                t = time.perf_counter()
                page.goto(base + "/")
                page.fill("#token", token)
                page.click("#login button[type=submit]")
                page.wait_for_selector("#map[data-roads=loaded]", state="attached")
                times.append((time.perf_counter() - t) * 1000)
                context.close()
            browser.close()
    print(
        f"first map (demo, 1200x800, chromium): median {statistics.median(times):.0f} ms, "
        f"runs {', '.join(f'{v:.0f}' for v in times)} ms (the first includes the server's "
        "cold tile cache)"
    )


def main() -> None:
    from tests.conftest import BUNDLED_OSM

    from benchmarks._synthetic import synthetic_network
    from corridor.network import import_osm

    _measure("krems", import_osm(BUNDLED_OSM), range(10, 18), None)
    net, _ = synthetic_network()
    _measure("synthetic", net, range(8, 17), 40)
    _first_map()


if __name__ == "__main__":
    main()
