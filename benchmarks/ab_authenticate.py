"""CPU per uncached ``corridor.api.authenticate`` call (the token lookup every API request
makes when its principal cache misses), on SQLite and PostgreSQL.

Run it under each code version and compare, several times interleaved:

    git archive 3abad31 src | tar -x -C /tmp/before
    PYTHONPATH=/tmp/before/src nice -n 10 .venv/bin/python -m benchmarks.ab_authenticate
    nice -n 10 .venv/bin/python -m benchmarks.ab_authenticate

50 liaison users of one party; 2,000 lookups cycling through their tokens, each checked to
come back with its party. Prints microseconds of process CPU per call as JSON.
"""

from __future__ import annotations

import json
import os
import tempfile
import time
import uuid

PG_DSN = os.environ.get("CORRIDOR_TEST_PG", "host=127.0.0.1 port=5432 user=postgres dbname=test")
CALLS = 2000


def _per_call(url: str) -> float:
    from corridor.api import add_user, authenticate
    from corridor.store import add_party, open_store

    store = open_store(url)
    try:
        with store.session() as s:
            add_party(s, name="p", role="r", public_key="k", actor="t")
        tokens = [
            add_user(store, name=f"u{i}", role="liaison", party="p", actor="t") for i in range(50)
        ]
        if authenticate(store, "cor_unknown") is not None:
            raise SystemExit("an unknown token authenticated")
        t0 = time.process_time()
        for i in range(CALLS):
            who = authenticate(store, tokens[i % 50])
            if who is None or who.party != "p":
                raise SystemExit(f"token {i % 50} did not authenticate as a user of party p")
        return (time.process_time() - t0) / CALLS * 1e6
    finally:
        store.close()


def main() -> None:
    import psycopg

    out: dict[str, float] = {}
    with tempfile.TemporaryDirectory() as tmp:
        out["sqlite"] = round(_per_call(f"sqlite:///{tmp}/auth.db"), 1)
    schema = f"corridor_auth_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(PG_DSN, autocommit=True) as conn:
        conn.execute(f"CREATE SCHEMA {schema}")
    try:
        url = f"postgresql+psycopg://postgres@127.0.0.1:5432/test?options=-csearch_path%3D{schema}"
        out["postgresql"] = round(_per_call(url), 1)
    finally:
        with psycopg.connect(PG_DSN, autocommit=True) as conn:
            conn.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
    print(json.dumps({"us_per_call": out, "load": os.getloadavg()}))


if __name__ == "__main__":
    main()
