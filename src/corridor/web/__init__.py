"""The offline web dashboard: its committed bundle (static/) and the road-network map tiles."""

from __future__ import annotations

from pathlib import Path

from corridor.web._tiles import (
    MAX_ZOOM,
    NAME_ZOOM,
    SegmentGrid,
    TileCache,
    classes_at,
    road_tile,
    tile_bounds,
)

#: The built bundle (scripts/build-web.sh writes it; it is committed and shipped as package data).
STATIC_DIR = Path(__file__).parent / "static"

__all__ = [
    "MAX_ZOOM",
    "NAME_ZOOM",
    "STATIC_DIR",
    "SegmentGrid",
    "TileCache",
    "classes_at",
    "road_tile",
    "tile_bounds",
]
