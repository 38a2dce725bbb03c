"""Jinja2 templates with the gettext catalogue of one language: the text every format shares."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import cache
from typing import Any

import jinja2
from babel.numbers import format_decimal

from corridor.notices import _guidance as guidance
from corridor.notices._details import localized
from corridor.notices._facts import NoticeFacts
from corridor.notices._i18n import (
    babel_locale,
    check_language,
    date_text,
    local,
    short_date_text,
    time_text,
    translations,
    zone_text,
)
from corridor.notices._jinja import template_cache

#: Gathering points the printed page holds in large type (body 12pt: one table row each;
#: four long addresses with directions and two departures a day fill an A4 page in
#: tests/notices/test_print.py). With more, it lists one fewer and counts the rest, naming
#: the hotline and the QR code (and the notice's web page) as the full list.
MAX_PRINTED_POINTS = 4

#: Departures the printed page gives a paragraph each (the normal layout: the demo's two, with
#: no last time or vehicle count, each of which counts half a departure more); with more, it
#: switches to the compact grid, whatever the number of gathering points: two
#: departures a day over several days fill more than an A4 page even for one point.
MAX_DEPARTURE_PARAGRAPHS = 2

#: Local days (grid columns) and departures per day and point the compact page shows, and
#: departures on the whole page (with long addresses and directions, more overflow an A4
#: page in large type, tests/notices/test_print.py); the rest of each point's departures
#: are counted in its row, naming the hotline for their times.
MAX_PRINTED_DAYS = 2
MAX_PRINTED_PER_DAY = 2
MAX_PRINTED_DEPARTURES = 5


@cache
def environment(lang: str, *, autoescape: bool) -> jinja2.Environment:
    """One environment per language and escaping mode, with that language's catalogue."""
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("corridor.notices", "templates"),
        extensions=["jinja2.ext.i18n"],
        autoescape=autoescape,
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        bytecode_cache=template_cache(),
    )
    env.policies["ext.i18n.trimmed"] = True
    env.install_gettext_translations(translations(lang), newstyle=True)  # type: ignore[attr-defined]
    return env


