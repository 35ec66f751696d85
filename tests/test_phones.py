import re
import string

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from app.phones import (
    InvalidPhone,
    PhoneKind,
    PhoneNumber,
    PhoneProblem,
    is_e164,
    mask,
    normalize,
)

E164 = re.compile(r"^\+[1-9]\d{6,14}$")
MOBILE = "+8613800138000"
LANDLINE = "+862361520695"


@pytest.mark.parametrize(
    "raw",
    [
        "13800138000",
        "138 0013 8000",
        "138-0013-8000",
        "138.0013.8000",
        "(138) 0013 8000",
        "+86 138 0013 8000",
        "+86-138-0013-8000",
        "+8613800138000",
        "0086 138 0013 8000",
        "008613800138000",
        "１３８００１３８０００",  # full-width digits from a Chinese IME
        "＋８６ １３８　００１３　８０００",  # full-width plus and ideographic spaces
        "  13800138000\n",
    ],
)
def test_mobile_spellings_normalize_to_one_number(raw: str) -> None:
    assert normalize(raw) == PhoneNumber(MOBILE, PhoneKind.MOBILE)


@pytest.mark.parametrize(
    "raw",
    ["023-61520695", "023 6152 0695", "(023) 6152-0695", "+86 23 6152 0695", "0086 23 61520695"],
)
def test_chongqing_landline_is_a_landline(raw: str) -> None:
    number = normalize(raw)
    assert number == PhoneNumber(LANDLINE, PhoneKind.LANDLINE)
    assert not number.can_receive_sms


def test_mobile_can_receive_sms() -> None:
    assert normalize("13800138000").can_receive_sms


def test_phone_number_is_immutable() -> None:
    number = normalize("13800138000")
    with pytest.raises(AttributeError):
        number.e164 = LANDLINE  # type: ignore[misc]


@pytest.mark.parametrize(
    ("raw", "region", "expected"),
    [
        # +1 numbers are FIXED_LINE_OR_MOBILE in the numbering plan: treated as mobile.
        ("+12015550123", "CN", PhoneNumber("+12015550123", PhoneKind.MOBILE)),
        ("(201) 555-0123", "US", PhoneNumber("+12015550123", PhoneKind.MOBILE)),
        ("+44 7911 123456", "CN", PhoneNumber("+447911123456", PhoneKind.MOBILE)),
        ("+44 20 7946 0000", "CN", PhoneNumber("+442079460000", PhoneKind.LANDLINE)),
        ("400-812-3123", "CN", PhoneNumber("+864008123123", PhoneKind.OTHER)),  # shared-cost
    ],
)
def test_other_regions_and_kinds(raw: str, region: str, expected: PhoneNumber) -> None:
    assert normalize(raw, region) == expected


@pytest.mark.parametrize("raw", ["580", "110", "120", "12345", "10086", "95588", "+86 10086"])
def test_short_codes_are_refused(raw: str) -> None:
    with pytest.raises(InvalidPhone) as caught:
        normalize(raw)
    assert caught.value.code == PhoneProblem.SHORT_CODE
    assert "short service number" in str(caught.value)


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("", PhoneProblem.EMPTY),
        ("   ", PhoneProblem.EMPTY),
        (" - ( ) ", PhoneProblem.EMPTY),
        ("\u3000", PhoneProblem.EMPTY),
        ("abc", PhoneProblem.NOT_A_NUMBER),
        ("+", PhoneProblem.NOT_A_NUMBER),
        ("138-0013-800O", PhoneProblem.NOT_A_NUMBER),  # letter O, not zero
        ("13800138000\x00", PhoneProblem.NOT_A_NUMBER),
        ("1380013800#1", PhoneProblem.NOT_A_NUMBER),
        ("138 0013 8000 ext 5", PhoneProblem.NOT_A_NUMBER),
        ("+86+13800138000", PhoneProblem.NOT_A_NUMBER),
        ("1" * 65, PhoneProblem.TOO_LONG),
        ("0", PhoneProblem.INVALID),
        ("0086", PhoneProblem.INVALID),
        ("+86", PhoneProblem.INVALID),
        ("1380013800", PhoneProblem.INVALID),  # a digit short
        ("138001380001", PhoneProblem.INVALID),  # a digit long
        ("12345678901234567890", PhoneProblem.INVALID),
    ],
)
def test_bad_input_is_refused_with_a_code(raw: str, code: PhoneProblem) -> None:
    with pytest.raises(InvalidPhone) as caught:
        normalize(raw)
    assert caught.value.code == code
    assert str(caught.value)


def test_local_landline_without_area_code_gets_a_hint() -> None:
    with pytest.raises(InvalidPhone, match="area code") as caught:
        normalize("6152 0695")
    assert caught.value.code == PhoneProblem.INVALID


