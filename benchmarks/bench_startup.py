"""Start-up of every CLI command in a fresh process (issue 14, defect 10).

Target: every command that does not compute a route or import a map starts in under 0.3 s.
Each command runs as the console script (``corridor ARGS``, next to this interpreter) in a new
process with stdin from /dev/null and its output discarded; CPU is the child's user + system
time (``resource.getrusage(RUSAGE_CHILDREN)`` before and after), wall the time to its exit.
Every command runs ``BENCH_STARTUP_REPEATS`` times (default 5), the commands interleaved round
by round so a burst of load hits all of them alike; the table shows medians.

Byte code: before anything is timed the benchmark runs ``python -m compileall -q`` over the
package's source directory, so the children start with ``.pyc`` caches present, as after a
regular ``pip install`` (which compiles them). Without it an editable install under
``PYTHONDONTWRITEBYTECODE=1`` (this sandbox) recompiles every imported module of ``corridor``
on every run, 30-60 ms per command that no user pays. Third-party packages are compiled by pip.
Likewise the notice templates are compiled as ``make`` compiles them at build time
(``python -m corridor.notices._jinja``), which the ``(empty cache)`` rows read.

Set-up (not timed), in a temporary folder, through the CLI itself: three party keys, the
bundled Krems extract imported and a route on it, an SQLite database (and a PostgreSQL schema
at 127.0.0.1:5432, database ``test``, when it answers) with the parties, a user, the route's
corridor agreement ``krems-1`` proposed and signed by all three, its notice details stored, a
convoy, a movement signed by one party, an incident (and the hazard it puts on the map), and a
corridor ``diff-1`` with two versions; its bundle exported, the audit log exported and a
checkpoint of it signed; the default monitoring rules written to a file. Writes that can happen
only once get a fresh object per repeat, made in the set-up: an agreement to sign (two of three
signatures given), one to suspend and one to close (in force), a terms file to propose, a user
to disable, a hazard to expire and a provisional one to confirm, an incident to confirm, a
movement to acknowledge and one to sign, a convoy file to register. So every timed run does
the real work, and each exits 0 (``hazards show`` of an unknown id: the documented exit 2).

Commands: every command of the CLI that is not exempt, invoked for real -- without a database
(``--version``, ``--help``, ``party keygen``, ``agreement verify-bundle|attest``, ``hazards
validate|import``, ``network info|export|snap``, ``rules check``, ``audit verify --file``) and,
for every command that uses one, on each database -- and ``--help`` of every command of every
group (what Typer, the command's module and its imports cost before the command does
anything). ``checkin``, ``incident`` and ``confirm`` are given ``--network`` (the route's
network file): without it they look the network up in the store, which on SQLite fails with
"database is locked" while their own write transaction is open. ``watch`` runs with
``--once``. A notice keeps its CAP area and QR code in the cache folder, so the repeated
``notice`` rows measure a route whose notice was drawn before; the ``(empty cache)`` rows run
with an empty cache folder each time, as the first notice of a route does. Exempt from the
target: commands that compute routes or import a map (``route``,
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


#: An argument that runs the command with an empty cache folder of its own (the argument is
#: dropped): what the first notice of a route costs, before its CAP area and QR code are kept.
FRESH_CACHE = "{fresh-cache}"


def _run(args: list[str], cwd: Path, cache: Path | None = None) -> tuple[int, float, float, bytes]:
    """(exit code, CPU s, wall s, standard error) of one fresh ``corridor ARGS`` process;
    ``cache``: its cache folder (``CORRIDOR_CACHE_DIR``), else the user's."""
    extra = {"CORRIDOR_CACHE_DIR": str(cache)} if cache is not None else {}
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run(
        [*_corridor(), *args], cwd=cwd, stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, check=False,
        env={**os.environ, "COLUMNS": "120", "CORRIDOR_ACTOR": "bench", **extra},
    )  # fmt: skip
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return done.returncode, cpu, wall, done.stderr


