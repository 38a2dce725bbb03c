"""The gettext catalogue: ONE per language, read by every area that speaks to people.

``corridor/locale/<lang>/LC_MESSAGES/corridor.po`` holds the notices' messages (no context)
and the dashboard's (context ``dashboard``, see ``DASHBOARD``), so a translator edits one
file per language and a word is never translated twice in two places. Callers pass only the
language: no area can point at a catalogue file of its own.

The .po files are compiled to the binary .mo form *in memory* the first time a language is
used in a process (Babel's ``read_po`` + ``write_mo``, a few milliseconds). Why not at build
time: an editable install (``pip install -e .``, which ``make`` uses) never runs a build
step, so a compiled .mo would go stale the moment a translator saves a .po; compiling on
load can never serve an old sentence and needs no writable cache.
"""

from __future__ import annotations

import gettext
import io
from functools import cache
from importlib import resources
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from babel.messages.catalog import Catalog

#: The languages the catalogue has: Ukrainian, Russian (spoken by many in the east and
#: south) and English (for the international staff).
LANGUAGES = ("uk", "ru", "en")
#: The gettext domain, i.e. the file name ``<DOMAIN>.po``.
DOMAIN = "corridor"
#: The message context (msgctxt) of the dashboard's strings: it tells them apart from the
#: notices' (the dashboard serves exactly these) and lets a short label such as "Map" have
#: a different translation from the same words in a notice.
DASHBOARD = "dashboard"


def po_path(lang: str) -> resources.abc.Traversable:
    return resources.files("corridor") / "locale" / lang / "LC_MESSAGES" / f"{DOMAIN}.po"


def read_catalog(lang: str) -> Catalog:
    """The catalogue of ``lang`` as Babel parses it (tests check it)."""
    from babel.messages.pofile import read_po

    with po_path(lang).open("rb") as fh:
        return read_po(fh, locale=lang, domain=DOMAIN)


@cache
def translations(lang: str) -> gettext.GNUTranslations:
    """Compiled translations (compiled once per process, from the .po; fuzzy entries left
    out, as msgfmt does)."""
    from babel.messages.mofile import write_mo

    buffer = io.BytesIO()
    write_mo(buffer, read_catalog(lang), use_fuzzy=False)
    buffer.seek(0)
    return gettext.GNUTranslations(buffer)
