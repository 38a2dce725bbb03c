"""The re-plan that follows a lost route: who has not moved yet, and their new timetable.

People already on the road continue (or turn back, which their teams report); the convoys
still waiting are the ones a re-plan concerns. Planning's ``replan`` computes the new
schedule when the corridor's plan is stored; the request itself is always recorded, so the
planners see at once whom it concerns.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from corridor.monitoring._derive import Picture
    from corridor.store import AgreementRecord


def unmoved(pic: Picture) -> list[dict[str, Any]]:
    """Convoys whose people have not left (scheduled, or turned back before arriving)."""
    return [
        {"convoy_id": c.convoy_id, "label": c.label, "kind": c.kind, "people": c.people,
         "vehicles": c.vehicles, "status": c.status}
        for c in pic.convoys
        if not c.moved
    ]  # fmt: skip


def replan_unmoved(
    session: Session, rec: AgreementRecord, pic: Picture, *, at: datetime, reason: str
) -> dict[str, Any]:
    from corridor.monitoring._service import emit, iso

    waiting = unmoved(pic)
    payload = {
        "corridor_id": rec.corridor_id,
        "at_utc": iso(at),
        "reason": reason,
        "convoys": waiting,
        "people": sum(c["people"] for c in waiting),
        "moved": [c.convoy_id for c in pic.convoys if c.moved],
    }
    emit(session, "replan.requested", payload, corridor_id=rec.corridor_id)
    return payload
