"""A re-route proposal around a destroyed bridge (or a blocked road): a new version of the
terms with a new route, which every party must sign again before it is in force."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

import shapely

from corridor.errors import InputError, RouteError
from corridor.monitoring._model import Incident, IncidentKind

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from corridor.network import Network
    from corridor.store import AgreementRecord, Sql

#: The hazard a field report stands for when routing around it.
_HAZARD_KIND = {
    IncidentKind.BRIDGE_DESTROYED: "destroyed_bridge",
    IncidentKind.ROUTE_BLOCKED: "roadblock",
    IncidentKind.MINES: "mines",
}


def _hazard(incident: Incident) -> Any:
    from corridor.hazards import Hazard, HazardKind

    kind = _HAZARD_KIND.get(incident.kind, "roadblock")
    return Hazard(
        id=f"report-{incident.id}".replace(":", "-")[:200],
        kind=HazardKind(kind),
        geometry=shapely.Point(incident.lon, incident.lat),
        severity=1.0,
        confidence=1.0,
        observed_at=incident.at_utc,
        valid_from=incident.at_utc,
        closes=True,
        source=f"field report {incident.id}",
    )


def propose_reroute(
    tx: Sql | Session,
    rec: AgreementRecord,
    incident: Incident,
    network: Network,
    *,
    at: datetime,
    actor: str,
    reason: str,
) -> dict[str, Any]:
    """Route origin to destination with the incident closing the road, and propose the terms
    with that route as the corridor's next version (state proposed: all parties sign again)."""
    from corridor.agreements import route_from_geojson, terms_from_data, terms_to_data
    from corridor.routing import RouteOptions, answer, to_geojson
    from corridor.store import propose_agreement

    terms = rec.terms
    hazard = _hazard(incident)
    try:
        found = answer(
            network,
            origin=(terms.origin.lat, terms.origin.lon),
            destination=(terms.destination.lat, terms.destination.lon),
            hazards=[hazard],
            options=RouteOptions(at=at),
            explain_routes=False,
        )
    except RouteError as exc:
        return {"done": False, "why": f"no route around it: {exc.message}"}
    best = found.result.best
    new_edges = [int(e) for e in best.edges]
    if new_edges == terms.route.edge_ids:
        return {"done": False, "why": "the agreed route does not use the closed road"}
    # The agreed route cites the network by the hash in the terms (the source's or the file's);
    # the proposal keeps citing it the same way.
    doc = to_geojson(network, found.result)
    for feature in doc["features"]:
        feature.get("properties", {}).pop("network_sha256", None)
    block = route_from_geojson(doc, network=network, network_sha256=terms.route.network_sha256)
    data = terms_to_data(terms)
    data["route"] = block
    note = f"Re-route proposed by monitoring at {at.isoformat()}: {reason}"
    data["notes"] = (data.get("notes") or "") + ("\n" if data.get("notes") else "") + note
    try:
        new_terms = terms_from_data(data)
    except InputError as exc:
        return {"done": False, "why": f"the re-routed terms do not validate: {exc.message}"}
    proposed = propose_agreement(tx, new_terms, actor=actor, at_utc=at)
    old_km = terms.route.length_m / 1000
    new_km = proposed.terms.route.length_m / 1000
    from corridor.monitoring._service import iso
    from corridor.monitoring._stored import emit

    payload = {
        "corridor_id": rec.corridor_id,
        "version": proposed.version,
        "replaces_version": rec.version,
        "state": "proposed",
        "at_utc": iso(at),
        "around": incident.id,
        "old_length_km": round(old_km, 2),
        "new_length_km": round(new_km, 2),
        "edges_dropped": sorted(set(terms.route.edge_ids) - set(new_edges)),
    }
    emit(tx, "agreement.reroute_proposed", payload, corridor_id=rec.corridor_id)
    return {"done": True, **payload}
