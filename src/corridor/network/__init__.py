"""Road network: OSM import, the array model, its file format, snapping, summary and export.

The package loads its modules on first use (PEP 562), as :mod:`corridor.agreements` does:
reading a network file (``network info|export|snap``, ``agreement draft``) needs the array
model and the file format, not the OSM importer with pyosmium and SciPy, nor pyproj
(issue 14, defect 10). ``from corridor.network import X`` works as before and is
type-checked through the ``TYPE_CHECKING`` block below.
"""

from __future__ import annotations

import typing as _typing

from corridor import _lazy

if _typing.TYPE_CHECKING:
    from corridor._earth import EARTH_RADIUS_M
    from corridor.network._export import (
        feature_collection,
        geojson_in_bbox,
        segments_in_bbox,
        to_geojson,
    )
    from corridor.network._format import (
        read_network,
        read_network_with_extras,
        write_network,
    )
    from corridor.network._header import read_network_bounds, read_network_header
    from corridor.network._model import (
        FLAG_BRIDGE,
        FLAG_FORD,
        FLAG_ONEWAY,
        FLAG_REVERSED,
        FLAG_ROUNDABOUT,
        FLAG_TUNNEL,
        Network,
    )
    from corridor.network._osm import SUFFIXES as OSM_SUFFIXES
    from corridor.network._osm import import_osm
    from corridor.network._snap import DEFAULT_MAX_DISTANCE_M, Snap, Snaps, snap, snap_many
    from corridor.network._summary import NetworkSummary, render_summary, summarize
    from corridor.network._tags import (
        HIGHWAY_CLASSES,
        PROFILES,
        Profile,
        classify_way,
        parse_maxspeed,
    )

_WHERE: dict[str, str | tuple[str, str]] = {
    "DEFAULT_MAX_DISTANCE_M": "corridor.network._snap",
    "FLAG_BRIDGE": "corridor.network._model",
    "FLAG_FORD": "corridor.network._model",
    "FLAG_ONEWAY": "corridor.network._model",
    "FLAG_REVERSED": "corridor.network._model",
    "FLAG_ROUNDABOUT": "corridor.network._model",
    "EARTH_RADIUS_M": "corridor._earth",
    "FLAG_TUNNEL": "corridor.network._model",
    "HIGHWAY_CLASSES": "corridor.network._tags",
    "Network": "corridor.network._model",
    "NetworkSummary": "corridor.network._summary",
    "OSM_SUFFIXES": ("corridor.network._osm", "SUFFIXES"),
    "PROFILES": "corridor.network._tags",
    "Profile": "corridor.network._tags",
    "Snap": "corridor.network._snap",
    "Snaps": "corridor.network._snap",
    "classify_way": "corridor.network._tags",
    "feature_collection": "corridor.network._export",
    "geojson_in_bbox": "corridor.network._export",
    "import_osm": "corridor.network._osm",
    "parse_maxspeed": "corridor.network._tags",
    "read_network": "corridor.network._format",
    "read_network_bounds": "corridor.network._header",
    "read_network_header": "corridor.network._header",
    "read_network_with_extras": "corridor.network._format",
    "render_summary": "corridor.network._summary",
    "segments_in_bbox": "corridor.network._export",
    "snap": "corridor.network._snap",
    "snap_many": "corridor.network._snap",
    "summarize": "corridor.network._summary",
    "to_geojson": "corridor.network._export",
    "write_network": "corridor.network._format",
}

__all__ = [
    "DEFAULT_MAX_DISTANCE_M",
    "EARTH_RADIUS_M",
    "FLAG_BRIDGE",
    "FLAG_FORD",
    "FLAG_ONEWAY",
    "FLAG_REVERSED",
    "FLAG_ROUNDABOUT",
    "FLAG_TUNNEL",
    "HIGHWAY_CLASSES",
    "OSM_SUFFIXES",
    "PROFILES",
    "Network",
    "NetworkSummary",
    "Profile",
    "Snap",
    "Snaps",
    "classify_way",
    "feature_collection",
    "geojson_in_bbox",
    "import_osm",
    "parse_maxspeed",
    "read_network",
    "read_network_bounds",
    "read_network_header",
    "read_network_with_extras",
    "render_summary",
    "segments_in_bbox",
    "snap",
    "snap_many",
    "summarize",
    "to_geojson",
    "write_network",
]

__getattr__, __dir__ = _lazy.exports(__name__, _WHERE)
