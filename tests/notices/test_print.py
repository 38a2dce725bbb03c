"""The printable notice fits one A4 page, printed by a real headless Chromium.

The notice is printed with the content a big city's plan gives: up to thirty gathering points,
each with its address and directions, two departures per point (one per ceasefire window) with
vehicle counts, in Ukrainian, Russian and English. The page count is read from the PDF with
pypdf; the type sizes from the page as Chromium lays it out for print (Playwright). Chromium
is a Debian package that scripts/system-deps.sh installs (`make system-deps`); without it the
test skips with the reason on a user's machine and fails when CI=true.
"""

from __future__ import annotations

import io
import os
import shutil
import subprocess
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from corridor.notices import details_from_data, details_to_data, notice_facts, render_notice
from corridor.notices._render import MAX_PRINTED_POINTS
from corridor.notices._schedule import CheckpointPass, Departure, Schedule

GATHERING = [
    ("Hafenstraße 2, 3500 Krems", "біля входу в порт, під мостом швидкісної дороги S5",
     "у входа в порт, под мостом скоростной дороги S5", "at the harbour gate, under the S5 bridge"),
    ("Ringstraße 46, 3500 Krems", "на стоянці за школою, вхід з боку парку",
     "на стоянке за школой, вход со стороны парка", "in the car park behind the school, park side"),
    ("Bahnhofplatz 1, 3500 Krems", "перед головним входом вокзалу, біля зупинки автобусів",
     "перед главным входом вокзала, у автобусной остановки",
     "in front of the station's main entrance, by the bus stop"),
    ("Dr.-Karl-Dorrek-Straße 30, 3500 Krems", "біля університету, головна брама",
     "у университета, главные ворота", "at the university, main gate"),
    ("Wiener Straße 127, 3500 Krems", "супермаркет, велика стоянка праворуч",
     "супермаркет, большая стоянка справа", "supermarket, large car park on the right"),
    ("Steiner Landstraße 2, 3500 Krems-Stein", "біля церкви, на площі",
     "у церкви, на площади", "by the church, on the square"),
    ("Mitterweg 1, 3500 Krems", "спортивний зал, вхід з двору",
     "спортивный зал, вход со двора", "sports hall, entrance from the yard"),
    ("Alauntalstraße 60, 3500 Krems", "кінцева зупинка автобуса №2",
     "конечная остановка автобуса №2", "terminus of bus line 2"),
]  # fmt: skip


def _chromium() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.fixture(scope="module")
def chromium() -> str:
    path = _chromium()
    if path is None:
        reason = "chromium is not installed (run `make system-deps`, Debian package chromium)"
        if os.environ.get("CI") == "true":
            pytest.fail(reason)
        pytest.skip(reason)
    return path


def print_pdf(chromium: str, html: str, folder: Path) -> bytes:
    """Print ``html`` to PDF as a user's browser does (A4 from the page's @page rule)."""
    page = folder / "notice.html"
    page.write_text(html, encoding="utf-8")
    pdf = folder / "notice.pdf"
    subprocess.run(
        [chromium, "--headless", "--no-sandbox", "--disable-gpu", "--no-pdf-header-footer",
         f"--user-data-dir={folder / 'profile'}", f"--print-to-pdf={pdf}", page.as_uri()],
        check=True, capture_output=True, timeout=120,
    )  # fmt: skip
    return pdf.read_bytes()


def pages(pdf: bytes) -> list[Any]:
    from pypdf import PdfReader

    return list(PdfReader(io.BytesIO(pdf)).pages)


def gathering(n: int) -> list[tuple[str, str, str, str]]:
    """The eight real-looking points, then more of the same length (a big city's plan)."""
    extra = [
        (f"Gewerbepark {k}, 3500 Krems", f"біля складу №{k}, головний в'їзд з боку дороги",
         f"у склада №{k}, главный въезд со стороны дороги", f"by warehouse {k}, main road gate")
        for k in range(len(GATHERING) + 1, n + 1)
    ]  # fmt: skip
    return (GATHERING + extra)[:n]