def test_invalid_phone_is_a_value_error() -> None:
    with pytest.raises(ValueError):
        normalize("nope")


def test_non_text_is_refused() -> None:
    with pytest.raises(InvalidPhone) as caught:
        normalize(13800138000)  # type: ignore[arg-type]
    assert caught.value.code == PhoneProblem.NOT_A_NUMBER


@pytest.mark.parametrize("value", [MOBILE, LANDLINE, "+12015550123"])
def test_is_e164_accepts_canonical_valid_numbers(value: str) -> None:
    assert is_e164(value)


@pytest.mark.parametrize(
    "value",
    [
        "13800138000",  # no country code
        "+86 138 0013 8000",  # spaces
        "+8610086",  # the right shape, but a short code
        "+0123456789",
        "+86138001380001",  # too long for +86
        "",
        "+",
        "+8613800138000\n",
        None,
    ],
)
def test_is_e164_refuses_everything_else(value: str) -> None:
    assert not is_e164(value)


@pytest.mark.parametrize(
    ("e164", "masked"),
    [
        (MOBILE, "+86 138****8000"),
        (LANDLINE, "+86 236***0695"),
        ("+12015550123", "+1 201***0123"),
    ],
)
def test_mask_hides_the_middle(e164: str, masked: str) -> None:
    assert mask(e164) == masked


def test_mask_always_hides_at_least_two_digits() -> None:
    masked = mask("+4420794600")  # a short 8-digit national number
    assert masked.count("*") >= 2
    assert masked.endswith("4600")


@pytest.mark.parametrize("value", ["13800138000", "+86 138 0013 8000", "", "+"])
def test_mask_refuses_non_e164(value: str) -> None:
    with pytest.raises(InvalidPhone):
        mask(value)


# --- properties -------------------------------------------------------------------------------

FULL_WIDTH = str.maketrans("0123456789+", "０１２３４５６７８９＋")
_separator = st.sampled_from(["", " ", "-", ".", "\u3000", " - "])
_mobile = st.from_regex(r"1(3[0-9]|8[0-9]|5[0-35-9])[0-9]{8}", fullmatch=True)
_landline = st.from_regex(r"0(23|10|2[0-9]|[3-9][0-9]{2})[2-8][0-9]{6,7}", fullmatch=True)
_short_code = st.sampled_from(["110", "119", "120", "580", "10086", "10010", "12345", "95588"])


@st.composite
def _spelled(draw: st.DrawFn, national: st.SearchStrategy[str]) -> str:
    """A plausible number spelled the ways people type it."""
    digits = draw(national)
    prefix = draw(st.sampled_from(["", "+86 ", "0086 ", "+86-"]))
    if prefix:
        digits = digits.removeprefix("0")  # the trunk 0 goes away after a country code
    cuts = sorted(draw(st.sets(st.integers(1, len(digits) - 1), max_size=3)))
    parts = [digits[a:b] for a, b in zip([0, *cuts], [*cuts, len(digits)], strict=True)]
    text = prefix + draw(_separator).join(parts)
    if draw(st.booleans()):
        text = text.translate(FULL_WIDTH)
    return text


_junk = st.one_of(
    st.text(),
    st.text(alphabet=string.digits + "+-. ()\u3000０１２３４５６７８９＋\x00\x1b\t", max_size=40),
    st.text(alphabet=string.digits, min_size=15, max_size=300),
    st.text(alphabet=st.characters(categories=["Cc", "Cf", "Zs", "Nd", "No"]), max_size=30),
)

_any_input = st.one_of(
    _spelled(_mobile), _spelled(_landline), _short_code, _spelled(_short_code), _junk
)


@given(_any_input)
@example("+" + "9" * 16)
@example("0" * 64)
@example("\u200b13800138000")
@example("①③⑧⓪⓪①③⑧⓪⓪⓪")
def test_normalize_only_raises_invalid_phone_and_returns_e164(raw: str) -> None:
    try:
        number = normalize(raw)
    except InvalidPhone as exc:
        assert exc.code in set(PhoneProblem)
        return
    assert E164.match(number.e164)
    assert is_e164(number.e164)
    assert number.kind in set(PhoneKind)
    assert normalize(number.e164) == number  # normalizing is idempotent
    assert mask(number.e164).endswith(number.e164[-4:])


@given(_spelled(_mobile))
def test_every_spelling_of_a_mobile_is_a_mobile(raw: str) -> None:
    number = normalize(raw)
    assert number.kind is PhoneKind.MOBILE
    assert number.e164.startswith("+861")


@given(_short_code, _separator)
def test_short_codes_never_become_numbers(code: str, sep: str) -> None:
    with pytest.raises(InvalidPhone) as caught:
        normalize(sep.join(code))
    assert caught.value.code == PhoneProblem.SHORT_CODE
