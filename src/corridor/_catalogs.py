"""gettext catalogues, one mechanism for every area that speaks to people (notices, dashboard).

The .po files under ``<package>/locale/<lang>/LC_MESSAGES/<domain>.po`` are the source a
translator edits; they are compiled to the binary .mo form *in memory* the first time a
language is used in a process (Babel's ``read_po`` + ``write_mo``, a few milliseconds). Why
not at build time: an editable install (``pip install -e .``, which ``make`` uses) never runs
a build step, so a compiled .mo would go stale the moment a translator saves a .po; compiling
on load can never serve an old sentence and needs no writable cache.
"""

from __future__ import annotations

import gettext
import io
from functools import cache
from importlib import resources
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from babel.messages.catalog import Catalog

#: The languages every catalogue has: Ukrainian, Russian (spoken by many in the east and
#: south) and English (for the international staff).
LANGUAGES = ("uk", "ru", "en")


def po_path(package: str, domain: str, lang: str) -> resources.abc.Traversable:
    return resources.files(package) / "locale" / lang / "LC_MESSAGES" / f"{domain}.po"


def read_catalog(package: str, domain: str, lang: str) -> Catalog:
    """The catalogue of ``lang`` in ``domain`` as Babel parses it (tests check it)."""
    from babel.messages.pofile import read_po

    with po_path(package, domain, lang).open("rb") as fh:
        return read_po(fh, locale=lang, domain=domain)


@cache
def translations(package: str, domain: str, lang: str) -> gettext.GNUTranslations:
    """Compiled translations (compiled once per process, from the .po; fuzzy entries left
    out, as msgfmt does)."""
    from babel.messages.mofile import write_mo

    buffer = io.BytesIO()
    write_mo(buffer, read_catalog(package, domain, lang), use_fuzzy=False)
    buffer.seek(0)
    return gettext.GNUTranslations(buffer)
