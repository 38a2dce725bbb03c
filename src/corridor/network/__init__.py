"""Road network: OSM import, the array model, its file format, snapping, summary and export."""

from corridor.network._format import read_network, read_network_header, write_network
from corridor.network._model import (
    FLAG_BRIDGE,
    FLAG_FORD,
    FLAG_ONEWAY,
    FLAG_REVERSED,
    FLAG_ROUNDABOUT,
    FLAG_TUNNEL,
    Network,
)
from corridor.network._osm import import_osm
from corridor.network._tags import HIGHWAY_CLASSES, PROFILES, Profile, classify_way, parse_maxspeed

__all__ = [
    "FLAG_BRIDGE",
    "FLAG_FORD",
    "FLAG_ONEWAY",
    "FLAG_REVERSED",
    "FLAG_ROUNDABOUT",
    "FLAG_TUNNEL",
    "HIGHWAY_CLASSES",
    "PROFILES",
    "Network",
    "Profile",
    "classify_way",
    "import_osm",
    "parse_maxspeed",
    "read_network",
    "read_network_header",
    "write_network",
]
