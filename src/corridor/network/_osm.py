"""Import an OpenStreetMap extract (.osm.pbf, .osm, .osm.gz, .osm.bz2) into a ``Network``.

pyosmium reads the file and resolves node locations; per way only the tag decision and the
copying of its nodes happen in Python. ``_graph.build_network`` does the rest in numpy.
"""

from __future__ import annotations

import ctypes
import sys
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import cast

import osmium

from corridor._files import sha256_file
from corridor.errors import OsmInputError
from corridor.network._graph import ProgressFn, WayTable, build_network
from corridor.network._model import (
    FLAG_BRIDGE,
    FLAG_FORD,
    FLAG_ONEWAY,
    FLAG_ROUNDABOUT,
    FLAG_TUNNEL,
    Network,
)
from corridor.network._tags import (
    Profile,
    Tags,
    WayRule,
    classify_way,
    is_truthy,
    parse_lanes,
    parse_layer,
)

SUFFIXES = (".osm.pbf", ".pbf", ".osm", ".osm.gz", ".osm.bz2", ".osm.xml")
# glibc's mallopt parameter, and the thresholds used during and after an import
_M_MMAP_THRESHOLD = -3
_IMPORT_MMAP_THRESHOLD = 1 << 20
_STEADY_MMAP_THRESHOLD = 32 << 20  # the ceiling glibc's own dynamic threshold grows to
_MALLOC_LOCK = threading.Lock()

__all__ = ["SUFFIXES", "ProgressFn", "check_osm_path", "import_osm"]


def check_osm_path(path: Path) -> None:
    """Fail early, with one clear line, for paths that cannot be an OSM extract."""
    hint = "give an OpenStreetMap extract (.osm.pbf, .osm, .osm.gz or .osm.bz2)"
    if not path.exists():
        raise OsmInputError("file not found", path=path, hint=hint)
    if path.is_dir():
        raise OsmInputError("is a directory, not an OSM file", path=path, hint=hint)
    if not path.name.lower().endswith(SUFFIXES):
        raise OsmInputError(
            f"unknown file extension {''.join(path.suffixes) or '(none)'!r}", path=path, hint=hint
        )
    size = path.stat().st_size
    if size == 0:
        raise OsmInputError("file is empty", path=path, hint=hint)
    from corridor._input import ENV_VAR, max_input_bytes

    limit = max_input_bytes(OSM_MAX_MB)
    if size > limit:
        raise OsmInputError(
            f"file is larger than {limit // (1024 * 1024)} MB",
            path=path,
            hint=f"cut a smaller extract (osmium extract), or set {ENV_VAR}",
        )


#: The cap on an OSM extract (a whole country's .osm.pbf is a few GB; the importer is meant
#: for a region). Raised with ``CORRIDOR_MAX_INPUT_MB`` like every other input cap.
OSM_MAX_MB = 8192


def _way_flags(tags: Tags, rule: WayRule) -> int:
    flags = 0
    if is_truthy(tags.get("bridge")):
        flags |= FLAG_BRIDGE
    if is_truthy(tags.get("tunnel")) and tags.get("tunnel") != "building_passage":
        flags |= FLAG_TUNNEL
    if is_truthy(tags.get("ford")):
        flags |= FLAG_FORD
    if rule.forward != rule.backward:
        flags |= FLAG_ONEWAY
    if tags.get("junction") in ("roundabout", "circular"):
        flags |= FLAG_ROUNDABOUT
    return flags


def _present_runs(nodes: osmium.osm.WayNodeList) -> list[list[tuple[int, float, float]]]:
    """The stretches of a way whose nodes are in the file (extracts cut at a border)."""
    runs: list[list[tuple[int, float, float]]] = [[]]
    for nd in nodes:
        if nd.location.valid():
            runs[-1].append((nd.ref, nd.lon, nd.lat))
        elif runs[-1]:
            runs.append([])
    return [run for run in runs if len(run) >= 2]


