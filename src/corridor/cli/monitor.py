"""`corridor checkin|incident|confirm|watch|convoys|rules`: monitoring a running corridor.

The same checks as the REST API: a report is kept once under its id, a repeat is reported as
unchanged, a different report under a used id is refused (exit 2, nothing written).
"""

from __future__ import annotations

import json
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Group
from rich.text import Text

from corridor.cli._common import ActorOption, actor_name, console, handle_errors
from corridor.cli.db import DbOption
from corridor.errors import InputError

if TYPE_CHECKING:
    from corridor.network import Network
    from corridor.store import Sql

convoys_app = typer.Typer(help="Register and list the convoys being monitored.",
                          no_args_is_help=True)  # fmt: skip
rules_app = typer.Typer(help="Check, set and show the monitoring rules (YAML).",
                        no_args_is_help=True)  # fmt: skip
commands = typer.Typer()

BBox = tuple[float, float, float, float]  # min lon, min lat, max lon, max lat
CorridorOpt = Annotated[str, typer.Option("--corridor", "-c", help="Corridor id.")]
AtOpt = Annotated[
    str | None,
    typer.Option("--at", help="When it happened, ISO 8601 with offset (default: now)."),
]
IdOpt = Annotated[
    str | None,
    typer.Option("--id", help="The report's id (default: a new UUID); reuse it to resend."),
]
LatOpt = Annotated[float, typer.Option("--lat", min=-90, max=90, help="Latitude (WGS 84).")]
LonOpt = Annotated[float, typer.Option("--lon", min=-180, max=180, help="Longitude (WGS 84).")]
NetworkOpt = Annotated[
    list[Path] | None,
    typer.Option("--network", exists=True, dir_okay=False,
                 help="Network file of the route (default: the one registered in the store)."),
]  # fmt: skip


def _at(text: str | None) -> str:
    if text is None:
        return datetime.now(UTC).isoformat()
    try:
        at = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise InputError(
            f"--at {text!r} is not an ISO 8601 time", hint="e.g. 2022-03-08T09:30Z"
        ) from None
    if at.tzinfo is None:
        raise InputError(f"--at {text!r} has no UTC offset", hint="add Z or +02:00")
    return at.isoformat()


def network_lookup(tx: Sql, files: list[Path] | None) -> NetworkLookup:
    """Find a network by its SHA-256: the --network files, else the store's registered ones."""
    return NetworkLookup(tx, files)