def _long_facts(
    demo_record: Any, details: Any, n: int = len(GATHERING), *, days: int = 1, per_day: int = 1
) -> Any:
    """``n`` points; each agreed window repeated on ``days`` days with ``per_day`` departures."""
    terms = demo_record.terms
    places: dict[str, Any] = {}
    departures, passes = [], []
    for k, (address, uk, ru, en) in enumerate(gathering(n)):
        name = f"GP-{k + 1}"
        places[name] = {
            "name": {"uk": f"Пункт збору №{k + 1}", "ru": f"Пункт сбора №{k + 1}",
                     "en": f"Gathering point no. {k + 1}"},
            "address": address,
            "directions": {"uk": uk, "ru": ru, "en": en},
        }  # fmt: skip
        lat, lon = terms.origin.lat + 0.002 * k, terms.origin.lon - 0.003 * k
        starts = [w.start_utc + timedelta(days=day, hours=3 * j) for w in terms.windows_sorted()
                  for day in range(days) for j in range(per_day)]  # fmt: skip
        for start in sorted(set(starts)):
            at = start + timedelta(minutes=10 * k)
            departures.append(Departure(name, lat, lon, at, vehicles=12 + k, seats=50,
                                        last_utc=at + timedelta(minutes=95)))  # fmt: skip
            passes += [CheckpointPass(cp.name, at, at + timedelta(minutes=25 * (i + 1)))
                       for i, cp in enumerate(terms.checkpoints)]  # fmt: skip
    data = details_to_data(details)
    data["places"] = {**data.get("places", {}), **places}
    schedule = Schedule(source="krems-demo-evacuation", departures=departures, passes=passes)
    return notice_facts(demo_record, details=details_from_data(data), schedule=schedule)


def test_the_longest_notice_prints_on_one_a4_page(
    chromium: str, demo_record: Any, details: Any, tmp_path: Path
) -> None:
    """The most points the page lists in full, a table row each."""
    n = MAX_PRINTED_POINTS
    facts = _long_facts(demo_record, details, n)
    assert len(facts.gathering_points) == n
    for lang in ("uk", "ru", "en"):
        html = render_notice(facts, lang=lang, fmt="html").content
        assert html.count("GP-") == 0  # every point by its translated name
        folder = tmp_path / lang
        folder.mkdir()
        got = pages(print_pdf(chromium, html, folder))
        width, height = (float(x) for x in got[0].mediabox.upper_right)
        assert (round(width), round(height)) == (595, 842)  # A4 in points
        text = got[0].extract_text()
        flat = "".join(text.split())  # an address may break across lines at a hyphen
        last = "".join(GATHERING[n - 1][0].split(",")[0].split())
        assert last in flat  # the last point made it onto the page
        assert details.hotline in text  # the hotline at the bottom too
        assert len(got) == 1, f"{lang}: the notice prints on {len(got)} pages"


#: two departures a day (morning and noon) over four days: eight per gathering point
LONGEST = {"days": 3, "per_day": 2}


