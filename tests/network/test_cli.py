"""`corridor network ...` through Typer's runner and through a real subprocess."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from corridor.cli import app
from corridor.network import read_network
from tests.network.conftest import AGUASCALIENTES, KREMS

runner = CliRunner()


@pytest.fixture(scope="module")
def krems_net(krems_path: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("cli") / "krems.net"
    result = runner.invoke(app, ["network", "import", str(krems_path), "-o", str(out)])
    assert result.exit_code == 0, result.output
    return out


def test_import_prints_the_summary(krems_net: Path, krems_path: Path) -> None:
    result = runner.invoke(app, ["network", "info", str(krems_net)])
    assert result.exit_code == 0, result.output
    net = read_network(krems_net)
    assert f"{net.n_nodes:,}" in result.stdout and f"{net.n_edges:,}" in result.stdout
    assert "St. Pöltner Brücke (B37)" in result.stdout
    assert "small components" in result.stdout and "residential" in result.stdout
    assert net.meta["source"] == KREMS


def test_quiet_keep_all_and_bus(krems_path: Path, krems_net: Path, tmp_path: Path) -> None:
    out = tmp_path / "all.net"
    args = ["network", "import", str(krems_path), "-o", str(out), "--keep-all", "--quiet"]
    result = runner.invoke(app, [*args, "--profile", "bus"])
    assert result.exit_code == 0, result.output
    assert result.stdout == ""
    full, main = read_network(out), read_network(krems_net)
    assert full.n_nodes > main.n_nodes and full.n_edges > main.n_edges
    assert full.profile == "bus" and main.profile == "car"


def test_export_geojson(krems_net: Path, tmp_path: Path) -> None:
    out = tmp_path / "sub" / "roads.geojson"
    result = runner.invoke(
        app, ["network", "export", str(krems_net), "--format", "geojson", "-o", str(out)]
    )
    assert result.exit_code == 0, result.output
    features = json.loads(out.read_text(encoding="utf-8"))["features"]
    assert len(features) == read_network(krems_net).n_segments
    assert f"wrote {len(features):,} road segments" in result.stdout


def test_export_unknown_format(krems_net: Path, tmp_path: Path) -> None:
    out = tmp_path / "roads.shp"
    result = runner.invoke(
        app, ["network", "export", str(krems_net), "--format", "shp", "-o", str(out)]
    )
    assert result.exit_code == 2 and not out.exists()
    assert "geojson" in result.stderr


def test_snap(krems_net: Path) -> None:
    result = runner.invoke(app, ["network", "snap", str(krems_net), "--at", "48.4105,15.6030"])
    assert result.exit_code == 0, result.output
    assert "m away at 48.4" in result.stdout and "route node" in result.stdout


@pytest.mark.parametrize(
    ("at", "extra", "message"),
    [
        ("47.0,15.6", [], "from the nearest road (limit 2,000 m)"),
        ("48.4105,15.6030", ["--max-distance", "1"], "(limit 1 m)"),
        ("48.41", [], "expected LAT,LON"),
        ("95,15", [], "out of range"),
    ],
)
def test_snap_errors(krems_net: Path, at: str, extra: list[str], message: str) -> None:
    result = runner.invoke(app, ["network", "snap", str(krems_net), "--at", at, *extra])
    assert result.exit_code == 2
    assert message in " ".join(result.stderr.split())
    assert "Traceback" not in result.output


def test_unknown_profile(krems_path: Path, tmp_path: Path) -> None:
    out = tmp_path / "x.net"
    result = runner.invoke(
        app, ["network", "import", str(krems_path), "-o", str(out), "--profile", "tank"]
    )
    assert result.exit_code == 2 and not out.exists()
    assert "car or bus" in result.stderr


def test_real_subprocess_imports_aguascalientes(osm_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "tmp" / "a.net"
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "corridor",
            "network",
            "import",
            str(osm_dir / AGUASCALIENTES),
            "-o",
            str(out),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    net = read_network(out)
    assert net.n_edges > 1000 and net.meta["source"] == AGUASCALIENTES
    assert f"{net.n_nodes:,}" in proc.stdout


def test_real_subprocess_bad_input_is_one_line(tmp_path: Path) -> None:
    bad = tmp_path / "broken.osm.pbf"
    bad.write_bytes(b"\x00\x00\x00\x0dnot really a pbf file at all")
    out = tmp_path / "b.net"
    proc = subprocess.run(
        [sys.executable, "-m", "corridor", "network", "import", str(bad), "-o", str(out)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 2
    assert proc.stderr.count("\n") == 1 and proc.stderr.startswith("error:")
    assert "broken.osm.pbf" in proc.stderr and "Traceback" not in proc.stderr
    assert not out.exists()


def test_import_stores_routing_landmarks(tmp_path: Path, krems_path: Path) -> None:
    """The saved network carries landmark distances, so routing never recomputes them."""
    from corridor.network import read_network_with_extras
    from corridor.routing import Landmarks, compute_landmarks

    out = tmp_path / "krems.net"
    result = CliRunner().invoke(app, ["network", "import", str(krems_path), "-o", str(out), "-q"])
    assert result.exit_code == 0, result.output
    network, extras = read_network_with_extras(out)
    stored = Landmarks.from_extras(network, extras)
    assert stored is not None
    fresh = compute_landmarks(network)
    assert np.array_equal(stored.dist_from, fresh.dist_from)
    assert np.array_equal(stored.dist_to, fresh.dist_to)
