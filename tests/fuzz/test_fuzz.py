"""A bounded atheris run of every fuzz target (the long one is ``make fuzz``).

Each target runs in its own process (libFuzzer ends the process when it stops) for a few
thousand inputs or a few seconds, from the real-data seeds. The test fails if any input makes
a reader raise anything but a ``corridor.errors`` subclass, hang past the time-out or blow the
memory limit; the crashing input is shown, to be added to tests/fuzz/test_regressions.py.
"""

from __future__ import annotations

import importlib.util
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO, require
from tests.fuzz.run import _target_names

RUNS = int(os.environ.get("CORRIDOR_FUZZ_RUNS", "3000"))
SECONDS = int(os.environ.get("CORRIDOR_FUZZ_SECONDS", "4"))


@pytest.mark.slow
@pytest.mark.parametrize("target", _target_names())
def test_fuzz_target_raises_only_corridor_errors(target: str, tmp_path: Path) -> None:
    require(
        importlib.util.find_spec("atheris") is not None,
        "atheris is not installed (pip install -e '.[dev]')",
    )
    cmd = [
        sys.executable, "-m", "tests.fuzz.run", target, str(tmp_path / "corpus"),
        f"-runs={RUNS}", f"-max_total_time={SECONDS}", "-timeout=10", "-rss_limit_mb=2048",
        f"-artifact_prefix={tmp_path}/", "-print_final_stats=1",
    ]  # fmt: skip
    done = subprocess.run(cmd, check=False, cwd=REPO, capture_output=True, text=True, timeout=300)
    log = done.stdout + done.stderr
    crashes = sorted(tmp_path.glob("crash-*")) + sorted(tmp_path.glob("timeout-*"))
    crashes += sorted(tmp_path.glob("oom-*"))
    shown = "\n".join(f"{c.name}: {c.read_bytes()[:300]!r}" for c in crashes)
    start = log.find("Uncaught Python exception")
    excerpt = log[max(0, start - 100) : start + 3000] if start >= 0 else log[-3000:]
    assert done.returncode == 0, f"{target} found a defect:\n{excerpt}\n{shown}"
    runs = [line for line in log.splitlines() if "stat::number_of_executed_units" in line]
    assert runs and int(runs[-1].split(":")[-1]) >= 100, f"too few inputs ran:\n{log[-2000:]}"
    # Coverage-guided only if corridor's modules were instrumented: with the packages loading
    # their modules on first use, they once ran uninstrumented (cov: 6, nothing to guide by).
    covered = [int(m) for m in re.findall(r"\bcov: (\d+)", log)]
    assert covered and max(covered) >= 50, f"{target}: corridor is not instrumented:\n{log[-2000:]}"
    for line in log.splitlines():
        if line.startswith("KNOWN DEFECT"):
            print(f"{target}: {line}")
