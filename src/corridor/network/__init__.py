"""Road network: OSM import, the array model, its file format, snapping, summary and export."""

from corridor.network._export import (
    feature_collection,
    geojson_in_bbox,
    segments_in_bbox,
    to_geojson,
)
from corridor.network._format import (
    read_network,
    read_network_header,
    read_network_with_extras,
    write_network,
)
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
from corridor.network._tags import HIGHWAY_CLASSES, PROFILES, Profile, classify_way, parse_maxspeed

__all__ = [
    "DEFAULT_MAX_DISTANCE_M",
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
