"""Message catalogues (gettext .po, one per language) and Babel's dates, times and numbers.

The notices' messages live in the one catalogue per language that the dashboard reads too
(``corridor/locale/<lang>/LC_MESSAGES/corridor.po``, without a message context), compiled
to a .mo at build time by ``make`` (``corridor._catalogs``; a stale build is never served).
``tests/notices/test_i18n.py`` checks that every catalogue compiles, has no fuzzy or
missing entries and that plurals and placeholders match.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from babel import Locale
from babel.dates import format_date, format_time

from corridor import _catalogs
from corridor.agreements import LOCAL_TZ
from corridor.errors import InputError

if TYPE_CHECKING:
    import gettext
    from importlib import resources

    from babel.messages.catalog import Catalog

LANGUAGES = _catalogs.LANGUAGES
#: BCP 47 tags as CAP's ``language`` and HTML's ``lang`` want them.
LANGUAGE_TAGS = {"uk": "uk-UA", "ru": "ru-RU", "en": "en-US"}
#: The Babel locale whose date words fit the audience (Ukrainian dates for Russian speakers in
#: Ukraine still use Russian month names; en_GB would write "1 March", en_US "March 1").
BABEL_LOCALES = {"uk": "uk_UA", "ru": "ru_UA", "en": "en_US"}


def check_language(lang: str) -> str:
    """``lang`` if supported, else one clear InputError listing what is."""
    if lang not in LANGUAGES:
        raise InputError(
            f"language {lang!r} is not supported",
            field="lang",
            hint="use one of: " + ", ".join(LANGUAGES),
        )
    return lang


def po_path(lang: str) -> resources.abc.Traversable:
    return _catalogs.po_path(check_language(lang))


def read_catalog(lang: str) -> Catalog:
    """The catalogue of ``lang`` as Babel parses it (the test suite checks it)."""
    return _catalogs.read_catalog(check_language(lang))


def translations(lang: str) -> gettext.GNUTranslations:
    """Compiled translations for ``lang`` (compiled once per process, from the .po)."""
    return _catalogs.translations(check_language(lang))


def babel_locale(lang: str) -> Locale:
    return Locale.parse(BABEL_LOCALES[check_language(lang)])


def local(at_utc: datetime) -> datetime:
    """``at_utc`` on the clock in Kyiv; a naive time is refused (it would be guessed)."""
    if at_utc.tzinfo is None:
        raise ValueError("a naive datetime cannot be shown as Kyiv time")
    return at_utc.astimezone(LOCAL_TZ)


def date_text(at_utc: datetime, lang: str, *, weekday: bool = True) -> str:
    """The Kyiv calendar date written out: "неділя, 28 лютого 2027 р.", "Sunday, February
    28, 2027". The date is taken *after* converting to Kyiv time (UTC 22:30 is already the
    next day there)."""
    day = local(at_utc).date()
    return format_date(day, format="full" if weekday else "long", locale=babel_locale(lang))


def short_date_text(at_utc: datetime, lang: str) -> str:
    """Day and month for SMS: "1 бер.", "1 мар.", "Mar 1"."""
    return format_date(local(at_utc).date(), format="d MMM", locale=babel_locale(lang))


def time_text(at_utc: datetime, lang: str) -> str:
    """Kyiv wall-clock time, 24-hour: "08:00" (English too: notices are read in Ukraine)."""
    return format_time(local(at_utc), format="HH:mm", locale=babel_locale(lang))


def zone_text(at_utc: datetime) -> str:
    """The offset on that day, so a reader abroad can convert: "UTC+2" or "UTC+3" (summer)."""
    offset = local(at_utc).utcoffset()
    hours = int(offset.total_seconds() // 3600) if offset is not None else 0
    return f"UTC{hours:+d}"
