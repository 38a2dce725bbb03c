"""The list of agreements: one query over the version table, without the agreement stack.

Kept apart from ``_agreement_read`` (which verifies signatures and builds bundles, importing
``corridor.agreements``) so that ``corridor agreement list`` and ``GET /agreements`` start
without it (issue 14, defect 10).
"""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from corridor.store._tables import AgreementVersionRow

__all__ = ["list_agreements"]


def list_agreements(session: Session) -> list[tuple[str, int, str]]:
    """(corridor id, latest version, stored state) for every corridor."""
    latest = (
        select(AgreementVersionRow.corridor_id, func.max(AgreementVersionRow.version).label("v"))
        .group_by(AgreementVersionRow.corridor_id)
        .subquery()
    )
    rows = session.execute(
        select(
            AgreementVersionRow.corridor_id, AgreementVersionRow.version, AgreementVersionRow.state
        )
        .join(
            latest,
            (latest.c.corridor_id == AgreementVersionRow.corridor_id)
            & (latest.c.v == AgreementVersionRow.version),
        )
        .order_by(AgreementVersionRow.corridor_id)
    )
    return [(r[0], int(r[1]), str(r[2])) for r in rows]
