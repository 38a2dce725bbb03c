"""Generate a synthetic but realistic city road extract (OSM XML) for the import benchmark.

A perturbed grid city: streets every ~110 m with jittered corners and curved shape points,
split into ways of a few blocks; a class hierarchy (trunk every 40th line, primary every 10th,
secondary every 5th, residential otherwise; dead-end service spurs); alternating one-way
residential streets (``oneway=yes`` / ``-1``); maxspeed in numbers, mph and zone form; names
and refs; and a river across the city that only every 8th street crosses, on a bridge way
(``bridge=yes``, ``layer=1``). Fixed seed, so every run writes the same file.

Run ``python -m benchmarks.gen_osm [SIZE]``; the default size gives about 530k nodes.
"""

from __future__ import annotations

import itertools
import math
import sys
from pathlib import Path

import numpy as np
import osmium
from osmium.osm.mutable import Node, Way

DATA = Path(__file__).resolve().parent / "data"
SEED = 20241126
_LAT0, _LON0 = 50.40, 30.40  # a Dnipro-like river city
_STEP_M = 110.0
_SHAPE_POINTS = 2  # intermediate vertices per block edge
_BLOCKS_PER_WAY = 6


def _street_class(i: int) -> tuple[str, dict[str, str]]:
    if i % 40 == 0:
        return "trunk", {"maxspeed": "90", "ref": f"M{i // 40:02d}", "lanes": "4"}
    if i % 10 == 0:
        return "primary", {"maxspeed": "UA:urban", "ref": f"H{i // 10:02d}", "lanes": "2"}
    if i % 5 == 0:
        return "secondary", {"maxspeed": "30 mph" if i % 15 == 0 else "50"}
    tags = {}
    if i % 3 == 1:
        tags["oneway"] = "yes" if i % 2 else "-1"
    return "residential", tags


def generate(size: int = 320, path: Path | None = None) -> Path:
    """Write the ``size`` x ``size`` grid city to ``path`` (cached: kept if already there)."""
    path = path or DATA / f"grid{size}.osm"
    if path.exists():
        return path
    path.parent.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(SEED)
    m_per_deg_lat = 111_320.0
    m_per_deg_lon = m_per_deg_lat * math.cos(math.radians(_LAT0))
    jitter = rng.normal(0.0, 12.0, size=(size, size, 2))
    corner_x = np.arange(size)[None, :] * _STEP_M + jitter[:, :, 0]  # [row, col]
    corner_y = np.arange(size)[:, None] * _STEP_M + jitter[:, :, 1]
    river_row = size // 2  # blocks between rows river_row and river_row+1 are water

    next_id = [1]

    def new_id() -> int:
        next_id[0] += 1
        return next_id[0]

    corner_id = np.arange(size * size, dtype=np.int64).reshape(size, size) + 100_000_000
    # the format follows the name (.osm.pbf: PBF, else XML); the temporary file keeps it
    fmt = "pbf" if path.name.endswith(".pbf") else "osm"
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.unlink(missing_ok=True)
    writer = osmium.SimpleWriter(osmium.io.File(str(tmp), fmt))
    try:

        def node(nid: int, x: float, y: float) -> None:
            writer.add_node(
                Node(id=nid, location=(_LON0 + x / m_per_deg_lon, _LAT0 + y / m_per_deg_lat))
            )

        for r in range(size):
            for c in range(size):
                node(int(corner_id[r, c]), float(corner_x[r, c]), float(corner_y[r, c]))

        ways: list[tuple[list[int], dict[str, str]]] = []

        def street(cells: list[tuple[int, int]], line: int, direction: str) -> None:
            """Ways along a line of corners, with curved shape points between corners."""
            highway, extra = _street_class(line)
            name = f"{'Street' if direction == 'ew' else 'Avenue'} {line}"
            for start in range(0, len(cells) - 1, _BLOCKS_PER_WAY):
                chunk = cells[start : start + _BLOCKS_PER_WAY + 1]
                refs: list[int] = []
                for (r0, c0), (r1, c1) in itertools.pairwise(chunk):
                    refs.append(int(corner_id[r0, c0]))
                    bend = rng.normal(0.0, 6.0)
                    for k in range(1, _SHAPE_POINTS + 1):
                        f = k / (_SHAPE_POINTS + 1)
                        x = corner_x[r0, c0] + f * (corner_x[r1, c1] - corner_x[r0, c0])
                        y = corner_y[r0, c0] + f * (corner_y[r1, c1] - corner_y[r0, c0])
                        off = bend * math.sin(math.pi * f)
                        x, y = (x + off, y) if direction == "ns" else (x, y + off)
                        nid = new_id()
                        node(nid, float(x), float(y))
                        refs.append(nid)
                refs.append(int(corner_id[chunk[-1]]))
                ways.append((refs, {"highway": highway, "name": name, **extra}))

        for r in range(size):
            street([(r, c) for c in range(size)], r, "ew")
        for c in range(size):
            cells = [(r, c) for r in range(size)]
            south, north = cells[: river_row + 1], cells[river_row + 1 :]
            street(south, c, "ns")
            street(north, c, "ns")
            if c % 8 == 0:  # every 8th avenue crosses the river on a bridge
                highway, extra = _street_class(c)
                a, b = int(corner_id[south[-1]]), int(corner_id[north[0]])
                bridge = {"highway": highway, "bridge": "yes", "layer": "1", "name": f"Bridge {c}"}
                ways.append(([a, b], {**bridge, **extra}))
        # Dead-end service spurs off one corner in 12.
        spurs = rng.random((size, size)) < 1 / 12
        for r, c in zip(*np.nonzero(spurs), strict=True):
            a = int(corner_id[r, c])
            b = new_id()
            node(b, float(corner_x[r, c] + 30.0), float(corner_y[r, c] + 35.0))
            ways.append(([a, b], {"highway": "service", "service": "driveway"}))

        for i, (refs, tags) in enumerate(ways):
            writer.add_way(Way(id=10_000_000 + i, nodes=refs, tags=tags))
    finally:
        writer.close()
    tmp.replace(path)
    return path


if __name__ == "__main__":
    out = generate(int(sys.argv[1]) if len(sys.argv) > 1 else 320)
    print(out, f"{out.stat().st_size / 1e6:.1f} MB")
