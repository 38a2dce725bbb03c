"""The printable notice: one A4 page, large type, the QR code inline (no external resource)."""

from __future__ import annotations

import contextlib
import hashlib

from markupsafe import Markup

from corridor._cache import private_folder
from corridor._files import write_atomic
from corridor.notices._facts import NoticeFacts
from corridor.notices._i18n import LANGUAGE_TAGS
from corridor.notices._render import MAX_PRINTED_POINTS, render_template


def qr_payload(facts: NoticeFacts, *, max_points: int | None = None) -> str:
    """What the QR code holds: the notice id, the notice's web page if any, each gathering
    point, checkpoint and the destination as ``geo:`` URIs (RFC 5870; phones open them in a
    map app, offline maps included), and a directions link over the same points. With
    ``max_points``, only the first (earliest) gathering points."""
    points = [(d.place, d.lat, d.lon) for d in facts.departures]
    if facts.schedule.source == "agreement":
        points.insert(0, (facts.origin.name, facts.origin.lat, facts.origin.lon))
    points = list(dict.fromkeys(points))[:max_points]
    stops = [(c.name, c.lat, c.lon) for c in facts.checkpoints]
    end = (facts.destination.name, facts.destination.lat, facts.destination.lon)
    lines = [facts.notice_id] + ([facts.details.url] if facts.details.url else [])
    lines += [f"geo:{lat:.5f},{lon:.5f} {name}" for name, lat, lon in [*points, *stops, end]]
    via = ";".join(f"{lat:.5f},{lon:.5f}" for _, lat, lon in [points[0], end])
    lines.append(f"https://www.openstreetmap.org/directions?route={via}")
    return "\n".join(lines)


def qr_svg(facts: NoticeFacts) -> Markup:
    """An inline SVG QR code (segno, error correction M: survives a crease or a smudge) of
    every gathering point; when they do not all fit one code, of those the page lists.

    segno loads its writers (and through them urllib, http and email) on import, a fifth of
    the page's own start-up (issue 14, defect 10), while the code changes only with what it
    holds: so the SVG is kept in corridor's cache folder (:mod:`corridor._cache`, this
    account's alone, as for compiled templates), keyed by a hash of the payload and the way
    it is drawn. What is read back must be one SVG element, or it is drawn afresh."""
    payload = qr_payload(facts)
    path = None
    folder = private_folder("qr")
    if folder is not None:
        key = hashlib.sha256(f"{_QR_DRAWING}\n{payload}".encode()).hexdigest()
        path = folder / f"{key}.svg"
        with contextlib.suppress(OSError, UnicodeDecodeError):
            kept = path.read_text("utf-8")
            if kept.startswith("<svg ") and kept.endswith("</svg>") and kept.count("<svg") == 1:
                return Markup(kept)
    svg = _draw_qr(facts, payload)
    if path is not None:
        with contextlib.suppress(OSError):
            write_atomic(path, svg)
    return Markup(svg)


#: Changed whenever :func:`_draw_qr` draws differently, so no code of the old drawing is used.
_QR_DRAWING = "segno, error m, no micro, scale 4, border 2, #000 on #fff, title QR"


def _draw_qr(facts: NoticeFacts, payload: str) -> str:
    import segno

    try:
        code = segno.make(payload, error="m", micro=False)
    except segno.DataOverflowError:
        code = segno.make(qr_payload(facts, max_points=MAX_PRINTED_POINTS), error="m", micro=False)
    return str(code.svg_inline(scale=4, border=2, dark="#000", light="#fff", title="QR"))


def render_html(facts: NoticeFacts, lang: str) -> tuple[str, list[str]]:
    html, warnings = render_template(
        facts,
        lang,
        "notice.html.j2",
        lang_tag=LANGUAGE_TAGS[lang],
        qr_svg=qr_svg(facts),
    )
    return html, warnings