def _read_ways(path: Path, profile: Profile, progress: ProgressFn | None) -> WayTable:
    """One pass over the file; per way only the tag decision and the copying of its nodes.

    Everything per point (dropping repeated nodes, lengths, splitting) happens later in numpy.
    """
    table = WayTable()
    processor = (
        osmium.FileProcessor(str(path), osmium.osm.NODE | osmium.osm.WAY)
        .with_locations()
        .with_filter(osmium.filter.EntityFilter(osmium.osm.WAY))
        .with_filter(osmium.filter.KeyFilter("highway"))
    )
    n_ways = 0
    ways = cast("Iterable[osmium.osm.Way]", processor)  # the entity filter passes ways only
    for way in ways:
        tags = way.tags
        rule = classify_way(tags, profile)
        if rule is None:
            continue
        try:
            runs = [[(nd.ref, nd.lon, nd.lat) for nd in way.nodes]]
        except osmium.InvalidLocationError:
            # Keep the parts of the way that are in the extract; count the way as cut.
            runs = _present_runs(way.nodes)
            table.cut_at_missing_nodes += 1
        flags = _way_flags(tags, rule)
        layer, lanes = parse_layer(tags.get("layer")), parse_lanes(tags.get("lanes"))
        name, ref = table.intern(tags.get("name")), table.intern(tags.get("ref"))
        surface = table.intern(tags.get("surface"))
        for run in runs:
            refs, lons, lats = zip(*run, strict=True)
            table.refs.extend(refs)
            table.lon.extend(lons)
            table.lat.extend(lats)
            table.ptr.append(len(table.refs))
            table.way_id.append(way.id)
            table.highway.append(rule.highway)
            table.forward.append(rule.forward)
            table.backward.append(rule.backward)
            table.speed.append(rule.speed_kmh)
            table.maxspeed.append(rule.maxspeed_kmh)
            table.flags.append(flags)
            table.layer.append(layer)
            table.lanes.append(lanes)
            table.name.append(name)
            table.ref.append(ref)
            table.surface.append(surface)
        n_ways += 1
        if progress is not None and n_ways % 5000 == 0:
            progress("reading ways", n_ways)
    if progress is not None:
        progress("reading ways", n_ways)
    return table


@contextmanager
def _large_blocks_returned() -> Iterator[None]:
    """Have glibc give every block of 1 MB or more back to the system when it is freed.

    By default glibc raises its mmap threshold to the size of each large block freed (up to
    32 MB), after which the import's many 1-30 MB numpy temporaries come from the heap and
    stay counted in the process's memory after they die: that was about 40-60 MB of the
    import's peak on a million-point file (docs/benchmarks.md). Afterwards the threshold is
    set to glibc's own ceiling, where a numpy-heavy process ends up anyway. Elsewhere (musl,
    macOS, Windows) nothing changes."""
    mallopt = None
    if sys.platform.startswith("linux"):
        try:
            mallopt = ctypes.CDLL(None).mallopt
        except (OSError, AttributeError):
            mallopt = None
    if mallopt is None:
        yield
        return
    with _MALLOC_LOCK:
        changed = mallopt(_M_MMAP_THRESHOLD, _IMPORT_MMAP_THRESHOLD) == 1
    try:
        yield
    finally:
        if changed:
            with _MALLOC_LOCK:
                mallopt(_M_MMAP_THRESHOLD, _STEADY_MMAP_THRESHOLD)


def import_osm(
    path: str | Path,
    *,
    profile: Profile = "car",
    keep_all: bool = False,
    progress: ProgressFn | None = None,
) -> Network:
    """Build the routable network of ``profile`` from an OSM extract.

    Keeps the largest strongly connected component unless ``keep_all``; what was dropped is in
    ``network.meta["dropped"]``. Raises ``OsmInputError`` for a missing, empty, corrupt or
    road-less file.
    """
    path = Path(path)
    check_osm_path(path)
    with _large_blocks_returned():
        return _import(path, profile, keep_all, progress)


def _import(path: Path, profile: Profile, keep_all: bool, progress: ProgressFn | None) -> Network:
    try:
        table = _read_ways(path, profile, progress)
    # libosmium reports parse and I/O errors as RuntimeError (PBF, gzip, bzip2, XML errors)
    # and bad attribute values in XML (version, timestamp, coordinates) as ValueError or
    # InvalidLocationError; all of them mean the file is damaged.
    except (RuntimeError, ValueError, osmium.InvalidLocationError) as exc:
        raise OsmInputError(
            f"cannot read OSM data: {exc}",
            path=path,
            hint="the file may be truncated or corrupt; download the extract again",
        ) from exc
    if len(table.way_id) == 0:
        raise OsmInputError(
            f"no roads for profile {profile!r} in this file",
            path=path,
            hint="check that the extract covers a place with highway=* ways",
        )
    return build_network(
        table,
        path=path,
        source_sha256=sha256_file(path),
        profile=profile,
        keep_all=keep_all,
        progress=progress,
    )
