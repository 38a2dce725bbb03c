"""Audit log: append and verify throughput, SQLite against PostgreSQL in the same run.

Workload (fixed seed 20260305): payloads shaped like ``hazard.added`` entries (id, kind,
GeoJSON point, severity, confidence, times, a source link), random values from the seed.

- append, one transaction each: 500 entries, each ``with store.session(): record(...)`` as an
  API write does (SQLite commits with ``synchronous=FULL``, so each pays an fsync);
- append, batched: 10 000 entries in transactions of 1 000 (a bulk hazard import);
- verify: ``verify_audit`` over the whole stored log (read, canonicalise, hash every entry);
- pure chain: ``verify_chain`` over 20 000 in-memory entries, against the peer of hashing the
  same bytes with ``hashlib`` alone (what RFC 8785 canonicalisation costs).

SQLite runs on a temporary file, PostgreSQL (127.0.0.1:5432, database ``test``) in a throwaway
schema; PostgreSQL is left out with a note when unreachable.
"""

from __future__ import annotations

import hashlib
import random
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from corridor.audit import ChainEntry, entry_canonical, next_entry, verify_chain
from corridor.store import open_store, record, verify_audit

SEED = 20260305
SINGLE = 500
BATCHED = 10_000
BATCH = 1_000
PURE = 20_000
PG_DSN = "host=127.0.0.1 port=5432 user=postgres dbname=test"
T0 = datetime(2022, 3, 5, 9, tzinfo=UTC)


def _payload(rng: random.Random, i: int) -> dict[str, Any]:
    return {
        "id": f"h{i}",
        "kind": rng.choice(["shelling", "mines", "checkpoint", "roadblock"]),
        "geometry": {
            "type": "Point",
            "coordinates": [rng.uniform(15.5, 15.7), rng.uniform(48.38, 48.44)],
        },
        "severity": round(rng.random(), 3),
        "confidence": round(rng.random(), 3),
        "valid_from": (T0 + timedelta(minutes=i)).isoformat(),
        "source": "https://example.org/report/" + str(rng.randrange(10**6)),
    }


@contextmanager
def _databases() -> Iterator[list[tuple[str, str]]]:
    with tempfile.TemporaryDirectory() as tmp:
        urls = [("sqlite", f"sqlite:///{Path(tmp) / 'bench.db'}")]
        schema = f"corridor_bench_{uuid.uuid4().hex[:8]}"
        try:
            import psycopg

            with psycopg.connect(PG_DSN, connect_timeout=3, autocommit=True) as conn:
                conn.execute(f"CREATE SCHEMA {schema}")
            urls.append(
                (
                    "postgresql",
                    "postgresql+psycopg://postgres@127.0.0.1:5432/test"
                    f"?options=-csearch_path%3D{schema}",
                )
            )
        except Exception as exc:  # the benchmark still runs on SQLite
            print(f"PostgreSQL left out: {exc}")
            schema = ""
        try:
            yield urls
        finally:
            if schema:
                with psycopg.connect(PG_DSN, autocommit=True) as conn:
                    conn.execute(f"DROP SCHEMA {schema} CASCADE")


def _measure(url: str) -> dict[str, float]:
    rng = random.Random(SEED)
    out: dict[str, float] = {}
    with open_store(url) as store:
        start = time.perf_counter()
        for i in range(SINGLE):
            with store.session() as s:
                record(s, actor="bench", action="hazard.added", payload=_payload(rng, i))
        out["single/s"] = SINGLE / (time.perf_counter() - start)
        start = time.perf_counter()
        for b in range(0, BATCHED, BATCH):
            with store.session() as s:
                for i in range(b, b + BATCH):
                    record(s, actor="bench", action="hazard.added", payload=_payload(rng, i))
        out["batched/s"] = BATCHED / (time.perf_counter() - start)
        start = time.perf_counter()
        with store.session(write=False) as s:
            fault = verify_audit(s)
        out["verify/s"] = (SINGLE + BATCHED) / (time.perf_counter() - start)
        assert fault is None
    return out


def _pure() -> tuple[float, float]:
    rng = random.Random(SEED)
    chain: list[ChainEntry] = []
    for i in range(PURE):
        chain.append(
            next_entry(
                chain[-1] if chain else None,
                at_utc=T0,
                actor="bench",
                action="hazard.added",
                payload=_payload(rng, i),
            )
        )
    start = time.perf_counter()
    assert verify_chain(chain) is None
    corridor_s = time.perf_counter() - start
    blobs = [
        (
            e.prev_hash.encode()
            + entry_canonical(
                seq=e.seq,
                at_utc=e.at_utc,
                actor=e.actor,
                action=e.action,
                payload_digest=e.payload_digest,
                prev_hash=e.prev_hash,
            ),
            (e.payload or "").encode(),
        )
        for e in chain
    ]
    start = time.perf_counter()
    for entry_bytes, payload in blobs:
        hashlib.sha256(entry_bytes).hexdigest()
        hashlib.sha256(payload).hexdigest()
    hash_s = time.perf_counter() - start
    return PURE / corridor_s, PURE / hash_s


def main() -> None:
    with _databases() as urls:
        results = {name: _measure(url) for name, url in urls}
    print(f"{'entries per second':<34}" + "".join(f"{n:>12}" for n in results))
    labels = {
        "single/s": f"append, 1 per transaction ({SINGLE})",
        "batched/s": f"append, {BATCH} per transaction ({BATCHED})",
        "verify/s": f"verify stored log ({SINGLE + BATCHED})",
    }
    for key, label in labels.items():
        print(f"{label:<34}" + "".join(f"{r[key]:>12,.0f}" for r in results.values()))
    if "postgresql" in results:
        ratio = {k: results["sqlite"][k] / results["postgresql"][k] for k in labels}
        print("SQLite / PostgreSQL: " + ", ".join(f"{k} {v:.2f}x" for k, v in ratio.items()))
    chain_rate, hash_rate = _pure()
    print(
        f"pure verify_chain ({PURE}): {chain_rate:,.0f}/s; hashlib alone on the same bytes: "
        f"{hash_rate:,.0f}/s ({hash_rate / chain_rate:.0f}x: canonicalisation dominates)"
    )


if __name__ == "__main__":
    main()
