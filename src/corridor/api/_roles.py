"""The four roles and the one permission table every endpoint is checked against."""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    """Who a token belongs to; see docs/api.md for what each may do."""

    COORDINATOR = "coordinator"
    LIAISON = "liaison"
    FIELD = "field"
    OBSERVER = "observer"


CO, LI, FI = Role.COORDINATOR, Role.LIAISON, Role.FIELD

EVERYONE: frozenset[Role] = frozenset(Role)
READERS = EVERYONE
#: Public routes need no token at all (health, the schema and its docs pages).
PUBLIC: frozenset[Role] | None = None

#: route name -> roles allowed (None = no token needed). The only place permissions live;
#: `authorize` enforces it and tests/api/test_permissions.py walks every role x route.
PERMISSIONS: dict[str, frozenset[Role] | None] = {
    # public
    "health": PUBLIC,
    "openapi": PUBLIC,
    "custom_swagger_ui_html": PUBLIC,  # /docs, served offline by fastapi-offline
    "swagger_ui_redirect": PUBLIC,
    "redoc_html": PUBLIC,
    "static-offline-docs": PUBLIC,  # the Swagger UI / ReDoc scripts and styles
    # who am I
    "me.read": EVERYONE,
    # networks (read)
    "networks.list": EVERYONE,
    "networks.info": EVERYONE,
    "networks.roads": EVERYONE,
    "networks.tiles": EVERYONE,
    # hazards
    "hazards.list": EVERYONE,
    "hazards.read": EVERYONE,
    "hazards.create": frozenset({CO, FI}),
    "hazards.update": frozenset({CO}),
    "hazards.expire": frozenset({CO}),
    "hazards.import": frozenset({CO}),
    "hazards.confirm": frozenset({CO}),
    # field reports
    "reports.list": frozenset({CO, LI, Role.OBSERVER}),
    "reports.incident": frozenset({CO, FI}),
    "reports.checkin": frozenset({CO, FI}),
    "reports.batch": frozenset({CO, FI}),
    "reports.confirm": frozenset({CO}),
    "reports.attachment": frozenset({CO, LI, Role.OBSERVER}),
    # monitoring (issue 10)
    "convoys.add": frozenset({CO}),
    "convoys.list": EVERYONE,
    "monitoring.picture": EVERYONE,
    "violations.list": EVERYONE,
    "rules.read": EVERYONE,
    "rules.set": frozenset({CO}),
    "events.stream": EVERYONE,
    # routes: computing one writes nothing
    "routes.compute": EVERYONE,
    # agreements
    "agreements.list": EVERYONE,
    "agreements.read": EVERYONE,
    "agreements.verify": EVERYONE,
    "agreements.bundle": EVERYONE,
    "agreements.propose": frozenset({CO}),
    "agreements.sign": frozenset({CO, LI}),
    "agreements.suspend": frozenset({CO, LI}),
    "agreements.transition": frozenset({CO}),
    "agreements.draft": frozenset({CO}),
    "parties.list": EVERYONE,
    # audit log
    "audit.verify": frozenset({CO, LI, Role.OBSERVER}),
    "audit.export": frozenset({CO, LI, Role.OBSERVER}),
    "audit.tree": EVERYONE,
    "audit.inclusion": EVERYONE,
    "audit.consistency": EVERYONE,
    "audit.checkpoints": EVERYONE,
    "audit.checkpoint_add": frozenset({CO, LI}),
    # notices and movement notifications (issue 11)
    "notices.read": EVERYONE,
    "notices.details": frozenset({CO}),
    "movements.submit": frozenset({CO, LI}),
    "movements.read": EVERYONE,
    "movements.html": EVERYONE,
    "movements.ack": frozenset({CO, LI}),
    # evacuation plans: the coordinator plans, everyone reads
    "plans.create": frozenset({CO}),
    "plans.read": EVERYONE,
    "plans.list": EVERYONE,
    # assessments: computing one writes nothing
    "assessments.compute": EVERYONE,
    # scenario ensembles (issue 16): the coordinator runs them, everyone reads the results
    "ensembles.create": frozenset({CO}),
    "ensembles.read": EVERYONE,
    "ensembles.stability": EVERYONE,
    # the dashboard's page and bundle (issue 12): public, it asks for a token itself
    "dashboard.page": PUBLIC,
    "dashboard.asset": PUBLIC,
    "dashboard.catalog": PUBLIC,
    "dashboard.hazard_kinds": PUBLIC,
}

#: Routes where a liaison acts only for their own party: the route's ``{party}`` path parameter
#: must be the liaison's party (coordinators may act for any party).
OWN_PARTY: frozenset[str] = frozenset({"agreements.sign", "agreements.suspend", "movements.ack"})
