"""``corridor checkin|incident|confirm|watch`` on the bare driver (issue 14, defect 10): they
run in the command's own transaction without SQLAlchemy, psycopg 3 or the routing stack, and
do what the same reports do through the server (kept once, the incident's hazard, the
confirmation that suspends the agreement), on SQLite and PostgreSQL.

Without ``--network`` the route's network is looked up in the store; the look-up used to open
a second store, which on SQLite waited for the command's own write lock (about 33 s) and failed
with "database is locked"."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from corridor._records import adapter
from corridor.store import (
    AttachmentRow,
    CheckinRow,
    EventRow,
    IncidentRow,
    load_agreement,
    verify_audit,
)
from tests.monitoring import scenario
from tests.test_startup import SQL_PATH_MUST_NOT_LOAD, _lean_probe

#: The commands measure distances to the route in plain floats: no numpy. An incident becomes
#: a hazard for routing, written from its values without building a Hazard's shapely point,
#: so ``incident`` loads no shapely either (issue 14, defect 10).
#: The reports, convoy plans, rules and terms are records (corridor._records): no pydantic;
#: the movement model only for a convoy that moves under a movement notification.
#: rich._emoji_codes: text is printed as given (emoji=False), so no emoji table is loaded.
REPORT_MUST_NOT_LOAD = (
    *SQL_PATH_MUST_NOT_LOAD,
    "numpy",
    "pydantic",
    "corridor.notices",
    "rich._emoji_codes",
)
#: A report reads the rules in force, the default ones from data: no PyYAML unless a command
#: reads YAML (``rules set|check``, ``convoys add``). ``watch`` draws tables; a report prints
#: lines, so it loads no Rich tables either.
#: On PostgreSQL the bare driver's JSON adapter comes from psycopg2 itself, not from
#: ``psycopg2.extras`` (logging, ipaddress, ranges).
WATCH_MUST_NOT_LOAD = (*REPORT_MUST_NOT_LOAD, "yaml", "psycopg2.extras")
REPORT_PATH_MUST_NOT_LOAD = (*WATCH_MUST_NOT_LOAD, "rich.table")


def _assert_loads_none(commands: list[list[str]], watched: tuple[str, ...]) -> None:
    """Each command succeeds in a fresh interpreter and loads none of ``watched``."""
    seen = _lean_probe(commands, watched)
    assert seen["codes"] == [0] * len(commands), seen["stderr"][0]
    assert seen["loaded"] == [], f"{commands[0][0]} loads {seen['loaded']}"


def _at(hh_mm: str) -> list[str]:
    return ["--at", scenario.iso(hh_mm)]


def test_reports_on_the_sql_path(
    agreed: Any, db_url: str, corridor_def: Any, tmp_path: Path
) -> None:
    photo = tmp_path / "impact.jpg"
    photo.write_bytes(bytes(range(256)) * 8 + b"\x00end")  # binary, with NUL bytes
    db = ["--db", db_url]
    cid = ["-c", scenario.CORRIDOR]
    lat, lon = (str(x) for x in scenario.ORIGIN)
    checkin = ["checkin", *cid, "--convoy", "bus-1", "--status", "departed", "--lat", lat,
               "--lon", lon, "--vehicles", "22", "--people", "1000", *_at("08:14"),
               "--id", "b1-dep", *db]  # fmt: skip
    slat, slon = (str(x) for x in corridor_def.shelling)
    incident = ["incident", *cid, "--kind", "shelling", "--lat", slat, "--lon", slon,
                "--severity", "0.8", "--confidence", "0.7", *_at("12:10"),
                "--attachment", str(photo), "--id", "inc-shelling", *db]  # fmt: skip
    _assert_loads_none([checkin, checkin], REPORT_PATH_MUST_NOT_LOAD)  # sent again: kept once
    _assert_loads_none([incident, incident], REPORT_PATH_MUST_NOT_LOAD)
    # With the incident stored, each of these measures its distance to the route.
    _assert_loads_none([["confirm", "inc-shelling", *_at("12:20"), *db]],
                       REPORT_PATH_MUST_NOT_LOAD)  # fmt: skip
    _assert_loads_none([
        ["confirm", "inc-shelling", *db],  # again: changes nothing
        ["checkin", *cid, "--convoy", "bus-1", "--status", "en_route", "--lat", lat,
         "--lon", lon, *_at("08:20"), "--id", "b1-later", *db],
    ], REPORT_PATH_MUST_NOT_LOAD)  # fmt: skip
    _assert_loads_none([["watch", "--once", *cid, *db], ["watch", "--once", "--json", *cid, *db]],
                       WATCH_MUST_NOT_LOAD)  # fmt: skip

    with agreed.session(write=False) as s:
        assert sorted(s.scalars(select(CheckinRow.id))) == ["b1-dep", "b1-later"]
        [inc] = s.scalars(select(IncidentRow)).all()
        attachment = s.get(AttachmentRow, inc.attachment_sha256)
        assert (attachment.data, attachment.media_type) == (photo.read_bytes(), "image/jpeg")
        assert inc.body["attachment_sha256"] == hashlib.sha256(photo.read_bytes()).hexdigest()
        assert (inc.id, inc.hazard_id, inc.confirmed_at) == (
            "inc-shelling", "report-inc-shelling", scenario.utc("12:20"))  # fmt: skip
        rec = load_agreement(s, scenario.CORRIDOR)
        assert rec.stored_state.value == "suspended"  # the confirmed shelling's rule fired
        kinds = s.scalars(select(EventRow.kind).order_by(EventRow.id)).all()
        assert kinds.count("checkin") == 2 and kinds.count("incident") == 1
        assert "agreement.suspended" in kinds and "rule.fired" in kinds
        assert verify_audit(s) is None


def test_watch_once_shows_the_stored_picture(
    agreed: Any, db_url: str, corridor_def: Any, lookup: Any
) -> None:
    """``watch --once --json`` on the bare driver prints what the server's session derives."""
    from corridor.monitoring import Checkin, picture_data, report_rows, submit_checkin

    with agreed.session() as s:
        for item in scenario.day_checkins(corridor_def):
            submit_checkin(s, adapter(Checkin).validate_python(item), reporter="t", networks=lookup)
    out = subprocess.run(
        [sys.executable, "-m", "corridor", "watch", "--once", "--json", "-c", scenario.CORRIDOR,
         "--db", db_url], capture_output=True, text=True, timeout=120, check=True,
    )  # fmt: skip
    with agreed.session(write=False) as s:
        want = picture_data(s, scenario.CORRIDOR)
        want["incidents"] = report_rows(s, "incident", scenario.CORRIDOR, 0, 20)[1]
    assert json.loads(out.stdout) == json.loads(json.dumps(want, default=str))