class NetworkLookup:
    """The route's network, by SHA-256: the --network files, else the store's registered ones.

    The store is asked in the command's own transaction: a second connection would wait for the
    write lock that transaction holds (on SQLite, until "database is locked"). A report's area
    check needs only the network's bounds (:meth:`bounds`): a network file is read for them
    without the routing stack (numba, a second or more); the network is opened for routing
    only when a rule re-routes or re-plans (calling the look-up)."""

    def __init__(self, tx: Sql, files: list[Path] | None) -> None:
        self._tx = tx
        self._files = files or []
        self._paths: dict[str, Path | None] = {}
        self._read: dict[Path, Network] = {}
        self._opened: dict[Path, Network] = {}
        self._light: dict[Path, tuple[str, str, BBox] | None] = {}

    def __call__(self, sha: str) -> Network | None:
        path = self._path(sha)
        if path is None:
            return None
        if path not in self._opened:
            self._opened[path] = _open_network(path)
        return self._opened[path]

    def bounds(self, sha: str) -> BBox | None:
        path = self._path(sha)
        if path is None:
            return None
        light = self._header_and_bounds(path)
        if light is not None:
            return light[2]
        from corridor.monitoring import network_bbox

        return network_bbox(self._network_of(path))

    def _path(self, sha: str) -> Path | None:
        if sha not in self._paths:
            found = None
            for file in self._files:
                if sha in self._identity(file):
                    found = file
                    break
            if found is None and not self._files:
                query = "SELECT path FROM networks WHERE sha256 = :sha"
                row = self._tx.execute(query, {"sha": sha}).first()
                path = None if row is None else Path(str(row[0]))
                if path is not None and path.is_file():
                    found = path
            self._paths[sha] = found
        return self._paths[sha]

    def _identity(self, path: Path) -> tuple[str, str | None]:
        """(source SHA-256, file SHA-256) of the network in ``path``, as the Network gives them."""
        light = self._header_and_bounds(path)
        if light is not None:
            return light[0], light[1]
        net = self._network_of(path)
        return net.source_sha256, net.file_sha256

    def _header_and_bounds(self, path: Path) -> tuple[str, str, BBox] | None:
        """A network file's identity and extent read without numpy (the network package's
        light reader); None when that reading cannot vouch for the file, which is then opened
        in full (:meth:`_network_of`), wording its problem as before."""
        if path not in self._light:
            from corridor._files import sha256_file
            from corridor.errors import NetworkFileError
            from corridor.network import read_network_bounds, read_network_header

            try:
                meta = read_network_header(path).get("meta", {})
                bbox = read_network_bounds(path)
            except NetworkFileError:
                self._light[path] = None
            else:
                source = str(meta.get("source_sha256", "")) if isinstance(meta, dict) else ""
                self._light[path] = (source, sha256_file(path), bbox)
        return self._light[path]

    def _network_of(self, path: Path) -> Network:
        """The network in ``path``, for its identity and bounds: a network file read as it is
        stored; anything else (an OSM extract, a damaged file) opened as routing opens it, which
        imports the extract or words the error as before."""
        if path in self._opened:
            return self._opened[path]
        if path not in self._read:
            from corridor.errors import NetworkFileError
            from corridor.network import read_network

            try:
                self._read[path] = read_network(path)
            except NetworkFileError:
                self._opened[path] = _open_network(path)
                return self._opened[path]
        return self._read[path]


def _open_network(path: Path) -> Network:
    from corridor.routing import open_network  # the routing stack only for a network to open

    return open_network(path)


def _print_submitted(out: Any) -> None:
    what = "kept" if out.created else "already kept (unchanged)"
    console.print(f"{out.kind} {out.report_id}: {what}", highlight=False)
    for key in out.effects.get("violations", []):
        console.print(f"  [red]violation[/] {key}", highlight=False)
    for key in out.effects.get("firings", []):
        console.print(f"  [yellow]rule fired[/] {key}", highlight=False)


@commands.command("checkin")
@handle_errors
def checkin(  # noqa: PLR0917 - one option per field of the report
    corridor: CorridorOpt,
    convoy: Annotated[str, typer.Option("--convoy", help="Convoy id (from the schedule).")],
    status: Annotated[
        str,
        typer.Option(
            "--status",
            help="departed, en_route, at_checkpoint, "
            "held, released, turned_back, arrived, returning",
        ),
    ],
    lat: LatOpt,
    lon: LonOpt,
    checkpoint: Annotated[str | None, typer.Option("--checkpoint", help="Checkpoint name.")] = None,
    at: AtOpt = None,
    vehicles: Annotated[int | None, typer.Option("--vehicles", min=0)] = None,
    people: Annotated[int | None, typer.Option("--people", min=0)] = None,
    notes: Annotated[str, typer.Option("--notes")] = "",
    report_id: IdOpt = None,
    network: NetworkOpt = None,
    db: DbOption = None,
    actor: ActorOption = None,
) -> None:
    """Report a convoy's position and status (kept once under its id)."""
    from corridor.monitoring import Checkin, checked, submit_checkin
    from corridor.store import transaction

    data = {"id": report_id or str(uuid.uuid4()), "corridor_id": corridor, "convoy_id": convoy,
            "status": status, "lat": lat, "lon": lon, "at_utc": _at(at), "notes": notes,
            "checkpoint": checkpoint, "vehicles": vehicles, "people": people}  # fmt: skip
    try:
        report = checked(Checkin, data)
    except ValueError as exc:  # pydantic's ValidationError
        raise _invalid(exc) from None
    with transaction(db) as tx:
        find = network_lookup(tx, network)
        out = submit_checkin(tx, report, reporter=actor_name(actor), networks=find)
    _print_submitted(out)