@pytest.mark.parametrize("schedule", [{}, LONGEST], ids=["one-a-window", "longest"])
@pytest.mark.parametrize("n", range(1, MAX_PRINTED_POINTS + 1))
def test_few_points_with_the_longest_schedule_print_on_one_a4_page(
    chromium: str, demo_record: Any, details: Any, tmp_path: Path, *, n: int, schedule: Any
) -> None:
    """1 to 4 points, each with two departures a day over four days (or one a window, two in
    all), long directions: one
    page in every language; the hotline and every point's address on it, and the departures
    not shown counted per point ("and N more departures")."""
    from corridor.notices._i18n import translations

    facts = _long_facts(demo_record, details, n, **schedule)
    assert len(facts.departures) == n * (8 if schedule else 2)
    for lang in ("uk", "ru", "en"):
        html = render_notice(facts, lang=lang, fmt="html").content
        folder = tmp_path / lang
        folder.mkdir()
        got = pages(print_pdf(chromium, html, folder))
        assert len(got) == 1, f"{lang}, {n}: {len(got)} pages; last: {got[-1].extract_text()[:400]}"
        text = " ".join(got[0].extract_text().split())
        flat = "".join(text.split())
        for address, *_ in gathering(n):
            assert "".join(address.split(",")[0].split()) in flat, (lang, address)
        assert details.hotline in text
        shown = html.count('class="dep"')
        hidden = len(facts.departures) - shown
        assert shown > 0 and hidden >= 0
        if hidden:
            each = hidden // n
            more = translations(lang).ngettext(
                "and %(count)s more departure: call the hotline for its time.",
                "and %(count)s more departures: call the hotline for their times.",
                each,
            ) % {"count": each}
            assert "".join(more.split()) in flat, (lang, more)
            assert flat.count("".join(more.split())) == n


def test_an_overlong_page_is_counted_as_two(chromium: str, tmp_path: Path) -> None:
    """The page count can fail: the same printer, a page that must overflow A4."""
    html = "<html><body>" + "<p style='font-size:20pt'>line</p>" * 80 + "</body></html>"
    assert len(pages(print_pdf(chromium, html, tmp_path))) > 1


def test_thirty_gathering_points_still_print_on_one_a4_page(
    chromium: str, demo_record: Any, details: Any, tmp_path: Path
) -> None:
    """Beyond what fits, the page lists the earliest points and says how many more there are
    and where the full list is (the hotline, the QR code), in each language's plural form."""
    from corridor.notices._i18n import translations

    n = 30
    facts = _long_facts(demo_record, details, n)
    points = gathering(n)
    assert len(facts.gathering_points) == n
    shown = MAX_PRINTED_POINTS - 1  # the count sentence takes a row's place
    hidden = n - shown
    for lang in ("uk", "ru", "en"):
        html = render_notice(facts, lang=lang, fmt="html").content
        folder = tmp_path / lang
        folder.mkdir()
        got = pages(print_pdf(chromium, html, folder))
        assert len(got) == 1, (
            f"{lang}: 30 points print on {len(got)} pages: {got[-1].extract_text()[:300]}"
        )
        text = " ".join(got[0].extract_text().split())
        assert points[0][0].split(",")[0] in text  # the earliest point is listed
        assert points[shown - 1][0].split(",")[0] in text
        assert points[shown][0].split(",")[0] not in text  # the next is counted
        # the count sentence as the catalogue words it (ngettext picks the plural form)
        more = translations(lang).ngettext(
            "%(count)s more gathering point is not listed on this page.",
            "%(count)s more gathering points are not listed on this page.",
            hidden,
        ) % {"count": hidden}
        assert more in text, (lang, more)
        assert text.count(details.hotline) == 2  # in the sentence and the box at the bottom
        # each checkpoint's passes as a span (first and last), not thirty clock times
        between = translations(lang).gettext("planned between %(first)s and %(last)s")
        assert text.count(between.split("%(first)s")[0].strip()) == len(facts.checkpoints)


@pytest.mark.parametrize(("n", "in_code"), [(30, 30), (400, MAX_PRINTED_POINTS)])
def test_the_qr_code_holds_every_point_that_fits(
    demo_record: Any, details: Any, n: int, in_code: int
) -> None:
    """30 points: all in the code (the full list); 400 do not fit one QR code (segno refuses
    the payload), so the code holds the points the page would list in full
    (MAX_PRINTED_POINTS) and the page still renders."""
    import segno

    from corridor.notices import qr_payload

    facts = _long_facts(demo_record, details, n)
    full = qr_payload(facts)
    assert sum(line.endswith(tuple(f"GP-{k}" for k in range(1, n + 1))) for line in
               full.splitlines()) == n  # fmt: skip
    html = render_notice(facts, lang="uk", fmt="html").content
    payload = qr_payload(facts, max_points=None if in_code == n else in_code)
    expected = segno.make(payload, error="m", micro=False).svg_inline(
        scale=4, border=2, dark="#000", light="#fff", title="QR"
    )
    assert expected in html
    if in_code < n:
        with pytest.raises(segno.DataOverflowError):
            segno.make(full, error="m", micro=False)


