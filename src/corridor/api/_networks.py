"""`/networks`: the road networks this server routes on (list, info, roads as GeoJSON)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel

from corridor.api._pagination import Page, PageOf, page_params, paginate
from corridor.api._problems import problem_responses
from corridor.api._state import ApiState, state_of
from corridor.network import Network, feature_collection, segments_in_bbox, summarize

router = APIRouter(prefix="/networks", tags=["networks"], responses=problem_responses(401, 403))


class NetworkInfo(BaseModel):
    name: str
    profile: str
    nodes: int
    edges: int
    segments: int
    road_km: float
    km_by_class: dict[str, float]
    bridges: int
    bridge_names: list[str]
    tunnels: int
    oneway_share: float
    bbox: tuple[float, float, float, float]
    source_sha256: str


def _info(name: str, net: Network) -> NetworkInfo:
    s = summarize(net)
    return NetworkInfo(
        name=name,
        profile=s.profile,
        nodes=s.nodes,
        edges=s.edges,
        segments=s.segments,
        road_km=round(s.road_km, 3),
        km_by_class={k: round(v, 3) for k, v in s.km_by_class.items()},
        bridges=s.bridges,
        bridge_names=list(s.bridge_names),
        tunnels=s.tunnels,
        oneway_share=round(s.oneway_share, 4),
        bbox=(
            float(net.node_lon.min()),
            float(net.node_lat.min()),
            float(net.node_lon.max()),
            float(net.node_lat.max()),
        ),
        source_sha256=s.source_sha256,
    )


@router.get("", name="networks.list", response_model=PageOf[NetworkInfo])
def list_networks(
    request: Request, page: Annotated[Page, Depends(page_params)]
) -> PageOf[NetworkInfo]:
    state = state_of(request)
    names = sorted(state.networks)
    chosen = names[page.offset : page.offset + page.limit]
    items = [_info(n, state.networks[n]) for n in chosen]
    return paginate(request, items, len(names), page)


@router.get(
    "/{name}", name="networks.info", response_model=NetworkInfo, responses=problem_responses(404)
)
def network_info(request: Request, name: str) -> NetworkInfo:
    return _info(name, state_of(request).network(name))


BBOX_HELP = "min_lon,min_lat,max_lon,max_lat (WGS84 degrees)"


@router.get(
    "/{name}/roads",
    name="networks.roads",
    responses={
        200: {"content": {"application/geo+json": {}}, "description": "GeoJSON roads"},
        **problem_responses(404, 422),
    },
)
def network_roads(
    request: Request,
    name: str,
    bbox: Annotated[str, Query(description=BBOX_HELP, examples=["15.59,48.40,15.62,48.42"])],
    limit: Annotated[int, Query(ge=1, le=20000, description="Most road segments returned.")] = 5000,
) -> Any:
    net = state_of(request).network(name)
    segments = segments_in_bbox(net, *parse_bbox(bbox))
    collection = feature_collection(net, segments[:limit])
    # Foreign members (RFC 7946 section 6.1) tell a map client that it should zoom in.
    collection["total_segments"] = int(segments.shape[0])
    collection["truncated"] = bool(segments.shape[0] > limit)
    return JSONResponse(collection, media_type="application/geo+json")


@router.get(
    "/{name}/tiles/{z}/{x}/{y}",
    name="networks.tiles",
    responses={
        200: {"content": {"application/geo+json": {}}, "description": "GeoJSON roads of a tile"},
        **problem_responses(404, 422),
    },
)
def network_tile(request: Request, name: str, z: int, x: int, y: int) -> Response:
    """The roads of web-mercator tile z/x/y, simplified for that zoom (the dashboard's base map).

    Minor classes are left out below zoom 13 and names are sent from zoom 15; see
    corridor.web.road_tile. Tiles are cached in the server, and the network never changes
    while it is served, so clients may cache them too.
    """
    from corridor.web import TileCache

    state = state_of(request)
    net = state.network(name)
    cache: TileCache = state.caches.setdefault("tiles", TileCache())
    body = cache.get(name, net, z, x, y)
    return Response(
        body,
        media_type="application/geo+json",
        headers={"Cache-Control": "private, max-age=3600"},
    )


def warm_tiles(state: ApiState) -> None:
    """Build each network's tile pyramid in the background, lowest zoom first (seconds on a
    million-edge network, which the first map would otherwise wait for)."""
    import threading

    from corridor.web import NAME_ZOOM, TileCache

    cache: TileCache = state.caches.setdefault("tiles", TileCache())

    def build() -> None:
        for name, network in list(state.networks.items()):
            for z in range(NAME_ZOOM):
                cache.index(name, network).level(z)

    threading.Thread(target=build, name="tile-strokes", daemon=True).start()


def parse_bbox(text: str) -> tuple[float, float, float, float]:
    from corridor.errors import InputError

    parts = text.split(",")
    try:
        if len(parts) != 4:
            raise ValueError
        w, s, e, n = (float(p) for p in parts)
    except ValueError:
        raise InputError(f"expected {BBOX_HELP}, got {text!r}", field="bbox") from None
    if not (-180 <= w <= e <= 180 and -90 <= s <= n <= 90):
        raise InputError(
            f"bbox {text!r} is not west<=east within -180..180 and south<=north within -90..90",
            field="bbox",
        )
    return w, s, e, n