def _setup_run(args: list[str], cwd: Path) -> str:
    """Run one set-up step through the CLI; its standard output."""
    done = subprocess.run(
        [*_corridor(), *args], cwd=cwd, capture_output=True, text=True, check=False,
        stdin=subprocess.DEVNULL, env={**os.environ, "CORRIDOR_ACTOR": "bench"},
    )  # fmt: skip
    if done.returncode != 0:
        raise RuntimeError(f"set-up step failed: corridor {' '.join(args)}\n{done.stderr}")
    return done.stdout


def _compile_sources() -> Path:
    """Byte-compile the package's sources as ``pip install`` does (see the module docstring)."""
    import importlib.util

    spec = importlib.util.find_spec("corridor")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("corridor is not installed in this interpreter")
    src = Path(next(iter(spec.submodule_search_locations)))
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(src)], check=True)
    # and the notice templates, as `make` does at build time (corridor.notices._jinja)
    subprocess.run([sys.executable, "-m", "corridor.notices._jinja"], check=True,
                   stdout=subprocess.DEVNULL)  # fmt: skip
    return src


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


def _write_yaml(path: Path, data: object) -> None:
    import yaml

    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")


def _files(tmp: Path, repeats: int, w0: datetime) -> None:
    """The database-independent input files: rules, notice details, convoys."""
    import yaml

    from corridor.monitoring import DEFAULT_RULES_YAML

    (tmp / "rules.yaml").write_text(DEFAULT_RULES_YAML, encoding="utf-8")
    details = yaml.safe_load((REPO / "data/demo/krems-notice.yaml").read_text(encoding="utf-8"))
    places = details["places"]  # the demo's places, under this route's end points' names
    details["places"] = {"Old town square": places["Gathering point A"],
                         "Mautern": places["Reception B"]}  # fmt: skip
    _write_yaml(tmp / "details.yaml", details)
    for name in ["base", *map(str, range(repeats))]:
        _write_yaml(tmp / f"convoys-{name}.yaml",
                    [{"id": f"cv-{name}", "corridor_id": "krems-1", "vehicles": 3, "people": 90,
                      "depart_utc": f"{w0 + timedelta(hours=1):%Y-%m-%dT%H:%M:%SZ}"}])  # fmt: skip


def _movement(tmp: Path, name: str, movement_id: str, digest: str, w0: datetime) -> None:
    """A movement of krems-1 v1 inside its window (the demo's vehicles and passengers)."""
    import yaml

    data = yaml.safe_load((REPO / "data/demo/krems-movement.yaml").read_text(encoding="utf-8"))
    z = "%Y-%m-%dT%H:%M:%SZ"
    data.update(movement_id=movement_id, corridor_id="krems-1", agreement_version=1,
                agreement_digest=digest, checkpoints=[],
                departure_utc=f"{w0 + timedelta(hours=1):{z}}",
                arrival_utc=f"{w0 + timedelta(hours=1, minutes=30):{z}}",
                ack_deadline_utc=f"{w0 - timedelta(hours=1):{z}}")  # fmt: skip
    _write_yaml(tmp / name, data)