#: Every element that shows text of its own, with its computed font size in points (CSS
#: px * 0.75) as the printed page lays it out, and the box it is in (hotline, QR caption,
#: departure time).
FONT_SIZES_JS = """() => {
  const out = [];
  for (const el of document.body.querySelectorAll('*')) {
    const own = Array.from(el.childNodes)
      .filter(n => n.nodeType === Node.TEXT_NODE).map(n => n.textContent).join('').trim();
    if (!own || el.closest('svg')) continue;
    const size = parseFloat(getComputedStyle(el).fontSize) * 0.75;
    const box = el.closest('.hotline') ? 'hotline' : el.closest('.qr') ? 'caption'
      : el.closest('.when, .t strong') ? 'departure' : '';
    out.push({tag: el.tagName.toLowerCase(), text: own.slice(0, 40), pt: size, box: box});
  }
  return out;
}"""


def printed_font_sizes(browser: Any, html: str) -> list[dict[str, Any]]:
    """The computed font size of every piece of text on the page as printed (print media)."""
    page = browser.new_page()
    try:
        page.emulate_media(media="print")
        page.set_content(html)
        sizes: list[dict[str, Any]] = page.evaluate(FONT_SIZES_JS)
    finally:
        page.close()
    return sizes


@pytest.fixture(scope="module")
def browser(chromium: str) -> Any:
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:  # pragma: no cover - a dev install has it
        pytest.skip("the playwright package is not installed (pip install -e '.[dev]')")
    with sync_playwright() as p:
        launched = p.chromium.launch(executable_path=chromium, args=["--no-sandbox"])
        yield launched
        launched.close()


def test_small_type_is_seen(browser: Any) -> None:
    """The size check can fail: a 10pt paragraph and a 9pt caption are read as such."""
    html = (
        "<html><body><p style='font-size:10pt'>small</p>"
        "<div class='qr'><span style='font-size:9pt'>caption</span></div></body></html>"
    )
    sizes = {s["text"]: (round(s["pt"], 1), s["box"]) for s in printed_font_sizes(browser, html)}
    assert sizes == {"small": (10.0, ""), "caption": (9.0, "caption")}


@pytest.mark.parametrize(
    ("n", "schedule"),
    [(1, {}), (3, {}), (8, {}), (30, {}), *((k, LONGEST) for k in range(1, 5))],
)
def test_the_printed_notice_is_large_type(
    browser: Any, demo_record: Any, details: Any, n: int, schedule: dict[str, int]
) -> None:
    """Large type for people who read without glasses: no text below 12pt in any mode (the
    QR code's caption alone may be 10pt); headings, departure times and the hotline larger."""
    facts = _long_facts(demo_record, details, n, **schedule)
    for lang in ("uk", "ru", "en"):
        html = render_notice(facts, lang=lang, fmt="html").content
        sizes = printed_font_sizes(browser, html)
        assert len(sizes) > 20
        small = [s for s in sizes if s["pt"] < (10 if s["box"] == "caption" else 12) - 0.01]
        assert not small, f"{lang}, {n} points: text below 12pt: {small[:5]}"
        least = {k: min(s["pt"] for s in sizes if s["box"] == k) for k in ("hotline", "departure")}
        least["h1"] = min(s["pt"] for s in sizes if s["tag"] == "h1")
        least["h2"] = min(s["pt"] for s in sizes if s["tag"] == "h2")
        body = max(s["pt"] for s in sizes if s["tag"] in ("p", "td", "li") and not s["box"])
        assert least["h1"] >= 18 and least["hotline"] >= 18, (lang, n, least)
        assert min(least["h2"], least["departure"]) > body, (lang, n, least, body)
