"""SMS segmentation by GSM 03.38: GSM 7-bit default alphabet or UCS-2, as a phone would send it.

A message that uses only the GSM 7-bit default alphabet (3GPP TS 23.038, 6.2.1) and its
extension table (6.2.1.1) is sent in septets: 160 in a single message, 153 per part once it
is concatenated (the 6-byte user data header takes 7 septets). An extension-table character
is an escape (0x1B) plus one septet, so it counts 2 and is never split across parts. Any
other character (all Cyrillic, for example) switches the *whole* message to UCS-2: 70
UTF-16 code units in one message, 67 per part; a character outside the BMP takes two units
and is never split either.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

# 3GPP TS 23.038 table 6.2.1: the default alphabet, in code order (0x1B is the escape).
GSM7_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞ\x1bÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
) - {"\x1b"}
# Table 6.2.1.1: reached through the escape, so two septets each.
GSM7_EXTENSION = frozenset("\f^{}\\[~]|€")

SINGLE_GSM7, PART_GSM7 = 160, 153
SINGLE_UCS2, PART_UCS2 = 70, 67

Encoding = Literal["GSM-7", "UCS-2"]


def is_gsm7(text: str) -> bool:
    """True when every character is in the default alphabet or its extension table."""
    return all(ch in GSM7_BASIC or ch in GSM7_EXTENSION for ch in text)


def _units(ch: str, encoding: Encoding) -> int:
    if encoding == "GSM-7":
        return 2 if ch in GSM7_EXTENSION else 1
    return 2 if ord(ch) > 0xFFFF else 1  # a surrogate pair in UTF-16


@dataclass(frozen=True)
class SmsSegments:
    """How a text goes out: its encoding, length in septets/code units and the parts."""

    text: str
    encoding: Encoding
    units: int
    parts: tuple[str, ...]

    @property
    def count(self) -> int:
        return len(self.parts)

    @property
    def non_gsm(self) -> list[str]:
        """The characters that forced UCS-2 (empty for GSM-7), each once, in order."""
        seen: dict[str, None] = {}
        for ch in self.text:
            if ch not in GSM7_BASIC and ch not in GSM7_EXTENSION:
                seen.setdefault(ch, None)
        return list(seen)


def sms_units(text: str) -> tuple[Encoding, int]:
    """The encoding a phone would pick and the length in septets (GSM-7) or UTF-16 units."""
    encoding: Encoding = "GSM-7" if is_gsm7(text) else "UCS-2"
    return encoding, sum(_units(ch, encoding) for ch in text)


def segment_sms(text: str) -> SmsSegments:
    """Split ``text`` into the parts a concatenated SMS would carry.

    >>> segment_sms("a" * 160).count, segment_sms("a" * 161).count
    (1, 2)
    >>> segment_sms("я" * 70).count, segment_sms("я" * 71).count
    (1, 2)
    """
    encoding, units = sms_units(text)
    single, per_part = (SINGLE_GSM7, PART_GSM7) if encoding == "GSM-7" else (SINGLE_UCS2, PART_UCS2)
    if units <= single:
        return SmsSegments(text, encoding, units, (text,) if text else ())
    parts: list[str] = []
    current: list[str] = []
    used = 0
    for ch in text:
        size = _units(ch, encoding)
        if used + size > per_part:  # an escape pair or surrogate pair never straddles parts
            parts.append("".join(current))
            current, used = [], 0
        current.append(ch)
        used += size
    if current:
        parts.append("".join(current))
    return SmsSegments(text, encoding, units, tuple(parts))


def first_part_capacity(encoding: Encoding, *, multipart: bool) -> int:
    """Septets (GSM-7) or UTF-16 units (UCS-2) the first part can hold."""
    if encoding == "GSM-7":
        return PART_GSM7 if multipart else SINGLE_GSM7
    return PART_UCS2 if multipart else SINGLE_UCS2
