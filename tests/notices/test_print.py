"""The printable notice fits one A4 page, printed by a real headless Chromium.

The notice is printed with the content a big city's plan gives: eight gathering points, each
with its address and directions, two departures per point (one per ceasefire window) with
vehicle counts, in Ukrainian, Russian and English. The page count is read from the PDF with
pypdf. Chromium is a Debian package that scripts/system-deps.sh installs (`make system-deps`);
without it the test skips with the reason on a user's machine and fails when CI=true.
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

from corridor.notices import details_from_data, notice_facts, render_notice
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


def _long_facts(demo_record: Any, details: Any, n: int = len(GATHERING)) -> Any:
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
        for w in terms.windows_sorted():
            at = w.start_utc + timedelta(minutes=10 * k)
            departures.append(Departure(name, lat, lon, at, vehicles=12 + k, seats=50,
                                        last_utc=at + timedelta(minutes=95)))  # fmt: skip
            passes += [CheckpointPass(cp.name, at, at + timedelta(minutes=25 * (i + 1)))
                       for i, cp in enumerate(terms.checkpoints)]  # fmt: skip
    data = details.model_dump(mode="json", exclude_none=True)
    data["places"] = {**data.get("places", {}), **places}
    schedule = Schedule(source="krems-demo-evacuation", departures=departures, passes=passes)
    return notice_facts(demo_record, details=details_from_data(data), schedule=schedule)


def test_the_longest_notice_prints_on_one_a4_page(
    chromium: str, demo_record: Any, details: Any, tmp_path: Path
) -> None:
    facts = _long_facts(demo_record, details)
    assert len(facts.gathering_points) == len(GATHERING)
    for lang in ("uk", "ru", "en"):
        html = render_notice(facts, lang=lang, fmt="html").content
        assert html.count("GP-") == 0  # every point by its translated name
        folder = tmp_path / lang
        folder.mkdir()
        got = pages(print_pdf(chromium, html, folder))
        width, height = (float(x) for x in got[0].mediabox.upper_right)
        assert (round(width), round(height)) == (595, 842)  # A4 in points
        text = got[0].extract_text()
        assert GATHERING[-1][0].split(",")[0] in text  # the last point made it onto the page
        assert details.hotline in text  # the hotline at the bottom too
        assert len(got) == 1, f"{lang}: the notice prints on {len(got)} pages"


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
    from corridor.notices._render import MAX_PRINTED_POINTS

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


@pytest.mark.parametrize(("n", "in_code"), [(30, 30), (400, 8)])
def test_the_qr_code_holds_every_point_that_fits(
    demo_record: Any, details: Any, n: int, in_code: int
) -> None:
    """30 points: all in the code (the full list); 400 do not fit one QR code (segno refuses
    the payload), so the code holds the first eight and the page still renders."""
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
