"""The printable notice: one A4 page, large type, the QR code inline (no external resource)."""

from __future__ import annotations

from markupsafe import Markup

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
    every gathering point; when they do not all fit one code, of those the page lists."""
    import segno

    try:
        code = segno.make(qr_payload(facts), error="m", micro=False)
    except segno.DataOverflowError:
        code = segno.make(qr_payload(facts, max_points=MAX_PRINTED_POINTS), error="m", micro=False)
    svg = code.svg_inline(scale=4, border=2, dark="#000", light="#fff", title="QR")
    return Markup(svg)


def render_html(facts: NoticeFacts, lang: str) -> tuple[str, list[str]]:
    html, warnings = render_template(
        facts,
        lang,
        "notice.html.j2",
        lang_tag=LANGUAGE_TAGS[lang],
        qr_svg=qr_svg(facts),
    )
    return html, warnings
