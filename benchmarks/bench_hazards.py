"""Hazards and risk: full risk recompute against incremental updates of 100 hazards.

Workload (fixed seed 20260308), on Krems, Aguascalientes (shared OSM extracts) and the synthetic
>= 1M-edge grid (``benchmarks/_synthetic.py``): the hazard picture is the 464 Bellingcat
civilian-harm incidents (imported with corridor's mapping; their points moved by an affine map
from their Ukrainian extent into the network's extent, so the clusters keep their shape) plus
the 8 hazards of the Krems demo scenario (moved the same way from the Krems extent), evaluated
at the demo time 2022-03-08T10:00Z. Measured side by side in the same run, median of 5:

- index: building the segment index (projection + STRtree; done once per network, cached);
- full: ``RiskModel(network, picture + 100 new)`` from scratch with the index warm: the peer;
- add 100: ``model.add`` of 100 new point hazards at random nodes (spatial join for 100);
- update 100: 100 held hazards re-issued with new severity and end time (same place);
- remove 100 and ``set_time`` +1 h (every decaying hazard changes).

Each incremental result is checked equal to a full recompute. Then a sweep of the picture size
on the synthetic network (Bellingcat points resampled with jitter), because the gain of an add
grows with the number of hazards a full recompute must join again. Target: 100-hazard update
>= 20x faster than a full recompute.
"""

from __future__ import annotations

import math
import statistics
import time
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import shapely

from corridor.hazards import Hazard, RiskModel, SegmentIndex, import_hazards, load_hazards
from corridor.hazards._index import _CACHE
from corridor.network import Network, import_osm

REPO = Path(__file__).resolve().parents[1]
SHARED = (REPO / ".." / "shared" / "data").resolve()
BELLINGCAT = SHARED / "incidents" / "bellingcat-civharm-2022-05-24.json"
DEMO = REPO / "data" / "demo" / "krems-hazards.geojson"
AT = datetime(2022, 3, 8, 10, tzinfo=UTC)
SEED = 20260308
REPEAT = 5
UPDATE = 100
KREMS_EXTENT = (15.5755, 48.3828, 15.6893, 48.4354)  # the Krems car network's node extent


def _moved(hazards: list[Hazard], src: tuple[float, ...], net: Network) -> list[Hazard]:
    """Hazards moved by the affine map of extent ``src`` onto the network's (5 % margins)."""
    lon, lat = np.asarray(net.node_lon), np.asarray(net.node_lat)
    dst = (lon.min(), lat.min(), lon.max(), lat.max())
    pad = 0.05
    sx = (dst[2] - dst[0]) * (1 - 2 * pad) / (src[2] - src[0])
    sy = (dst[3] - dst[1]) * (1 - 2 * pad) / (src[3] - src[1])
    ox = dst[0] + (dst[2] - dst[0]) * pad
    oy = dst[1] + (dst[3] - dst[1]) * pad

    def fwd(xy: np.ndarray) -> np.ndarray:
        return np.column_stack([ox + (xy[:, 0] - src[0]) * sx, oy + (xy[:, 1] - src[1]) * sy])

    return [replace(h, geometry=shapely.transform(h.geometry, fwd)) for h in hazards]


def picture(net: Network, bellingcat: list[Hazard], demo: list[Hazard]) -> list[Hazard]:
    b = np.array([shapely.get_coordinates(h.geometry)[0] for h in bellingcat])
    src = (b[:, 0].min(), b[:, 1].min(), b[:, 0].max(), b[:, 1].max())
    return _moved(bellingcat, src, net) + _moved(demo, KREMS_EXTENT, net)


def new_hazards(net: Network, n: int, rng: np.random.Generator, prefix: str) -> list[Hazard]:
    kinds = ["shelling", "airstrike", "mines", "checkpoint", "roadblock"]
    nodes = rng.integers(net.n_nodes, size=n).tolist()
    return [
        Hazard(
            f"{prefix}{i}",
            kinds[i % len(kinds)],
            shapely.Point(float(net.node_lon[v]), float(net.node_lat[v])),
            0.7,
            0.8,
            observed_at=AT - timedelta(hours=1),
        )
        for i, v in enumerate(nodes)
    ]


def resampled(base: list[Hazard], n: int, rng: np.random.Generator) -> list[Hazard]:
    """``n`` hazards drawn from ``base`` with about 200 m of jitter and fresh ids."""
    out = []
    for i, k in enumerate(rng.integers(len(base), size=n).tolist()):
        dx, dy = rng.normal(0, 0.002, size=2)
        h = base[k]
        geom = shapely.transform(h.geometry, lambda xy, dx=dx, dy=dy: xy + np.array([dx, dy]))
        out.append(replace(h, id=f"r{i}", geometry=geom))
    return out


def _median_ms(fn: Callable[[], object], repeat: int = REPEAT) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t0) * 1000)
    return statistics.median(times)


