"""Run one fuzz target under atheris (coverage-guided, libFuzzer):

    python -m tests.fuzz.run TARGET [CORPUS_DIR] [libFuzzer flags, e.g. -runs=3000]

Seeds from the real data are written into CORPUS_DIR first (default: a temporary folder),
and libFuzzer adds what it finds there, so ``make fuzz`` keeps a growing corpus between runs.
Only ``corridor.errors.CorridorError`` subclasses may come out of a target; anything else
stops the run with the input saved as ``crash-<sha1>`` (see ``-artifact_prefix``), which
then becomes a regression test in tests/fuzz/test_regressions.py.

Defects already known and being fixed elsewhere (``KNOWN``) are printed (``KNOWN DEFECT``)
the first time each is seen instead of stopping the run, so the fuzzer keeps looking for new
ones meanwhile.
"""

from __future__ import annotations

import hashlib
import sys
import tempfile
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

#: Known, still-open defects tolerated by the run: (target or "*", exception type name, text in
#: the message or ""). Empty: nested JSON's RecursionError (issue 14, defects 4 and 7) is fixed.
KNOWN: tuple[tuple[str, str, str], ...] = ()


def _known(target: str, exc: BaseException) -> str | None:
    name = type(exc).__name__
    for where, kind, text in KNOWN:
        if where in ("*", target) and kind == name and text in str(exc):
            return f"{name}: {str(exc)[:80]}"
    return None


def main(argv: list[str]) -> None:
    import atheris

    if not argv or argv[0] not in _target_names():
        sys.exit(f"usage: python -m tests.fuzz.run TARGET [CORPUS] [flags]; targets: "
                 f"{', '.join(_target_names())}")  # fmt: skip
    name, rest = argv[0], argv[1:]
    dirs = [a for a in rest if not a.startswith("-")]
    flags = [a for a in rest if a.startswith("-")]
    corpus = Path(dirs[0]) if dirs else Path(tempfile.mkdtemp(prefix=f"corridor-fuzz-{name}-"))
    corpus.mkdir(parents=True, exist_ok=True)

    with atheris.instrument_imports(include=["corridor"]):
        import corridor.agreements
        import corridor.audit
        import corridor.hazards
        import corridor.network
        from corridor.errors import CorridorError
        from tests.fuzz._targets import SEEDS, TARGETS

        # The packages load their modules on first use (PEP 562): load them all here, inside
        # the instrumented block, or the modules the targets reach run uninstrumented and
        # libFuzzer sees no coverage at all.
        for package in (corridor.agreements, corridor.audit, corridor.hazards, corridor.network):
            for public in package.__all__:
                getattr(package, public)

    for seed in SEEDS[name]():
        (corpus / f"seed-{hashlib.sha1(seed).hexdigest()[:12]}").write_bytes(seed)
    target = TARGETS[name]
    known: Counter[str] = Counter()

    def one_input(data: bytes) -> None:
        try:
            target(data)
        except CorridorError:
            pass
        except Exception as exc:
            why = _known(name, exc)
            if why is None:
                raise
            known[why] += 1
            if known[why] == 1:  # libFuzzer ends the process with exit(): say it at once
                print(f"KNOWN DEFECT (issue 14, hardening): {why}", flush=True)

    mutator = _json_mutator(atheris) if name in JSON_TARGETS else None
    atheris.Setup([sys.argv[0], *flags, str(corpus)], one_input, custom_mutator=mutator)
    atheris.Fuzz()


#: Targets whose input is JSON: half their mutations edit the parsed document instead of bytes
#: (byte flips mostly make JSON that does not parse, and never reach the validators).
JSON_TARGETS = ("hazards_geojson", "hazards_incidents", "bundle", "terms", "audit_export")

_ODD_VALUES: tuple[object, ...] = (
    None,
    True,
    0,
    -1,
    1e308,
    -1e308,
    2**63,
    1e-320,
    "",
    "\x00",
    "a" * 300,
    [],
    {},
    "NaN",
    "Infinity",
    "-Infinity",
    "0001-01-01T00:00:00+14:00",
    "9999-12-31T23:59:59-14:00",
    "../../etc/passwd",
    "a/b",
    [[[[[]]]]],
    {"": {"": {}}},
    0.5,
    91.0,
    -181.0,
)


def _json_mutator(atheris: Any) -> Callable[[bytes, int, int], bytes]:
    """A structure-aware mutator: parse, change one node (or several), serialise."""
    import json
    import random

    def walk(doc: Any) -> list[tuple[Any, Any]]:
        """(container, key) of every node, the root's as (None, None)."""
        out: list[tuple[Any, Any]] = []
        stack: list[Any] = [doc]
        while stack and len(out) < 5000:
            node = stack.pop()
            items = node.items() if isinstance(node, dict) else enumerate(node)
            for key, value in list(items):
                out.append((node, key))
                if isinstance(value, dict | list):
                    stack.append(value)
        return out

    def mutate(data: bytes, max_size: int, seed: int) -> bytes:
        rng = random.Random(seed)
        if rng.random() < 0.5:
            return bytes(atheris.Mutate(data, max_size))
        lines = data.split(b"\n")
        jsonl = len(lines) > 1 and all(line.strip().startswith(b"{") for line in lines if line)
        try:
            docs = [json.loads(line) for line in lines if line.strip()] if jsonl else [
                json.loads(data)]  # fmt: skip
        except ValueError:
            return bytes(atheris.Mutate(data, max_size))
        if not docs:  # blank lines only
            return bytes(atheris.Mutate(data, max_size))
        for _ in range(rng.randint(1, 3)):
            doc = rng.choice(docs)
            nodes = walk(doc) if isinstance(doc, dict | list) else []
            if not nodes:
                continue
            parent, key = rng.choice(nodes)
            how = rng.random()
            if how < 0.6:
                parent[key] = rng.choice(_ODD_VALUES)
            elif how < 0.75 and isinstance(parent, dict):
                del parent[key]
            elif how < 0.9:
                parent[key] = [parent[key]] * rng.randint(2, 50)
            else:
                other_parent, other_key = rng.choice(nodes)
                parent[key] = other_parent[other_key]
        try:
            texts = [json.dumps(d, allow_nan=True) for d in docs]
        except (ValueError, RecursionError):
            return bytes(atheris.Mutate(data, max_size))
        out = "\n".join(texts).encode()
        return out[:max_size]

    return mutate


def _target_names() -> list[str]:
    return [
        "osm_xml", "hazards_geojson", "hazards_csv", "hazards_incidents", "terms", "bundle",
        "audit_export",
    ]  # fmt: skip


if __name__ == "__main__":
    main(sys.argv[1:])
