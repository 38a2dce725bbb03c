"""One entry point: a notice in one language and format, with what the reader should check."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

from corridor.errors import InputError
from corridor.notices._i18n import LANGUAGES, check_language

if TYPE_CHECKING:
    from corridor.notices._facts import NoticeFacts
    from corridor.notices._sms_notice import SmsNotice

# Each format's renderer is imported when that format is asked for: a command renders one
# (issue 14, defect 10). The SMS limit is kept here so the default needs no SMS module.
DEFAULT_MAX_SEGMENTS = 4  # longer messages arrive out of order, or not at all, on old phones

Format = Literal["text", "sms", "html", "cap"]
FORMATS: tuple[Format, ...] = ("text", "sms", "html", "cap")
MEDIA_TYPES = {
    "text": "text/plain; charset=utf-8",
    "sms": "text/plain; charset=utf-8",
    "html": "text/html; charset=utf-8",
    "cap": "application/cap+xml",
}
SUFFIXES = {"text": ".txt", "sms": ".sms.txt", "html": ".html", "cap": ".cap.xml"}


@dataclass(frozen=True)
class RenderedNotice:
    """The document and its media type; ``warnings`` are for the person issuing it."""

    content: str
    format: Format
    lang: str
    media_type: str
    warnings: list[str] = field(default_factory=list)
    sms: SmsNotice | None = None


def check_format(fmt: str) -> Format:
    if fmt not in FORMATS:
        raise InputError(
            f"format {fmt!r} is not supported", field="format", hint="use " + ", ".join(FORMATS)
        )
    return fmt


def render_notice(
    facts: NoticeFacts,
    *,
    lang: str,
    fmt: str,
    max_segments: int = DEFAULT_MAX_SEGMENTS,
) -> RenderedNotice:
    """Render ``facts`` as ``fmt`` in ``lang`` (CAP carries every language, ``lang`` first).

    Nothing is written here: the caller writes the content only once this returned.
    """
    lang = check_language(lang)
    fmt = check_format(fmt)
    warnings = list(facts.warnings)
    sms = None
    if fmt == "text":
        from corridor.notices._render import render_text

        content, more = render_text(facts, lang)
    elif fmt == "sms":
        from corridor.notices._sms_notice import render_sms

        sms, more = render_sms(facts, lang, max_segments=max_segments)
        content = sms.text + "\n"
    elif fmt == "html":
        from corridor.notices._html import render_html

        content, more = render_html(facts, lang)
    else:
        from corridor.notices._cap import render_cap

        order = (lang, *(x for x in LANGUAGES if x != lang))
        content, more = render_cap(facts, languages=order)
    warnings += [w for w in more if w not in warnings]
    return RenderedNotice(content, fmt, lang, MEDIA_TYPES[fmt], warnings, sms)
