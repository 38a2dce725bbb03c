"""The committed dashboard bundle is exactly what the lock file builds (issue 12)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from corridor.web import STATIC_DIR
from tests.conftest import REPO, require


def _files(root: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()
    }


def test_committed_bundle_is_rebuilt_byte_for_byte_from_the_lock_file(tmp_path: Path) -> None:
    require(
        shutil.which("node") is not None and shutil.which("npm") is not None,
        "node and npm are needed to rebuild the dashboard bundle",
    )
    out = tmp_path / "static"
    done = subprocess.run(
        ["bash", str(REPO / "scripts" / "build-web.sh"), str(out)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    built, committed = _files(out), _files(STATIC_DIR)
    assert sorted(built) == sorted(committed) == ["app.css", "app.js", "index.html"]
    stale = [name for name in built if built[name] != committed[name]]
    assert not stale, f"{stale} differ from a rebuild: run scripts/build-web.sh and commit"
    # The bundle is self-contained: no URL of another origin in what the browser loads.
    for name in ("app.js", "app.css", "index.html"):
        text = committed[name].decode()
        for scheme in ("http://", "https://"):
            hits = {text[i : i + 40] for i in _find_all(text, scheme)}
            # Only the SVG namespace name (never fetched), Leaflet's own attribution link
            # (a link, turned off in the dashboard) and js-yaml's licence comment may appear.
            allowed = ("www.w3.org/2000/svg", "leafletjs.com", "github.com/nodeca/js-yaml @licen")
            assert all(any(a in h for a in allowed) for h in hits), hits


def _find_all(text: str, needle: str) -> list[int]:
    out, at = [], text.find(needle)
    while at >= 0:
        out.append(at)
        at = text.find(needle, at + 1)
    return out
