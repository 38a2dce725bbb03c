"""Every kind of bad input: one clear line, exit code 2, no traceback, nothing written."""

from __future__ import annotations

import bz2
import functools
import gzip
import random
from collections.abc import Callable
from pathlib import Path

import osmium
import pytest
from osmium.osm.mutable import Node, Way
from typer.testing import CliRunner

from corridor.cli import app
from corridor.errors import OsmInputError
from corridor.network import import_osm
from tests.network.conftest import AGUASCALIENTES, KREMS

runner = CliRunner()


@functools.cache
def _sources(osm_dir: Path) -> dict[str, bytes]:
    """The real extracts in each format the importer reads (built once per worker)."""
    xml = gzip.decompress((osm_dir / KREMS).read_bytes())
    return {
        ".osm.pbf": (osm_dir / AGUASCALIENTES).read_bytes(),
        ".osm.gz": (osm_dir / KREMS).read_bytes(),
        ".osm": xml,
        ".osm.bz2": bz2.compress(xml),
    }


def _truncate(data: bytes) -> bytes:
    return data[: len(data) // 2]


def _corrupt(data: bytes) -> bytes:
    rng = random.Random(42)
    out = bytearray(data)
    start = len(out) // 3
    out[start : start + 64] = bytes(rng.randrange(256) for _ in range(64))
    return bytes(out)


def _footways_only(path: Path) -> None:
    with osmium.SimpleWriter(str(path)) as writer:
        for i in range(1, 5):
            writer.add_node(Node(id=i, location=(15.6 + i * 0.001, 48.4)))
        writer.add_way(Way(id=1, nodes=[1, 2, 3], tags={"highway": "footway"}))
        writer.add_way(Way(id=2, nodes=[3, 4], tags={"highway": "service", "access": "private"}))


def _assert_one_clean_line(result_stderr: str, output: str, exit_code: int, *names: str) -> None:
    assert exit_code == 2
    assert "Traceback" not in output
    lines = result_stderr.strip().splitlines()
    assert len(lines) == 1, result_stderr
    assert lines[0].startswith("error: ")
    for name in names:
        assert name in lines[0]


@pytest.mark.parametrize("suffix", [".osm.pbf", ".osm.gz", ".osm", ".osm.bz2"])
@pytest.mark.parametrize("damage", [_truncate, _corrupt], ids=["truncated", "corrupt"])
def test_damaged_extract(
    osm_dir: Path, tmp_path: Path, suffix: str, damage: Callable[[bytes], bytes]
) -> None:
    bad = tmp_path / f"damaged{suffix}"
    bad.write_bytes(damage(_sources(osm_dir)[suffix]))
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    result = runner.invoke(app, ["network", "import", str(bad), "-o", str(out_dir / "x.net")])
    _assert_one_clean_line(result.stderr, result.output, result.exit_code, bad.name)
    assert "truncated or corrupt" in result.stderr
    assert list(out_dir.iterdir()) == []  # no partial output, no temp file


def _empty(tmp: Path) -> Path:
    path = tmp / "empty.osm.pbf"
    path.write_bytes(b"")
    return path


def _wrong_suffix(tmp: Path) -> Path:
    path = tmp / "roads.geojson"
    path.write_text('{"type": "FeatureCollection", "features": []}', encoding="utf-8")
    return path


def _directory(tmp: Path) -> Path:
    path = tmp / "folder.osm"
    path.mkdir()
    return path


def _missing(tmp: Path) -> Path:
    return tmp / "nowhere.osm.pbf"


def _no_roads(tmp: Path) -> Path:
    path = tmp / "footways.osm"
    _footways_only(path)
    return path


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (_empty, "file is empty"),
        (_wrong_suffix, "unknown file extension '.geojson'"),
        (_directory, "is a directory"),
        (_missing, "file not found"),
        (_no_roads, "no roads for profile 'car'"),
    ],
    ids=["empty", "unknown-extension", "directory", "missing", "no-roads"],
)
def test_unusable_input(tmp_path: Path, make: Callable[[Path], Path], message: str) -> None:
    bad = make(tmp_path)
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    result = runner.invoke(app, ["network", "import", str(bad), "-o", str(out_dir / "x.net")])
    _assert_one_clean_line(result.stderr, result.output, result.exit_code, bad.name, message)
    assert list(out_dir.iterdir()) == []
    with pytest.raises(OsmInputError, match=message):
        import_osm(bad)


@pytest.mark.parametrize("kind", ["parent-is-a-file", "output-is-a-directory"])
def test_unwritable_output(krems_path: Path, tmp_path: Path, kind: str) -> None:
    blocker = tmp_path / "blocker"
    if kind == "parent-is-a-file":
        blocker.write_text("a file, not a folder", encoding="utf-8")
        out = blocker / "x.net"
    else:
        blocker.mkdir()
        out = blocker
    before = sorted(tmp_path.rglob("*"))
    result = runner.invoke(app, ["network", "import", str(krems_path), "-o", str(out)])
    _assert_one_clean_line(result.stderr, result.output, result.exit_code, "blocker")
    assert sorted(tmp_path.rglob("*")) == before


@pytest.mark.parametrize("command", ["info", "export", "snap"])
@pytest.mark.parametrize("content", [None, b"", b"CORRNET\x00\xff\xff", b"hello"])
def test_bad_network_file(tmp_path: Path, command: str, content: bytes | None) -> None:
    path = tmp_path / "bad.net"
    if content is not None:
        path.write_bytes(content)
    extra = {
        "info": [],
        "export": ["-o", str(tmp_path / "roads.geojson")],
        "snap": ["--at", "48.41,15.60"],
    }[command]
    result = runner.invoke(app, ["network", command, str(path), *extra])
    _assert_one_clean_line(result.stderr, result.output, result.exit_code, "bad.net")
    assert not (tmp_path / "roads.geojson").exists()


def test_export_to_unwritable_path(krems_path: Path, tmp_path: Path) -> None:
    net = tmp_path / "k.net"
    assert (
        runner.invoke(app, ["network", "import", str(krems_path), "-o", str(net), "-q"]).exit_code
        == 0
    )
    blocker = tmp_path / "blocker"
    blocker.write_text("x", encoding="utf-8")
    result = runner.invoke(app, ["network", "export", str(net), "-o", str(blocker / "r.geojson")])
    _assert_one_clean_line(result.stderr, result.output, result.exit_code, "blocker")
