"""CAP 1.2 (OASIS Common Alerting Protocol): one alert, one ``info`` per language.

Public alerting systems (cell broadcast, sirens with displays, apps) take CAP. ``status`` is
Actual only for a notice in force (Draft otherwise), ``msgType`` Update with ``references``
when the notice replaces an earlier one; times carry their offset (UTC here, as CAP allows).
The ``area`` is a polygon: the route buffered by a few hundred metres, closed ring, lat,lon
pairs as CAP wants them (the reverse of GeoJSON).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import math
import re
from collections.abc import Sequence
from datetime import UTC, datetime
from xml.etree import ElementTree as ET

from corridor._cache import private_folder
from corridor._earth import EARTH_RADIUS_M
from corridor._files import write_atomic
from corridor.notices._facts import NoticeFacts
from corridor.notices._i18n import LANGUAGE_TAGS, LANGUAGES
from corridor.notices._render import render_template, render_text

CAP_NS = "urn:oasis:names:tc:emergency:cap:1.2"
SENDER = "corridor@notices.invalid"  # RFC 2606: no real mailbox; set --sender for a real one
AREA_BUFFER_M = 300.0


def cap_time(at: datetime) -> str:
    """CAP's dateTime: ``2027-03-01T06:00:00+00:00`` (no fractions, "Z" is not allowed)."""
    return at.astimezone(UTC).replace(microsecond=0).isoformat()


def cap_identifier(notice_id: str) -> str:
    return f"corridor.{notice_id}"


def area_polygon(facts: NoticeFacts, buffer_m: float = AREA_BUFFER_M) -> str:
    """The route buffered by ``buffer_m``, as CAP's "lat,lon lat,lon ..." closed ring.

    Drawing it took shapely, and shapely NumPy: a tenth of a second of a command meant to
    start in under 0.3 s (issue 14, defect 10); it is drawn in pure Python now, a few
    milliseconds for a route of a few hundred points but growing with the points within the
    buffer's reach (a long winding route of thousands: tenths of a second). A corridor's
    route changes only with a new version, while its notice is written in every language and
    format, again and again; so the ring is kept in corridor's cache folder
    (:mod:`corridor._cache`), keyed by a hash of the route's coordinates, the buffer and the
    way it is drawn. What is read back must look like a ring, or it is drawn afresh; a folder
    that cannot be used costs the drawing only.
    """
    coords = facts.terms.route.geometry.coordinates
    key = json.dumps([_AREA_DRAWING, buffer_m, coords], separators=(",", ":"))
    path = None
    folder = private_folder("cap-areas")
    if folder is not None:
        path = folder / (hashlib.sha256(key.encode()).hexdigest() + ".txt")
        with contextlib.suppress(OSError, UnicodeDecodeError):
            kept = path.read_text("ascii")
            if _RING.fullmatch(kept):
                return kept
    ring = _draw_area(coords, buffer_m)
    if path is not None:
        with contextlib.suppress(OSError):
            write_atomic(path, ring)
    return ring


#: Changed whenever :func:`_draw_area` draws differently, so no ring of the old drawing is used.
_AREA_DRAWING = "tangent-plane buffer (pure Python), quad_segs=4, simplified by a tenth, 5 d.p."
_RING = re.compile(r"-?\d+\.\d{5},-?\d+\.\d{5}(?: -?\d+\.\d{5},-?\d+\.\d{5}){3,}")


def _draw_area(coords: Sequence[Sequence[float]], buffer_m: float) -> str:
    """The buffer is drawn in metres on a plane tangent at the route's middle (equirectangular):
    over a corridor's tens of kilometres its scale is off by well under 1%, a metre or two of
    a 300 m margin, and it needs no projection library (pyproj and its CRS database cost a
    notice a tenth of a second of start-up; ``tests/notices/test_cap_area.py`` holds it to
    the UTM buffer it replaced). The buffer itself is drawn in pure Python
    (:mod:`corridor.notices._buffer`), as shapely drew it, without importing shapely and NumPy
    (another tenth of a second); a route that runs over itself in a way that drawing does not
    resolve (:class:`~corridor.notices._buffer.OutlineError`) is drawn by shapely, as before."""
    from corridor.notices._buffer import OutlineError, buffer_outline, simplify_ring

    lons = [c[0] for c in coords]
    lats = [c[1] for c in coords]
    lon0 = (min(lons) + max(lons)) / 2
    lat0 = (min(lats) + max(lats)) / 2
    m_per_deg = math.pi * EARTH_RADIUS_M / 180
    kx, ky = m_per_deg * math.cos(math.radians(lat0)), m_per_deg
    line = [((x - lon0) * kx, (y - lat0) * ky) for x, y in zip(lons, lats, strict=True)]
    area: Sequence[tuple[float, float]]
    try:
        area = simplify_ring(buffer_outline(line, buffer_m, quad_segs=4), buffer_m / 10)
    except OutlineError:
        from shapely.geometry import LineString

        drawn = LineString(line).buffer(buffer_m, quad_segs=4).simplify(buffer_m / 10)
        area = list(drawn.exterior.coords)
    ring: list[str] = []
    for x, y in area:
        pair = f"{lat0 + y / ky:.5f},{lon0 + x / kx:.5f}"
        if not ring or pair != ring[-1]:
            ring.append(pair)
    if ring[0] != ring[-1]:
        ring.append(ring[0])
    return " ".join(ring)


