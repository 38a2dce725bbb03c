"""Monitoring: deriving a corridor's picture, and keeping reports, against simple peers.

Workload (fixed seed 20220308): a straight 7.4 km route with two checkpoints, one 11-hour
window, N convoys of 10-40 vehicles, each reporting departed, at checkpoint, held (half of
them), released, at the second checkpoint, released, arrived: 7 check-ins per convoy, sent in a
shuffled order.

- derive: ``corridor.monitoring.derive`` over 200 convoys (1 400 check-ins), the whole picture
  (stops, holds, delays, violations); peer: sorting the same reports by (time, id) and grouping
  them by convoy in plain Python, the least any event-time derivation must do;
- keep: ``submit_checkin`` into SQLite, one transaction per report (as the API does), for 20
  convoys (140 reports): each report is stored, audited, and the corridor re-assessed; peer:
  the bare audit append (``record``) per transaction, what any audited write costs.
"""

from __future__ import annotations

import random
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from corridor.agreements import terms_from_data
from corridor.agreements._terms import haversine_m
from corridor.monitoring import Checkin, ConvoyPlan, derive

SEED = 20220308
LAT, LON0, LON1 = 48.40, 15.55, 15.65
T0 = datetime(2022, 3, 8, 8, 0, tzinfo=UTC)


def _terms_data() -> dict[str, Any]:
    import base64

    coords = [[LON0, LAT], [LON1, LAT]]
    key = [base64.b64encode(bytes([n]) * 32).decode() for n in (1, 2)]
    cp = {"hours_utc": "00:00-24:00", "max_vehicles_per_hour": 60, "inspection_minutes": 20}
    return {
        "corridor_id": "bench-1", "version": 1,
        "parties": [{"name": "north", "role": "a", "public_key": key[0]},
                    {"name": "south", "role": "b", "public_key": key[1]}],
        "route": {"network_sha256": "0" * 64,
                  "edges": [{"id": 0, "length_m": round(haversine_m(*coords), 1)}],
                  "geometry": {"type": "LineString", "coordinates": coords}},
        "origin": {"name": "A", "lat": LAT, "lon": LON0},
        "destination": {"name": "B", "lat": LAT, "lon": LON1},
        "checkpoints": [{"name": "CP-A", "lat": LAT, "lon": 15.58, "operated_by": "north", **cp},
                        {"name": "CP-B", "lat": LAT, "lon": 15.62, "operated_by": "south", **cp}],
        "windows": [{"start_utc": T0.isoformat(),
                     "end_utc": (T0 + timedelta(hours=11)).isoformat()}],
        "vehicles": {"permitted": ["bus"], "markings": "white flags"},
        "max_convoy_size": 50,
    }  # fmt: skip


def workload(n: int) -> tuple[list[ConvoyPlan], list[Checkin]]:
    rng = random.Random(SEED)
    plans, reports = [], []
    for i in range(n):
        start = T0 + timedelta(minutes=rng.randrange(0, 480))
        plans.append(ConvoyPlan(id=f"c{i}", corridor_id="bench-1", vehicles=rng.randrange(10, 41),
                                people=400, depart_utc=start))  # fmt: skip
        held = rng.random() < 0.5
        steps = [(0, "departed", LON0, None), (20, "at_checkpoint", 15.58, "CP-A")]
        if held:
            steps.append((30, "held", 15.58, "CP-A"))
        release = 20 + (rng.randrange(40, 180) if held else rng.randrange(5, 25))
        steps += [(release, "released", 15.58, "CP-A"),
                  (release + 20, "at_checkpoint", 15.62, "CP-B"),
                  (release + 30, "released", 15.62, "CP-B"),
                  (release + 50, "arrived", LON1, None)]  # fmt: skip
        for k, (minutes, status, lon, cp) in enumerate(steps):
            reports.append(Checkin(id=f"c{i}-{k}", corridor_id="bench-1", convoy_id=f"c{i}",
                                   at_utc=start + timedelta(minutes=minutes), lat=LAT, lon=lon,
                                   status=status, checkpoint=cp))  # type: ignore[arg-type]  # fmt: skip
    rng.shuffle(reports)
    return plans, reports


def _median_s(fn: Any, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def bench_derive() -> None:
    terms = terms_from_data(_terms_data())
    plans, reports = workload(200)

    def peer() -> None:
        by: dict[str, list[Checkin]] = {}
        for r in sorted(reports, key=lambda r: (r.at_utc, r.id)):
            by.setdefault(r.convoy_id, []).append(r)

    ours = _median_s(lambda: derive(terms, plans, reports, []), 7)
    base = _median_s(peer, 7)
    pic = derive(terms, plans, reports, [])
    print(f"derive, 200 convoys / {len(reports)} check-ins: median {ours * 1e3:.1f} ms "
          f"({len(pic.violations)} violations); peer sort+group {base * 1e3:.2f} ms; "
          f"ratio {ours / base:.0f}x")  # fmt: skip


def bench_keep() -> None:
    from corridor.monitoring import add_convoys, submit_checkin
    from corridor.store import open_store, propose_agreement, record

    plans, reports = workload(20)
    with (
        tempfile.TemporaryDirectory() as tmp,
        open_store(f"sqlite:///{Path(tmp) / 'b.db'}") as store,
    ):
        import base64

        from corridor.store import add_party

        with store.session() as s:
            for n, name in ((1, "north"), (2, "south")):
                add_party(s, name=name, role="x", public_key=base64.b64encode(bytes([n]) * 32)
                              .decode(), actor="bench")  # fmt: skip
            propose_agreement(s, terms_from_data(_terms_data()), actor="bench")
            add_convoys(s, plans, actor="bench")
        t = time.perf_counter()
        for r in reports:
            with store.session() as s:
                submit_checkin(s, r, reporter="bench", now=T0 + timedelta(days=1))
        ours = (time.perf_counter() - t) / len(reports)
        t = time.perf_counter()
        for i in range(len(reports)):
            with store.session() as s:
                record(s, actor="bench", action="bench.peer", payload={"i": i})
        base = (time.perf_counter() - t) / len(reports)
    print(f"keep, SQLite, {len(reports)} check-ins one per transaction: {ours * 1e3:.1f} ms each "
          f"(re-assessing the corridor each time); peer bare audited write {base * 1e3:.1f} ms; "
          f"ratio {ours / base:.1f}x")  # fmt: skip


def main() -> None:
    bench_derive()
    bench_keep()


if __name__ == "__main__":
    main()
