"""A/B of road-tile cutting: an older ``corridor/web/_tiles.py`` against the current one.

    git show ac2dfbe:src/corridor/web/_tiles.py > /tmp/old_tiles.py
    nice -n 10 .venv/bin/python -m benchmarks.ab_tiles /tmp/old_tiles.py

The same 40 random tiles per zoom (8-17) of the synthetic >= 1M-edge grid, cold cache, time
of ``TileCache.get``, old and new one after the other per zoom so that both see the same load.
The "build" column is the new pyramid's part for that zoom (strokes of a new class band, the
zoom's simplified level, or the labels and the segment grid), built once before its tiles
are timed.
"""

from __future__ import annotations

import importlib.util
import random
import statistics
import sys
import time
from typing import Any

import numpy as np

from benchmarks._synthetic import synthetic_network
from benchmarks.bench_web import _tiles_covering
from corridor.web import NAME_ZOOM, TileCache


def _load(path: str) -> Any:
    spec = importlib.util.spec_from_file_location("old_tiles", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def main(old_path: str) -> None:
    net, _ = synthetic_network()
    old, new = _load(old_path).TileCache(max_tiles=100_000), TileCache(max_tiles=100_000)
    t = time.perf_counter()
    old.get("s", net, 0, 0, 0)
    print(f"old: index and first tile {time.perf_counter() - t:.2f} s")
    index = new.index("s", net)
    t = time.perf_counter()
    index.level(0)
    print(f"new: major-road strokes and zoom 0 {time.perf_counter() - t:.2f} s")
    rng = random.Random(20261130)
    print("zoom tiles | old mean / p95 / max ms, kB | new build ms | new mean / p95 / max ms, kB")
    for z in range(8, 18):
        tiles = _tiles_covering(net, z)
        if len(tiles) > 40:
            tiles = rng.sample(tiles, 40)
        t = time.perf_counter()
        _ = index.level(z) if z < NAME_ZOOM else (index.labels(z), index.grid)
        build = (time.perf_counter() - t) * 1000
        row = []
        for cache in (old, new):
            cache.clear_tiles()
            ms, kb = [], []
            for x, y in tiles:
                t = time.perf_counter()
                body = cache.get("s", net, z, x, y)
                ms.append((time.perf_counter() - t) * 1000)
                kb.append(len(body) / 1024)
            row.append(
                f"{statistics.mean(ms):6.1f} {np.percentile(ms, 95):6.1f} {max(ms):6.1f}, "
                f"{statistics.mean(kb):6.1f}"
            )
        print(f"{z:4d} {len(tiles):5d} | {row[0]} | {build:6.0f} | {row[1]}", flush=True)


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: python -m benchmarks.ab_tiles OLD_TILES_PY")
    main(sys.argv[1])
