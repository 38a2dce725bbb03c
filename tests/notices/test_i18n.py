"""Dates in Kyiv time, plural forms written out by hand, and complete catalogues."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from corridor.errors import InputError
from corridor.notices import LANGUAGES, date_text, time_text
from corridor.notices._i18n import check_language, read_catalog, translations, zone_text

REPO = Path(__file__).resolve().parents[2]
SRC = REPO / "src" / "corridor" / "notices"
#: The extraction config of the one catalogue, and the folders ``pybabel extract`` reads with
#: it (docs/notices.md): the notices' code and templates, the dashboard's page and scripts.
BABEL_CFG = REPO / "src" / "corridor" / "locale" / "babel.cfg"
SOURCES = (SRC, REPO / "web" / "src")


def test_a_utc_evening_is_the_next_day_in_kyiv() -> None:
    at = datetime(2027, 2, 28, 22, 30, tzinfo=UTC)  # 00:30 on 1 March in Kyiv (UTC+2)
    assert time_text(at, "uk") == "00:30"
    assert date_text(at, "uk") == "понеділок, 1 березня 2027\u202fр."
    assert date_text(at, "ru") == "понедельник, 1 марта 2027\u202fг."
    assert date_text(at, "en") == "Monday, March 1, 2027"
    assert zone_text(at) == "UTC+2"


def test_summer_time_is_utc_plus_three() -> None:
    at = datetime(2027, 7, 15, 5, 0, tzinfo=UTC)
    assert time_text(at, "en") == "08:00"
    assert zone_text(at) == "UTC+3"
    assert date_text(at, "uk", weekday=False) == "15 липня 2027\u202fр."


def test_naive_times_are_refused() -> None:
    with pytest.raises(ValueError, match="naive"):
        time_text(datetime(2027, 3, 1, 6, 0), "uk")


def test_unsupported_language_is_one_clear_error() -> None:
    with pytest.raises(InputError, match=r"'de' is not supported.*uk, ru, en"):
        check_language("de")


# CLDR puts a narrow no-break space (U+202F) before the year abbreviation.
# (n, Ukrainian, Russian) worked out by hand: 1, 21, 101 take the "one" form; 2-4, 22-24 the
# "few" form; 5-20, 25-30, 111-114 the "many" form.
MINUTES = [
    (1, "хвилину", "минуту"),
    (2, "хвилини", "минуты"),
    (4, "хвилини", "минуты"),
    (5, "хвилин", "минут"),
    (11, "хвилин", "минут"),
    (12, "хвилин", "минут"),
    (14, "хвилин", "минут"),
    (21, "хвилину", "минуту"),
    (22, "хвилини", "минуты"),
    (25, "хвилин", "минут"),
    (30, "хвилин", "минут"),
    (101, "хвилину", "минуту"),
    (111, "хвилин", "минут"),
    (112, "хвилин", "минут"),
]


@pytest.mark.parametrize(("n", "uk", "ru"), MINUTES)
def test_plural_forms_of_minutes(n: int, uk: str, ru: str) -> None:
    msgid = "Come at least %(count)s minute before departure."
    plural = "Come at least %(count)s minutes before departure."
    got_uk = translations("uk").ngettext(msgid, plural, n) % {"count": n}
    got_ru = translations("ru").ngettext(msgid, plural, n) % {"count": n}
    assert got_uk == f"Приходьте щонайменше за {n} {uk} до відправлення."
    assert got_ru == f"Приходите минимум за {n} {ru} до отправления."
    en = translations("en").ngettext(msgid, plural, n) % {"count": n}
    assert en.endswith("minute before departure.") == (n == 1)


@pytest.mark.parametrize(
    ("n", "uk", "ru"),
    [
        (1, "блокпост", "блокпост"),
        (3, "блокпости", "блокпоста"),
        (5, "блокпостів", "блокпостов"),
        (21, "блокпост", "блокпост"),
        (13, "блокпостів", "блокпостов"),
    ],
)
def test_plural_forms_of_checkpoints(n: int, uk: str, ru: str) -> None:
    one, many = (
        "The convoy passes %(count)s checkpoint:",
        "The convoy passes %(count)s checkpoints:",
    )
    assert translations("uk").ngettext(one, many, n) % {"count": n} == f"Колона проходить {n} {uk}:"
    assert translations("ru").ngettext(one, many, n) % {"count": n} == f"Колонна проходит {n} {ru}:"


def _extracted() -> set[tuple[object, str | None]]:
    """(msgid, context) of every message the notices and the dashboard use, extracted as
    the documented ``pybabel extract`` does (same babel.cfg, same folders)."""
    from babel.messages.extract import extract_from_dir
    from babel.messages.frontend import parse_mapping_cfg

    with BABEL_CFG.open() as fh:
        method_map, options = parse_mapping_cfg(fh)
    keywords = {"_": None, "gettext": None, "ngettext": (1, 2), "N_": None}
    keywords["pgettext"] = ((1, "c"), 2)
    found: set[tuple[object, str | None]] = set()
    for folder in SOURCES:
        for _, _, message, _, context in extract_from_dir(
            str(folder), method_map=method_map, options_map=options, keywords=keywords
        ):
            found.add((tuple(message) if isinstance(message, tuple) else message, context))
    return found


def test_extraction_finds_both_areas() -> None:
    """The notices' messages have no context, the dashboard's the context "dashboard"."""
    found = _extracted()
    notices = {m for m, c in found if c is None}
    dashboard = {m for m, c in found if c == "dashboard"}
    assert len(notices) > 50 and len(dashboard) > 50 and len(found) == len(notices) + len(dashboard)
    assert "HOTLINE" in notices and "Log in" in dashboard


@pytest.mark.parametrize("lang", LANGUAGES)
def test_catalogue_is_complete_and_compiles(lang: str) -> None:
    """Every message the notices' templates and code or the dashboard's page and scripts use
    is translated in the one catalogue, none fuzzy or obsolete (used by neither), and the
    placeholders of each translation are those of its message id."""
    import re

    from babel.messages.checkers import python_format

    catalog = read_catalog(lang)
    ids = {
        (tuple(m.id) if isinstance(m.id, (list, tuple)) else m.id, m.context)
        for m in catalog
        if m.id
    }
    wanted = _extracted()
    assert wanted - ids == set(), "untranslated: run pybabel update (docs/notices.md)"
    assert ids - wanted == set(), "obsolete entries in the catalogue"
    expected_forms = {"uk": 3, "ru": 3, "en": 2}[lang]
    assert catalog.num_plurals == expected_forms
    for m in catalog:
        if not m.id:
            continue
        assert not m.fuzzy, m.id
        strings = m.string if isinstance(m.string, tuple) else (m.string,)
        assert all(strings), f"empty translation of {m.id!r}"
        if isinstance(m.id, tuple):
            assert len(strings) == expected_forms
        python_format(catalog, m)  # raises on mismatched placeholders
        names = set(re.findall(r"%\((\w+)\)s", str(m.id)))
        for s in strings:
            assert set(re.findall(r"%\((\w+)\)s", s)) <= names | {"count"}
    assert translations(lang).gettext("HOTLINE")


# --- compiled at build time -------------------------------------------------------------------


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_built_catalogue_is_served_and_says_what_the_po_says(lang: str) -> None:
    """`make` compiles a fresh .mo beside each .po (before the demo and the tests), holding
    every translated entry of the .po, read back by the standard library's own .mo parser (an
    independent reader of Babel's writer)."""
    import gettext
    import os

    from corridor import _catalogs

    mo, po = Path(str(_catalogs.mo_path(lang))), Path(str(_catalogs.po_path(lang)))
    if not _catalogs.is_fresh(mo, po):
        assert os.environ.get("CI") != "true", "make did not compile the catalogues"
        pytest.skip(f"{mo} is not built or older than its .po: run `make catalogs`")
    with mo.open("rb") as fh:
        built = gettext.GNUTranslations(fh)
    checked = 0
    for message in read_catalog(lang):
        if not message.id or not message.string or message.fuzzy:
            continue
        key = message.id if isinstance(message.id, str) else message.id[0]
        want = message.string if isinstance(message.string, str) else message.string[0]
        if message.context:
            assert built.pgettext(message.context, key) == want
        else:
            assert built.gettext(key) == want
        checked += 1
    assert checked > 100


def test_a_stale_or_missing_build_is_never_served(tmp_path: Path) -> None:
    """A .po saved after the last `make` wins: its .mo is older, so the .po is compiled."""
    import os

    from corridor._catalogs import is_fresh

    po, mo = tmp_path / "corridor.po", tmp_path / "corridor.mo"
    po.write_text("x")
    assert not is_fresh(mo, po)  # not built
    mo.write_bytes(b"y")
    os.utime(po, ns=(2_000_000_000_000_000_000, 2_000_000_000_000_000_000))
    os.utime(mo, ns=(1_000_000_000_000_000_000, 1_000_000_000_000_000_000))
    assert not is_fresh(mo, po)  # built, then the translator saved the .po
    os.utime(mo, ns=(3_000_000_000_000_000_000, 3_000_000_000_000_000_000))
    assert is_fresh(mo, po)
