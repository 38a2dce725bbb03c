"""The printable notice: one A4 page, large type, the QR code inline (no external resource)."""

from __future__ import annotations

import contextlib
import hashlib
import sys
from collections.abc import Sequence
from types import ModuleType

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

    Encoding it is a hundredth of a second of pure Python (and segno's writers, with urllib,
    http and email behind them, cost as much again on import: :func:`_segno_encoder` spares
    the page them; issue 14, defect 10), while the code changes only with what it holds: so
    the SVG is kept in corridor's cache folder (:mod:`corridor._cache`, this
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
_QR_SCALE, _QR_BORDER = 4, 2


def _draw_qr(facts: NoticeFacts, payload: str) -> str:
    encoder = _segno_encoder()
    try:
        code = encoder.encode(payload, error="m", micro=False)
    except encoder.DataOverflowError:
        code = encoder.encode(
            qr_payload(facts, max_points=MAX_PRINTED_POINTS), error="m", micro=False
        )
    return _svg(code.matrix)


def _segno_encoder() -> ModuleType:
    """segno's encoder, without the rest of segno when it is not loaded yet.

    ``import segno`` loads its writers, and they ``xml.sax.saxutils``, which loads
    ``urllib.request`` (http.client, email, socket, ssl): half the cost of a notice's first
    QR code, for an SVG that :func:`_svg` writes as segno's writer does (the tests hold the
    two to the same string). So the encoder is imported under a bare ``segno`` package
    module, which is then taken out of ``sys.modules``: a later ``import segno`` runs the
    package in full and finds this same encoder."""
    if "segno" in sys.modules:
        return sys.modules["segno"].encoder  # type: ignore[no-any-return]
    import importlib
    import importlib.util

    spec = importlib.util.find_spec("segno")
    if spec is None or spec.submodule_search_locations is None:  # pragma: no cover
        raise ModuleNotFoundError("segno")
    sys.modules["segno"] = importlib.util.module_from_spec(spec)
    try:
        return importlib.import_module("segno.encoder")
    finally:
        del sys.modules["segno"]


def _svg(matrix: Sequence[Sequence[int]]) -> str:
    """The code as segno 1.6 writes it (``svg_inline(scale=4, border=2, dark="#000",
    light="#fff", title="QR")``): one path of the dark modules' horizontal runs, drawn with
    relative moves, over a white square; the whole scaled by a group."""
    size = len(matrix) + 2 * _QR_BORDER
    runs: list[str] = []
    last_x, last_y = 0, 0.0
    for row_index, row in enumerate(matrix):
        y = _QR_BORDER + 0.5 + row_index
        x = 0
        while x < len(row):
            if not row[x]:
                x += 1
                continue
            start = x
            while x < len(row) and row[x]:
                x += 1
            x1, x2 = start + _QR_BORDER, x + _QR_BORDER
            dy = y - last_y
            runs.append(f"{'m' if runs else 'M'}{x1 - last_x} {_num(dy)}h{x2 - x1}")
            last_x, last_y = x2, y
    dark = f'<path class="qrline" stroke="#000" d="{"".join(runs)}"/>'
    light = f'<path fill="#fff" d="M0 0h{size}v{size}h-{size}z"/>'
    width = size * _QR_SCALE
    paths = "".join(sorted([dark, light], key=len))
    return (
        f'<svg width="{width}" height="{width}" class="segno"><title>QR</title>'
        f'<g transform="scale({_QR_SCALE})">{paths}</g></svg>'
    )


def _num(value: float) -> str:
    """A number as segno prints one: whole numbers without a point."""
    return str(int(value)) if int(value) == value else str(value)


def render_html(facts: NoticeFacts, lang: str) -> tuple[str, list[str]]:
    html, warnings = render_template(
        facts,
        lang,
        "notice.html.j2",
        lang_tag=LANGUAGE_TAGS[lang],
        qr_svg=qr_svg(facts),
    )
    return html, warnings