def _invalid(exc: ValueError) -> InputError:
    from corridor.monitoring import first_problem

    msg, where, _ = first_problem(exc)
    return InputError(msg.removeprefix("Value error, "), field=where or "report")


@commands.command("incident")
@handle_errors
def incident(  # noqa: PLR0917 - one option per field of the report
    corridor: CorridorOpt,
    kind: Annotated[
        str,
        typer.Option(
            "--kind", help="shelling, route_blocked, fired_upon, detention, mines, bridge_destroyed"
        ),
    ],
    lat: LatOpt,
    lon: LonOpt,
    at: AtOpt = None,
    severity: Annotated[float, typer.Option("--severity", min=0, max=1)] = 0.5,
    confidence: Annotated[float, typer.Option("--confidence", min=0, max=1)] = 0.5,
    convoy: Annotated[str | None, typer.Option("--convoy")] = None,
    attributed_to: Annotated[
        str | None, typer.Option("--attributed-to", help="Party thought responsible.")
    ] = None,
    attachment: Annotated[
        Path | None,
        typer.Option(
            "--attachment", exists=True, dir_okay=False, help="Photo or note (max 512 KiB)."
        ),
    ] = None,
    notes: Annotated[str, typer.Option("--notes")] = "",
    report_id: IdOpt = None,
    network: NetworkOpt = None,
    db: DbOption = None,
    actor: ActorOption = None,
) -> None:
    """Report an incident near the route (kept once under its id)."""
    from corridor.monitoring import MAX_ATTACHMENT_BYTES, Incident, checked, submit_incident
    from corridor.store import transaction

    data: dict[str, Any] = {
        "id": report_id or str(uuid.uuid4()), "corridor_id": corridor, "kind": kind,
        "lat": lat, "lon": lon, "at_utc": _at(at), "severity": severity,
        "confidence": confidence, "convoy_id": convoy, "attributed_to": attributed_to,
        "notes": notes,
    }  # fmt: skip
    if attachment is not None:
        import base64
        import mimetypes

        from corridor._input import read_input

        raw = read_input(attachment, what="attachment", max_bytes=MAX_ATTACHMENT_BYTES)
        media = mimetypes.guess_type(attachment.name)[0] or "application/octet-stream"
        data["attachment"] = {"media_type": media, "data_base64": base64.b64encode(raw).decode()}
    try:
        report = checked(Incident, data)
    except ValueError as exc:  # pydantic's ValidationError
        raise _invalid(exc) from None
    with transaction(db) as tx:
        find = network_lookup(tx, network)
        out = submit_incident(tx, report, reporter=actor_name(actor), networks=find)
    _print_submitted(out)


@commands.command("confirm")
@handle_errors
def confirm(
    incident_id: Annotated[str, typer.Argument(help="The incident report's id.")],
    at: AtOpt = None,
    network: NetworkOpt = None,
    db: DbOption = None,
    actor: ActorOption = None,
) -> None:
    """Confirm an incident as coordinator (rules that need confirmation may fire now)."""
    from corridor.monitoring import confirm_incident
    from corridor.store import transaction

    when = datetime.fromisoformat(_at(at))
    with transaction(db) as tx:
        find = network_lookup(tx, network)
        out = confirm_incident(tx, incident_id, actor=actor_name(actor), at_utc=when,
                               networks=find)  # fmt: skip
    state = "confirmed" if out["created"] else "was already confirmed"
    console.print(f"incident {incident_id} {state} at {out['confirmed_at']}", highlight=False)
    for key in out.get("effects", {}).get("firings", []):
        console.print(f"  [yellow]rule fired[/] {key}", highlight=False)


