"""One agreement's whole life as command lines, for the start-up probes (tests/test_startup.py).

The terms are the frozen demo bundle's (a real route on the Krems network), with fresh keys
for the parties and windows a day ahead, so that every command succeeds whenever it is run.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

FROZEN = Path(__file__).with_name("fixtures") / "krems-demo.bundle.json"


def agreement_commands(db: str, directory: Path) -> list[list[str]]:
    """Register three parties, then propose, sign (all three), verify, show, list, export,
    suspend (a party's signed statement), propose a second version, diff and close: each
    command exits 0 in this order."""
    from corridor.agreements import generate_keypair

    terms = json.loads(FROZEN.read_text(encoding="utf-8"))["terms"]
    start = datetime.now(UTC).replace(microsecond=0) + timedelta(days=1)
    iso = lambda t: t.isoformat().replace("+00:00", "Z")  # noqa: E731
    terms["windows"] = [{"start_utc": iso(start), "end_utc": iso(start + timedelta(hours=6))}]
    keys = {}
    commands: list[list[str]] = []
    for party in terms["parties"]:
        pair = generate_keypair(party["name"], directory=directory, passphrase=None)
        party["public_key"] = pair.public_key
        keys[party["name"]] = str(pair.private_path)
        commands.append(["party", "add", party["name"], "--role", party["role"],
                         "--public-key", str(pair.public_path), "--db", db])  # fmt: skip
    v1, v2 = directory / "v1.json", directory / "v2.json"
    v1.write_text(json.dumps(terms), encoding="utf-8")
    v2.write_text(json.dumps({**terms, "max_convoy_size": 12}), encoding="utf-8")
    cid = terms["corridor_id"]
    commands.append(["agreement", "propose", str(v1), "--db", db])
    commands += [["agreement", "sign", cid, "--key", key, "--db", db] for key in keys.values()]
    commands += [
        ["agreement", "verify", cid, "--db", db],
        ["agreement", "show", cid, "--db", db],
        ["agreement", "list", "--db", db],
        ["agreement", "export", cid, "-o", str(directory / "bundle.json"), "--db", db],
        ["agreement", "suspend", cid, "--key", keys["army-north"], "--reason", "shelling",
         "--db", db],
        ["agreement", "propose", str(v2), "--db", db],
        ["agreement", "diff", cid, "1", "2", "--db", db],
        ["agreement", "close", cid, "--reason", "done", "--db", db],
    ]  # fmt: skip
    return commands
