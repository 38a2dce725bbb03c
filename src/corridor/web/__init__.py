"""The offline web dashboard: its committed bundle (static/) and the road-network map tiles."""

from __future__ import annotations

from pathlib import Path

from corridor._catalogs import LANGUAGES
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

#: The dashboard's catalogue (gettext domain) in ``corridor/web/locale/<lang>/LC_MESSAGES``.
DOMAIN = "dashboard"


def ui_catalog(lang: str) -> dict[str, str]:
    """msgid -> translation of the dashboard's strings in ``lang`` (one of ``LANGUAGES``),
    through the same compiled gettext catalogues as the notices (``corridor._catalogs``).

    Every msgid of the catalogue is listed (English maps each to itself), so the page never
    needs to guess which strings exist."""
    from corridor._catalogs import read_catalog, translations

    if lang not in LANGUAGES:
        raise InputError(f"no dashboard translation for {lang!r}", field="lang",
                         hint="use one of: " + ", ".join(LANGUAGES))  # fmt: skip
    compiled = translations("corridor.web", DOMAIN, lang)
    ids = [str(m.id) for m in read_catalog("corridor.web", DOMAIN, lang) if m.id]
    return {i: compiled.gettext(i) for i in ids}


#: The built bundle (scripts/build-web.sh writes it; it is committed and shipped as package data).
STATIC_DIR = Path(__file__).parent / "static"

__all__ = [
    "DOMAIN",
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
