"""The offline web dashboard: its committed bundle (static/) and the road-network map tiles."""

from __future__ import annotations

from pathlib import Path

from corridor._catalogs import DASHBOARD, LANGUAGES
from corridor.errors import InputError
from corridor.web._tiles import (
    MAX_ZOOM,
    NAME_ZOOM,
    SegmentGrid,
    TileCache,
    TileIndex,
    classes_at,
    road_tile,
    tile_bounds,
)

#: The message context of the dashboard's entries in the one catalogue (``corridor._catalogs``).
CONTEXT = DASHBOARD


def ui_catalog(lang: str) -> dict[str, str]:
    """msgid -> translation of the dashboard's strings in ``lang`` (one of ``LANGUAGES``):
    the entries with context ``dashboard`` of the catalogue the notices read too
    (``corridor/locale/<lang>/LC_MESSAGES/corridor.po``, compiled by ``corridor._catalogs``).

    Every dashboard msgid of the catalogue is listed (English maps each to itself), so the
    page never needs to guess which strings exist."""
    from corridor._catalogs import read_catalog, translations

    if lang not in LANGUAGES:
        raise InputError(f"no dashboard translation for {lang!r}", field="lang",
                         hint="use one of: " + ", ".join(LANGUAGES))  # fmt: skip
    compiled = translations(lang)
    ids = [str(m.id) for m in read_catalog(lang) if m.id and m.context == CONTEXT]
    return {i: compiled.pgettext(CONTEXT, i) for i in ids}


#: The built bundle (scripts/build-web.sh writes it; it is committed and shipped as package data).
STATIC_DIR = Path(__file__).parent / "static"

__all__ = [
    "CONTEXT",
    "LANGUAGES",
    "MAX_ZOOM",
    "NAME_ZOOM",
    "STATIC_DIR",
    "SegmentGrid",
    "TileCache",
    "TileIndex",
    "classes_at",
    "road_tile",
    "tile_bounds",
    "ui_catalog",
]
