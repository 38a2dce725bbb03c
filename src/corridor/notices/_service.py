"""The one domain call the CLI and the API share: a stored agreement -> a rendered notice."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from corridor.errors import InputError
from corridor.notices._details import NoticeDetails
from corridor.notices._facts import notice_facts
from corridor.notices._i18n import check_language
from corridor.notices._notice import (
    DEFAULT_MAX_SEGMENTS,
    RenderedNotice,
    check_format,
    render_notice,
)
from corridor.notices._schedule import schedule_for

if TYPE_CHECKING:
    from corridor.store import AgreementRecord


def notice_for(
    rec: AgreementRecord,
    *,
    lang: str,
    fmt: str,
    details: NoticeDetails | None,
    previous: AgreementRecord | None = None,
    plan_schedule: Any = None,
    plan_input: Any = None,
    draft: bool = False,
    issued_at_utc: datetime | None = None,
    max_segments: int = DEFAULT_MAX_SEGMENTS,
) -> RenderedNotice:
    """Check the language and format first (cheap), then the facts, then render."""
    check_language(lang)
    check_format(fmt)
    if details is None:
        raise InputError(
            f"no notice details for {rec.corridor_id}: the hotline and gathering point "
            "addresses are missing",
            hint="give --details FILE (see docs/notices.md), or store them with "
            "`corridor notice ID --details FILE --save-details`",
        )
    if plan_input is not None:
        from corridor.notices._plan_input import details_with_plan

        details = details_with_plan(details, plan_input)
    schedule = schedule_for(rec.terms, plan_schedule, plan_input)
    facts = notice_facts(
        rec,
        details=details,
        schedule=schedule,
        previous=previous,
        issued_at_utc=issued_at_utc,
        draft=draft,
    )
    return render_notice(facts, lang=lang, fmt=fmt, max_segments=max_segments)
