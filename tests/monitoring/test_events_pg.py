"""Two `corridor serve` processes on one PostgreSQL database: every subscriber of either gets
every event, woken by LISTEN/NOTIFY (the periodic re-read is pushed out to 10 minutes here,
so a missing notification would make the test time out instead of passing by polling).

The test waits until every subscriber holds the newest event in the table (read from the
database after the last write), not until it has counted the check-ins: a check-in's
transaction also emits the events its reassessment derives (the 8th check-in is followed by a
``violation.updated``), so a subscriber that had just parsed the 8th check-in could be compared
one event short of the others (the flaky failure under load)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from corridor.api import add_user
from corridor.store import EventRow, open_store
from tests.api.test_serve import serving
from tests.monitoring import scenario
from tests.monitoring.sse import Subscriber

pytestmark = [pytest.mark.slow, pytest.mark.postgres]


@pytest.fixture
def pg_url(db_url: str) -> str:
    if not db_url.startswith("postgresql"):
        pytest.skip("this test is about several server processes on PostgreSQL")
    return db_url


def test_every_subscriber_of_two_servers_gets_every_event(
    pg_url: str,
    corridor_def: scenario.Corridor,
    network_file: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("CORRIDOR_EVENTS_RECHECK_S", "600")
    with open_store(pg_url) as store:
        scenario.agree(store, corridor_def)
        co = add_user(store, name="ops", role="coordinator", party=None, actor="t")
        fi = add_user(store, name="team", role="field", party=None, actor="t")
        ob = add_user(store, name="obs", role="observer", party=None, actor="t")
    before = max(_event_ids(pg_url), default=0)  # the set-up's events, before any stream starts
    day = scenario.day_checkins(corridor_def)
    with serving(pg_url, network_file) as a, serving(pg_url, network_file) as b:
        subs = [Subscriber(base, ob) for base in (a, b, a, b)]
        for s in subs:
            s.start()
            assert s.connected.wait(30)
        clients = [httpx.Client(base_url=base, timeout=60, headers={"Authorization": f"Bearer {t}"})
                   for base, t in ((a, co), (a, fi), (b, fi))]  # fmt: skip
        try:
            assert (
                clients[0].post("/convoys", json={"convoys": scenario.convoys()}).status_code == 200
            )
            for i, item in enumerate(day[:8]):  # alternately through each server
                got = clients[1 + i % 2].post("/reports/checkins", json=item)
                assert got.status_code == 201, got.text
        finally:
            for c in clients:
                c.close()

        # The oracle: every event the writes committed, in id order, read from the database.
        expected = [i for i in _event_ids(pg_url) if i > before]
        assert expected, "the writes emitted no events"

        def done(events: list[dict[str, Any]]) -> bool:
            return bool(events) and events[-1]["id"] >= expected[-1]

        for s in subs:
            s.wait_for(done, timeout_s=60)
        for s in subs:
            s.stop()
        seen = [[e["id"] for e in s.events] for s in subs]
        assert seen == [expected] * len(subs)
        kinds = [e["kind"] for e in subs[1].events]
        assert kinds.count("convoy") == 4 and kinds.count("checkin") == 8
        assert "violation" in kinds  # bus-1's hold, derived on whichever server took the report


def _event_ids(url: str) -> list[int]:
    with open_store(url) as store, store.session(write=False) as s:
        return list(s.scalars(select(EventRow.id).order_by(EventRow.id)))