def _check(model: RiskModel, net: Network) -> None:
    full = RiskModel(net, model.hazards, at=model.at)
    if not (np.allclose(model.risk, full.risk, rtol=0, atol=1e-12)
            and np.array_equal(model.closed, full.closed)):  # fmt: skip
        raise SystemExit("incremental result differs from a full recompute")


def bench_network(name: str, net: Network, base: list[Hazard]) -> list[tuple[str, float, float]]:
    rng = np.random.default_rng(SEED)
    new = new_hazards(net, UPDATE, rng, "new")
    everything = base + new
    index_ms = _median_ms(lambda: SegmentIndex(net), repeat=3)
    _CACHE.pop(net, None)
    RiskModel(net, at=AT)  # warm the cached index, as a running service has it
    full_ms = _median_ms(lambda: RiskModel(net, everything, at=AT))

    def timed(prepare: Callable[[], RiskModel], act: Callable[[RiskModel], object]) -> float:
        times = []
        for _ in range(REPEAT):
            model = prepare()
            t0 = time.perf_counter()
            act(model)
            times.append((time.perf_counter() - t0) * 1000)
        _check(model, net)
        return statistics.median(times)

    held = [h for h in base if not h.effective_closes][:UPDATE]
    reissued = [replace(h, severity=h.severity * 0.9, valid_until=AT + timedelta(days=2))
                for h in held]  # fmt: skip
    add_ms = timed(lambda: RiskModel(net, base, at=AT), lambda m: m.add(new))
    update_ms = timed(lambda: RiskModel(net, everything, at=AT), lambda m: m.add(reissued))
    remove_ms = timed(lambda: RiskModel(net, everything, at=AT),
                      lambda m: m.remove(h.id for h in new))  # fmt: skip
    time_ms = timed(lambda: RiskModel(net, everything, at=AT),
                    lambda m: m.set_time(AT + timedelta(hours=1)))  # fmt: skip
    model = RiskModel(net, everything, at=AT)
    covered = int(np.count_nonzero(model.risk > 0))
    print(
        f"\n-- {name}: {net.n_edges:,} edges, {len(everything)} hazards "
        f"({covered:,} edges at risk, {int(model.closed.sum()):,} closed; median of {REPEAT})"
    )
    print(f"  {'operation':<40}{'ms':>10}{'full / this':>13}")
    rows = [
        ("segment index build (once per network)", index_ms, float("nan")),
        (f"full recompute, {len(everything)} hazards (peer)", full_ms, 1.0),
        (f"add {UPDATE} new hazards", add_ms, full_ms / add_ms),
        (f"update {UPDATE} held hazards (same place)", update_ms, full_ms / update_ms),
        (f"remove {UPDATE} hazards", remove_ms, full_ms / remove_ms),
        ("set_time +1 h (expiry and decay)", time_ms, full_ms / time_ms),
    ]
    for label, ms, ratio in rows:
        r = "" if math.isnan(ratio) else f"{ratio:>13.1f}"
        print(f"  {label:<40}{ms:>10.1f}{r}")
    return rows


def sweep(net: Network, base: list[Hazard]) -> None:
    rng = np.random.default_rng(SEED + 1)
    new = new_hazards(net, UPDATE, rng, "new")
    print(f"\n-- synthetic: add {UPDATE} new hazards vs full recompute, by picture size")
    print(f"  {'hazards held':>12}{'full ms':>10}{'add ms':>9}{'full / add':>12}")
    for size in (len(base), 2_000, 5_000):
        held = base if size == len(base) else resampled(base, size, rng)
        full_ms = _median_ms(lambda held=held: RiskModel(net, held + new, at=AT), repeat=3)
        times = []
        for _ in range(3):
            model = RiskModel(net, held, at=AT)
            t0 = time.perf_counter()
            model.add(new)
            times.append((time.perf_counter() - t0) * 1000)
        add_ms = statistics.median(times)
        print(f"  {size:>12,}{full_ms:>10.1f}{add_ms:>9.1f}{full_ms / add_ms:>12.1f}")


def main() -> None:
    imported = import_hazards(BELLINGCAT)
    print(
        f"Bellingcat: {imported.n_records} records, {len(imported.hazards)} hazards, "
        f"{imported.n_skipped} skipped"
    )
    bellingcat, demo = imported.hazards, load_hazards(DEMO)
    networks: list[tuple[str, Callable[[], Network]]] = [
        ("krems", lambda: import_osm(SHARED / "osm" / "krems.osm.gz")),
        ("aguascalientes", lambda: import_osm(SHARED / "osm" / "aguascalientes.osm.pbf")),
    ]
    try:
        from benchmarks._synthetic import synthetic_network

        networks.append(("synthetic", lambda: synthetic_network()[0]))
    except ImportError as exc:  # the generator belongs to the routing benchmark
        print(f"synthetic network unavailable ({exc}); large case skipped")
    for name, load in networks:
        net = load()
        base = picture(net, bellingcat, demo) if name != "krems" else (
            picture(net, bellingcat, [])[: len(bellingcat)] + demo)  # fmt: skip
        bench_network(name, net, base)
        if name == "synthetic":
            sweep(net, base)


if __name__ == "__main__":
    main()