def _sub(parent: ET.Element, tag: str, text: str | None = None) -> ET.Element:
    el = ET.SubElement(parent, f"{{{CAP_NS}}}{tag}")
    if text is not None:
        el.text = text
    return el


def render_cap(
    facts: NoticeFacts, *, languages: tuple[str, ...] = LANGUAGES, sender: str = SENDER
) -> tuple[str, list[str]]:
    """The CAP 1.2 XML document (UTF-8) with one ``info`` block per language."""
    ET.register_namespace("", CAP_NS)
    warnings: list[str] = []
    alert = ET.Element(f"{{{CAP_NS}}}alert")
    _sub(alert, "identifier", cap_identifier(facts.notice_id))
    _sub(alert, "sender", sender)
    _sub(alert, "sent", cap_time(facts.issued_at_utc))
    _sub(alert, "status", "Actual" if facts.status != "not_in_force" else "Draft")
    _sub(alert, "msgType", "Update" if facts.supersedes else "Alert")
    _sub(alert, "scope", "Public")
    if facts.status == "not_in_force":
        _sub(alert, "note", "DRAFT: the agreement is not in force")
    if facts.supersedes:
        old_id, old_at = facts.supersedes
        _sub(alert, "references", f"{sender},{cap_identifier(old_id)},{cap_time(old_at)}")
    polygon = area_polygon(facts)
    for lang in languages:
        body, more = render_text(facts, lang)
        head, _ = render_template(facts, lang, "cap_headline.txt.j2")
        instruction, _ = render_template(
            facts,
            lang,
            "cap_instruction.txt.j2",
            first=facts.departures[0] if facts.departures else None,
        )
        warnings += [w for w in more if w not in warnings]
        info = _sub(alert, "info")
        _sub(info, "language", LANGUAGE_TAGS[lang])
        _sub(info, "category", "Safety")
        _sub(info, "event", head.strip().split(":")[0])
        _sub(info, "responseType", "Evacuate" if facts.active else "Monitor")
        _sub(info, "urgency", "Immediate" if facts.active else "Expected")
        _sub(info, "severity", "Severe")
        _sub(info, "certainty", "Observed" if facts.status != "not_in_force" else "Possible")
        _sub(info, "eventCode")
        code = info[-1]
        _sub(code, "valueName", "corridor")
        _sub(code, "value", facts.corridor_id)
        if facts.departures and facts.active:
            _sub(info, "onset", cap_time(facts.departures[0].at_utc))
        if facts.valid_until_utc is not None:
            _sub(info, "expires", cap_time(facts.valid_until_utc))
        _sub(info, "senderName", (facts.details.issuer and _issuer(facts, lang)) or "corridor")
        _sub(info, "headline", head.strip()[:160])
        _sub(info, "description", body)
        _sub(info, "instruction", instruction.strip())
        _sub(info, "contact", facts.hotline)
        if facts.details.url:
            _sub(info, "web", facts.details.url)
        area = _sub(info, "area")
        _sub(area, "areaDesc", _area_desc(facts, lang))
        _sub(area, "polygon", polygon)
    ET.indent(alert)
    xml = ET.tostring(alert, encoding="unicode", xml_declaration=False)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + xml + "\n", warnings


def _issuer(facts: NoticeFacts, lang: str) -> str:
    from corridor.notices._details import localized

    text, _ = localized(facts.details.issuer, lang)
    return text or "corridor"


def _area_desc(facts: NoticeFacts, lang: str) -> str:
    text, _ = render_template(facts, lang, "cap_area.txt.j2")
    return " ".join(text.split())
