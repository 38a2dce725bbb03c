"""GSM 03.38 segmentation against hand-worked counts (3GPP TS 23.038 / TS 23.040 rules)."""

from __future__ import annotations

import pytest

from corridor.notices import segment_sms, sms_units


def test_plain_latin_is_gsm7_160_then_153_per_part() -> None:
    assert sms_units("a" * 160) == ("GSM-7", 160)
    assert segment_sms("a" * 160).count == 1
    two = segment_sms("a" * 161)  # 161 septets -> 153 + 8
    assert two.count == 2 and [len(p) for p in two.parts] == [153, 8]
    assert segment_sms("a" * 306).count == 2  # 2 x 153
    assert segment_sms("a" * 307).count == 3


def test_extension_characters_count_two_septets() -> None:
    # "€" and "[" are in the extension table: escape + code = 2 septets each.
    text = "Price 5€ [x]"  # 12 characters: €, [, ] count 2 -> 15 septets
    assert sms_units(text) == ("GSM-7", 15)
    # 80 euro signs = 160 septets: still one message; one more character makes two parts.
    assert segment_sms("€" * 80).count == 1
    assert segment_sms("€" * 80 + "a").count == 2


def test_extension_pair_never_straddles_a_part_boundary() -> None:
    # 152 'a' + '€': the € needs septets 153-154 -> does not fit part 1 (153), moves to part 2.
    seg = segment_sms("a" * 152 + "€" + "b" * 10)
    assert seg.units == 152 + 2 + 10
    assert seg.parts[0] == "a" * 152 and seg.parts[1].startswith("€")


def test_basic_table_specials_stay_gsm7() -> None:
    # é, ü, ß, Ä, Δ, £, ¥, § and "@" are in the default alphabet: one septet each.
    assert sms_units("é ü ß Ä Δ £ ¥ § @") == ("GSM-7", 17)


def test_one_cyrillic_letter_makes_the_whole_message_ucs2() -> None:
    latin = "EVACUATION 1 Mar 08:00, Hafenstrasse 2. Hotline +380441234567"
    assert sms_units(latin)[0] == "GSM-7"
    mixed = latin + " Київ"  # 62 Latin + 5 = 67 characters, all counted as UTF-16 units
    assert sms_units(mixed) == ("UCS-2", len(latin) + 5)
    assert segment_sms(mixed).non_gsm == ["К", "и", "ї", "в"]


@pytest.mark.parametrize(
    ("text", "units", "parts"),
    [
        # Hand-worked: 70 UCS-2 units fit one message, 71 need two parts of at most 67.
        ("Евакуація " * 7, 70, 1),
        ("Евакуація " * 7 + "!", 71, 2),
        # Mixed: 40 Latin + 30 Cyrillic = 70 units, one part; + "€" (1 UCS-2 unit) = 71, two.
        ("a" * 40 + "б" * 30, 70, 1),
        ("a" * 40 + "б" * 30 + "€", 71, 2),
        # 134 units = 2 x 67 exactly; 135 needs three parts.
        ("я" * 134, 134, 2),
        ("я" * 135, 135, 3),
    ],
)
def test_ucs2_counts(text: str, units: int, parts: int) -> None:
    seg = segment_sms(text)
    assert seg.encoding == "UCS-2"
    assert seg.units == units
    assert seg.count == parts
    assert all(len(p.encode("utf-16-le")) // 2 <= (70 if parts == 1 else 67) for p in seg.parts)
    assert "".join(seg.parts) == text


def test_characters_outside_the_bmp_take_two_units_and_are_not_split() -> None:
    text = "я" * 66 + "🚌" + "я"  # 66 + 2 + 1 = 69 units: one message
    assert segment_sms(text).units == 69 and segment_sms(text).count == 1
    long = "я" * 66 + "🚌" + "я" * 10  # 78 units: part 1 holds 66 (the bus would be 67-68)
    seg = segment_sms(long)
    assert seg.parts[0] == "я" * 66 and seg.parts[1].startswith("🚌")


# --- A second implementation: the gsm0338 codec (one byte per septet, 0x1B escapes). --------

GSM_SAMPLE = "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./09:;<=>?¡AZÄÖÑÜ§¿azäöñüà"
EXT_SAMPLE = "^{}\\[~]|€"
OTHER_SAMPLE = "яЇїґЄєЁё🚌çâ`"


def _codec_units(text: str) -> tuple[str, int]:
    import gsm0338  # noqa: F401 (registers the "gsm03.38" codec)

    try:
        return "GSM-7", len(text.encode("gsm03.38"))
    except UnicodeEncodeError:
        return "UCS-2", len(text.encode("utf-16-le")) // 2


def _alphabet_sample() -> str:
    return GSM_SAMPLE + EXT_SAMPLE + OTHER_SAMPLE


def test_codec_agrees_on_every_sample_character() -> None:
    pytest.importorskip("gsm0338")
    for ch in _alphabet_sample():
        assert sms_units(ch) == _codec_units(ch), repr(ch)


from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.one_of(
            st.sampled_from(GSM_SAMPLE),  # mostly GSM-7 text ...
            st.sampled_from(EXT_SAMPLE),
            st.sampled_from(OTHER_SAMPLE),  # ... with a UCS-2 character now and then
        ),
        min_size=1,
        max_size=400,
    ).map("".join)
)
def test_units_match_the_codec_and_parts_respect_the_limits(text: str) -> None:
    pytest.importorskip("gsm0338")
    assert sms_units(text) == _codec_units(text)
    seg = segment_sms(text)
    assert "".join(seg.parts) == text
    single, per = (160, 153) if seg.encoding == "GSM-7" else (70, 67)
    if seg.count == 1:
        assert seg.units <= single
        return
    assert seg.units > single
    sizes = [
        _codec_units(p)[1] if seg.encoding == "GSM-7" else len(p.encode("utf-16-le")) // 2
        for p in seg.parts
    ]
    assert all(size <= per for size in sizes)
    # each part but the last is full: the next character (1 or 2 units) would not have fitted
    for size, nxt in zip(sizes, seg.parts[1:], strict=False):
        assert size + sms_units(nxt[0])[1] > per or (
            seg.encoding == "UCS-2" and size + len(nxt[0].encode("utf-16-le")) // 2 > per
        )
