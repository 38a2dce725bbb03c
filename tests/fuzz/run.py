"""Run one fuzz target under atheris (coverage-guided, libFuzzer):

    python -m tests.fuzz.run TARGET [CORPUS_DIR] [libFuzzer flags, e.g. -runs=3000]

Seeds from the real data are written into CORPUS_DIR first (default: a temporary folder),
and libFuzzer adds what it finds there, so ``make fuzz`` keeps a growing corpus between runs.
Only ``corridor.errors.CorridorError`` subclasses may come out of a target; anything else
stops the run with the input saved as ``crash-<sha1>`` (see ``-artifact_prefix``), which
then becomes a regression test in tests/fuzz/test_regressions.py.

Defects already known and being fixed elsewhere (``KNOWN``) are printed (``KNOWN DEFECT``)
the first time each is seen instead of stopping the run, so the fuzzer keeps looking for new ones meanwhile.
"""

from __future__ import annotations

import hashlib
import sys
import tempfile
from collections import Counter
from pathlib import Path

#: Known defects owned by the `hardening` work of issue 14, tolerated until it is merged:
#: (target or "*", exception type name, text in the message or "").
KNOWN: tuple[tuple[str, str, str], ...] = (
    # defects 4 and 7: deeply nested JSON overflows the parser's recursion
    ("*", "RecursionError", ""),
)


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
        import corridor.network  # noqa: F401
        from corridor.errors import CorridorError
        from tests.fuzz._targets import SEEDS, TARGETS

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

    atheris.Setup([sys.argv[0], *flags, str(corpus)], one_input)
    atheris.Fuzz()


def _target_names() -> list[str]:
    return [
        "osm_xml", "hazards_geojson", "hazards_csv", "hazards_incidents", "terms", "bundle",
        "audit_export",
    ]  # fmt: skip


if __name__ == "__main__":
    main(sys.argv[1:])
