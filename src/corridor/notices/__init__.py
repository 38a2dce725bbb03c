"""Notices for civilians (text, SMS, printable HTML, CAP 1.2) and convoy movement notifications."""

from corridor.notices._cap import render_cap
from corridor.notices._details import NoticeDetails, details_from_data, read_details
from corridor.notices._facts import Change, NoticeFacts, changes_between, notice_facts
from corridor.notices._html import qr_payload, render_html
from corridor.notices._i18n import LANGUAGES, check_language, date_text, time_text
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
from corridor.notices._movement_html import render_movement_html
from corridor.notices._notice import FORMATS, RenderedNotice, check_format, render_notice
from corridor.notices._render import render_text
from corridor.notices._schedule import Schedule, schedule_for, schedule_from_agreement
from corridor.notices._service import notice_for
from corridor.notices._sms import SmsSegments, segment_sms, sms_units
from corridor.notices._sms_notice import SmsNotice, render_sms, sms_report

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
