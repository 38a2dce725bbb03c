"""An incident's hazard written from its values, without building a Hazard's shapely point
(issue 14, defect 10): for every incident kind, from a field team and from a coordinator, the
same outcome (the hazard's id, None, or the error word for word), the same hazards rows and the
same audit entries (payload and its digest) as the code before, kept here as the oracle, on
SQLite and PostgreSQL. Reports come as the CLI and the API check them, and built directly
(ints, a bool, a non-finite or out-of-range value: what only the Hazard can judge)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from shapely.geometry import Point

from corridor.errors import CorridorError
from corridor.hazards import Hazard
from corridor.monitoring import Incident, IncidentKind, checked
from corridor.monitoring._service import HAZARD_OF, _report_hazard
from corridor.store import Sql, add_hazards, open_store, transaction
from tests.conftest import fresh_database, raw_rows

T0 = datetime(2026, 3, 1, 12, 10, tzinfo=UTC)
PLUS_5 = timezone(timedelta(hours=5))


def _old_report_hazard(sql: Sql, report: Incident, *, reporter: str, coordinator: bool) -> Any:
    """``_report_hazard`` as it was before the values: build the Hazard, bound it, add it."""
    import shapely

    from corridor.hazards import Hazard, HazardKind, check_field_report, needs_confirmation
    from corridor.store import add_hazard, stored_hazard_ids

    kind = HAZARD_OF[report.kind.value]
    if kind is None:
        return None
    hazard = Hazard(
        id=f"report-{report.id}",
        kind=HazardKind(kind),
        geometry=shapely.Point(report.lon, report.lat),
        severity=report.severity,
        confidence=report.confidence,
        observed_at=report.at_utc,
        valid_from=report.at_utc,
        source=f"field report {report.id}",
        notes=report.notes,
    )
    if stored_hazard_ids(sql, [hazard.id]):
        return None
    provisional = False
    if not coordinator:
        check_field_report(hazard)
        provisional = needs_confirmation(hazard)
    add_hazard(sql, hazard, actor=reporter, provisional=provisional)
    return hazard.id


def _checked(rid: str, kind: str, **extra: Any) -> Incident:
    """A report as ``corridor incident`` and ``POST /incidents`` check it."""
    data = {"id": rid, "corridor_id": "krems-1", "kind": kind, "lat": 48.405, "lon": 15.61,
            "at_utc": "2026-03-01T14:10:00.123456+02:00", **extra}  # fmt: skip
    return checked(Incident, data)


def _direct(rid: str, **extra: Any) -> Incident:
    """A report built in code, unchecked: only ``__post_init__`` runs."""
    values: dict[str, Any] = {"id": rid, "corridor_id": "krems-1", "kind": IncidentKind.SHELLING,
                              "lat": 48.405, "lon": 15.61, "at_utc": T0, **extra}  # fmt: skip
    return Incident(**values)


def reports() -> list[Incident]:
    out = [_checked(f"k-{k.value}", k.value, severity=0.8, confidence=0.7,
                    notes="near the bridge") for k in IncidentKind]  # fmt: skip
    return [
        *out,
        _checked("plain", "route_blocked"),  # defaults: 0.5, 0.5, no notes
        _checked("bounds", "mines", severity=0, confidence=1, lat=-90, lon=180),
        _checked("west", "bridge_destroyed", lat=-33.925, lon=-0.0, notes="x" * 4000),
        _checked("precise", "fired_upon", lat=48.40512345678901, lon=15.610987654321012),
        _direct("ints", lat=48, lon=15, severity=1, confidence=0, at_utc=T0.astimezone(PLUS_5)),
        _direct("bool", lon=True),
        _direct("nan", lat=float("nan")),
        _direct("inf", lon=float("inf"), kind=IncidentKind.ROUTE_BLOCKED),
        _direct("over", severity=2.0),
        _direct("negative", confidence=-0.5, kind=IncidentKind.MINES),
        _direct("taken"),  # an operator stored report-taken before
    ]


def _outcome(work: Callable[[], Any]) -> Any:
    try:
        return work()
    except (CorridorError, ValueError, TypeError) as exc:
        return ("error", type(exc).__name__, str(exc))


def _write(url: str, how: Any, report: Incident, coordinator: bool) -> Any:
    def work() -> Any:
        with transaction(url) as tx:
            return how(tx, report, reporter="field:team-7", coordinator=coordinator)

    return _outcome(work)


HAZARD_COLUMNS = (
    "id, kind, geometry, radius_m, closes, half_life_h, severity, confidence, observed_at,"
    " valid_from, valid_until, source, links, notes, expired_at, created_by, provisional,"
    " confirmed_by, confirmed_at"
)


@pytest.mark.parametrize("coordinator", [False, True], ids=["field team", "coordinator"])
def test_the_incident_hazard_is_written_as_the_hazard_wrote_it(
    db_url: str, tmp_path: Path, coordinator: bool
) -> None:
    kind = "sqlite" if db_url.startswith("sqlite") else "postgresql"
    with fresh_database(kind, tmp_path, "old.db") as old_url:
        for url in (db_url, old_url):
            open_store(url).close()
            with transaction(url) as tx:
                add_hazards(tx, [Hazard(id="report-taken", kind="mines", severity=0.1,
                                        confidence=0.1, geometry=Point(15.6, 48.4))],
                            actor="operator")  # fmt: skip
        outcomes = []
        for report in reports():
            new = _write(db_url, _report_hazard, report, coordinator)
            old = _write(old_url, _old_report_hazard, report, coordinator)
            assert new == old, report.id
            outcomes.append(new)
        hazards = [raw_rows(u, f"SELECT {HAZARD_COLUMNS} FROM hazards ORDER BY id")
                   for u in (db_url, old_url)]  # fmt: skip
        audit = [raw_rows(u, "SELECT seq, actor, action, payload, payload_digest FROM audit_log"
                             " ORDER BY seq") for u in (db_url, old_url)]  # fmt: skip
    assert hazards[0] == hazards[1]
    assert audit[0] == audit[1]
    # The cases did what they are here for: hazards, provisional closures, refusals, a no-op.
    assert outcomes.count(None) == 2  # detention (no hazard) and the id taken
    assert sum(isinstance(o, tuple) for o in outcomes) >= 3  # nan or inf, over, negative
    written = [h for h in hazards[0] if h[0] != "report-taken"]
    assert len(written) == len(audit[0]) - 1 > 8
    provisional = {h[0] for h in written if h[16]}
    want = set() if coordinator else {"report-k-route_blocked", "report-k-bridge_destroyed",
                                      "report-plain", "report-west"}  # fmt: skip
    assert provisional == want


def test_the_incident_loads_no_shapely() -> None:
    """In a fresh interpreter, writing an incident's hazard imports neither shapely nor numpy
    (the CLI's probe is in ``test_cli_sql``; this one holds the service itself to it)."""
    import subprocess
    import sys

    code = (
        "import sys, tempfile\n"
        "from corridor.store import open_store, transaction\n"
        "from corridor.monitoring import Incident, checked\n"
        "from corridor.monitoring._service import _report_hazard\n"
        "url = 'sqlite:///' + tempfile.mkdtemp() + '/c.db'\n"
        "open_store(url).close()\n"
        "heavy = [m for m in ('shapely', 'numpy') if m in sys.modules]\n"
        "report = checked(Incident, {'id': 'r1', 'corridor_id': 'c', 'kind': 'route_blocked',"
        " 'lat': 48.4, 'lon': 15.6, 'at_utc': '2026-03-01T12:00:00Z'})\n"
        "with transaction(url) as tx:\n"
        "    assert _report_hazard(tx, report, reporter='t', coordinator=False) == 'report-r1'\n"
        "print([m for m in ('shapely', 'numpy') if m in sys.modules and m not in heavy])\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True, timeout=120)  # fmt: skip
    assert done.stdout.strip() == "[]"
