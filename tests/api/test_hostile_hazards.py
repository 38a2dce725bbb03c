"""Issue 14, defect 1: a field token could post a hazard with a '/' in its id, closing roads
within 1,000 km; it could then be reached neither through the API nor the CLI."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from corridor.cli import app
from corridor.hazards import FIELD_MAX_RADIUS_M, HazardKind, import_hazards
from corridor.store import HazardRow, list_hazards
from tests.api.conftest import Api
from tests.api.test_hazards import SHELLING

ROADBLOCK = {
    "type": "Feature",
    "geometry": {"type": "Point", "coordinates": [15.6252, 48.4071]},
    "properties": {"kind": "roadblock"},
}


def _with(feature: dict[str, Any], **props: Any) -> dict[str, Any]:
    out = copy.deepcopy(feature)
    out["properties"].update(props)
    return out


@pytest.mark.parametrize("bad", ["a/b", "../etc", "a b", "a\x00b", "a\nb", "-lead", "x" * 129])
def test_hazard_ids_must_be_plain_identifiers(api: Api, bad: str) -> None:
    for who in ("field", "coordinator"):
        response = api.post("/hazards", who, json=_with(SHELLING, id=bad))
        assert response.status_code == 422, (who, bad, response.text)
    assert api.get("/hazards").json()["total"] == 0


def test_good_ids_are_kept(api: Api) -> None:
    for good in ("h-1", "bc:CIV0001", "A.b_c-9"):
        response = api.post("/hazards", "field", json=_with(SHELLING, id=good))
        assert response.status_code == 201, response.text
        assert api.get(f"/hazards/{good}", "observer").json()["id"] == good


def test_field_report_cannot_cover_a_region(api: Api) -> None:
    huge = _with(SHELLING, radius_m=1_000_000, closes=True)
    response = api.post("/hazards", "field", json=huge)
    assert response.status_code == 422, response.text
    assert "radius_m" in response.text
    # A polygon spanning ~20 km is a region, whatever its radius.
    square = [[15.5, 48.3], [15.75, 48.3], [15.75, 48.45], [15.5, 48.45], [15.5, 48.3]]
    zone = {
        "type": "Feature",
        "geometry": {"type": "Polygon", "coordinates": [square]},
        "properties": {"kind": "no_go_zone"},
    }
    assert api.post("/hazards", "field", json=zone).status_code == 422
    # Just inside the kind's bound is fine; a coordinator is not bounded.
    limit = FIELD_MAX_RADIUS_M[HazardKind.SHELLING]
    assert api.post("/hazards", "field", json=_with(SHELLING, radius_m=limit)).status_code == 201
    assert api.post("/hazards", "coordinator", json=zone).status_code == 201


def test_field_closure_is_provisional_until_a_coordinator_confirms(api: Api) -> None:
    created = api.post("/hazards", "field", json=_with(ROADBLOCK, id="rb-1"))
    assert created.status_code == 201, created.text
    props = created.json()["properties"]
    assert props["provisional"] is True and props["closes"] is True
    with api.store.session(write=False) as s:
        (seen,) = list_hazards(s)
    assert seen.effective_closes is False  # routing sees risk, not a closure
    assert seen.severity == 1.0

    assert api.post("/hazards/rb-1/confirm", "field").status_code == 403
    confirmed = api.post("/hazards/rb-1/confirm", "coordinator")
    assert confirmed.status_code == 200, confirmed.text
    props = confirmed.json()["properties"]
    assert props["provisional"] is False and props["confirmed_by"] == "coordinator:coordinator-1"
    with api.store.session(write=False) as s:
        (seen,) = list_hazards(s)
    assert seen.effective_closes is True
    assert api.post("/hazards/rb-1/confirm", "coordinator").status_code == 409
    # A non-closing field report and a coordinator's closure are not provisional.
    shell = api.post("/hazards", "field", json=_with(SHELLING, id="s-1")).json()
    assert shell["properties"]["provisional"] is False
    block = api.post("/hazards", "coordinator", json=_with(ROADBLOCK, id="rb-2")).json()
    assert block["properties"]["provisional"] is False


def test_every_stored_hazard_is_reachable_by_id(api: Api) -> None:
    """A row stored before ids were checked (here: inserted directly) can still be read and
    expired through the API."""
    legacy = "legacy/one two"
    with api.store.session() as s:
        s.add(HazardRow(id=legacy, kind="shelling", geometry='{"type":"Point","coordinates":'
                        '[15.62,48.40]}', severity=0.5, confidence=0.5, links=[],
                        created_by="t"))  # fmt: skip
    url = "/hazards/legacy%2Fone%20two"
    assert api.get(url, "observer").json()["id"] == legacy
    response = api.post(f"{url}/expire", json={"reason": "cleanup"})
    assert response.status_code == 200, response.text
    assert response.json()["properties"]["expired_at"] is not None


def test_importers_skip_bad_ids(tmp_path: Path) -> None:
    good = _with(SHELLING, id="ok-1")
    bad = _with(SHELLING, id="a/b")
    path = tmp_path / "h.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": [good, bad]}))
    result = import_hazards(path)
    assert [h.id for h in result.hazards] == ["ok-1"]
    assert [(p.index, p.reason) for p in result.problems] == [(1, "invalid_field")]
    assert "plain identifier" in result.problems[0].detail
    csv = tmp_path / "h.csv"
    csv.write_text("id,kind,lat,lon\nok-2,shelling,48.4,15.6\nx y,shelling,48.4,15.6\n")
    result = import_hazards(csv)
    assert [h.id for h in result.hazards] == ["ok-2"]
    assert [(p.line, p.reason) for p in result.problems] == [(3, "invalid_field")]


def test_cli_show_update_confirm_expire(api: Api, db_url: str) -> None:
    runner = CliRunner()
    api.post("/hazards", "field", json=_with(ROADBLOCK, id="rb-9"))

    def run(*args: str) -> Any:
        return runner.invoke(app, ["hazards", *args, "--db", db_url, *(
            ["--actor", "cli:ops"] if args[0] != "show" else [])])  # fmt: skip

    shown = run("show", "rb-9")
    assert shown.exit_code == 0, shown.output
    assert json.loads(shown.stdout)["properties"]["provisional"] is True
    result = run("update", "rb-9", "--severity", "0.4", "--notes", "seen again")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["properties"]["severity"] == 0.4
    assert run("confirm", "rb-9").exit_code == 0
    assert run("expire", "rb-9", "--reason", "cleared").exit_code == 0
    again = run("expire", "rb-9")
    assert again.exit_code == 2
    assert "already expired" in again.output
    missing = run("show", "no-such")
    assert missing.exit_code == 2 and "no hazard" in missing.output
    with api.store.session(write=False) as s:
        row = s.get(HazardRow, "rb-9")
        assert row is not None
        assert (row.severity, row.notes, row.provisional) == (0.4, "seen again", False)
        assert row.confirmed_by == "cli:ops" and row.expired_at is not None
