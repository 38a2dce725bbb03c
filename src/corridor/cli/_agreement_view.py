"""Rich rendering of agreements for `corridor agreement` (no domain logic here)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING

from rich.table import Table

from corridor.cli._common import console

if TYPE_CHECKING:  # corridor.agreements loads its modules on use: name only what is drawn
    from corridor.agreements import BundleReport, SignatureStatus, State, Terms

_STATUS_STYLE = {"valid": "green", "invalid": "bold red", "missing": "yellow"}


def signature_table(statuses: Sequence[SignatureStatus], *, title: str) -> Table:
    table = Table("party", "role", "key", "signature", "signed (UTC)", title=title)
    for s in statuses:
        style = _STATUS_STYLE.get(s.status, "")
        table.add_row(
            s.party,
            s.role,
            s.public_key[:12] + "...",
            f"[{style}]{s.status}[/]",
            s.signed_at_utc or "",
        )
    return table


def print_verdict(ok: bool, why_not: str) -> None:
    if ok:
        console.print("[bold green]in force[/]: every party signed this exact digest")
    else:
        console.print(f"[bold red]not in force[/]: {why_not}", highlight=False)


def why_not_in_force(statuses: Sequence[SignatureStatus], *, extra: Sequence[str] = ()) -> str:
    bad = [f"{s.party} {s.status}" for s in statuses if not s.valid]
    return "; ".join([*extra, *bad]) or "unknown"


def print_terms(terms: Terms, *, digest: str, state: State, at_utc: datetime, latest: int) -> None:
    from corridor.agreements import human_length

    head = f"[bold]{terms.corridor_id}[/] v{terms.version}"
    if terms.version < latest:
        head += f" [yellow](superseded by v{latest})[/]"
    console.print(head + (f": {terms.title}" if terms.title else ""))
    console.print(f"state at {at_utc:%Y-%m-%d %H:%M} UTC: [bold]{state.value}[/]")
    console.print(f"digest (SHA-256, RFC 8785): {digest}", highlight=False)
    r = terms.route
    console.print(
        f"route: {len(r.edges)} edges, {human_length(r.length_m)} on network "
        f"{r.network_sha256[:16]}...",
        highlight=False,
    )
    console.print(
        f"from {terms.origin.name} ({terms.origin.lat:.5f}, {terms.origin.lon:.5f}) "
        f"to {terms.destination.name} ({terms.destination.lat:.5f}, "
        f"{terms.destination.lon:.5f})",
        highlight=False,
    )
    windows = Table("#", "UTC", "local (Europe/Kyiv)", "hours", title="ceasefire windows")
    for i, w in enumerate(terms.windows_sorted(), start=1):
        windows.add_row(
            str(i), w.utc_text(), w.local_text(), f"{w.duration.total_seconds() / 3600:g}"
        )
    console.print(windows)
    if terms.checkpoints:
        cps = Table(
            "checkpoint",
            "operated by",
            "hours (UTC)",
            "max veh/h",
            "inspection min",
            "lat, lon",
            title="checkpoints",
        )
        for c in terms.checkpoints:
            cps.add_row(
                c.name,
                c.operated_by,
                c.hours_utc,
                str(c.max_vehicles_per_hour),
                f"{c.inspection_minutes:g}",
                f"{c.lat:.5f}, {c.lon:.5f}",
            )
        console.print(cps)
    console.print(
        f"vehicles: {', '.join(terms.vehicles.permitted)}; markings: "
        f"{terms.vehicles.markings}; max convoy {terms.max_convoy_size}",
        highlight=False,
    )
    if terms.escort:
        console.print(f"escort: {terms.escort}", highlight=False)
    if terms.observers:
        console.print(f"observers: {', '.join(terms.observers)}", highlight=False)
    for contact in terms.contacts:
        console.print(
            f"contact: {contact.party} {contact.channel} {contact.address}", highlight=False
        )
    if terms.notes:
        console.print(f"notes: {terms.notes}", highlight=False)


def print_bundle_report(report: BundleReport) -> None:
    console.print(
        f"bundle of {report.corridor_id} v{report.version}, digest {report.digest or '?'}",
        highlight=False,
    )
    for p in report.problems:
        console.print(f"[bold red]problem[/]: {p}", highlight=False)
    if report.statuses:
        console.print(signature_table(report.statuses, title="signatures (checked offline)"))
    for s in report.suspended_by:
        console.print(f"[yellow]suspended[/] by {s}", highlight=False)
    at = report.at_utc
    console.print(
        f"state: {report.state or '?'}"
        + (f"; at {at:%Y-%m-%d %H:%M} UTC: {report.state_at}" if at and report.state_at else ""),
        highlight=False,
    )
    if report.attested_by:
        console.print(f"lifecycle attested by: {', '.join(report.attested_by)}", highlight=False)
    else:
        console.print(
            "[yellow]lifecycle not attested[/] by any party: a suspension or closure removed "
            "before you got this file cannot be detected (ask for a bundle attested with "
            "`corridor agreement attest`)",
            highlight=False,
        )
    print_verdict(report.in_force, why_not_in_force(report.statuses, extra=report.why_not()))
