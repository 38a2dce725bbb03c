"""Storage: SQLAlchemy tables, packaged Alembic migrations, and the audited repositories.

Open with ``open_store(url)``; do all work inside ``with store.session() as s:`` and record
each state change with ``record(s, actor=..., action=..., payload=...)`` in that same session.
"""

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
    expire_hazard,
    get_hazard,
    get_hazard_row,
    hazard_from_row,
    hazard_json,
    hazard_query,
    list_hazards,
    update_hazard,
)
from corridor.store._networks import file_sha256, get_network, list_networks, register_network
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

__all__ = [
    "AGREEMENT_STATES",
    "ENV_VAR",
    "USER_ROLES",
    "AgreementVersionRow",
    "ApiUserRow",
    "AuditEntry",
    "Base",
    "CorridorRow",
    "HazardRow",
    "IdempotencyKeyRow",
    "LifecycleEventRow",
    "NetworkRow",
    "PartyRow",
    "SignatureRow",
    "Store",
    "UTCDateTime",
    "add_hazard",
    "add_hazards",
    "alembic_config",
    "audit_entries",
    "audit_head",
    "check_schema",
    "current_revision",
    "default_db_path",
    "expire_hazard",
    "export_audit",
    "file_sha256",
    "get_hazard",
    "get_hazard_row",
    "get_network",
    "hazard_from_row",
    "hazard_json",
    "hazard_query",
    "head_revision",
    "iter_audit",
    "list_hazards",
    "list_networks",
    "make_engine",
    "open_store",
    "record",
    "register_network",
    "resolve_db_url",
    "schema_status",
    "update_hazard",
    "upgrade_db",
    "utc_now",
    "verify_audit",
]
