"""The list of agreements: one query over the version table, without the agreement stack.

Kept apart from ``_agreement_read`` (which verifies signatures and builds bundles, importing
``corridor.agreements``) so that ``corridor agreement list`` and ``GET /agreements`` start
without it (issue 14, defect 10). Plain SQL (:mod:`corridor.store._sql`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from corridor.store._sql import Sql, as_sql

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

__all__ = ["LIST_SQL", "list_agreements"]

#: Each corridor's latest version and its stored state, by corridor id.
LIST_SQL = (
    "SELECT v.corridor_id, v.version, v.state FROM agreement_versions v"
    " JOIN (SELECT corridor_id, max(version) AS v FROM agreement_versions"
    " GROUP BY corridor_id) latest"
    " ON latest.corridor_id = v.corridor_id AND latest.v = v.version"
    " ORDER BY v.corridor_id"
)


def list_agreements(tx: Sql | Session) -> list[tuple[str, int, str]]:
    """(corridor id, latest version, stored state) for every corridor."""
    return [(str(r[0]), int(r[1]), str(r[2])) for r in as_sql(tx).execute(LIST_SQL).all()]
