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
        agreement_etag,
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
    from corridor.store._audit_replay import (
        StateProblem,
        replay_problems,
    )
    from corridor.store._audit_tables import (
        AuditCheckpointRow,
    )
    from corridor.store._checkpoints import (
        STORE_KEYS,
        checkpoint_of,
        list_checkpoints,
        log_tree,
        party_keys,
        save_checkpoint,
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
    from corridor.store._movement_tables import (
        MovementAckRow,
        MovementRow,
        NoticeDetailsRow,
    )
    from corridor.store._movements import (
        MovementRecord,
        acknowledge_movement,
        list_movements,
        load_movement,
        load_notice_details,
        save_notice_details,
        submit_movement,
    )
    from corridor.store._networks import (
        get_network,
        list_networks,
        register_network,
    )
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
    from corridor.store._types import (
        UTCDateTime,
        utc_now,
    )
    from corridor.store._users import (
        UserInfo,
        add_user_row,
        disable_user_row,
        list_user_rows,
        user_by_token_hash,
    )

#: public name -> the module that defines it
_WHERE: dict[str, str] = {
    "AGREEMENT_STATES": "corridor.store._tables",
    "AgreementRecord": "corridor.store._agreements",
    "AgreementVersionRow": "corridor.store._tables",
    "ApiUserRow": "corridor.store._tables",
    "AuditCheckpointRow": "corridor.store._audit_tables",
    "AuditEntry": "corridor.store._tables",
    "Base": "corridor.store._tables",
    "CorridorRow": "corridor.store._tables",
    "ENV_VAR": "corridor.store._engine",
    "HazardRow": "corridor.store._tables",
    "IdempotencyKeyRow": "corridor.store._tables",
    "LifecycleEventRow": "corridor.store._tables",
    "MovementAckRow": "corridor.store._movement_tables",
    "MovementRecord": "corridor.store._movements",
    "MovementRow": "corridor.store._movement_tables",
    "NetworkRow": "corridor.store._tables",
    "NoticeDetailsRow": "corridor.store._movement_tables",
    "PartyRow": "corridor.store._tables",
    "PlanRecord": "corridor.store._plans",
    "PlanVersionRow": "corridor.store._plan_tables",
    "STORE_KEYS": "corridor.store._checkpoints",
    "SignatureRow": "corridor.store._tables",
    "StateProblem": "corridor.store._audit_replay",
    "Store": "corridor.store._engine",
    "USER_ROLES": "corridor.store._tables",
    "UTCDateTime": "corridor.store._types",
    "UserInfo": "corridor.store._users",
    "acknowledge_movement": "corridor.store._movements",
    "add_hazard": "corridor.store._hazards",
    "add_hazards": "corridor.store._hazards",
    "add_party": "corridor.store._agreements",
    "add_user_row": "corridor.store._users",
    "agreement_etag": "corridor.store._agreements",
    "alembic_config": "corridor.store._schema",
    "audit_entries": "corridor.store._audit",
    "audit_head": "corridor.store._audit",
    "check_schema": "corridor.store._schema",
    "checkpoint_of": "corridor.store._checkpoints",
    "close_agreement": "corridor.store._agreements",
    "confirm_hazard": "corridor.store._hazards",
    "current_revision": "corridor.store._schema",
    "default_db_path": "corridor.store._engine",
    "disable_user_row": "corridor.store._users",
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
    "list_checkpoints": "corridor.store._checkpoints",
    "list_hazards": "corridor.store._hazards",
    "list_movements": "corridor.store._movements",
    "list_networks": "corridor.store._networks",
    "list_parties": "corridor.store._agreements",
    "list_plans": "corridor.store._plans",
    "list_user_rows": "corridor.store._users",
    "load_agreement": "corridor.store._agreements",
    "load_movement": "corridor.store._movements",
    "load_notice_details": "corridor.store._movements",
    "load_plan_record": "corridor.store._plans",
    "lock_corridor": "corridor.store._agreements",
    "log_tree": "corridor.store._checkpoints",
    "make_engine": "corridor.store._engine",
    "open_store": "corridor.store._schema",
    "party_keys": "corridor.store._checkpoints",
    "propose_agreement": "corridor.store._agreements",
    "record": "corridor.store._audit",
    "register_network": "corridor.store._networks",
    "replay_problems": "corridor.store._audit_replay",
    "resolve_db_url": "corridor.store._engine",
    "save_checkpoint": "corridor.store._checkpoints",
    "save_notice_details": "corridor.store._movements",
    "save_plan": "corridor.store._plans",
    "schema_status": "corridor.store._schema",
    "sign_agreement": "corridor.store._agreements",
    "submit_movement": "corridor.store._movements",
    "suspend_agreement": "corridor.store._agreements",
    "update_hazard": "corridor.store._hazards",
    "upgrade_db": "corridor.store._schema",
    "user_by_token_hash": "corridor.store._users",
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
    "STORE_KEYS",
    "USER_ROLES",
    "AgreementRecord",
    "AgreementVersionRow",
    "ApiUserRow",
    "AuditCheckpointRow",
    "AuditEntry",
    "Base",
    "CorridorRow",
    "HazardRow",
    "IdempotencyKeyRow",
    "LifecycleEventRow",
    "MovementAckRow",
    "MovementRecord",
    "MovementRow",
    "NetworkRow",
    "NoticeDetailsRow",
    "PartyRow",
    "PlanRecord",
    "PlanVersionRow",
    "SignatureRow",
    "StateProblem",
    "Store",
    "UTCDateTime",
    "UserInfo",
    "acknowledge_movement",
    "add_hazard",
    "add_hazards",
    "add_party",
    "add_user_row",
    "agreement_etag",
    "alembic_config",
    "audit_entries",
    "audit_head",
    "check_schema",
    "checkpoint_of",
    "close_agreement",
    "confirm_hazard",
    "current_revision",
    "default_db_path",
    "disable_user_row",
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
    "list_checkpoints",
    "list_hazards",
    "list_movements",
    "list_networks",
    "list_parties",
    "list_plans",
    "list_user_rows",
    "load_agreement",
    "load_movement",
    "load_notice_details",
    "load_plan_record",
    "lock_corridor",
    "log_tree",
    "make_engine",
    "open_store",
    "party_keys",
    "propose_agreement",
    "record",
    "register_network",
    "replay_problems",
    "resolve_db_url",
    "save_checkpoint",
    "save_notice_details",
    "save_plan",
    "schema_status",
    "sign_agreement",
    "submit_movement",
    "suspend_agreement",
    "update_hazard",
    "upgrade_db",
    "user_by_token_hash",
    "utc_now",
    "verify_audit",
]
