import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.messaging.segments import (
    GSM7_BASIC,
    GSM7_EXTENSION,
    Encoding,
    SegmentInfo,
    count,
    smart_ascii,
)

EMOJI = "\U0001f600"  # one character, two UTF-16 code units
HAN = "修"


def test_empty_text_costs_nothing() -> None:
    assert count("") == SegmentInfo(Encoding.GSM7, 0, 0)


@pytest.mark.parametrize(
    ("length", "segments"),
    [(1, 1), (160, 1), (161, 2), (306, 2), (307, 3), (459, 3), (460, 4)],
)
def test_gsm7_boundaries(length: int, segments: int) -> None:
    assert count("a" * length) == SegmentInfo(Encoding.GSM7, segments, length)


@pytest.mark.parametrize(
    ("length", "segments"),
    [(1, 1), (70, 1), (71, 2), (134, 2), (135, 3), (201, 3), (202, 4)],
)
def test_ucs2_boundaries(length: int, segments: int) -> None:
    assert count(HAN * length) == SegmentInfo(Encoding.UCS2, segments, length)


def test_realistic_chinese_sms() -> None:
    text = "【580】您的报修已受理，工单号A7K2。志愿者将尽快上门，回复进度查询，回复取消撤销。"
    info = count(text)
    assert info.encoding is Encoding.UCS2
    assert (info.units, info.segments) == (len(text), 1)


@pytest.mark.parametrize("char", sorted(GSM7_EXTENSION))
def test_extension_characters_cost_two_septets(char: str) -> None:
    assert count(char) == SegmentInfo(Encoding.GSM7, 1, 2)


def test_extension_characters_count_towards_the_single_segment_limit() -> None:
    assert count("a" * 158 + "€") == SegmentInfo(Encoding.GSM7, 1, 160)
    assert count("a" * 159 + "€") == SegmentInfo(Encoding.GSM7, 2, 161)


def test_escape_pair_is_not_split_across_segments() -> None:
    # 152 + 2 + 152 = 306 septets: plain division says 2 segments, but the euro sign does
    # not fit in the one septet left in the first part, so it starts the second one.
    text = "a" * 152 + "€" + "a" * 152
    assert count(text) == SegmentInfo(Encoding.GSM7, 3, 306)


def test_gsm7_accented_and_greek_letters_stay_gsm7() -> None:
    assert count("Ça coûte 5€? Δ ñ ü é").encoding is Encoding.UCS2  # û is not GSM-7
    assert count("Ça va? 5€ Δ ñ ü é à £ ¥ § ¿ ¡").encoding is Encoding.GSM7


def test_emoji_counts_two_code_units() -> None:
    assert count(EMOJI) == SegmentInfo(Encoding.UCS2, 1, 2)
    assert count(HAN * 68 + EMOJI) == SegmentInfo(Encoding.UCS2, 1, 70)
    assert count(HAN * 69 + EMOJI) == SegmentInfo(Encoding.UCS2, 2, 71)


def test_surrogate_pair_is_not_split_across_segments() -> None:
    # 66 + 2 + 66 = 134 units: two segments by division, three because the emoji moves over.
    assert count(HAN * 66 + EMOJI + HAN * 66) == SegmentInfo(Encoding.UCS2, 3, 134)


def test_one_chinese_character_makes_the_whole_message_ucs2() -> None:
    info = count("a" * 100 + HAN)
    assert info == SegmentInfo(Encoding.UCS2, 2, 101)


def test_stray_curly_quote_turns_english_into_ucs2() -> None:
    text = (
        "Your request A7K2 is being handled. We\u2019ll text you when it\u2019s done. "
        "Reply STOP to opt out, HELP for help. Thank you for calling the 580 line."
    )
    assert len(text) < 160
    assert count(text) == SegmentInfo(Encoding.UCS2, 3, len(text))
    assert count(smart_ascii(text)) == SegmentInfo(Encoding.GSM7, 1, len(text))


def test_smart_ascii_replaces_typography() -> None:
    assert smart_ascii("\u201cHi\u201d \u2013 it\u2019s 9\u00a0am\u2026") == '"Hi" - it\'s 9 am...'
    assert smart_ascii("a\u200bb\u00adc\ufeff") == "abc"
    assert smart_ascii("`x\u00b4 \u2014 \u2212") == "'x' - -"


@pytest.mark.parametrize(
    "text",
    [
        "Reply 1 / 2 [ok] {x} ~ ^ | \\ € @ £",
        "您好，工单A7K2已完成。",
        "师傅说：“明天上午到……”",  # stays UCS-2 anyway: Chinese typography is kept
        "Done \u2013 thanks \U0001f600",  # the emoji keeps it UCS-2: nothing to gain
        "\u2026" * 70,  # one UCS-2 segment; as "..." it would be 210 septets, two segments
    ],
)
def test_smart_ascii_leaves_text_alone_when_it_gains_nothing(text: str) -> None:
    assert smart_ascii(text) == text


_gsm_text = st.text(alphabet=sorted(GSM7_BASIC | GSM7_EXTENSION), max_size=700)
_any_text = st.text(max_size=400)


@given(_gsm_text)
def test_gsm7_counts_match_the_formula(text: str) -> None:
    info = count(text)
    assert info.encoding is Encoding.GSM7
    assert info.units == len(text) + sum(c in GSM7_EXTENSION for c in text)
    if info.units <= 160:
        assert info.segments == (1 if text else 0)
    else:
        # escape pairs kept whole lose at most one septet per part
        assert math.ceil(info.units / 153) <= info.segments <= math.ceil(info.units / 152)


@given(_any_text)
def test_counts_are_consistent_for_any_text(text: str) -> None:
    info = count(text)
    if info.encoding is Encoding.UCS2:
        assert info.units == len(text.encode("utf-16-le")) // 2
        single, part = 70, 67
    else:
        single, part = 160, 153
    if info.units <= single:
        assert info.segments == (1 if text else 0)
    else:
        assert math.ceil(info.units / part) <= info.segments <= math.ceil(info.units / (part - 1))


_typographic_text = st.text(
    alphabet=st.sampled_from(["a", " ", "\u2019", "\u201c", "\u2014", "\u2026", "\u00a0", HAN]),
    max_size=300,
)


@given(st.one_of(_any_text, _typographic_text))
def test_smart_ascii_never_costs_more(text: str) -> None:
    result = smart_ascii(text)
    assert count(result).segments <= count(text).segments
    assert result == text or count(result).encoding is Encoding.GSM7
