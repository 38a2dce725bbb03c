"""A Babel extraction method for the dashboard's page and scripts (``web/src``), so that one
``pybabel extract`` (``src/corridor/locale/babel.cfg``) finds the notices' messages and the
dashboard's, and ``pybabel update`` never marks either obsolete in the shared catalogue.

The page marks a translatable text as ``<tag data-i18n>Text</tag>``; the scripts call
``t("Text")``, and the route kinds are shown through ``t(label)`` with ``label: "fastest"``.
Each is yielded as ``pgettext("dashboard", text)``: the dashboard's entries carry that
context in the catalogue.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from corridor._catalogs import DASHBOARD

if TYPE_CHECKING:
    from collections.abc import Collection, Iterator, Mapping
    from typing import IO

_PATTERNS = (
    re.compile(r"data-i18n>([^<]+)<"),
    re.compile(r'\bt\("([^"]+)"\)'),
    re.compile(r'label: "(\w+)"'),
)


def extract_dashboard(
    fileobj: IO[bytes],
    keywords: Mapping[str, Any],
    comment_tags: Collection[str],
    options: Mapping[str, Any],
) -> Iterator[tuple[int, str, tuple[str, str], list[str]]]:
    """Babel's extraction-method protocol: (line, function, (context, msgid), comments)."""
    text = fileobj.read().decode(str(options.get("encoding", "utf-8")))
    for pattern in _PATTERNS:
        for match in pattern.finditer(text):
            lineno = text.count("\n", 0, match.start()) + 1
            yield lineno, "pgettext", (DASHBOARD, match.group(1)), []
