"""Storage: SQLAlchemy tables, packaged Alembic migrations, and the audited repositories.

Open with ``open_store(url)``; do all work inside ``with store.session() as s:`` and record
each state change with ``record(s, actor=..., action=..., payload=...)`` in that same session.

The package loads its modules on first use (PEP 562): ``from corridor.store import open_store``
costs only the engine and schema, so commands that only touch the database start fast and
never pull in the agreement, hazard or network stacks they do not use (issue 14, defect 10).
"""

from __future__ import annotations

import importlib as _importlib
import typing as _typing

if _typing.TYPE_CHECKING:
    from corridor.store._agreements import (
        AgreementRecord,
        add_party,
        close_agreement,
        export_agreement_bundle,
        get_party,
        list_agreements,
        list_parties,
        load_agreement,
        lock_corridor,
        propose_agreement,
        sign_agreement,
        suspend_agreement,
    )
    from corridor.store._audit import (
        audit_entries,
        audit_head,
        export_audit,
        iter_audit,
        record,
        verify_audit,
    )
    from corridor.store._engine import (
        ENV_VAR,
        Store,
        default_db_path,
        make_engine,
        resolve_db_url,
    )
    from corridor.store._hazards import (
        add_hazard,
        add_hazards,
        confirm_hazard,
        expire_hazard,
        get_hazard,
        get_hazard_row,
        hazard_feature,
        hazard_from_row,
        hazard_in_force,
        hazard_json,
        hazard_query,
        list_hazards,
        update_hazard,
    )
    from corridor.store._monitoring_tables import (
        AttachmentRow,
        CheckinRow,
        ConvoyRow,
        EventRow,
        IncidentRow,
        RuleFiringRow,
        RuleSetRow,
        ViolationRow,
    )
    from corridor.store._networks import get_network, list_networks, register_network
    from corridor.store._plan_tables import (
        PlanVersionRow,
    )
    from corridor.store._plans import (
        PlanRecord,
        list_plans,
        load_plan_record,
        save_plan,
    )
    from corridor.store._schema import (
        alembic_config,
        check_schema,
        current_revision,
        head_revision,
        open_store,
        schema_status,
        upgrade_db,
    )
    from corridor.store._tables import (
        AGREEMENT_STATES,
        USER_ROLES,
        AgreementVersionRow,
        ApiUserRow,
        AuditEntry,
        Base,
        CorridorRow,
        HazardRow,
        IdempotencyKeyRow,
        LifecycleEventRow,
        NetworkRow,
        PartyRow,
        SignatureRow,
    )
    from corridor.store._types import UTCDateTime, utc_now