@dataclass
class Phrasing:
    """The language-bound helpers templates call; collects what fell back to another language."""

    facts: NoticeFacts
    lang: str
    warnings: list[str] = field(default_factory=list)

    def _(self, message: str) -> str:
        return translations(self.lang).gettext(message)

    def _local(self, value: Any, what: str) -> str | None:
        text, exact = localized(value, self.lang)
        if text is not None and not exact:
            self.warnings.append(f"{what} has no {self.lang} text; shown as given")
        return text

    def place_name(self, name: str) -> str:
        d = self.facts.place(name)
        return (self._local(d.name, f"name of {name!r}") if d and d.name else None) or name

    def address(self, name: str) -> str:
        d = self.facts.place(name)
        return (self._local(d.address, f"address of {name!r}") if d else None) or ""

    def directions(self, name: str) -> str:
        d = self.facts.place(name)
        if d is None or d.directions is None:
            return ""
        return self._local(d.directions, f"directions to {name!r}") or ""

    def markings(self) -> str:
        given = self.facts.details.markings
        if given is None:
            if self.lang != "en":
                self.warnings.append(
                    f"vehicle markings have no {self.lang} text (add `markings:` to the "
                    "notice details); shown as in the terms"
                )
            return self.facts.terms.vehicles.markings
        return self._local(given, "vehicle markings") or self.facts.terms.vehicles.markings

    def vehicles(self) -> str:
        out = []
        for kind in self.facts.terms.vehicles.permitted:
            msgid = guidance.VEHICLE_KINDS.get(kind.strip().lower())
            if msgid is None:
                self.warnings.append(f"vehicle kind {kind!r} has no translation; shown as given")
                out.append(kind)
            else:
                out.append(self._(msgid))
        return ", ".join(out)

    def km(self, value: float) -> str:
        return format_decimal(round(value, 1), format="#,##0.0", locale=babel_locale(self.lang))

    def date(self, at: datetime) -> str:
        """In a sentence: "28 лютого 2027 р." (no weekday, which would stand in the nominative)."""
        return date_text(at, self.lang, weekday=False)

    def day(self, at: datetime) -> str:
        """At the head of a line: "понеділок, 1 березня 2027 р."."""
        return date_text(at, self.lang)

    def short_date(self, at: datetime) -> str:
        return short_date_text(at, self.lang)

    def time(self, at: datetime) -> str:
        return time_text(at, self.lang)

    def arrive_by(self, at: datetime) -> datetime:
        return at - timedelta(minutes=self.facts.details.arrive_minutes_before)

    def context(self) -> dict[str, Any]:
        f = self.facts
        gathering = f.gathering_points
        passes: dict[str, list[str]] = {}
        # the first and the last pass at each checkpoint: with many gathering points the
        # printed page gives this span, not a clock time per convoy that would fill the page
        pass_span: dict[str, tuple[str, str]] = {}
        for p in sorted(f.schedule.passes, key=lambda p: p.at_utc):
            times = passes.setdefault(p.checkpoint, [])
            if self.time(p.at_utc) not in times:  # the same clock time every day: say it once
                times.append(self.time(p.at_utc))
            first = pass_span.get(p.checkpoint, (self.time(p.at_utc),))[0]
            pass_span[p.checkpoint] = (first, self.time(p.at_utc))
        dest = f.place(f.destination.name)
        # The departures as a grid (gathering point x local day), for the printed page when
        # there are too many points for a paragraph each to fit one A4 page.
        days: dict[str, datetime] = {}
        grid: dict[tuple[str, str], list[Any]] = {}
        for d in sorted(f.departures, key=lambda d: d.at_utc):
            day = local(d.at_utc).date().isoformat()
            days.setdefault(day, d.at_utc)
            grid.setdefault((d.place, day), []).append(d)
        # the earliest days and the earliest departures of each day; the rest counted per point
        # as many days (columns) and departures a day as the page's budget allows, at least one
        rows = max(1, min(len(gathering), MAX_PRINTED_POINTS))
        n_days = max(1, min(MAX_PRINTED_DAYS, MAX_PRINTED_DEPARTURES // rows))
        shown_days = list(days.items())[:n_days]
        per_day = max(1, min(MAX_PRINTED_PER_DAY, MAX_PRINTED_DEPARTURES // (rows * n_days)))
        shown_grid = {
            (p, day): grid.get((p, day), [])[:per_day] for p in gathering for day, _ in shown_days
        }
        more_departures = {
            p: sum(d.place == p for d in f.departures)
            - sum(len(shown_grid[(p, day)]) for day, _ in shown_days)
            for p in gathering
        }
        # by content size: a departure with its last time or vehicle count runs to a second
        # line in the normal layout's large type; the paragraph layout is proved on one A4
        # page for one point only, so two or more points take the grid
        size = sum(1 + 0.5 * bool(d.last_utc or d.vehicles) for d in f.departures)
        compact = f.status in ("in_force", "not_in_force") and (
            len(gathering) > 1 or size > MAX_DEPARTURE_PARAGRAPHS
        )
        # all that fit, or one row fewer to make room for the sentence counting the rest
        shown = len(gathering) if len(gathering) <= MAX_PRINTED_POINTS else MAX_PRINTED_POINTS - 1
        helpers: dict[str, Callable[..., Any]] = {
            "place_name": self.place_name,
            "address": self.address,
            "directions": self.directions,
            "markings": self.markings,
            "vehicles": self.vehicles,
            "km": self.km,
            "date": self.date,
            "full_date": self.day,
            "short_date": self.short_date,
            "time": self.time,
            "zone": zone_text,
            "arrive_by": self.arrive_by,
        }
        return {
            "f": f,
            "lang": self.lang,
            "title": self._local(f.details.title, "title")
            if f.details.title
            else (f.title or f.corridor_id),
            "gathering": gathering,
            # the earliest departures first (gathering is in order of first departure)
            "printed": gathering[:shown],
            "not_printed": len(gathering[shown:]),
            "passes": passes,
            "pass_span": pass_span,
            "days": shown_days,
            "grid": shown_grid,
            "more_departures": more_departures,
            "compact": compact,
            "destination": self.place_name(f.destination.name)
            + (f" ({self.address(f.destination.name)})" if dest else ""),
            "issuer": self._local(f.details.issuer, "issuer") if f.details.issuer else None,
            "priority": self._(guidance.PRIORITY),
            "bring": [self._(m) for m in guidance.BRING],
            "do_not_bring": [self._(m) for m in guidance.DO_NOT_BRING],
            "if_stopped": [self._(m) for m in guidance.IF_STOPPED],
            **helpers,
        }


def render_template(
    facts: NoticeFacts, lang: str, name: str, **extra: Any
) -> tuple[str, list[str]]:
    """Render one template in ``lang``; returns the text and the language's warnings."""
    check_language(lang)
    phrasing = Phrasing(facts, lang)
    env = environment(lang, autoescape=name.endswith(".html.j2"))
    text = env.get_template(name).render(**phrasing.context(), **extra)
    if facts.reason and lang != "en":
        phrasing.warnings.append("the suspension reason is shown as the party wrote it")
    return text, list(dict.fromkeys(phrasing.warnings))


def render_text(facts: NoticeFacts, lang: str) -> tuple[str, list[str]]:
    """The plain-text notice (also CAP's description)."""
    text, warnings = render_template(facts, lang, "notice.txt.j2")
    return _tidy(text), warnings


def _tidy(text: str) -> str:
    """At most one blank line in a row, no trailing spaces, one final newline."""
    lines = [line.rstrip() for line in text.splitlines()]
    out: list[str] = []
    for line in lines:
        if line or (out and out[-1]):
            out.append(line)
    return "\n".join(out).strip("\n") + "\n"
