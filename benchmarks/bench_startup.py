"""Start-up of every CLI command in a fresh process (issue 14, defect 10).

Target: every command that does not compute a route or import a map starts in under 0.3 s.
Each command runs as the console script (``corridor ARGS``, next to this interpreter) in a new
process with stdin from /dev/null and its output discarded; CPU is the child's user + system
time (``resource.getrusage(RUSAGE_CHILDREN)`` before and after), wall the time to its exit.
Every command runs ``BENCH_STARTUP_REPEATS`` times (default 5), the commands interleaved round
by round so a burst of load hits all of them alike; the table shows medians.

Set-up (not timed), in a temporary folder, through the CLI itself: three party keys, the
bundled Krems extract imported and a route on it, an SQLite database (and a PostgreSQL schema
at 127.0.0.1:5432, database ``test``, when it answers) with the parties, a user, and the
route's corridor agreement proposed and signed by all three; its bundle exported, the audit
log exported, the default monitoring rules written to a file.

Commands: real invocations of every command that needs no database (``--version``,
``--help``, ``party keygen``, ``agreement verify-bundle|attest``, ``hazards validate``,
``rules check``, ``audit verify --file``), of the database reads and two writes (``party
add``, ``users add``) on each database, and ``--help`` of every command of every group (what
Typer, the command's module and its imports cost before the command does anything).
Exempt from the target: commands that compute routes or import a map (``route``,
``route-matrix``, ``plan``, ``assess``, ``ensemble``, ``what-if``, ``network import``,
``serve``); their ``--help`` is measured all the same.

``BENCH_STARTUP_PARTS`` (comma-separated, default all): ``nodb``, ``db``, ``help``.
"""

from __future__ import annotations

import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
TARGET_S = 0.3
PG_DSN = "host=127.0.0.1 port=5432 user=postgres dbname=test"
EXEMPT = {"route", "route-matrix", "plan", "assess", "ensemble", "what-if", "network import",
          "serve"}  # fmt: skip
PARTIES = ("north", "south", "icrc")


def _corridor() -> list[str]:
    script = Path(sys.executable).with_name("corridor")
    return [str(script)] if script.is_file() else [sys.executable, "-m", "corridor"]