def _prepare(tmp: Path, urls: list[tuple[str, str]], repeats: int) -> str:
    """Keys, network, route, input files, and on each database the objects the commands act
    on (see the module docstring); the agreement's window, for ``agreement draft``."""
    import yaml

    for name in PARTIES:
        _setup_run(["party", "keygen", name, "--no-passphrase", "-o", "keys"], tmp)
    _setup_run(["network", "import", str(REPO / "data" / "krems.osm.gz"), "-o", "krems.net"], tmp)
    _setup_run(["route", "krems.net", "--from", "48.4105,15.6030", "--to", "48.3990,15.6220",
                "--format", "geojson", "-o", "route.geojson"], tmp)  # fmt: skip
    w0 = datetime.now(UTC).replace(minute=0, second=0, microsecond=0) + timedelta(days=1)
    window = f"{w0:%Y-%m-%dT%H:%MZ}/{w0 + timedelta(hours=6):%Y-%m-%dT%H:%MZ}"
    _files(tmp, repeats, w0)
    net = ["--network", "krems.net"]
    for label, url in urls:
        db = ["--db", url]

        def run(*args: str, db: list[str] = db) -> str:
            return _setup_run([*args, *db], tmp)

        run("db", "upgrade")
        for name in PARTIES:
            run("party", "add", name, "--role", f"role of {name}", "--public-key",
                f"keys/{name}.pub")  # fmt: skip
        run("users", "add", "ops-1", "--role", "observer")
        terms = tmp / f"terms-{label}.yaml"
        run("agreement", "draft", "--route", "route.geojson", "--network", "krems.net",
            "--id", "krems-1", "-o", terms.name,
            *[x for n in PARTIES for x in ("--party", n)], "--window", window,
            "--origin", "48.4105,15.6030", "--origin-name", "Old town square",
            "--destination", "48.3990,15.6220", "--destination-name", "Mautern",
            "--markings", "white flags", "--observer", "ICRC")  # fmt: skip
        data = yaml.safe_load(terms.read_text(encoding="utf-8"))
        data["origin"]["name"] = data["origin"].get("name") or "Old town square"
        _write_yaml(terms, data)
        proposed = run("agreement", "propose", terms.name)
        digest = proposed.split("digest: ", 1)[1].split()[0]
        for name in PARTIES:
            run("agreement", "sign", "krems-1", "--key", f"keys/{name}.key")
        run("agreement", "export", "krems-1", "-o", f"bundle-{label}.json")
        run("notice", "krems-1", "--lang", "en", "--details", "details.yaml", "--save-details",
            "-o", f"notice-{label}.txt")  # fmt: skip
        run("convoys", "add", "convoys-base.yaml")
        _movement(tmp, f"movement-{label}-base.yaml", "krems-1-base", digest, w0)
        run("movement", "sign", f"movement-{label}-base.yaml", "--key", "keys/icrc.key")
        run("incident", "-c", "krems-1", "--kind", "shelling", "--lat", "48.405", "--lon",
            "15.61", "--id", "inc-base", *net)  # fmt: skip
        for version, size in ((1, 20), (2, 10)):
            _write_yaml(tmp / f"terms-{label}-diff-{version}.yaml",
                        {**data, "corridor_id": "diff-1", "version": version,
                         "max_convoy_size": size})  # fmt: skip
            run("agreement", "propose", f"terms-{label}-diff-{version}.yaml")
        for n in range(repeats):
            for kind, signers in (("sign", PARTIES[:2]), ("susp", PARTIES), ("close", PARTIES)):
                _write_yaml(tmp / f"terms-{label}-{kind}-{n}.yaml",
                            {**data, "corridor_id": f"{kind}-{n}"})  # fmt: skip
                run("agreement", "propose", f"terms-{label}-{kind}-{n}.yaml")
                for name in signers:
                    run("agreement", "sign", f"{kind}-{n}", "--key", f"keys/{name}.key")
            _write_yaml(tmp / f"terms-{label}-prop-{n}.yaml", {**data, "corridor_id": f"prop-{n}"})
            run("users", "add", f"dis-{n}", "--role", "observer")
            for report, kind in ((f"exp-{n}", "shelling"), (f"conf-{n}", "route_blocked"),
                                 (f"cinc-{n}", "shelling")):  # fmt: skip
                run("incident", "-c", "krems-1", "--kind", kind, "--lat", "48.405", "--lon",
                    "15.61", "--id", report, *net)  # fmt: skip
            _movement(tmp, f"movement-{label}-ack-{n}.yaml", f"krems-1-ack-{n}", digest, w0)
            run("movement", "sign", f"movement-{label}-ack-{n}.yaml", "--key", "keys/icrc.key")
            _movement(tmp, f"movement-{label}-{n}.yaml", f"krems-1-m{n}", digest, w0)
        run("audit", "export", "-o", f"audit-{label}.jsonl")
        run("audit", "checkpoint", "--key", "keys/icrc.key", "-o", f"checkpoint-{label}.json")
    return window


