"""An area uses another only through its public ``__init__`` (docs: the developers' guide).

Every module under ``src/corridor`` is parsed (not imported, so nothing heavy loads) and every
import it makes is checked, wherever it sits: at the top, inside a function, under
``TYPE_CHECKING``, as ``import a.b._c``, ``from a.b._c import (...)`` over several lines,
``from a.b import _c``, a relative ``from .._c import``, or a module path in a string (what
``importlib.import_module`` and PEP 562 loaders are given). Reaching into another area's
private module (or a private name of its ``__init__``) is a violation; an area's own private
modules, the root package's shared helpers (``corridor._files``) and public names are not.

The checker is run on a planted tree as well, so the test that guards ``src`` can fail.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src" / "corridor"
_MODULE_TEXT = re.compile(r"corridor(?:\.\w+)+(?::\w+)?")


def _areas(root: Path) -> set[str]:
    return {p.parent.name for p in root.glob("*/__init__.py")}


def _module_parts(root: Path, path: Path) -> tuple[list[str], list[str]]:
    """(the module's dotted parts, its package's parts), both from ``corridor``."""
    rel = path.relative_to(root.parent).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
        return parts, parts
    return parts, parts[:-1]


def _targets(node: ast.AST, package: list[str]) -> list[str]:
    """Every dotted name an import node (or a module path string) reaches."""
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    if isinstance(node, ast.ImportFrom):
        if node.level:
            base = package[: len(package) - node.level + 1]
            module = ".".join([*base, *([node.module] if node.module else [])])
        else:
            module = node.module or ""
        return [module] + [f"{module}.{alias.name}" for alias in node.names]
    text = node.value if isinstance(node, ast.Constant) else None
    if isinstance(text, str) and _MODULE_TEXT.fullmatch(text):
        return [text.replace(":", ".")]
    return []


def _private(name: str) -> bool:
    return name.startswith("_") and not (name.startswith("__") and name.endswith("__"))


def boundary_violations(root: Path) -> list[str]:
    """``path:line: module imports target`` for each use of another area's private parts."""
    areas = _areas(root)
    found: list[str] = []
    for path in sorted(root.rglob("*.py")):
        parts, package = _module_parts(root, path)
        own = parts[1] if len(parts) > 1 and parts[1] in areas else None
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node in ast.walk(tree):
            for target in _targets(node, package):
                q = target.split(".")
                if (
                    len(q) >= 3
                    and q[0] == "corridor"
                    and q[1] in areas
                    and q[1] != own
                    and any(_private(x) for x in q[2:])
                ):
                    where = path.relative_to(root.parent)
                    found.append(f"{where}:{node.lineno}: {'.'.join(parts)} uses {target}")
                    break  # one line per import statement
    return found


def test_no_area_imports_another_areas_private_modules() -> None:
    found = boundary_violations(SRC)
    assert not found, (
        "import these through the area's public __init__ (export the name there):\n"
        + "\n".join(found)
    )


_PLANTED = {
    "__init__.py": "",
    "_files.py": "",
    "network/__init__.py": "from corridor.network._snap import snap\n",
    "network/_snap.py": "def snap(): ...\n",
    "routing/__init__.py": (
        "import importlib\n"
        "def __getattr__(name):\n"
        "    return importlib.import_module('corridor.routing._map')\n"  # its own: fine
    ),
    "routing/_ok.py": (
        "from corridor import _files\n"
        "from corridor._files import atomic_output\n"
        "from corridor.network import snap\n"
        "from corridor.routing._map import render\n"
        "from . import _map\n"
    ),
    "routing/_top.py": "from corridor.network._snap import snap\n",
    "routing/_multi.py": "from corridor.network._snap import (\n    snap,\n)\n",
    "routing/_inner.py": (
        "def f():\n    if True:\n        from corridor.network._snap import snap\n    return snap\n"
    ),
    "routing/_plain.py": "import corridor.network._snap as s\n",
    "routing/_name.py": "from corridor.network import _snap\n",
    "routing/_relative.py": "from ..network._snap import snap\n",
    "routing/_string.py": "import importlib\nimportlib.import_module('corridor.network._snap')\n",
    "cli/__init__.py": "",
    "cli/serve.py": "def go():\n    from corridor.routing._ok import x\n",
    "demo.py": "from corridor.network._snap import snap\n",
}


@pytest.fixture
def planted(tmp_path: Path) -> Path:
    root = tmp_path / "corridor"
    for rel, text in _PLANTED.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text, encoding="utf-8")
    return root


def test_the_checker_finds_each_planted_form(planted: Path) -> None:
    found = boundary_violations(planted)
    by_file = sorted({line.split(":", 1)[0] for line in found})
    assert by_file == [
        "corridor/cli/serve.py",
        "corridor/demo.py",
        "corridor/routing/_inner.py",
        "corridor/routing/_multi.py",
        "corridor/routing/_name.py",
        "corridor/routing/_plain.py",
        "corridor/routing/_relative.py",
        "corridor/routing/_string.py",
        "corridor/routing/_top.py",
    ]
    assert "corridor/routing/_inner.py:3: corridor.routing._inner uses corridor.network._snap" in (
        found
    )
    assert any(line.startswith("corridor/routing/_relative.py:1:") for line in found)


def test_a_violation_planted_in_a_real_module_is_caught(tmp_path: Path) -> None:
    """A real module (with every area's real ``__init__``) passes, and fails once a
    function-level import of another area's private module is added to it."""
    root = tmp_path / "corridor"
    real = [SRC / "__init__.py", *SRC.glob("*/__init__.py"), SRC / "ensembles" / "_route.py"]
    for path in real:
        target = root / path.relative_to(SRC)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(path.read_text(encoding="utf-8"), encoding="utf-8")
    assert boundary_violations(root) == []
    with (root / "ensembles" / "_route.py").open("a", encoding="utf-8") as f:
        f.write("\n\ndef _planted():\n    from corridor.routing._cch import Metric\n")
    found = boundary_violations(root)
    assert len(found) == 1
    assert "ensembles/_route.py" in found[0] and "uses corridor.routing._cch" in found[0]