def _run(args: list[str], cwd: Path) -> tuple[int, float, float]:
    """(exit code, CPU s, wall s) of one fresh ``corridor ARGS`` process."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run(
        [*_corridor(), *args], cwd=cwd, stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, check=False,
        env={**os.environ, "COLUMNS": "120", "CORRIDOR_ACTOR": "bench"},
    )  # fmt: skip
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return done.returncode, cpu, wall


def _setup_run(args: list[str], cwd: Path) -> None:
    done = subprocess.run(
        [*_corridor(), *args], cwd=cwd, capture_output=True, text=True, check=False,
        stdin=subprocess.DEVNULL, env={**os.environ, "CORRIDOR_ACTOR": "bench"},
    )  # fmt: skip
    if done.returncode != 0:
        raise RuntimeError(f"set-up step failed: corridor {' '.join(args)}\n{done.stderr}")


@contextmanager
def _databases(tmp: Path) -> Iterator[list[tuple[str, str]]]:
    urls = [("SQLite", f"sqlite:///{tmp / 'bench.db'}")]
    schema = f"corridor_bench_{uuid.uuid4().hex[:8]}"
    try:
        import psycopg

        with psycopg.connect(PG_DSN, connect_timeout=3, autocommit=True) as conn:
            conn.execute(f"CREATE SCHEMA {schema}")
        urls.append(("PostgreSQL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
                                   f"?options=-csearch_path%3D{schema}"))  # fmt: skip
    except Exception as exc:  # the benchmark still runs on SQLite
        print(f"PostgreSQL left out: {exc}")
        schema = ""
    try:
        yield urls
    finally:
        if schema:
            with psycopg.connect(PG_DSN, autocommit=True) as conn:
                conn.execute(f"DROP SCHEMA {schema} CASCADE")


def _prepare(tmp: Path, urls: list[tuple[str, str]]) -> None:
    """Keys, network, route, and on each database parties, a user and a signed agreement."""
    import yaml

    from corridor.monitoring import DEFAULT_RULES_YAML

    for name in PARTIES:
        _setup_run(["party", "keygen", name, "--no-passphrase", "-o", "keys"], tmp)
    _setup_run(["network", "import", str(REPO / "data" / "krems.osm.gz"), "-o", "krems.net"], tmp)
    _setup_run(["route", "krems.net", "--from", "48.4105,15.6030", "--to", "48.3990,15.6220",
                "--format", "geojson", "-o", "route.geojson"], tmp)  # fmt: skip
    (tmp / "rules.yaml").write_text(DEFAULT_RULES_YAML, encoding="utf-8")
    w0 = datetime.now(UTC).replace(minute=0, second=0, microsecond=0) + timedelta(days=1)
    window = f"{w0:%Y-%m-%dT%H:%MZ}/{w0 + timedelta(hours=6):%Y-%m-%dT%H:%MZ}"
    for label, url in urls:
        db = ["--db", url]
        _setup_run(["db", "upgrade", *db], tmp)
        for name in PARTIES:
            _setup_run(["party", "add", name, "--role", f"role of {name}",
                        "--public-key", f"keys/{name}.pub", *db], tmp)  # fmt: skip
        _setup_run(["users", "add", "ops-1", "--role", "observer", *db], tmp)
        terms = tmp / f"terms-{label}.yaml"
        _setup_run(["agreement", "draft", "--route", "route.geojson", "--network", "krems.net",
                    "--id", "krems-1", "-o", terms.name, *db,
                    *[x for n in PARTIES for x in ("--party", n)], "--window", window,
                    "--origin", "48.4105,15.6030", "--origin-name", "Old town square",
                    "--destination", "48.3990,15.6220", "--destination-name", "Mautern",
                    "--markings", "white flags", "--observer", "ICRC"], tmp)  # fmt: skip
        data = yaml.safe_load(terms.read_text(encoding="utf-8"))
        data["origin"]["name"] = data["origin"].get("name") or "Old town square"
        terms.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
        _setup_run(["agreement", "propose", terms.name, *db], tmp)
        for name in PARTIES:
            _setup_run(["agreement", "sign", "krems-1", "--key", f"keys/{name}.key", *db], tmp)
        _setup_run(["agreement", "export", "krems-1", "-o", f"bundle-{label}.json", *db], tmp)
        _setup_run(["audit", "export", "-o", f"audit-{label}.jsonl", *db], tmp)


#: (label, argv template, exit code expected); {n} is the repeat's number, for writes.
# fmt: off
NO_DB = [
    ("--version", ["--version"], 0),
    ("--help", ["--help"], 0),
    ("party keygen", ["party", "keygen", "k{n}", "--no-passphrase", "-o", "new-keys"], 0),
    ("agreement verify-bundle", ["agreement", "verify-bundle", "bundle-SQLite.json"], 0),
    ("agreement attest", ["agreement", "attest", "bundle-SQLite.json", "--key", "keys/icrc.key",
                          "-o", "attested-{n}.json"], 0),
    ("hazards validate", ["hazards", "validate", str(REPO / "data/demo/krems-hazards.geojson")], 0),
    ("hazards validate --gazetteer none",
     ["hazards", "validate", str(REPO / "data/demo/krems-hazards.geojson"), "--gazetteer", "none"],
     0),
    ("rules check", ["rules", "check", "rules.yaml"], 0),
    ("audit verify --file", ["audit", "verify", "--file", "audit-SQLite.jsonl"], 0),
]
DB = [
    ("db status", ["db", "status"], 0),
    ("db upgrade (at head)", ["db", "upgrade"], 0),
    ("agreement list", ["agreement", "list"], 0),
    ("agreement show", ["agreement", "show", "krems-1"], 0),
    ("agreement verify", ["agreement", "verify", "krems-1"], 0),
    ("agreement export", ["agreement", "export", "krems-1", "-o", "export-{n}.json"], 0),
    ("party list", ["party", "list"], 0),
    ("party add", ["party", "add", "k{n}", "--role", "bench",
                   "--public-key", "new-keys/k{n}.pub"], 0),
    ("users list", ["users", "list"], 0),
    ("users add", ["users", "add", "u-{n}", "--role", "observer"], 0),
    ("audit verify", ["audit", "verify"], 0),
    ("audit export", ["audit", "export", "--no-payloads"], 0),
    ("hazards show (no such id)", ["hazards", "show", "no-such"], 2),
    ("convoys list", ["convoys", "list", "--corridor", "krems-1"], 0),
    ("rules show", ["rules", "show"], 0),
    ("movement list", ["movement", "list"], 0),
]
# fmt: on


def _help_commands() -> list[tuple[str, list[str], int]]:
    """``--help`` of every top-level command and of every command of every group."""
    import typer

    from corridor.cli import app

    group = typer.main.get_command(app)
    ctx = typer.Context(group)
    out = []
    for name in group.list_commands(ctx):  # type: ignore[attr-defined]
        sub = group.get_command(ctx, name)  # type: ignore[attr-defined]
        out.append((f"{name} --help", [name, "--help"], 0))
        for child in getattr(sub, "list_commands", lambda _c: [])(ctx):
            out.append((f"{name} {child} --help", [name, child, "--help"], 0))
    return out


def _target(label: str) -> str:
    words = label.replace(" --help", "")
    return "exempt" if words in EXEMPT or words.split(" (")[0] in EXEMPT else f"< {TARGET_S} s"


def main() -> None:
    repeats = int(os.environ.get("BENCH_STARTUP_REPEATS", "5"))
    parts = set(os.environ.get("BENCH_STARTUP_PARTS", "nodb,db,help").split(","))
    print(f"load average at start: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    floor = [sys.executable, "-c", "pass"]
    with tempfile.TemporaryDirectory() as tmp_name, _databases(Path(tmp_name)) as urls:
        tmp = Path(tmp_name)
        (tmp / "new-keys").mkdir()
        _prepare(tmp, urls)
        cases: list[tuple[str, str, list[str], int]] = []
        if "nodb" in parts or "db" in parts:  # party add needs the keys keygen writes
            cases += [(label, "-", argv, code) for label, argv, code in NO_DB]
        if "db" in parts:
            for db_label, url in urls:
                cases += [(label, db_label, [*argv, "--db", url], code) for label, argv, code in DB]
        if "help" in parts:
            cases += [(label, "-", argv, code) for label, argv, code in _help_commands()]
        cpu: dict[int, list[float]] = {i: [] for i in range(len(cases))}
        wall: dict[int, list[float]] = {i: [] for i in range(len(cases))}
        floor_cpu, floor_wall = [], []
        for n in range(repeats):
            for i, (_label, _db, argv, code) in enumerate(cases):
                got, c, w = _run([a.replace("{n}", str(n)) for a in argv], tmp)
                if got != code:
                    raise RuntimeError(f"corridor {' '.join(argv)}: exit {got}, expected {code}")
                cpu[i].append(c)
                wall[i].append(w)
            before = resource.getrusage(resource.RUSAGE_CHILDREN)
            start = time.perf_counter()
            subprocess.run(floor, check=True)
            floor_wall.append(time.perf_counter() - start)
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            floor_cpu.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
    print(f"load average at end: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    floor_text = f"{statistics.median(floor_cpu):.3f} s CPU, {statistics.median(floor_wall):.3f} s"
    print(f"{repeats} runs each, medians; floor `python -c pass`: {floor_text} wall")
    print()
    print("| command | database | CPU s | wall s | target | under (CPU) | under (wall) |")
    print("|---|---|---:|---:|---|---|---|")
    over = []
    for i, (label, db_label, _argv, _code) in enumerate(cases):
        c, w = statistics.median(cpu[i]), statistics.median(wall[i])
        target = _target(label)
        judged = target != "exempt"
        yes_cpu = ("yes" if c < TARGET_S else "**no**") if judged else "-"
        yes_wall = ("yes" if w < TARGET_S else "**no**") if judged else "-"
        if judged and c >= TARGET_S:
            over.append(f"{label} ({db_label})" if db_label != "-" else label)
        print(f"| `corridor {label}` | {db_label} | {c:.3f} | {w:.3f} | {target} | {yes_cpu} "
              f"| {yes_wall} |")  # fmt: skip
    judged_n = sum(_target(label) != "exempt" for label, *_ in cases)
    print(f"\n{judged_n - len(over)} of {judged_n} commands under {TARGET_S} s of CPU; over: "
          + (", ".join(over) or "none"))  # fmt: skip


if __name__ == "__main__":
    main()
