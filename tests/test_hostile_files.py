"""Issue 14, defects 3 and 7: hostile files get one clear line and exit 2 from every command
that reads them: YAML alias bombs, deep nesting, oversized files, impossible times."""

from __future__ import annotations

import ast
import json
import time
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from corridor.cli import app
from tests.conftest import BUNDLED_OSM, REPO

runner = CliRunner()

NESTED = "[" * 200_000
NESTED_SHALLOW = "[" * 500 + "]" * 500  # parses, but is deeper than any real file

ALIAS_BOMB = """\
a: &a ["x","x","x","x","x","x","x","x","x","x"]
b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a,*a]
c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b,*b]
d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c,*c]
e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d,*d]
f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e,*e]
g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f,*f]
h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g,*g]
i: &i [*h,*h,*h,*h,*h,*h,*h,*h,*h,*h]
corridor_id: bomb
"""


def one_line_exit_2(result: Any) -> str:
    """The command failed the way the CLI promises: exit 2, one error line, no traceback."""
    assert result.exit_code == 2, (result.exit_code, result.output[-500:], result.exception)
    assert isinstance(result.exception, SystemExit), repr(result.exception)
    assert "Traceback" not in result.output
    errors = [line for line in result.output.splitlines() if line.startswith("error:")]
    assert len(errors) == 1, result.output[-500:]
    return errors[0]


@pytest.fixture(scope="module")
def network_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from corridor.network import import_osm, write_network

    path = tmp_path_factory.mktemp("net") / "krems.corridor"
    write_network(import_osm(BUNDLED_OSM), path)
    return path


def test_yaml_alias_bomb_is_refused_at_once(tmp_path: Path) -> None:
    terms = tmp_path / "terms.yaml"
    terms.write_text(ALIAS_BOMB, encoding="utf-8")
    start = time.perf_counter()
    line = one_line_exit_2(
        runner.invoke(app, ["agreement", "propose", str(terms), "--db", f"sqlite:///{tmp_path}/x"])
    )
    assert time.perf_counter() - start < 10  # refused, not expanded (it would take minutes)
    assert "aliases" in line and "terms.yaml:2" in line


@pytest.mark.parametrize("text", [NESTED, NESTED_SHALLOW], ids=["200000", "500"])
def test_deeply_nested_json_everywhere(tmp_path: Path, network_file: Path, text: str) -> None:
    bad = tmp_path / "nested.json"
    bad.write_text(text, encoding="utf-8")
    db = f"sqlite:///{tmp_path}/x.db"
    commands = [
        ["agreement", "verify-bundle", str(bad)],
        ["hazards", "validate", str(bad)],
        ["hazards", "import", str(bad), "-o", str(tmp_path / "out.geojson")],
        ["audit", "verify", "--file", str(bad)],
        ["route", str(network_file), "--from", "48.42,15.57", "--to", "48.405,15.65",
         "--hazards", str(bad)],
        ["agreement", "draft", "--route", str(bad), "--id", "x", "-o", str(tmp_path / "t.yaml"),
         "--db", db],
        ["agreement", "propose", str(bad), "--db", db],
    ]  # fmt: skip
    for args in commands:
        line = one_line_exit_2(runner.invoke(app, args))
        assert "nested" in line, (args, line)
    assert not (tmp_path / "out.geojson").exists() and not (tmp_path / "t.yaml").exists()


def test_route_at_without_a_utc_equivalent(network_file: Path) -> None:
    args = ["route", str(network_file), "--from", "48.42,15.57", "--to", "48.405,15.65"]
    result = runner.invoke(app, [*args, "--at", "0001-01-01T00:00+14:00"])
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output and "OverflowError" not in result.output
    assert "1..9999" in " ".join(result.output.split())


