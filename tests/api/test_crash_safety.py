"""Crash safety: SIGKILL a real `corridor serve` during a stream of writes, restart, check.

Three client threads stream writes (hazards with an Idempotency-Key, field reports - check-ins
and incidents, idempotent by their own id - on a corridor agreed and monitored through the API
beforehand, agreement proposals and signatures) to a `corridor serve` subprocess on a free
loopback port. The server is killed with SIGKILL at random moments and restarted, a bounded
number of times. With the server down, the database is checked directly:

- every acknowledged write is present, with its audit entry;
- a write that was in flight when the server died is either wholly present (row, audit
  entry, idempotency record) or wholly absent, never half-written;
- the audit chain verifies, replays exactly to the state tables, and extends the
  checkpoint a party signed before the kill (RFC 9162 consistency proof);
- a retried in-flight write (same Idempotency-Key, or the same report id) lands exactly once,
  and every acknowledged report is in its table and in the log exactly once.

No write may be answered 503. The server answers 503 on four paths (src/corridor/api/): a
full heavy-request pool (``_heavy.run_heavy``, with Retry-After: route searches with
explanations and hazard imports, not the harness's writes), too many event-stream subscribers
(``_monitoring``, with Retry-After; the harness subscribes to none), a full or stopping
ensemble queue (``_ensembles``; none run) and the database failing (a StoreError or an
SQLAlchemy error other than a lost unique-key race or a refused value, ``_problems``). The
database is never down here: the harness kills the server, not the database; the server opens
and checks the store before it listens, and the clients write only once it answers /health;
a killed server's SQLite locks die with it and its PostgreSQL sessions end with its sockets.
So a 503 here is a bug, as the one tolerated "try again" per restart was (SQLAlchemy's mappers
configured while another thread imported a table module, 4d12ed9, tests/store/
test_mapper_race.py). A 503'd write is still checked all-or-nothing like one in flight; the
run then fails with the answers and the server's stderr.

The run's counts are printed (``-s``) and recorded in docs/benchmarks.md.
"""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import select

from corridor.agreements import public_key_b64, signing_message
from corridor.api import add_user
from corridor.audit import Checkpoint, LogTree, check_against_checkpoint, sign_checkpoint
from corridor.store import (
    AgreementVersionRow,
    CheckinRow,
    HazardRow,
    IdempotencyKeyRow,
    IncidentRow,
    SignatureRow,
    add_party,
    iter_audit,
    open_store,
    replay_problems,
)
from tests.api.conftest import sign_b64, terms_for
from tests.api.test_serve import free_port, wait_healthy

pytestmark = pytest.mark.slow

KILLS = int(os.environ.get("CORRIDOR_CRASH_KILLS", "3"))  # more for a longer soak by hand
CLIENTS = int(os.environ.get("CORRIDOR_CRASH_CLIENTS", "3"))
WATCHED = "watch-1"  # the corridor agreed and monitored through the API; reports name it
CONVOY = "bus-1"
# Per database, a safety net: the run stops early rather than overrun.
TIME_BUDGET_S = float(os.environ.get("CORRIDOR_CRASH_BUDGET_S", "240"))


@dataclass
class Tally:
    kills: int = 0
    attempted: int = 0
    acked: int = 0
    acked_checkins: int = 0
    acked_incidents: int = 0
    in_flight: int = 0
    unavailable: int = 0  # writes answered 503 (not acknowledged; checked like in-flight ones)
    in_flight_present: int = 0
    in_flight_absent: int = 0
    retried_once: int = 0
    checked: int = 0
    entries: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def summary(self) -> dict[str, int]:
        return {k: v for k, v in self.__dict__.items() if isinstance(v, int)}


@dataclass
class Write:
    kind: str  # hazard | checkin | incident | propose | sign
    ident: str
    send: Callable[[httpx.Client], httpx.Response]
    ok_status: int | tuple[int, ...]

    def ok(self, status: int) -> bool:
        return status in (
            self.ok_status if isinstance(self.ok_status, tuple) else (self.ok_status,)
        )


