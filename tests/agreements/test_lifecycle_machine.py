"""The agreement lifecycle over any sequence of actions and times, against a small model.

A hypothesis state machine drives the real store functions (propose, sign, suspend, close)
at chosen times and checks each outcome against an independent model written from the
rules in docs/agreements.md, not from the code: which actions are allowed in which state,
what state follows, and what a reader sees at a given time (windows make an agreed
agreement open, then over). After every step the audit log must verify and replay to
exactly the state tables.
"""

from __future__ import annotations

import itertools
import shutil
import tempfile
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, ClassVar

from hypothesis import HealthCheck, event, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    rule,
    run_state_machine_as_test,
)

from corridor.agreements import KeyPair, generate_keypair, load_private_key, terms_from_data
from corridor.errors import LifecycleError
from corridor.network import Network
from corridor.store import Store, load_agreement, open_store, replay_problems, verify_audit
from corridor.store._agreements import (
    add_party,
    close_agreement,
    propose_agreement,
    sign_agreement,
    suspend_agreement,
)
from tests.agreements.conftest import PARTIES, make_terms

NAMES = [n for n, _ in PARTIES]
T0 = datetime(2031, 5, 1, 6, 0, tzinfo=UTC)
SEEN: Counter[str] = Counter()


def _at_server_time(at: datetime, action: Any) -> Any:
    """Run ``action`` with the store's clock at ``at``: a suspension is judged by the server's
    clock (issue 14, defect 5), and this machine's clock is simulated."""
    from unittest import mock

    with mock.patch("corridor.store._agreements.utc_now", return_value=at):
        return action()


@dataclass
class Model:
    """The rules, as a reader of the docs would state them."""

    stored: str | None = None  # None: nothing proposed yet
    windows: list[tuple[datetime, datetime]] = field(default_factory=list)
    signed: set[str] = field(default_factory=set)

    def seen(self, at: datetime) -> str | None:
        if self.stored != "agreed" or not self.windows:
            return self.stored
        if any(a <= at < b for a, b in self.windows):
            return "open"
        if at >= max(b for _, b in self.windows):
            return "over"
        return "agreed"

    def can_propose(self, at: datetime) -> bool:
        return self.stored != "closed"

    def can_sign(self, party: str, at: datetime) -> bool:
        return (
            self.stored == "proposed"
            and party not in self.signed
            and all(b > at for _, b in self.windows)
        )

    def can_suspend(self, at: datetime) -> bool:
        return self.seen(at) in ("agreed", "open")

    def can_close(self, at: datetime) -> bool:
        return self.stored in ("proposed", "agreed", "suspended")


