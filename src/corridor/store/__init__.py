"""Storage: SQLAlchemy tables, packaged Alembic migrations, and the audited repositories.

Open with ``open_store(url)``; do all work inside ``with store.session() as s:`` and record
each state change with ``record(s, actor=..., action=..., payload=...)`` in that same session.
"""

from corridor.store._engine import (
    ENV_VAR,
    Store,
    default_db_path,
    make_engine,
    resolve_db_url,
)
from corridor.store._schema import (
    alembic_config,
    check_schema,
    current_revision,
    head_revision,
    open_store,
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
    "alembic_config",
    "check_schema",
    "current_revision",
    "default_db_path",
    "head_revision",
    "make_engine",
    "open_store",
    "resolve_db_url",
    "upgrade_db",
    "utc_now",
]
