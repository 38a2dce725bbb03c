"""Monitoring: deriving a corridor's picture, and keeping reports, against simple peers.

Workload (fixed seed 20220308): a straight 7.4 km route with two checkpoints, one 11-hour
window, N convoys of 10-40 vehicles, each reporting departed, at checkpoint, held (half of
them), released, at the second checkpoint, released, arrived: 7 check-ins per convoy, sent in a
shuffled order.

- derive: ``corridor.monitoring.derive`` over 200 convoys (1 400 check-ins), the whole picture
  (stops, holds, delays, violations); peer: sorting the same reports by (time, id) and grouping
  them by convoy in plain Python, the least any event-time derivation must do;
- stream: 10 000 check-ins (1 540 convoys) arriving one by one, the picture brought up to date
  after each (what every stored report costs in ``reassess``): before, ``derive`` over every
  report so far (O(n^2) over the day); after, the incremental ``Tracker`` (one convoy per
  report). Two arrival orders: event order with 10 % of reports late by up to two hours, and
  fully shuffled. The before run stops after ``BENCH_MONITORING_BEFORE_S`` seconds (default
  120) and reports how far it got; both also run the first 1 000 reports to the end;
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


def _late_order(reports: list[Checkin], rng: random.Random) -> list[Checkin]:
    """Event order, with 10 % of the reports arriving up to two hours after their time."""
    arrival = [
        (r.at_utc + (timedelta(minutes=rng.randrange(1, 121)) if rng.random() < 0.1 else
                     timedelta()), r.id, r)
        for r in reports
    ]  # fmt: skip
    return [r for _, _, r in sorted(arrival)]


def _stream_after(terms: Any, plans: list[ConvoyPlan], reports: list[Checkin]) -> float:
    from corridor.monitoring._incremental import Tracker

    tracker = Tracker(terms, plans)
    t = time.perf_counter()
    for r in reports:
        tracker.add_checkin(r)
        tracker.picture()
    return time.perf_counter() - t


def _stream_before(
    terms: Any, plans: list[ConvoyPlan], reports: list[Checkin], budget_s: float
) -> tuple[int, float]:
    t = time.perf_counter()
    for i in range(len(reports)):
        derive(terms, plans, reports[: i + 1], [])
        if time.perf_counter() - t > budget_s:
            return i + 1, time.perf_counter() - t
    return len(reports), time.perf_counter() - t


def bench_stream() -> None:
    import os

    budget = float(os.environ.get("BENCH_MONITORING_BEFORE_S", "120"))
    terms = terms_from_data(_terms_data())
    plans, shuffled = workload(1540)
    reports = shuffled[:10_000]
    seen = {r.convoy_id for r in reports}
    plans = [p for p in plans if p.id in seen]
    ordered = _late_order(reports, random.Random(SEED))
    for label, order in (("event order, 10% late", ordered), ("shuffled", reports)):
        # Check first: the incremental picture is the full derivation's.
        from corridor.monitoring._incremental import Tracker

        tracker = Tracker(terms, plans)
        tracker.add(order)
        full = derive(terms, plans, order, [])
        assert [c.to_dict() for c in tracker.picture().convoys] == [
            c.to_dict() for c in full.convoys
        ]
        assert [v.to_dict() for v in tracker.picture().violations] == [
            v.to_dict() for v in full.violations
        ]
        after = _stream_after(terms, plans, order)
        small_after = _stream_after(terms, plans, order[:1000])
        _, small_before = _stream_before(terms, plans, order[:1000], float("inf"))
        done, before = _stream_before(terms, plans, order, budget)
        print(f"stream, {label}, {len(order)} check-ins of {len(plans)} convoys: incremental "
              f"{len(order) / after:.0f} reports/s ({after:.1f} s); full re-derivation "
              f"{done / before:.1f} reports/s over the first {done} ({before:.0f} s)"
              + ("" if done == len(order) else ", stopped at the time budget")
              + f"; first 1 000: {1000 / small_after:.0f} vs {1000 / small_before:.1f} "
              f"reports/s", flush=True)  # fmt: skip


def _keep(plans: list[ConvoyPlan], reports: list[Checkin], *, full: bool) -> tuple[float, float]:
    """Seconds per kept report, and per bare audited write (the peer), in a fresh store;
    ``full``: re-assess by deriving from every stored report (the code before the tracker)."""
    import base64

    from corridor.monitoring import _service, add_convoys, submit_checkin
    from corridor.store import add_party, open_store, propose_agreement, record

    saved = _service.tracked_picture
    if full:

        def full_picture(session: Any, cid: str, new: Any = None, *, rec: Any = None) -> Any:
            return _service.picture(session, cid)

        _service.tracked_picture = full_picture  # type: ignore[assignment]
    try:
        with (
            tempfile.TemporaryDirectory() as tmp,
            open_store(f"sqlite:///{Path(tmp) / 'b.db'}") as store,
        ):
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
    finally:
        _service.tracked_picture = saved
    return ours, base


def bench_keep() -> None:
    import os

    n = int(os.environ.get("BENCH_MONITORING_KEEP_CONVOYS", "20"))
    plans, reports = workload(n)
    for full in (True, False):
        ours, base = _keep(plans, reports, full=full)
        how = "full re-derivation (before)" if full else "incremental tracker (after)"
        print(f"keep, SQLite, {len(reports)} check-ins one per transaction, {how}: "
              f"{ours * 1e3:.1f} ms each ({1 / ours:.1f} reports/s); peer bare audited write "
              f"{base * 1e3:.1f} ms; ratio {ours / base:.1f}x", flush=True)  # fmt: skip


def main() -> None:
    bench_derive()
    bench_stream()
    bench_keep()


if __name__ == "__main__":
    main()
