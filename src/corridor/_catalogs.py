"""The gettext catalogue: ONE per language, read by every area that speaks to people.

``corridor/locale/<lang>/LC_MESSAGES/corridor.po`` holds the notices' messages (no context)
and the dashboard's (context ``dashboard``, see ``DASHBOARD``), so a translator edits one
file per language and a word is never translated twice in two places. Callers pass only the
language: no area can point at a catalogue file of its own.

The .po files are compiled to the binary .mo form at build time: ``make`` runs
``python -m corridor._catalogs`` whenever a .po is newer than its .mo (before the demo and the
tests), writing ``corridor.mo`` beside each ``corridor.po``. A .mo that is missing or older than
its .po (an editable install whose translator saved a .po since the last ``make``) is never
served: that language is compiled in memory instead (Babel's ``read_po`` + ``write_mo``, a few
milliseconds), so an old sentence can never reach a notice.
"""

from __future__ import annotations

import gettext
import io
import sys
from functools import cache
from importlib import resources
from pathlib import Path
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


def mo_path(lang: str) -> resources.abc.Traversable:
    return resources.files("corridor") / "locale" / lang / "LC_MESSAGES" / f"{DOMAIN}.mo"


def compiled(lang: str) -> bytes:
    """``lang``'s catalogue in the binary .mo form (fuzzy entries left out, as msgfmt does)."""
    from babel.messages.mofile import write_mo

    buffer = io.BytesIO()
    write_mo(buffer, read_catalog(lang), use_fuzzy=False)
    return buffer.getvalue()


def compile_catalogs(langs: tuple[str, ...] = LANGUAGES) -> list[Path]:
    """The build step: write ``corridor.mo`` beside each language's ``corridor.po``."""
    from corridor._files import write_atomic

    unknown = sorted(set(langs) - set(LANGUAGES))
    if unknown:
        raise ValueError(f"no catalogue for {', '.join(unknown)}; there are {LANGUAGES}")
    written = []
    for lang in langs:
        target = Path(str(mo_path(lang)))
        write_atomic(target, compiled(lang))
        written.append(target)
    return written


def is_fresh(mo: str | Path, po: str | Path) -> bool:
    """Whether the built ``mo`` exists and is at least as new as its source ``po``."""
    try:
        return Path(mo).stat().st_mtime_ns >= Path(po).stat().st_mtime_ns
    except OSError:
        return False


@cache
def translations(lang: str) -> gettext.GNUTranslations:
    """The translations of ``lang``: the built .mo when it is fresh, else compiled from the
    .po now (once per process)."""
    mo, po = Path(str(mo_path(lang))), Path(str(po_path(lang)))
    if is_fresh(mo, po):
        with mo.open("rb") as fh:
            return gettext.GNUTranslations(fh)
    return gettext.GNUTranslations(io.BytesIO(compiled(lang)))


if __name__ == "__main__":  # `python -m corridor._catalogs`, run by make
    for path in compile_catalogs(tuple(sys.argv[1:]) or LANGUAGES):
        sys.stdout.write(f"compiled {path}\n")
