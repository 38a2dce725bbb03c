"""The SMS notice: essentials (where, when, hotline) first, in the first part, always."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from corridor.errors import InputError
from corridor.notices._facts import NoticeFacts
from corridor.notices._i18n import short_date_text, time_text
from corridor.notices._notice import DEFAULT_MAX_SEGMENTS
from corridor.notices._render import render_template
from corridor.notices._schedule import Departure
from corridor.notices._sms import SmsSegments, first_part_capacity, segment_sms


@dataclass(frozen=True)
class SmsNotice:
    text: str
    essentials: str
    segments: SmsSegments
    dropped: int  # optional sentences left out to stay within the segment limit


def render_sms(
    facts: NoticeFacts, lang: str, *, max_segments: int = DEFAULT_MAX_SEGMENTS
) -> tuple[SmsNotice, list[str]]:
    """The SMS, shortened sentence by sentence (from the end) to ``max_segments`` parts.

    InputError when even the essentials do not fit in the first part: shorten the gathering
    point's address in the notice details, or the hotline. A draft starts with a NOT IN FORCE
    marker; if only the marker pushes the essentials out of the first part, that is a warning
    (a draft is read by a person, never broadcast).
    """
    if max_segments < 1:
        raise InputError("the SMS segment limit must be at least 1", field="max_segments")
    extra = {
        "first": _first(facts),
        "phone": "".join(facts.hotline.split()),  # phones link a number without spaces
        "later": [_when(d.at_utc, lang) for d in facts.departures[1:]],
    }
    essentials, warnings = render_template(facts, lang, "sms_essentials.txt.j2", **extra)
    essentials = " ".join(essentials.split())
    marker = ""
    if facts.status == "not_in_force":
        marker, _ = render_template(facts, lang, "sms_draft.txt.j2", **extra)
        marker = " ".join(marker.split())
    rest_text, more = render_template(facts, lang, "sms_rest.txt.j2", **extra)
    warnings += [w for w in more if w not in warnings]
    rest = [" ".join(line.split()) for line in rest_text.splitlines() if line.strip()]
    dropped = 0
    while True:
        text = " ".join([p for p in (marker, essentials, *rest) if p])
        seg = segment_sms(text)
        if seg.count <= max_segments or not rest:
            break
        rest.pop(-2 if len(rest) > 1 else -1)  # the notice id goes last
        dropped += 1
    capacity = first_part_capacity(seg.encoding, multipart=seg.count > 1)
    units = _units_in(essentials, seg.encoding)
    if units > capacity:
        raise InputError(
            f"the SMS essentials take {units} {_unit(seg.encoding)} but the first "
            f"{seg.encoding} part holds {capacity}: {essentials!r}",
            field="sms",
            hint="shorten the gathering point's address in the notice details",
        )
    if marker and not seg.parts[0].startswith(f"{marker} {essentials}"):
        warnings.append("the NOT IN FORCE marker pushes part of the essentials out of SMS part 1")
    if seg.count > max_segments:
        raise InputError(
            f"the SMS needs {seg.count} parts, more than the limit of {max_segments}",
            field="sms",
            hint="raise --sms-max-segments or shorten the notice details",
        )
    if dropped:
        warnings.append(f"{dropped} optional SMS sentence(s) left out to fit {max_segments} parts")
    return SmsNotice(text, essentials, seg, dropped), warnings


def _units_in(text: str, encoding: str) -> int:
    from corridor.notices._sms import GSM7_EXTENSION

    if encoding == "GSM-7":
        return sum(2 if ch in GSM7_EXTENSION else 1 for ch in text)
    return len(text.encode("utf-16-le")) // 2


def _when(at: datetime, lang: str) -> str:
    return f"{short_date_text(at, lang)} {time_text(at, lang)}"


def _first(facts: NoticeFacts) -> Departure:
    deps = facts.departures
    if not deps:
        raise InputError("the schedule has no departure to announce")
    return deps[0]


def _unit(encoding: str) -> str:
    return "septets" if encoding == "GSM-7" else "UTF-16 units"


def sms_report(sms: SmsNotice) -> str:
    """The message with its encoding, length and parts, for a person to check before sending."""
    seg = sms.segments
    per = (
        (160 if seg.count == 1 else 153)
        if seg.encoding == "GSM-7"
        else (70 if seg.count == 1 else 67)
    )
    head = (
        f"SMS {seg.encoding}, {seg.units} {_unit(seg.encoding)}, "
        f"{seg.count} part{'s' if seg.count != 1 else ''} (at most {per} each)"
    )
    parts = [f"[{i}/{seg.count}] {p}" for i, p in enumerate(seg.parts, 1)]
    return "\n".join([head, *parts]) + "\n"
