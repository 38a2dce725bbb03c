"""Child process for test_sigkill: appends audited hazards until killed.

Each transaction adds a hazard and its audit entry, prints ``pending N`` and then waits for a
line on stdin before committing, so the parent can SIGKILL it inside a transaction for sure.
"""

from __future__ import annotations

import sys

from corridor.store import HazardRow, open_store, record


def main(url: str) -> None:
    store = open_store(url)
    i = 0
    while True:
        with store.session() as s:
            s.add(
                HazardRow(
                    id=f"h{i}",
                    kind="shelling",
                    geometry="{}",
                    severity=0.5,
                    confidence=0.5,
                    created_by="loop",
                )
            )
            s.flush()
            record(s, actor="loop", action="hazard.added", payload={"id": f"h{i}"})
            print(f"pending {i}", flush=True)
            if not sys.stdin.readline():
                return
        print(f"committed {i}", flush=True)
        i += 1


if __name__ == "__main__":
    main(sys.argv[1])
