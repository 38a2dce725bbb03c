"""The offline web dashboard: its committed bundle (static/) and the road-network map tiles."""

from __future__ import annotations

from pathlib import Path

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

#: Languages of the dashboard: English (the msgids) and those with a catalogue in locale/.
LANGUAGES = frozenset({"en", "uk"})


def ui_catalog(lang: str) -> dict[str, str]:
    """msgid -> translation of the dashboard's strings (empty for English, the source)."""
    if lang == "en":
        return {}
    from babel.messages.pofile import read_po

    path = Path(__file__).parent / "locale" / lang / "LC_MESSAGES" / "dashboard.po"
    with path.open("rb") as fh:
        catalog = read_po(fh, locale=lang, domain="dashboard")
    return {str(m.id): str(m.string) for m in catalog if m.id and m.string}


#: The built bundle (scripts/build-web.sh writes it; it is committed and shipped as package data).
STATIC_DIR = Path(__file__).parent / "static"

__all__ = [
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