@convoys_app.command("add")
@handle_errors
def convoys_add(
    file: Annotated[
        Path, typer.Argument(exists=True, dir_okay=False, help="YAML or JSON: a list of convoys.")
    ],
    db: DbOption = None,
    actor: ActorOption = None,
) -> None:
    """Register convoys and their expected timetable (all or none)."""
    from corridor.monitoring import add_convoys, checked_plans, first_problem
    from corridor.store import transaction

    data = _read_small_yaml(file)
    if isinstance(data, dict) and "convoys" in data:
        data = data["convoys"]
    try:
        plans = checked_plans(data)
    except ValueError as exc:  # pydantic's ValidationError
        msg, where, _ = first_problem(exc)
        raise InputError(msg, path=file, field=where) from None
    with transaction(db) as tx:
        added = add_convoys(tx, plans, actor=actor_name(actor))
    console.print(f"{len(added)} convoys added, {len(plans) - len(added)} already registered")


def _read_small_yaml(file: Path, limit: int = 1024 * 1024) -> Any:
    from corridor._input import load_yaml, read_input_text

    text = read_input_text(file, what="convoys file", max_bytes=limit)
    return load_yaml(text, path=file, what="convoys YAML/JSON")


@convoys_app.command("list")
@handle_errors
def convoys_list(corridor: CorridorOpt, db: DbOption = None) -> None:
    """The corridor's convoys and their expected departure."""
    from rich.table import Table

    from corridor.monitoring import convoy_plans
    from corridor.store import transaction

    with transaction(db, write=False) as tx:
        plans = convoy_plans(tx, corridor)
    table = Table("convoy", "kind", "vehicles", "people", "departs (UTC)", "stops")
    for p in plans:
        table.add_row(p.id, p.kind, str(p.vehicles), str(p.people),
                      f"{p.depart_utc:%Y-%m-%d %H:%M}", str(len(p.stops)))  # fmt: skip
    console.print(table)


@rules_app.command("check")
@handle_errors
def rules_check(file: Annotated[Path, typer.Argument(exists=True, dir_okay=False)]) -> None:
    """Validate a rules file without changing anything."""
    from corridor.monitoring import parse_rules

    rules = parse_rules(_read_text(file), source=file)
    names = ", ".join(r.name for r in rules.rules) or "none"
    console.print(f"valid: {len(rules.rules)} rules ({names})", highlight=False)


def _read_text(file: Path) -> str:
    from corridor._input import read_input_text
    from corridor.monitoring import MAX_RULES_BYTES

    return read_input_text(file, what="rules file", max_bytes=MAX_RULES_BYTES)


@rules_app.command("set")
@handle_errors
def rules_set(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False)],
    db: DbOption = None,
    actor: ActorOption = None,
) -> None:
    """Put a rules file in force (audited); the previous rules stay on record."""
    from corridor.monitoring import set_rules
    from corridor.store import transaction

    text = _read_text(file)
    with transaction(db) as tx:
        rules = set_rules(tx, text, actor=actor_name(actor), source=str(file))
    console.print(f"{len(rules.rules)} rules in force")


@rules_app.command("show")
@handle_errors
def rules_show(db: DbOption = None) -> None:
    """Print the rules in force (the defaults until some are set)."""
    import yaml

    from corridor._records import to_data
    from corridor.monitoring import rules_in_force
    from corridor.store import transaction

    with transaction(db, write=False) as tx:
        rules = rules_in_force(tx)
    console.print(yaml.safe_dump(to_data(rules), sort_keys=False), highlight=False)


# --- watch ------------------------------------------------------------------------------------


def _local(at: str | None) -> str:
    if not at:
        return "-"
    from corridor.agreements import LOCAL_TZ

    return datetime.fromisoformat(at.replace("Z", "+00:00")).astimezone(LOCAL_TZ).strftime("%H:%M")


