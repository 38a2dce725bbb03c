"""The printable movement notification (English, the working language of deconfliction
cells): UTC times with Kyiv time beside them, and the acknowledgement status at a time."""

from __future__ import annotations

from datetime import UTC, datetime
from functools import cache
from typing import TYPE_CHECKING

import jinja2

from corridor.notices._i18n import local
from corridor.notices._jinja import template_cache

if TYPE_CHECKING:
    from corridor.store import MovementRecord


@cache
def _env() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.PackageLoader("corridor.notices", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        bytecode_cache=template_cache(),
    )


def _utc(at: datetime) -> str:
    return at.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


def _both(at: datetime) -> str:
    k = local(at)
    return f"{_utc(at)} ({k:%Y-%m-%d %H:%M} Kyiv)"


def render_movement_html(rec: MovementRecord, *, at_utc: datetime, terms: object = None) -> str:
    """The page for ``rec`` with its status at ``at_utc``."""
    from corridor.agreements import terms_from_data

    agreement_terms = terms if terms is not None else terms_from_data(rec.agreement_terms)
    roads = list(
        dict.fromkeys(
            e.road
            for e in agreement_terms.route.edges  # type: ignore[attr-defined]
            if e.road and not e.road.startswith("unnamed")
        )
    )
    return (
        _env()
        .get_template("movement.html.j2")
        .render(
            rec=rec,
            m=rec.movement,
            terms=agreement_terms,
            roads=roads,
            operators={c.name: c.operated_by for c in agreement_terms.checkpoints},  # type: ignore[attr-defined]
            passengers=[(str(k), v) for k, v in rec.movement.passengers.items()],
            verdict=rec.clearance(at_utc),
            at=at_utc,
            utc=_utc,
            both=_both,
        )
    )