#: public name -> the module that defines it
_WHERE: dict[str, str] = {
    "AGREEMENT_STATES": "corridor.store._tables",
    "ENV_VAR": "corridor.store._engine",
    "USER_ROLES": "corridor.store._tables",
    "AgreementRecord": "corridor.store._agreements",
    "AgreementVersionRow": "corridor.store._tables",
    "ApiUserRow": "corridor.store._tables",
    "AttachmentRow": "corridor.store._monitoring_tables",
    "AuditEntry": "corridor.store._tables",
    "Base": "corridor.store._tables",
    "CheckinRow": "corridor.store._monitoring_tables",
    "ConvoyRow": "corridor.store._monitoring_tables",
    "CorridorRow": "corridor.store._tables",
    "EventRow": "corridor.store._monitoring_tables",
    "HazardRow": "corridor.store._tables",
    "IdempotencyKeyRow": "corridor.store._tables",
    "IncidentRow": "corridor.store._monitoring_tables",
    "LifecycleEventRow": "corridor.store._tables",
    "NetworkRow": "corridor.store._tables",
    "PartyRow": "corridor.store._tables",
    "PlanRecord": "corridor.store._plans",
    "PlanVersionRow": "corridor.store._plan_tables",
    "RuleFiringRow": "corridor.store._monitoring_tables",
    "RuleSetRow": "corridor.store._monitoring_tables",
    "SignatureRow": "corridor.store._tables",
    "Store": "corridor.store._engine",
    "UTCDateTime": "corridor.store._types",
    "ViolationRow": "corridor.store._monitoring_tables",
    "add_hazard": "corridor.store._hazards",
    "add_hazards": "corridor.store._hazards",
    "add_party": "corridor.store._agreements",
    "alembic_config": "corridor.store._schema",
    "audit_entries": "corridor.store._audit",
    "audit_head": "corridor.store._audit",
    "check_schema": "corridor.store._schema",
    "close_agreement": "corridor.store._agreements",
    "confirm_hazard": "corridor.store._hazards",
    "current_revision": "corridor.store._schema",
    "default_db_path": "corridor.store._engine",
    "expire_hazard": "corridor.store._hazards",
    "export_agreement_bundle": "corridor.store._agreements",
    "export_audit": "corridor.store._audit",
    "get_hazard": "corridor.store._hazards",
    "get_hazard_row": "corridor.store._hazards",
    "get_network": "corridor.store._networks",
    "get_party": "corridor.store._agreements",
    "hazard_feature": "corridor.store._hazards",
    "hazard_from_row": "corridor.store._hazards",
    "hazard_in_force": "corridor.store._hazards",
    "hazard_json": "corridor.store._hazards",
    "hazard_query": "corridor.store._hazards",
    "head_revision": "corridor.store._schema",
    "iter_audit": "corridor.store._audit",
    "list_agreements": "corridor.store._agreements",
    "list_hazards": "corridor.store._hazards",
    "list_networks": "corridor.store._networks",
    "list_parties": "corridor.store._agreements",
    "list_plans": "corridor.store._plans",
    "load_agreement": "corridor.store._agreements",
    "load_plan_record": "corridor.store._plans",
    "lock_corridor": "corridor.store._agreements",
    "make_engine": "corridor.store._engine",
    "open_store": "corridor.store._schema",
    "propose_agreement": "corridor.store._agreements",
    "record": "corridor.store._audit",
    "register_network": "corridor.store._networks",
    "resolve_db_url": "corridor.store._engine",
    "save_plan": "corridor.store._plans",
    "schema_status": "corridor.store._schema",
    "sign_agreement": "corridor.store._agreements",
    "suspend_agreement": "corridor.store._agreements",
    "update_hazard": "corridor.store._hazards",
    "upgrade_db": "corridor.store._schema",
    "utc_now": "corridor.store._types",
    "verify_audit": "corridor.store._audit",
}


def __getattr__(name: str) -> _typing.Any:
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module 'corridor.store' has no attribute {name!r}")
    value = getattr(_importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)


__all__ = [
    "AGREEMENT_STATES",
    "ENV_VAR",
    "USER_ROLES",
    "AgreementRecord",
    "AgreementVersionRow",
    "ApiUserRow",
    "AttachmentRow",
    "AuditEntry",
    "Base",
    "CheckinRow",
    "ConvoyRow",
    "CorridorRow",
    "EventRow",
    "HazardRow",
    "IdempotencyKeyRow",
    "IncidentRow",
    "LifecycleEventRow",
    "NetworkRow",
    "PartyRow",
    "PlanRecord",
    "PlanVersionRow",
    "RuleFiringRow",
    "RuleSetRow",
    "SignatureRow",
    "Store",
    "UTCDateTime",
    "ViolationRow",
    "add_hazard",
    "add_hazards",
    "add_party",
    "alembic_config",
    "audit_entries",
    "audit_head",
    "check_schema",
    "close_agreement",
    "confirm_hazard",
    "current_revision",
    "default_db_path",
    "expire_hazard",
    "export_agreement_bundle",
    "export_audit",
    "get_hazard",
    "get_hazard_row",
    "get_network",
    "get_party",
    "hazard_feature",
    "hazard_from_row",
    "hazard_in_force",
    "hazard_json",
    "hazard_query",
    "head_revision",
    "iter_audit",
    "list_agreements",
    "list_hazards",
    "list_networks",
    "list_parties",
    "list_plans",
    "load_agreement",
    "load_plan_record",
    "lock_corridor",
    "make_engine",
    "open_store",
    "propose_agreement",
    "record",
    "register_network",
    "resolve_db_url",
    "save_plan",
    "schema_status",
    "sign_agreement",
    "suspend_agreement",
    "update_hazard",
    "upgrade_db",
    "utc_now",
    "verify_audit",
]