def test_every_input_file_is_size_capped(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CORRIDOR_MAX_INPUT_MB", "0.01")  # 10 kB
    big = {"type": "FeatureCollection", "features": [], "pad": "x" * 20_000}
    hazards = tmp_path / "big.geojson"
    hazards.write_text(json.dumps(big), encoding="utf-8")
    terms = tmp_path / "big.yaml"
    terms.write_text("notes: " + "x" * 20_000 + "\n", encoding="utf-8")
    bundle = tmp_path / "big.bundle.json"
    bundle.write_text(json.dumps(big), encoding="utf-8")
    for args in (
        ["hazards", "validate", str(hazards)],
        ["agreement", "verify-bundle", str(bundle)],
        ["audit", "verify", "--file", str(bundle)],
    ):
        assert "larger than" in one_line_exit_2(runner.invoke(app, args)), args
    # Terms have their own, smaller cap, still lowered by the variable.
    line = one_line_exit_2(
        runner.invoke(app, ["agreement", "propose", str(terms), "--db", f"sqlite:///{tmp_path}/x"])
    )
    assert "larger than" in line
    # And a real file under the cap still reads.
    monkeypatch.setenv("CORRIDOR_MAX_INPUT_MB", "64")
    assert runner.invoke(app, ["hazards", "validate", str(hazards)]).exit_code == 0


# Files a user hands corridor must be read through corridor._input (size cap, depth, aliases).
# Allowed elsewhere: packaged resources and our own binary formats with their own checks.
_ALLOWED_READERS = {
    "_input.py",  # the shared reader itself
    "_files.py",  # sha256_file streams in chunks
    "network/_format.py",  # the binary network format: length-checked header, memory-mapped
    "hazards/_records.py",  # the packaged JSON Schema
    "agreements/_load.py",  # the packaged terms schema
    "planning/_load.py",  # the packaged plan schema
    "notices/_i18n.py",  # the packaged gettext catalogues
    "ensembles/_scenario.py",  # the packaged scenario schema
    "store/_schema.py",  # the packaged migration files (their revision ids)
    "store/_plain.py",  # the packaged migration files, read without Alembic
    "_catalogs.py",  # the packaged gettext catalogues (notices and dashboard)
    "api/_ensembles.py",  # the server's own job files, named by a hex job id it made
    "api/_dashboard.py",  # the packaged dashboard bundle, by names from a fixed table
    "web/__init__.py",  # the packaged dashboard catalogues, for languages from a fixed set
    "network/_header.py",  # the binary network format's header, length-checked (no numpy)
    "monitoring/_checked.py",  # the packaged report, convoy and rules schemas
    "notices/_validate.py",  # the packaged notice-details and movement schemas
    "notices/_jinja.py",  # the packaged templates compiled by `make`, written and read back
    # this account's private cache folder (as for compiled templates), by a hash it made;
    # what is read back is checked for shape and drawn afresh otherwise
    "notices/_cap.py",
    "notices/_html.py",
}
_READ_CALLS = {"read_text", "read_bytes", "load", "safe_load", "loads"}


def test_user_files_are_read_only_through_the_shared_reader() -> None:
    src = REPO / "src" / "corridor"
    offenders = []
    for path in sorted(src.rglob("*.py")):
        rel = path.relative_to(src).as_posix()
        if rel in _ALLOWED_READERS:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call) or not isinstance(node.func, ast.Attribute):
                continue
            name, owner = node.func.attr, node.func.value
            owner_name = owner.id if isinstance(owner, ast.Name) else ""
            if name in ("read_text", "read_bytes") or (
                name in _READ_CALLS and owner_name in ("yaml", "json") and name != "loads"
            ):
                offenders.append(f"{rel}:{node.lineno} {owner_name or '?'}.{name}")
            if (
                name == "open"
                and owner_name not in ("os", "gzip", "bz2")
                and not (isinstance(owner, ast.Attribute) and owner.attr == "session")
            ):
                offenders.append(f"{rel}:{node.lineno} .open")
    assert offenders == [], "read user files with corridor._input: " + ", ".join(offenders)


def _shelling(hid: str, **props: Any) -> dict[str, Any]:
    return {
        "type": "Feature",
        "geometry": {"type": "Point", "coordinates": [15.6252, 48.4071]},
        "properties": {"id": hid, "kind": "shelling", **props},
    }


def test_nan_in_one_record_skips_only_that_record(tmp_path: Path) -> None:
    """Defect 8: NaN passes JSON Schema's bounds; it used to abort the whole import."""
    from corridor.hazards import import_hazards

    features = [
        _shelling("ok-1"),
        _shelling("nan-sev", severity=float("nan")),
        _shelling("nan-conf", confidence=float("nan")),
        _shelling("inf-radius", radius_m=float("inf")),
        _shelling("nan-half", half_life_h=float("nan")),
        _shelling("ok-2", severity=0.4),
    ]
    path = tmp_path / "h.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}))
    assert "NaN" in path.read_text()  # Python writes the non-standard tokens other tools do
    result = import_hazards(path)
    assert [h.id for h in result.hazards] == ["ok-1", "ok-2"]
    reasons = {p.id: p.reason for p in result.problems}
    assert reasons == {
        "nan-sev": "severity_out_of_range",
        "nan-conf": "confidence_out_of_range",
        "inf-radius": "invalid_field",
        "nan-half": "invalid_field",
    }
    out = tmp_path / "out.geojson"
    cli = runner.invoke(app, ["hazards", "import", str(path), "-o", str(out), "-q"])
    assert cli.exit_code == 0, cli.output
    assert [f["id"] for f in json.loads(out.read_text())["features"]] == ["ok-1", "ok-2"]