@dataclass
class Ledger:
    acked: list[Write] = field(default_factory=list)
    in_flight: list[Write] = field(default_factory=list)
    digests: dict[str, str] = field(default_factory=dict)  # proposed corridor -> digest


class Harness:
    def __init__(self, db_url: str, network_file: Path, network: Any, seed: int) -> None:
        self.db_url, self.network_file, self.network = db_url, network_file, network
        self.rng = random.Random(seed)
        self.keys = {"north": Ed25519PrivateKey.generate(), "south": Ed25519PrivateKey.generate()}
        self.tally = Tally()
        self.ledgers = [Ledger() for _ in range(CLIENTS)]
        self.cond = threading.Condition()
        self.is_up = False
        self.stopping = False
        self.busy = 0
        self.errors: list[BaseException] = []
        self.proc: subprocess.Popen[str] | None = None
        self.base = ""
        self.stderr = ""  # every server run's stderr, for the report of a failed run
        self.unavailable: list[str] = []  # the 503 answers, for the report
        with open_store(db_url) as store:
            with store.session() as s:
                for party, key in self.keys.items():
                    add_party(s, name=party, role="armed forces",
                              public_key=public_key_b64(key), actor="test")  # fmt: skip
            self.tokens = {
                role: add_user(store, name=f"{role}-x", role=role, party=None, actor="test")
                for role in ("coordinator", "field")
            }
            self.tokens["liaison"] = add_user(
                store, name="liaison-n", role="liaison", party="north", actor="test"
            )
        self.checkpoint = self._sign_checkpoint()
        self.watched: dict[str, Any] = {}  # the monitored corridor's terms, once agreed

    def monitor_a_corridor(self) -> None:
        """Through the API, as a coordinator would: propose terms, have both parties' signatures
        uploaded (the agreement is then in force), register the convoy reports will name."""
        from datetime import UTC, datetime, timedelta

        terms = terms_for(self.network, self.keys, corridor_id=WATCHED)
        with httpx.Client(base_url=self.base, timeout=30,
                          headers=self._auth("coordinator")) as c:  # fmt: skip
            proposed = c.post("/agreements", json=terms)
            assert proposed.status_code == 201, proposed.text
            digest = proposed.json()["digest"]
            for party, key in self.keys.items():
                signature = sign_b64(key, signing_message(digest))
                signed = c.put(
                    f"/agreements/{WATCHED}/signatures/{party}", json={"signature": signature}
                )
                assert signed.status_code == 200, signed.text
            assert signed.json()["state"] == "agreed", signed.text
            depart = (datetime.now(UTC) + timedelta(days=1)).isoformat()
            convoy = {"id": CONVOY, "corridor_id": WATCHED, "vehicles": 10, "people": 400,
                      "depart_utc": depart}  # fmt: skip
            added = c.post("/convoys", json={"convoys": [convoy]})
            assert added.status_code == 200 and added.json()["added"] == [CONVOY], added.text
        self.watched = terms

    # --- the server -----------------------------------------------------------------------
    def start(self) -> None:
        port = free_port()
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "corridor", "serve", "--port", str(port), "--db",
             self.db_url, "--network", str(self.network_file), "--quiet"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )  # fmt: skip
        self.base = f"http://127.0.0.1:{port}"
        wait_healthy(self.base, self.proc)

    def kill(self) -> None:
        assert self.proc is not None
        os.kill(self.proc.pid, signal.SIGKILL)
        self.proc.wait(timeout=30)
        if self.proc.stderr is not None:
            err = self.proc.stderr.read()
            self.proc.stderr.close()
            self.stderr += err
            assert "Traceback" not in err, err
        self.tally.kills += 1

    # --- the clients ------------------------------------------------------------------------
    def _auth(self, role: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[role]}"}

    def _next_write(self, client_no: int, n: int, ledger: Ledger) -> Write:
        tag = f"k{client_no}-{n}"
        choice = self.rng.random()
        if choice < 0.15 and ledger.digests:  # sign a proposal this client saw acknowledged
            cid = sorted(ledger.digests)[-1]
            digest = ledger.digests.pop(cid)
            sig = sign_b64(self.keys["north"], signing_message(digest))
            return Write("sign", cid, lambda c: c.put(
                f"/agreements/{cid}/signatures/north", json={"signature": sig},
                headers=self._auth("liaison")), 200)  # fmt: skip
        if choice < 0.3:
            cid = f"crash-{tag}"
            body = terms_for(self.network, self.keys, corridor_id=cid)
            return Write("propose", cid, lambda c: c.post(
                "/agreements", json=body, headers=self._auth("coordinator")), 201)  # fmt: skip
        if choice < 0.55:
            feature = {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [15.6 + n * 1e-5, 48.41]},
                "properties": {"kind": "roadblock", "id": f"hz-{tag}"},
            }
            headers = {**self._auth("field"), "Idempotency-Key": f"idem-hz-{tag}"}
            return Write("hazard", f"hz-{tag}", lambda c: c.post(
                "/hazards", json=feature, headers=headers), 201)  # fmt: skip
        # A field report on the monitored corridor, idempotent by its own id: a repeat of a
        # kept report answers 200 (created false), a new one 201.
        from datetime import UTC, datetime

        coords = self.watched["route"]["geometry"]["coordinates"]
        lon, lat = coords[n % len(coords)]
        common = {"corridor_id": WATCHED, "at_utc": datetime.now(UTC).isoformat(),
                  "lat": lat, "lon": lon, "notes": f"client {client_no}, report {n}"}  # fmt: skip
        if choice < 0.8:
            body = {**common, "id": f"ck-{tag}", "convoy_id": CONVOY, "status": "en_route"}
            field = self._auth("field")
            return Write("checkin", f"ck-{tag}", lambda c: c.post(
                "/reports/checkins", json=body, headers=field), (200, 201))  # fmt: skip
        body = {**common, "id": f"in-{tag}", "kind": "shelling", "severity": 0.3,
                "confidence": 0.5}  # fmt: skip
        field = self._auth("field")
        return Write("incident", f"in-{tag}", lambda c: c.post(
            "/reports/incidents", json=body, headers=field), (200, 201))  # fmt: skip

    def client(self, client_no: int) -> None:
        try:
            self._client(client_no)
        except BaseException as exc:  # reported by the main thread
            self.errors.append(exc)
            with self.cond:
                self.busy = max(0, self.busy - 1)
                self.cond.notify_all()

    def _client(self, client_no: int) -> None:
        ledger = self.ledgers[client_no]
        n = 0
        while True:
            with self.cond:
                self.cond.wait_for(lambda: self.is_up or self.stopping)
                if self.stopping:
                    return
                self.busy += 1
                base = self.base
            write = self._next_write(client_no, n, ledger)
            n += 1
            try:
                with httpx.Client(base_url=base, timeout=30) as c:
                    response = write.send(c)
            except httpx.TransportError:
                response = None
            with self.cond:
                self.tally.attempted += 1
                if response is None:
                    ledger.in_flight.append(write)  # never acknowledged: the server died
                elif response.status_code == 503:
                    # "Try again shortly" is not an acknowledgement: the write must be wholly
                    # absent or present like one in flight. Counted; run() fails on any (see
                    # the module's docstring: no 503 path is legitimate in this harness).
                    ledger.in_flight.append(write)
                    self.tally.unavailable += 1
                    self.unavailable.append(f"{write.kind} {write.ident}: {response.text}")
                else:
                    assert write.ok(response.status_code), (write.kind, response.text)
                    ledger.acked.append(write)
                    self.tally.acked += 1
                    self.tally.acked_checkins += write.kind == "checkin"
                    self.tally.acked_incidents += write.kind == "incident"
                    if write.kind == "propose":
                        ledger.digests[write.ident] = response.json()["digest"]
                self.busy -= 1
                self.cond.notify_all()

    # --- the checks -------------------------------------------------------------------------
    def _sign_checkpoint(self) -> Checkpoint:
        with open_store(self.db_url) as store, store.session(write=False) as s:
            tree = LogTree.of(iter_audit(s))
        return sign_checkpoint(tree.checkpoint(), "north", self.keys["north"])

    def check(self) -> None:
        """With the server down: acknowledged present, in-flight all-or-nothing, log sound."""
        keys = {p: (public_key_b64(k), "test") for p, k in self.keys.items()}
        with open_store(self.db_url) as store, store.session(write=False) as s:
            entries = list(iter_audit(s))
            report = check_against_checkpoint(entries, self.checkpoint, keys=keys)
            assert report.ok, (report.problems, report.chain_fault)
            assert replay_problems(s) == []
            present = _present(s, entries)
        twice = {k: v for k, v in _logged(entries).items() if v > 1}
        assert not twice, f"written more than once: {twice}"
        for ledger in self.ledgers:
            for w in ledger.acked:
                assert all(present[w.kind].get(w.ident, ())), (w.kind, w.ident, "acked but gone")
                self.tally.checked += 1
            for w in ledger.in_flight:
                parts = present[w.kind].get(w.ident, (False,))
                assert all(parts) or not any(parts), (w.kind, w.ident, "half-written", parts)
                self.tally.checked += 1
                self.tally.in_flight += 1
                if all(parts):
                    self.tally.in_flight_present += 1
                else:
                    self.tally.in_flight_absent += 1
        self.tally.entries = len(entries)

    def retry_in_flight(self) -> None:
        """Resend each in-flight keyed write with its key: it must land exactly once."""
        with httpx.Client(base_url=self.base, timeout=30) as c:
            for ledger in self.ledgers:
                for w in ledger.in_flight:
                    if w.kind in ("hazard", "checkin", "incident"):
                        assert w.ok(w.send(c).status_code), (w.kind, w.ident)
                        ledger.acked.append(w)
                        self.tally.retried_once += 1
                ledger.in_flight.clear()
        with open_store(self.db_url) as store, store.session(write=False) as s:
            entries = list(iter_audit(s))
        dupes = {k: v for k, v in _logged(entries).items() if v > 1}
        assert not dupes, dupes

    def run(self) -> Tally:
        threads = [threading.Thread(target=self.client, args=(i,)) for i in range(CLIENTS)]
        deadline = time.monotonic() + TIME_BUDGET_S
        try:
            self._resume()  # inside the try: a server that never became healthy is killed too
            self.monitor_a_corridor()
            for t in threads:
                t.start()
            while self.tally.kills < KILLS and time.monotonic() < deadline and not self.errors:
                # Kill after a random number of acknowledged writes (so the run does not
                # depend on how loaded the machine is), then a random delay that lands the
                # SIGKILL at any point of the requests in flight.
                target = self.tally.acked + self.rng.randint(2, 8)
                with self.cond:
                    self.cond.wait_for(
                        lambda t=target: self.tally.acked >= t or bool(self.errors),  # type: ignore[misc]
                        timeout=max(1.0, deadline - time.monotonic()),
                    )
                time.sleep(self.rng.uniform(0.0, 0.25))
                with self.cond:
                    self.is_up = False  # no new request starts; those in flight may die
                self.kill()
                with self.cond:
                    assert self.cond.wait_for(lambda: self.busy == 0, timeout=60)
                self.check()
                self.checkpoint = self._sign_checkpoint()
                self._resume(retry=True)
        finally:
            with self.cond:
                self.stopping = True
                self.cond.notify_all()
            for t in threads:
                if t.ident is not None:  # started
                    t.join(timeout=60)
            if self.proc is not None and self.proc.poll() is None:
                self.kill()
                self.tally.kills -= 1  # the final stop is not one of the random kills
        if self.errors:
            # The server's own account of a failed write (a 503 says only "database
            # unavailable"; its log names the database error).
            raise AssertionError(f"{self.errors[0]}\nserver stderr:\n{self.stderr[-4000:]}")
        self.check()
        # No "try again" at all: the database never goes down here (module docstring).
        assert self.tally.unavailable == 0, (
            f"{self.tally.unavailable} writes answered 503: {self.unavailable[:5]}\n"
            f"server stderr:\n{self.stderr[-4000:]}"
        )
        return self.tally

    def _resume(self, *, retry: bool = False) -> None:
        self.start()
        if retry:
            self.retry_in_flight()
        with self.cond:
            self.is_up = True
            self.cond.notify_all()


