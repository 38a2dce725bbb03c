"""A store opened while another thread is half-way through importing a table module.

``corridor.store`` loads its modules on first use (PEP 562). In the threaded ``corridor serve``
one request configured SQLAlchemy's mappers while another thread had defined ``MovementRow``
but not yet ``MovementAckRow``, which its relationships name; SQLAlchemy then refused every
mapper for the life of the process, and every write answered 503 (the crash-safety test's
intermittent failure). ``Store`` now imports every table module and configures the mappers
when it opens (``_engine._configure_tables``).

The race is reproduced in a fresh interpreter (``_mapper_race.py``) with the interleaving
forced: the importer is held at ``class MovementAckRow`` while the main thread opens a store and
writes. The first test shows that the reproduction is real (the fix disabled: the write fails,
and so does a later one, after the import has finished); the second that with the fix the store
waits for the import and no write fails.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

from corridor.store import open_store

CHILD = Path(__file__).with_name("_mapper_race.py")


def _race(tmp_path: Path, fix: str) -> dict[str, Any]:
    url = f"sqlite:///{tmp_path / 'race.db'}"
    open_store(url).close()  # created and migrated here: the child must not import Alembic's env
    done = subprocess.run(
        [sys.executable, str(CHILD), url, fix],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    outcome: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    assert outcome["paused"], outcome  # the importer did stop between the two classes
    return outcome


def test_without_the_fix_a_write_during_the_import_breaks_the_process(tmp_path: Path) -> None:
    outcome = _race(tmp_path, "off")
    first, later = outcome["first"], outcome["later"]
    assert first is not None and "MovementAckRow" in first, outcome
    assert later is not None and "failed to initialize" in later, outcome


def test_a_store_opened_during_the_import_waits_for_it_and_writes(tmp_path: Path) -> None:
    outcome = _race(tmp_path, "on")
    assert outcome["first"] is None, outcome
    assert outcome["later"] is None, outcome
    assert outcome["writer_waited_for_import"], outcome  # the interleaving did happen