def test_network_bounds_without_the_routing_stack(
    agreed: Any, db_url: str, corridor_def: Any, network_file: Path, krems_network: Any
) -> None:
    """With ``--network`` a report's area is the network's bounds, read from the file without
    the routing stack: the same bounds the opened network gives (the oracle), a position
    inside them kept, one beyond them (but within the route's own wide margin, which applies
    without a network) refused."""
    from corridor.cli.monitor import network_lookup
    from corridor.monitoring import network_bbox
    from corridor.routing import open_network
    from corridor.store import transaction

    sha = corridor_def.terms["route"]["network_sha256"]
    with transaction(db_url, write=False) as tx:
        lookup = network_lookup(tx, [network_file])
        bounds = lookup.bounds(sha)
        assert bounds == network_bbox(open_network(network_file))
        assert lookup.bounds("0" * 64) is None and lookup("0" * 64) is None
        assert lookup(sha).source_sha256 == krems_network.source_sha256  # opened for routing
    north = bounds[3] + 0.08  # beyond the network's 0.05 degree margin
    route_lats = [p[1] for p in corridor_def.terms["route"]["geometry"]["coordinates"]]
    assert north < max(route_lats) + 0.3  # the route's own margin would take it
    lat, lon = (str(x) for x in scenario.ORIGIN)

    def checkin(rid: str, at_lat: str, *extra: str) -> list[str]:
        return ["checkin", "-c", scenario.CORRIDOR, "--convoy", "bus-1", "--status",
                "departed", "--lat", at_lat, "--lon", lon, *_at("08:14"), "--id", rid,
                "--db", db_url, *extra]  # fmt: skip

    net = ["--network", str(network_file)]
    _assert_loads_none([checkin("b1-dep", lat, *net)],
                       (*REPORT_MUST_NOT_LOAD, "corridor.routing"))  # fmt: skip
    seen = _lean_probe([checkin("far", str(north), *net), checkin("far", str(north))], ())
    assert seen["codes"] == [2, 0], seen["stderr"][0]
    assert "outside the corridor's road network" in str(seen["stderr"][0])


def test_network_bounds_read_without_numpy_agree_and_refuse_damage(
    network_file: Path, tmp_path: Path
) -> None:
    """The light reading (no numpy) gives the opened network's bounds; on a damaged file it
    refuses, and the look-up then opens the file in full, which words the damage as before."""
    from corridor.errors import NetworkFileError
    from corridor.monitoring import network_bbox
    from corridor.network import read_network, read_network_bounds

    assert read_network_bounds(network_file) == network_bbox(read_network(network_file))
    data = bytearray(network_file.read_bytes())
    data[-1] ^= 0xFF
    damaged = tmp_path / "damaged.net"
    damaged.write_bytes(bytes(data))
    with pytest.raises(NetworkFileError):
        read_network_bounds(damaged)
    with pytest.raises(NetworkFileError, match="fails its checksum"):
        read_network(damaged)


def test_convoy_and_rules_commands_load_no_pydantic(
    agreed: Any, db_url: str, tmp_path: Path
) -> None:
    """Convoy plans and rules are records read through their committed schemas: registering,
    listing, setting and showing them loads neither pydantic nor numpy."""
    from corridor.monitoring import DEFAULT_RULES_YAML

    convoys = tmp_path / "convoys.json"
    convoys.write_text(json.dumps(scenario.convoys()), encoding="utf-8")
    rules = tmp_path / "rules.yaml"
    rules.write_text(DEFAULT_RULES_YAML, encoding="utf-8")
    db = ["--db", db_url]
    _assert_loads_none([
        ["convoys", "add", str(convoys), *db],
        ["convoys", "list", "-c", scenario.CORRIDOR, *db],
        ["rules", "set", str(rules), *db],
        ["rules", "show", *db],
        ["rules", "check", str(rules)],
    ], REPORT_MUST_NOT_LOAD)  # fmt: skip
