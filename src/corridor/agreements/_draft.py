"""A terms skeleton from a computed route (``corridor route --format geojson``) to edit."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from corridor._records import to_data
from corridor.agreements._load import read_json_file, terms_from_data, terms_to_data
from corridor.agreements._terms import Checkpoint, Party, Place, Window
from corridor.errors import InputError, TermsError

if TYPE_CHECKING:
    from corridor.network import Network

TODO = "TODO"


def _first(props: Mapping[str, Any], *keys: str) -> Any:
    return next((props[k] for k in keys if k in props), None)


_MATCH_DEG = 1e-6  # ~0.1 m: far above GeoJSON's 7-decimal rounding, far below road spacing


def edges_from_geometry(network: Network, coords: Sequence[Sequence[float]]) -> list[int] | None:
    """Recover the edge sequence of a route polyline drawn on ``network`` (as route GeoJSON
    writes it: each edge's points, joints once); None if the line does not follow its edges."""
    import numpy as np

    points = np.asarray([c[:2] for c in coords], dtype=np.float64)
    near = (np.abs(network.node_lon - points[0, 0]) <= _MATCH_DEG) & (
        np.abs(network.node_lat - points[0, 1]) <= _MATCH_DEG
    )
    for start in np.flatnonzero(near).tolist():
        node, at, path = start, 0, []
        while at < len(points) - 1:
            for e in network.out_edges(node).tolist():
                lon, lat = network.edge_coords(e)
                tail = np.column_stack([lon, lat])[1:]
                ahead = points[at + 1 : at + 1 + len(tail)]
                if len(ahead) == len(tail) and bool(np.all(np.abs(ahead - tail) <= _MATCH_DEG)):
                    path.append(e)
                    node, at = int(network.edge_target[e]), at + len(tail)
                    break
            else:
                break
        if at == len(points) - 1 and path:
            return path
    return None


def route_from_geojson(
    doc: Mapping[str, Any],
    *,
    network: Network | Callable[[], Network] | None = None,
    network_sha256: str | None = None,
    edge_count: int | None = None,
    source: str | Path | None = None,
) -> dict[str, Any]:
    """The ``route`` block of the terms from a route GeoJSON (Feature or FeatureCollection).

    The feature's properties give the network's SHA-256 and the edge id sequence; without
    them, ``network`` and ``network_sha256`` stand in (the edges are then recovered from the
    line itself). Road names and lengths come from per-edge properties, else from ``network``.
    ``network_sha256`` is the SHA-256 of ``network``'s file: it fills a missing hash and must
    match a present one. ``network`` may be a function that loads it: it is then called only
    when the GeoJSON lacks edge ids, a road name or a length. A route GeoJSON written by
    ``corridor route`` has them all, and its hash, checked against the file's, says they came
    from that very file; reading the network again (and importing numpy for it) would cost a
    draft more CPU than everything else it does (issue 14, defect 10). The ids are still held
    to the file's ``edge_count`` (from its header), so an edited GeoJSON cannot name edges the
    network does not have.
    """
    features = doc.get("features") if doc.get("type") == "FeatureCollection" else [doc]
    lines = [
        f
        for f in features or []
        if isinstance(f, dict) and (f.get("geometry") or {}).get("type") == "LineString"
    ]
    if not lines:
        raise InputError("no LineString feature in the route GeoJSON", path=source)
    best = next((f for f in lines if (f.get("properties") or {}).get("kind") == "best"), lines[0])
    props = best.get("properties") or {}
    net = _first(props, "network_sha256", "network_file_sha256")
    if net is None and isinstance(props.get("network"), dict):
        net = props["network"].get("sha256")
    # The GeoJSON names the file it was computed on, and it is this one: its edges are that
    # file's, so a network given as a loader need not be read for them.
    vouched = bool(net) and net == network_sha256
    if network_sha256 is not None:
        if net and net != network_sha256:
            if callable(network):
                network()  # a file that is no network file is refused as such first
            raise InputError(
                f"the route was computed on network {net[:12]}, not on the given network file "
                f"({network_sha256[:12]})",
                path=source,
            )
        net = network_sha256
    loaded: list[Network] = []

    def net_of() -> Network:
        if not loaded:
            if network is None:  # every caller checks first
                raise InputError("no network given", path=source)
            loaded.append(network() if callable(network) else network)
        return loaded[0]

    if network is not None and (not callable(network) or not vouched):
        net_of()
    raw_edges = _first(props, "edge_ids", "edges")
    if not isinstance(raw_edges, list) and network is not None:
        raw_edges = edges_from_geometry(net_of(), best["geometry"].get("coordinates") or [[0, 0]])
    if not net or not isinstance(raw_edges, list) or not raw_edges:
        raise InputError(
            "route properties need the network sha256 and the edge id sequence",
            path=source,
            hint="make it with `corridor route ... --format geojson`",
        )
    try:
        if all(isinstance(e, dict) for e in raw_edges):
            ids = [int(e["id"]) for e in raw_edges]
            roads = [_first(e, "road", "label", "name") for e in raw_edges]
            lengths = [_first(e, "length_m") for e in raw_edges]
        else:
            ids = [int(e) for e in raw_edges]
            roads = list(
                _first(props, "edge_roads", "edge_labels", "edge_names") or [None] * len(ids)
            )
            lengths = list(_first(props, "edge_lengths_m") or [None] * len(ids))
        coords = [
            [round(float(c[0]), 7), round(float(c[1]), 7)] for c in best["geometry"]["coordinates"]
        ]
    except (KeyError, TypeError, ValueError, IndexError) as exc:
        raise InputError(f"malformed route feature: {exc!r}", path=source) from exc
    if len(roads) != len(ids) or len(lengths) != len(ids):
        raise InputError(
            f"route properties list {len(ids)} edges but {len(roads)} road names and "
            f"{len(lengths)} lengths",
            path=source,
        )
    if network is not None and (None in roads or None in lengths):
        net_of()
    known = loaded[0].n_edges if loaded else edge_count
    if known is not None and (max(ids) >= known or min(ids) < 0):
        raise InputError("edge ids do not fit the given network", path=source)
    if loaded:
        graph = loaded[0]
        roads = [
            r if r is not None else graph.edge_label(e) for e, r in zip(ids, roads, strict=True)
        ]
        lengths = [
            v if v is not None else float(graph.edge_length_m[e])
            for e, v in zip(ids, lengths, strict=True)
        ]
    if any(v is None for v in lengths):
        raise InputError(
            "route GeoJSON has no per-edge lengths",
            path=source,
            hint="give --network FILE so road names and lengths can be filled in",
        )
    edges = [
        {"id": e, **({"road": r} if r else {}), "length_m": round(float(v), 1)}
        for e, r, v in zip(ids, roads, lengths, strict=True)
    ]
    return {
        "network_sha256": net,
        "edges": edges,
        "geometry": {"type": "LineString", "coordinates": coords},
    }


def read_route_geojson(path: str | Path) -> dict[str, Any]:
    path = Path(path)
    doc = read_json_file(path, name="route", kind="GeoJSON file")
    if not isinstance(doc, dict):
        raise InputError("not a GeoJSON object", path=path)
    return doc


def draft_terms(
    route: Mapping[str, Any],
    *,
    corridor_id: str,
    title: str | None = None,
    parties: Sequence[Party] = (),
    origin: Place | None = None,
    destination: Place | None = None,
    checkpoints: Sequence[Checkpoint] = (),
    windows: Sequence[Window] = (),
    vehicles: Sequence[str] = ("bus", "ambulance"),
    markings: str = TODO,
    max_convoy_size: int = 20,
    escort: str | None = None,
    observers: Sequence[str] = (),
) -> tuple[dict[str, Any], list[str]]:
    """Terms data for ``route`` plus what still needs filling in (empty when ready to propose).

    Origin and destination default to the route's ends, named TODO; what the user must
    still decide is left as TODO so that validation points at it.
    """
    coords = route["geometry"]["coordinates"]
    start, end = coords[0], coords[-1]
    data: dict[str, Any] = {
        "corridor_id": corridor_id,
        "version": 1,
        **({"title": title} if title else {}),
        "parties": [to_data(p) for p in parties],
        "route": dict(route),
        "origin": (to_data(origin) if origin else {"name": TODO, "lat": start[1], "lon": start[0]}),
        "destination": (
            to_data(destination) if destination else {"name": TODO, "lat": end[1], "lon": end[0]}
        ),
        "checkpoints": [to_data(c) for c in checkpoints],
        "windows": [to_data(w) for w in windows],
        "vehicles": {"permitted": list(vehicles), "markings": markings},
        "max_convoy_size": max_convoy_size,
        **({"escort": escort} if escort else {}),
        "observers": list(observers),
        "contacts": [],
        "notes": "",
    }
    todo = [
        f"{k}.name (--{k}-name, or edit)"
        for k in ("origin", "destination")
        if data[k]["name"] == TODO
    ]
    todo += ["vehicles.markings (--markings, or edit)"] if markings == TODO else []
    try:
        data = terms_to_data(terms_from_data(data))
    except TermsError as exc:
        return data, todo + exc.problems
    return data, todo
