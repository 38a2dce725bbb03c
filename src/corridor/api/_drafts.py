"""`POST /agreements/draft` and `GET /parties`: what a coordinator needs to turn a computed
route into terms in the browser. The draft is only returned, never stored: proposing it is
still `POST /agreements`, so a draft cannot skip that endpoint's checks or its audit record."""

from __future__ import annotations

import itertools
from typing import Any

from fastapi import APIRouter, Request
from pydantic import BaseModel, ConfigDict, Field

from corridor import _records
from corridor.agreements import (
    Checkpoint,
    Party,
    Place,
    Terms,
    Window,
    draft_terms,
    route_from_geojson,
)
from corridor.api._adapters import session_of
from corridor.api._problems import problem_responses
from corridor.api._state import state_of
from corridor.errors import InputError
from corridor.network import Network

#: The terms are records: building their adapter makes the names their annotations use
#: resolvable, which FastAPI needs to read them as a body (or a body's fields).
_records.adapter(Terms)

router = APIRouter(tags=["agreements"], responses=problem_responses(401, 403))


class PartyOut(BaseModel):
    name: str
    role: str
    public_key: str


class DraftIn(BaseModel):
    """A route as edge ids of a served network (`POST /routes` with `edge_ids: true`)."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)

    corridor_id: str = Field(pattern=r"^[a-z0-9][a-z0-9._-]{0,63}$")
    title: str | None = Field(default=None, max_length=200)
    network: str = Field(min_length=1, max_length=200)
    edge_ids: list[int] = Field(min_length=1, max_length=200_000)
    parties: list[str] = Field(
        default_factory=list, max_length=50, description="Names of registered parties."
    )
    origin: Place | None = None
    destination: Place | None = None
    windows: list[Window] = Field(default_factory=list, max_length=100)
    checkpoints: list[Checkpoint] = Field(default_factory=list, max_length=100)
    markings: str = Field(default="TODO", min_length=1, max_length=500)
    max_convoy_size: int = Field(default=20, ge=1, le=10_000)


class DraftOut(BaseModel):
    terms: dict[str, Any]
    todo: list[str] = Field(description="What must still be filled in (empty: ready to propose).")


@router.get("/parties", name="parties.list", response_model=list[PartyOut])
def list_parties_api(request: Request) -> list[PartyOut]:
    """Registered parties and their public keys (public by nature: signatures are checked
    against them), so terms can name them without copying keys by hand."""
    from corridor.store import list_parties

    with session_of(state_of(request).store, write=False) as session:
        rows = list_parties(session)
        return [PartyOut(name=r.name, role=r.role, public_key=r.public_key) for r in rows]


def _route_block(network: Network, edges: list[int]) -> dict[str, Any]:
    """The terms' route block for an edge sequence, refused unless it is a connected path."""
    n = network.n_edges
    bad = [e for e in edges if not 0 <= e < n]
    if bad:
        raise InputError(f"edge id {bad[0]} is not in this network (it has {n} edges)")
    src, dst = network.edge_source, network.edge_target
    for i, (a, b) in enumerate(itertools.pairwise(edges)):
        if int(dst[a]) != int(src[b]):
            raise InputError(
                f"edge_ids[{i + 1}] ({b}) does not start where edge {a} ends",
                hint="send the edge_ids of one route from POST /routes unchanged",
            )
    coords: list[list[float]] = []
    for i, e in enumerate(edges):
        lon, lat = network.edge_coords(e)
        pts = [[round(float(x), 7), round(float(y), 7)] for x, y in zip(lon, lat, strict=True)]
        coords.extend(pts if i == 0 else pts[1:])
    sha = network.file_sha256
    if sha is None:
        raise InputError("this network has no file hash, so terms cannot cite its edges")
    feature = {
        "type": "Feature",
        "geometry": {"type": "LineString", "coordinates": coords},
        "properties": {"network_sha256": sha, "edge_ids": edges},
    }
    return route_from_geojson(feature, network=network, network_sha256=sha)


@router.post(
    "/agreements/draft",
    name="agreements.draft",
    response_model=DraftOut,
    responses=problem_responses(404, 422),
)
def draft(request: Request, body: DraftIn) -> DraftOut:
    """Terms for a computed route, ready to review and send to `POST /agreements`."""
    from corridor.store import get_party

    state = state_of(request)
    network = state.network(body.network)
    route = _route_block(network, body.edge_ids)
    with session_of(state.store, write=False) as session:
        rows = [get_party(session, name) for name in body.parties]
        parties = [Party(name=r.name, role=r.role, public_key=r.public_key) for r in rows]
    data, todo = draft_terms(
        route,
        corridor_id=body.corridor_id,
        title=body.title,
        parties=parties,
        origin=body.origin,
        destination=body.destination,
        checkpoints=body.checkpoints,
        windows=body.windows,
        markings=body.markings,
        max_convoy_size=body.max_convoy_size,
    )
    return DraftOut(terms=data, todo=todo)