def render_picture(data: dict[str, Any]) -> Group:
    """The watch screen: agreement state, convoys against schedule, holds, violations (Rich's
    tables imported here: the report commands print none, issue 14, defect 10)."""
    from rich.table import Table

    agreement = data["agreement"]
    colour = {"open": "green", "suspended": "red", "closed": "red"}.get(
        agreement["state"], "yellow"
    )
    head = Text.from_markup(
        f"[bold]{data['corridor_id']}[/]  agreement v{agreement['monitored_version']} "
        f"[{colour}]{agreement['state']}[/]"
        + (f"  (v{agreement['latest_version']} {agreement['stored_state']} awaiting signatures)"
           if agreement["latest_version"] != agreement["monitored_version"] else "")
        + f"   as of {_local(data['as_of'])} Kyiv",
        emoji=False,  # as the consoles: text as given, no emoji table to import
    )  # fmt: skip
    convoys = Table("convoy", "kind", "status", "where", "last", "delay", "people",
                    title="convoys against schedule", title_justify="left")  # fmt: skip
    holds = Table("convoy", "checkpoint", "operated by", "from", "min", "allowed", "term",
                  title="holds", title_justify="left")  # fmt: skip
    for c in data["convoys"]:
        delay = c["delay_minutes"]
        late = "-" if delay is None else f"{delay:+.0f} min"
        style = "red" if delay is not None and delay > 30 else ""
        where = c["checkpoint"] or "-"
        convoys.add_row(c["convoy_id"], c["kind"], c["status"], where, _local(c["last_utc"]),
                        Text(late, style=style), str(c["people"]))  # fmt: skip
        for s in c["stops"]:
            if s["held"] or s["over"]:
                allowed = "-" if s["allowed_minutes"] is None else f"{s['allowed_minutes']:.0f}"
                holds.add_row(c["convoy_id"], s["checkpoint"], s["operated_by"] or "-",
                              _local(s["start_utc"]), f"{s['minutes']:.0f}", allowed,
                              Text(s["term"] or "-", style="red" if s["over"] else ""))  # fmt: skip
    violations = Table("at", "kind", "term", "party", "summary", title="violations",
                       title_justify="left")  # fmt: skip
    for v in data["violations"]:
        violations.add_row(_local(v["start_utc"]), v["kind"], v["term"], v["party"] or "-",
                           v["summary"])  # fmt: skip
    incidents = Table("at", "kind", "confirmed", "notes", title="incidents", title_justify="left")
    for i in data.get("incidents", []):
        incidents.add_row(
            _local(i["report"]["at_utc"]),
            i["report"]["kind"],
            "yes" if i.get("confirmed_at") else "no",
            i["report"].get("notes", ""),
        )
    return Group(head, convoys, holds, incidents, violations)


def _snapshot(db: str | None, corridor: str) -> dict[str, Any]:
    from corridor.monitoring import picture_data, report_rows
    from corridor.store import transaction

    with transaction(db, write=False) as tx:
        data = picture_data(tx, corridor)
        data["incidents"] = report_rows(tx, "incident", corridor, 0, 20)[1]
    return data


@commands.command("watch")
@handle_errors
def watch(
    corridor: CorridorOpt,
    once: Annotated[bool, typer.Option("--once", help="Print one snapshot and exit.")] = False,
    as_json: Annotated[
        bool, typer.Option("--json", help="With --once: the snapshot as JSON.")
    ] = False,
    interval: Annotated[
        float, typer.Option("--interval", min=0.2, max=3600, help="Seconds between refreshes.")
    ] = 2.0,
    db: DbOption = None,
) -> None:
    """A live view of the corridor: convoys against schedule, holds, incidents, violations and
    the agreement's state (Ctrl-C to leave)."""
    from rich.live import Live

    if once:
        data = _snapshot(db, corridor)
        if as_json:
            typer.echo(json.dumps(data, indent=2, default=str))
        else:
            console.print(render_picture(data))
        return
    with Live(render_picture(_snapshot(db, corridor)), console=console, screen=False) as live:
        while True:
            time.sleep(interval)
            live.update(render_picture(_snapshot(db, corridor)))