def _ident(action: str, p: dict[str, Any]) -> str | None:
    if action == "hazard.added":
        return str(p.get("id"))
    if action in ("report.checkin", "report.incident"):
        return str(p.get("id"))
    if action == "agreement.proposed":
        return str(p.get("corridor_id"))
    if action == "agreement.signed":
        return f"sign:{p.get('corridor_id')}:{p.get('party')}"
    return None


def _logged(entries: list[Any]) -> dict[str, int]:
    """How many audit entries record each write (by the id the harness gave it)."""
    logged: dict[str, int] = {}
    for e in entries:
        ident = _ident(e.action, json.loads(e.payload or "{}"))
        if ident is not None:
            logged[ident] = logged.get(ident, 0) + 1
    return logged


def _present(s: Any, entries: list[Any]) -> dict[str, dict[str, tuple[bool, ...]]]:
    """For each write kind and id: is each part there (row, audit entry, idempotency)?"""
    logged = _logged(entries)
    keys = set(s.scalars(select(IdempotencyKeyRow.key)))
    hazards = set(s.scalars(select(HazardRow.id)))
    versions = set(s.scalars(select(AgreementVersionRow.corridor_id)))
    signed = set(
        s.scalars(
            select(AgreementVersionRow.corridor_id).join(
                SignatureRow, SignatureRow.agreement_version_id == AgreementVersionRow.id
            )
        )
    )
    checkins = set(s.scalars(select(CheckinRow.id)))
    incidents = set(s.scalars(select(IncidentRow.id)))
    kinds = ("hazard", "checkin", "incident", "propose", "sign")
    out: dict[str, dict[str, tuple[bool, ...]]] = {k: {} for k in kinds}
    for h in {*hazards, *(k[len("idem-") :] for k in keys if k.startswith("idem-hz-"))}:
        out["hazard"][h] = (h in hazards, h in logged, f"idem-{h}" in keys)
    for r in {*checkins, *(i for i in logged if i.startswith("ck-"))}:
        out["checkin"][r] = (r in checkins, r in logged)
    for r in {*incidents, *(i for i in logged if i.startswith("in-"))}:
        out["incident"][r] = (r in incidents, r in logged)
    for ident in logged:
        if ident.startswith("hz-") and ident not in out["hazard"]:
            out["hazard"][ident] = (ident in hazards, True, f"idem-{ident}" in keys)
    for c in {*versions, *(i for i in logged if i.startswith("crash-"))}:
        out["propose"][c] = (c in versions, c in logged)
    # The harness's signatures are north's (the watched corridor has both parties').
    for c in {*signed, *(i[5:].rsplit(":", 1)[0] for i in logged if i.startswith("sign:"))}:
        out["sign"][c] = (c in signed, f"sign:{c}:north" in logged)
    return out


def test_sigkill_during_writes_loses_nothing_acknowledged(
    db_url: str, network_file: Path, network: Any
) -> None:
    seed = int(os.environ.get("CORRIDOR_CRASH_SEED", "1409"))
    open_store(db_url).close()
    tally = Harness(db_url, network_file, network, seed).run()
    dialect = db_url.split(":", 1)[0]
    print(f"\ncrash harness ({dialect}, seed {seed}): {json.dumps(tally.summary())}")
    assert tally.kills == KILLS
    assert tally.acked > 0 and tally.in_flight > 0
    assert tally.acked_checkins > 0 and tally.acked_incidents > 0, tally.summary()
    assert tally.checked >= tally.acked
