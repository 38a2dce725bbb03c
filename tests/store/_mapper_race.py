"""Child process for test_mapper_race: a store opened and written while another thread is
half-way through importing a table module. Prints one JSON line: what each write raised.

A fresh interpreter, because the race needs table modules that are not imported yet (the
parent pytest process has imported them all long ago).

The interleaving is forced, not hoped for. A trace function pauses the importing thread at the
line ``class MovementAckRow`` of the module: ``MovementRow`` is defined and mapped, the class
its relationships name is not. (Not a mapper event: SQLAlchemy holds its configure lock while
it constructs a mapper, so a pause there would only make the other thread wait.) The main
thread then opens a store and writes an audit entry; the importer resumes only when that write
has finished, or when the main thread is seen waiting inside the import system for this very
module (Python's per-module import lock, which the importer holds), which is what the fix
makes it do. No sleep decides the outcome.

Usage: ``python _mapper_race.py URL on|off`` (``off``: ``_configure_tables`` made a no-op,
the store as it was before the fix).
"""

from __future__ import annotations

import ast
import importlib.util
import json
import sys
import threading
import time
from pathlib import Path
from types import FrameType
from typing import Any

import corridor.store._engine as engine_module
from corridor.store import open_store, record
from corridor.store._tables import PartyRow

MODULE = "corridor.store._movement_tables"
PAUSE_BEFORE = "MovementAckRow"  # named by MovementRow's relationships, defined after it
GIVE_UP_S = 60.0  # only if the interleaving cannot happen at all (then the run says so)


def _pause_point() -> tuple[str, int]:
    """MODULE's file and the line of ``class PAUSE_BEFORE`` in it (found, not hard-coded)."""
    spec = importlib.util.find_spec(MODULE)
    assert spec is not None and spec.origin is not None
    tree = ast.parse(Path(spec.origin).read_text(), spec.origin)
    lines = [n.lineno for n in tree.body if isinstance(n, ast.ClassDef) and n.name == PAUSE_BEFORE]
    assert lines, f"{MODULE} no longer defines {PAUSE_BEFORE}: update this test"
    return spec.origin, lines[0]


def _waits_for_module(frame: FrameType | None) -> bool:
    """Is this thread inside the import system (``importlib._bootstrap``) for MODULE? The
    importer holds MODULE's lock until it resumes, so such a thread waits for it (in
    ``_lock_unlock_module`` or ``_find_and_load``, depending on the Python version)."""
    while frame is not None:
        code = frame.f_code
        if code.co_filename == "<frozen importlib._bootstrap>" and (
            frame.f_locals.get("name") == MODULE
        ):
            return True
        frame = frame.f_back
    return False


def main(url: str, fix: str) -> None:
    if fix == "off":
        engine_module._configure_tables = lambda: None
    assert MODULE not in sys.modules, "the table module is already imported: no race possible"
    filename, pause_line = _pause_point()

    writer = threading.current_thread()
    paused = threading.Event()  # the importer stands before `class PAUSE_BEFORE`
    wrote = threading.Event()  # the writer's first write has finished (either way)
    outcome: dict[str, Any] = {"paused": False, "writer_waited_for_import": False}

    def hold() -> None:
        outcome["paused"] = True
        paused.set()
        deadline = time.monotonic() + GIVE_UP_S
        while not wrote.wait(0.005) and time.monotonic() < deadline:
            if _waits_for_module(sys._current_frames().get(writer.ident or 0)):
                outcome["writer_waited_for_import"] = True
                return

    def on_line(frame: FrameType, what: str, _arg: Any) -> Any:
        if what == "line" and frame.f_lineno == pause_line:
            sys.settrace(None)
            frame.f_trace = None
            hold()
            return None
        return on_line

    def on_call(frame: FrameType, what: str, _arg: Any) -> Any:
        if what == "call" and frame.f_code.co_filename == filename:
            return on_line  # the module's own body: trace its lines
        return None

    def importer() -> None:
        import corridor.store

        sys.settrace(on_call)
        corridor.store.MovementAckRow  # noqa: B018 - the lazy (PEP 562) load, as a request does

    thread = threading.Thread(target=importer)
    thread.start()
    if not paused.wait(GIVE_UP_S):
        raise SystemExit(f"the importer never reached class {PAUSE_BEFORE}")

    def write(n: int) -> str | None:
        try:
            with open_store(url) as store, store.session() as s:
                # An ORM write: it configures the mappers, as the server's writes do.
                s.add(PartyRow(name=f"race {n}", role="test", public_key=f"key {n}"))
                record(s, actor="race", action="test.write", payload={"n": n})
        except Exception as exc:  # reported to the parent, which decides
            return f"{type(exc).__name__}: {exc}".splitlines()[0]
        return None

    outcome["first"] = write(1)  # while the importer is paused (or waited for, with the fix)
    wrote.set()
    thread.join(GIVE_UP_S)
    outcome["later"] = write(2)  # the import has finished: is the process still broken?
    print(json.dumps(outcome), flush=True)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