#: (label, argv template, exit code expected); {n} is the repeat's number, for writes; {db} the
#: database's label, {window} the agreement's window.
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
    ("hazards import", ["hazards", "import", str(REPO / "data/demo/krems-hazards.geojson"),
                        "-o", "imported-{n}.geojson"], 0),
    ("network info", ["network", "info", "krems.net"], 0),
    ("network export", ["network", "export", "krems.net", "-o", "roads-{n}.geojson"], 0),
    ("network snap", ["network", "snap", "krems.net", "--at", "48.4105,15.6030"], 0),
    ("rules check", ["rules", "check", "rules.yaml"], 0),
    ("audit verify --file", ["audit", "verify", "--file", "audit-SQLite.jsonl"], 0),
]
_NET = ["--network", "krems.net"]
DB = [
    ("db status", ["db", "status"], 0),
    ("db upgrade (at head)", ["db", "upgrade"], 0),
    ("agreement draft", ["agreement", "draft", "--route", "route.geojson", "--network", "krems.net",
                         "--id", "draft-{n}", "-o", "draft-{db}-{n}.yaml", "--party", "north",
                         "--party", "south", "--party", "icrc", "--window", "{window}",
                         "--origin", "48.4105,15.6030", "--origin-name", "Old town square",
                         "--destination", "48.3990,15.6220", "--destination-name", "Mautern"],
     0),
    ("agreement propose", ["agreement", "propose", "terms-{db}-prop-{n}.yaml"], 0),
    ("agreement sign", ["agreement", "sign", "sign-{n}", "--key", "keys/icrc.key"], 0),
    ("agreement list", ["agreement", "list"], 0),
    ("agreement show", ["agreement", "show", "krems-1"], 0),
    ("agreement verify", ["agreement", "verify", "krems-1"], 0),
    ("agreement diff", ["agreement", "diff", "diff-1", "1", "2"], 0),
    ("agreement suspend", ["agreement", "suspend", "susp-{n}", "--key", "keys/north.key",
                           "--reason", "bench"], 0),
    ("agreement close", ["agreement", "close", "close-{n}", "--reason", "bench"], 0),
    ("agreement export", ["agreement", "export", "krems-1", "-o", "export-{n}.json"], 0),
    ("party list", ["party", "list"], 0),
    ("party add", ["party", "add", "k{n}", "--role", "bench",
                   "--public-key", "new-keys/k{n}.pub"], 0),
    ("users list", ["users", "list"], 0),
    ("users add", ["users", "add", "u-{n}", "--role", "observer"], 0),
    ("users disable", ["users", "disable", "dis-{n}"], 0),
    ("audit verify", ["audit", "verify"], 0),
    ("audit verify --checkpoint", ["audit", "verify", "--checkpoint", "checkpoint-{db}.json"], 0),
    ("audit checkpoint", ["audit", "checkpoint", "--key", "keys/icrc.key",
                          "-o", "checkpoint-{db}-{n}.json"], 0),
    ("audit export", ["audit", "export", "--no-payloads"], 0),
    ("hazards show", ["hazards", "show", "report-inc-base"], 0),
    ("hazards show (no such id)", ["hazards", "show", "no-such"], 2),
    ("hazards update", ["hazards", "update", "report-inc-base", "--notes", "update {n}"], 0),
    ("hazards expire", ["hazards", "expire", "report-exp-{n}", "--reason", "bench"], 0),
    ("hazards confirm", ["hazards", "confirm", "report-conf-{n}"], 0),
    ("notice --format text", ["notice", "krems-1", "--lang", "uk"], 0),
    ("notice --format sms", ["notice", "krems-1", "--lang", "uk", "--format", "sms"], 0),
    ("notice --format html", ["notice", "krems-1", "--lang", "uk", "--format", "html"], 0),
    ("notice --format cap", ["notice", "krems-1", "--lang", "uk", "--format", "cap"], 0),
    ("notice --format html (empty cache)", ["notice", "krems-1", "--lang", "uk", "--format",
                                            "html", FRESH_CACHE], 0),
    ("notice --format cap (empty cache)", ["notice", "krems-1", "--lang", "uk", "--format", "cap",
                                           FRESH_CACHE], 0),
    ("checkin", ["checkin", "-c", "krems-1", "--convoy", "cv-base", "--status", "en_route",
                 "--lat", "48.4105", "--lon", "15.6030", "--id", "ck-{n}", *_NET], 0),
    ("incident", ["incident", "-c", "krems-1", "--kind", "shelling", "--lat", "48.405",
                  "--lon", "15.61", "--id", "inc-{n}", *_NET], 0),
    ("confirm", ["confirm", "cinc-{n}", *_NET], 0),
    ("watch --once", ["watch", "--once", "-c", "krems-1"], 0),
    ("watch --once --json", ["watch", "--once", "--json", "-c", "krems-1"], 0),
    ("convoys add", ["convoys", "add", "convoys-{n}.yaml"], 0),
    ("convoys list", ["convoys", "list", "--corridor", "krems-1"], 0),
    ("rules set", ["rules", "set", "rules.yaml"], 0),
    ("rules show", ["rules", "show"], 0),
    ("movement sign", ["movement", "sign", "movement-{db}-{n}.yaml", "--key", "keys/icrc.key"],
     0),
    ("movement ack", ["movement", "ack", "krems-1-ack-{n}", "--key", "keys/north.key"], 0),
    ("movement status", ["movement", "status", "krems-1-base"], 0),
    ("movement list", ["movement", "list"], 0),
    ("movement export", ["movement", "export", "krems-1-base", "-o", "movement-{db}-{n}.json"],
     0),
    ("movement export --format html", ["movement", "export", "krems-1-base", "--format", "html",
                                       "-o", "movement-{db}-{n}.html"], 0),
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
    src = _compile_sources()
    print(f"byte-compiled {src} (python -m compileall -q; templates: corridor.notices._jinja)")
    print(f"load average at start: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    floor = [sys.executable, "-c", "pass"]
    with tempfile.TemporaryDirectory() as tmp_name, _databases(Path(tmp_name)) as urls:
        tmp = Path(tmp_name)
        (tmp / "new-keys").mkdir()
        window = _prepare(tmp, urls, repeats)
        cases: list[tuple[str, str, list[str], int]] = []
        if "nodb" in parts or "db" in parts:  # party add needs the keys keygen writes
            cases += [(label, "-", argv, code) for label, argv, code in NO_DB]
        if "db" in parts:
            for db_label, url in urls:
                cases += [
                    (label, db_label,
                     [a.replace("{db}", db_label).replace("{window}", window) for a in argv]
                     + ["--db", url], code)
                    for label, argv, code in DB
                ]  # fmt: skip
        if "help" in parts:
            cases += [(label, "-", argv, code) for label, argv, code in _help_commands()]
        cpu: dict[int, list[float]] = {i: [] for i in range(len(cases))}
        wall: dict[int, list[float]] = {i: [] for i in range(len(cases))}
        floor_cpu, floor_wall = [], []
        for n in range(repeats):
            for i, (_label, _db, argv, code) in enumerate(cases):
                cache = tmp / f"cache-{i}-{n}" if FRESH_CACHE in argv else None
                args = [a.replace("{n}", str(n)) for a in argv if a != FRESH_CACHE]
                got, c, w, err = _run(args, tmp, cache)
                if got != code:
                    raise RuntimeError(f"corridor {' '.join(argv)}: exit {got}, expected {code}\n"
                                       + err.decode(errors="replace"))  # fmt: skip
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
