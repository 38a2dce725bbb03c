"""The ORM's side of the audit log: refuse updates and deletes made through it, and forget
the chain head a session remembered when its transaction ends.

The database's triggers refuse the same changes in plain SQL; these give the ORM user a
:class:`~corridor.errors.StoreError` instead of a driver error. Imported when a store opens
(``corridor.store._engine``), so the lean path never loads SQLAlchemy for them.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import event
from sqlalchemy.orm import Mapper, ORMExecuteState, Session

from corridor.errors import StoreError
from corridor.store._audit import APPEND_ONLY, HEAD_KEY
from corridor.store._tables import AuditEntry


@event.listens_for(AuditEntry, "before_update")
def _refuse_update(_mapper: Mapper[Any], _conn: Any, target: AuditEntry) -> None:
    raise StoreError(APPEND_ONLY, item=f"audit seq {target.seq}")


@event.listens_for(AuditEntry, "before_delete")
def _refuse_delete(_mapper: Mapper[Any], _conn: Any, target: AuditEntry) -> None:
    raise StoreError(APPEND_ONLY, item=f"audit seq {target.seq}")


@event.listens_for(Session, "do_orm_execute")
def _refuse_bulk(state: ORMExecuteState) -> None:
    # session.execute(update(AuditEntry)) / delete(AuditEntry) skip the mapper events above.
    mapper = state.bind_mapper
    if (state.is_update or state.is_delete) and mapper is not None and mapper.class_ is AuditEntry:
        raise StoreError(APPEND_ONLY)


@event.listens_for(Session, "after_transaction_end")
def _forget_head(session: Session, _transaction: Any) -> None:
    # Any end, savepoints included: a rolled-back savepoint may have taken our entries along.
    session.info.pop(HEAD_KEY, None)