class Lifecycle(RuleBasedStateMachine):
    store: ClassVar[Store]
    net: ClassVar[Network]
    keys: ClassVar[dict[str, KeyPair]]
    counter: ClassVar[itertools.count[int]] = itertools.count()

    def __init__(self) -> None:
        super().__init__()
        self.model = Model()
        self.now = T0
        self.corridor = f"c{next(self.counter)}"
        self.versions = 0

    @initialize(
        lead_h=st.sampled_from([1, 2, 4]),
        opening=st.sampled_from(["proposed", "agreed", "suspended"]),
    )
    def start(self, lead_h: int, opening: str) -> None:
        """Every example starts from a proposal, a third of them signed by every party at once
        and a third also suspended before the first window: the states after "agreed" are
        reached as often as the ones before it, whatever sequence of rules the run draws
        (a CI run once drew none that suspended successfully)."""
        SEEN["examples"] += 1
        self.propose(lead_h, 0)
        if opening != "proposed":
            self.every_party_signs("suspend" if opening == "suspended" else None)

    def _try(self, name: str, allowed: bool, action: Any) -> bool:
        try:
            with self.store.session() as s:
                action(s)
        except LifecycleError:
            assert not allowed, f"{name} refused but the rules allow it (model {self.model})"
            SEEN[f"{name} refused"] += 1
            event(f"{name} refused")
            return False
        assert allowed, f"{name} accepted but the rules forbid it (model {self.model})"
        SEEN[f"{name} ok"] += 1
        event(f"{name} ok")
        return True

    @rule(hours=st.sampled_from([1, 2, 4, 8]))
    def wait(self, hours: float) -> None:
        SEEN["wait"] += 1
        self.now += timedelta(hours=hours)

    @rule(window=st.integers(0, 1), edge=st.sampled_from(["start", "inside", "end", "inside"]))
    def jump_to_a_window_edge(self, window: int, edge: str) -> None:
        """Time moves on to an edge of the current version's windows (never backwards):
        the half-open boundaries are where an off-by-one would hide."""
        if not self.model.windows:
            return
        start, end = self.model.windows[min(window, len(self.model.windows) - 1)]
        target = {"start": start, "inside": start + (end - start) / 2, "end": end}[edge]
        SEEN["jump"] += 1
        self.now = max(self.now, target)

    @rule(lead_h=st.sampled_from([1, 2, 4]), coin=st.integers(0, 2))
    def propose(self, lead_h: int, coin: int) -> None:
        if self.model.stored not in (None, "closed") and coin:
            return  # a new version only one time in three: let the current one live
        first = self.now + timedelta(hours=lead_h)
        data = make_terms(self.net, self.keys, first_window_utc=first)
        data["corridor_id"] = self.corridor
        data["notes"] = f"version drafted at {self.now.isoformat()} ({self.versions})"
        terms = terms_from_data(data)
        at = self.now
        if self._try(
            "propose",
            self.model.can_propose(at),
            lambda s: propose_agreement(s, terms, actor="coordinator", at_utc=at),
        ):
            self.versions += 1
            self.model = Model("proposed", [(w.start_utc, w.end_utc) for w in terms.windows], set())

    @rule(party=st.sampled_from(NAMES))
    def sign(self, party: str) -> None:
        if self.model.stored is None:
            return  # nothing to sign yet (the store would say "not found", not a rule)
        key = load_private_key(self.keys[party].private_path)
        at = self.now
        if self._try(
            "sign",
            self.model.can_sign(party, at),
            lambda s: sign_agreement(s, self.corridor, key=key, actor=party, at_utc=at),
        ):
            self.model.signed.add(party)
            if self.model.signed == set(NAMES):
                self.model.stored = "agreed"

    @rule(then=st.sampled_from([None, "start", "inside", "suspend", "over"]))
    def every_party_signs(self, then: str | None) -> None:
        """Parties often sign one after another, and then the first window comes: reach
        "agreed" and "open" far more often than single random signatures would (each
        signature is still checked against the model)."""
        for party in NAMES:
            if self.model.stored is None or party in self.model.signed:
                continue
            self.sign(party)
        if then == "suspend":
            self.suspend("army-north")
        elif then == "over":
            self.jump_to_a_window_edge(1, "end")
        elif then is not None:
            self.jump_to_a_window_edge(0, then)

    @rule(party=st.sampled_from([*NAMES, None]))
    def suspend(self, party: str | None) -> None:
        if self.model.stored is None:
            return
        key = None if party is None else load_private_key(self.keys[party].private_path)
        at = self.now
        if self._try(
            "suspend",
            self.model.can_suspend(at),
            lambda s: _at_server_time(
                at,
                lambda: suspend_agreement(
                    s, self.corridor, reason="incident", actor="liaison", key=key, at_utc=at
                ),
            ),
        ):
            self.model.stored = "suspended"

    @rule(coin=st.integers(0, 4))
    def close(self, coin: int) -> None:
        if self.model.stored is None or (coin and self.model.stored != "closed"):
            return  # closing is final: one time in five, so later states get reached
        at = self.now
        if self._try(
            "close",
            self.model.can_close(at),
            lambda s: close_agreement(s, self.corridor, actor="coordinator", at_utc=at),
        ):
            self.model.stored = "closed"
            self.propose(1, 0)  # someone tries to renew a closed corridor: final means final

    @invariant()
    def store_agrees_with_the_model(self) -> None:
        if self.model.stored is None:
            return
        with self.store.session(write=False) as s:
            rec = load_agreement(s, self.corridor)
        assert rec.stored_state.value == self.model.stored
        seen = self.model.seen(self.now)
        SEEN[f"seen {seen}"] += 1
        # What a reader sees now: windows turn agreed into open, and over once they end.
        assert rec.state_at(self.now).value == ("closed" if seen == "over" else seen)

    def teardown(self) -> None:
        with self.store.session(write=False) as s:
            assert verify_audit(s) is None
            assert replay_problems(s) == []


def test_lifecycle_state_machine(tmp_path: Path, krems_network: Network) -> None:
    shm = Path("/dev/shm")
    db_dir = Path(tempfile.mkdtemp(dir=shm)) if shm.is_dir() else tmp_path  # no fsync cost
    folder = tmp_path / "keys"
    Lifecycle.keys = {n: generate_keypair(n, directory=folder) for n in NAMES}
    Lifecycle.net = krems_network
    SEEN.clear()
    with open_store(f"sqlite:///{db_dir / 'machine.db'}") as store:
        Lifecycle.store = store
        with store.session() as s:
            for name, role in PARTIES:
                add_party(s, name=name, role=role, public_key=Lifecycle.keys[name].public_key,
                          actor="t")  # fmt: skip
        run_state_machine_as_test(
            Lifecycle,
            settings=settings(
                max_examples=30,
                stateful_step_count=16,
                deadline=None,
                # A fixed seed: the branch-coverage assertion below must not flip from run
                # to run (each rule's outcome is still checked against the model).
                derandomize=True,
                suppress_health_check=[HealthCheck.too_slow],
            ),
        )
    if db_dir != tmp_path:
        shutil.rmtree(db_dir, ignore_errors=True)
    # Every branch of the rules was exercised, not just the early refusals.
    for branch in (
        "propose ok", "propose refused", "sign ok", "sign refused", "suspend ok",
        "suspend refused", "close ok", "close refused", "seen open", "seen agreed",
        "seen over", "seen suspended",
    ):  # fmt: skip
        assert SEEN[branch] > 0, f"{branch} never happened: {sorted(SEEN.items())}"
