"""Notices for civilians (text, SMS, printable HTML, CAP 1.2) and convoy movement notifications.

The package loads its modules on first use (PEP 562), as ``corridor.store`` does: the movement
commands need the movement model and its signatures, not the notice renderers (templates, CAP,
SMS) they would otherwise import at start-up (issue 14, defect 10).
"""

from __future__ import annotations

import typing as _typing

from corridor import _lazy

if _typing.TYPE_CHECKING:
    from corridor.notices._cap import (
        render_cap,
    )
    from corridor.notices._details import (
        NoticeDetails,
        details_from_data,
        details_from_store,
        details_to_data,
        read_details,
    )
    from corridor.notices._facts import (
        Change,
        NoticeFacts,
        changes_between,
        notice_facts,
    )
    from corridor.notices._html import (
        qr_payload,
        render_html,
    )
    from corridor.notices._i18n import (
        LANGUAGES,
        check_language,
        date_text,
        time_text,
    )
    from corridor.notices._movement import (
        ACK_DOMAIN,
        MOVEMENT_DOMAIN,
        AckStatus,
        Clearance,
        Movement,
        PassengerClass,
        ack_message,
        clearance,
        movement_digest,
        movement_from_data,
        movement_message,
        movement_problems,
        movement_to_data,
        sign_ack,
        sign_movement,
        verify_ack,
        verify_movement,
    )
    from corridor.notices._movement_html import (
        render_movement_html,
    )
    from corridor.notices._notice import (
        FORMATS,
        RenderedNotice,
        check_format,
        render_notice,
    )
    from corridor.notices._render import (
        render_text,
    )
    from corridor.notices._schedule import (
        Schedule,
        schedule_for,
        schedule_from_agreement,
    )
    from corridor.notices._service import (
        notice_for,
    )
    from corridor.notices._sms import (
        SmsSegments,
        segment_sms,
        sms_units,
    )
    from corridor.notices._sms_notice import (
        SmsNotice,
        render_sms,
        sms_report,
    )

#: public name -> the module that defines it
_WHERE: dict[str, str] = {
    "ACK_DOMAIN": "corridor.notices._movement",
    "AckStatus": "corridor.notices._movement",
    "Change": "corridor.notices._facts",
    "Clearance": "corridor.notices._movement",
    "FORMATS": "corridor.notices._notice",
    "LANGUAGES": "corridor.notices._i18n",
    "MOVEMENT_DOMAIN": "corridor.notices._movement",
    "Movement": "corridor.notices._movement",
    "NoticeDetails": "corridor.notices._details",
    "NoticeFacts": "corridor.notices._facts",
    "PassengerClass": "corridor.notices._movement",
    "RenderedNotice": "corridor.notices._notice",
    "Schedule": "corridor.notices._schedule",
    "SmsNotice": "corridor.notices._sms_notice",
    "SmsSegments": "corridor.notices._sms",
    "ack_message": "corridor.notices._movement",
    "changes_between": "corridor.notices._facts",
    "check_format": "corridor.notices._notice",
    "check_language": "corridor.notices._i18n",
    "clearance": "corridor.notices._movement",
    "date_text": "corridor.notices._i18n",
    "details_from_data": "corridor.notices._details",
    "details_from_store": "corridor.notices._details",
    "details_to_data": "corridor.notices._details",
    "movement_digest": "corridor.notices._movement",
    "movement_from_data": "corridor.notices._movement",
    "movement_message": "corridor.notices._movement",
    "movement_problems": "corridor.notices._movement",
    "movement_to_data": "corridor.notices._movement",
    "notice_facts": "corridor.notices._facts",
    "notice_for": "corridor.notices._service",
    "qr_payload": "corridor.notices._html",
    "read_details": "corridor.notices._details",
    "render_cap": "corridor.notices._cap",
    "render_html": "corridor.notices._html",
    "render_movement_html": "corridor.notices._movement_html",
    "render_notice": "corridor.notices._notice",
    "render_sms": "corridor.notices._sms_notice",
    "render_text": "corridor.notices._render",
    "schedule_for": "corridor.notices._schedule",
    "schedule_from_agreement": "corridor.notices._schedule",
    "segment_sms": "corridor.notices._sms",
    "sign_ack": "corridor.notices._movement",
    "sign_movement": "corridor.notices._movement",
    "sms_report": "corridor.notices._sms_notice",
    "sms_units": "corridor.notices._sms",
    "time_text": "corridor.notices._i18n",
    "verify_ack": "corridor.notices._movement",
    "verify_movement": "corridor.notices._movement",
}


__getattr__, __dir__ = _lazy.exports(__name__, _WHERE)


__all__ = [
    "ACK_DOMAIN",
    "FORMATS",
    "LANGUAGES",
    "MOVEMENT_DOMAIN",
    "AckStatus",
    "Change",
    "Clearance",
    "Movement",
    "NoticeDetails",
    "NoticeFacts",
    "PassengerClass",
    "RenderedNotice",
    "Schedule",
    "SmsNotice",
    "SmsSegments",
    "ack_message",
    "changes_between",
    "check_format",
    "check_language",
    "clearance",
    "date_text",
    "details_from_data",
    "details_from_store",
    "details_to_data",
    "movement_digest",
    "movement_from_data",
    "movement_message",
    "movement_problems",
    "movement_to_data",
    "notice_facts",
    "notice_for",
    "qr_payload",
    "read_details",
    "render_cap",
    "render_html",
    "render_movement_html",
    "render_notice",
    "render_sms",
    "render_text",
    "schedule_for",
    "schedule_from_agreement",
    "segment_sms",
    "sign_ack",
    "sign_movement",
    "sms_report",
    "sms_units",
    "time_text",
    "verify_ack",
    "verify_movement",
]
