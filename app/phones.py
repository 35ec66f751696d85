"""Phone numbers as the hotline stores them: E.164 plus what kind of line it is.

Residents type numbers every way there is (full-width digits from a Chinese IME, ``0086``, dashes,
spaces); everything downstream (unique residents, matching inbound SMS to people, choosing SMS or a
voice call) needs one canonical form and needs to know whether the line can take an SMS at all.
"""

import re
import unicodedata
from dataclasses import dataclass
from enum import StrEnum

import phonenumbers
from phonenumbers import NumberParseException, PhoneNumberFormat, PhoneNumberType

__all__ = [
    "InvalidPhone",
    "PhoneKind",
    "PhoneNumber",
    "PhoneProblem",
    "dialable",
    "is_e164",
    "mask",
    "normalize",
]

# Longer than any phone number however it is punctuated; refusing early keeps junk cheap.
MAX_INPUT_LENGTH = 64
# National numbers this short are service numbers (110, 580, 10086, 95588), never a person's line.
MAX_SHORT_CODE_DIGITS = 6

_E164 = re.compile(r"\+[1-9]\d{6,14}")
# Separators people put between digit groups; everything else that is not a digit is refused.
_SEPARATORS = re.compile(r"[\s\-.()/]")
_DIGITS = re.compile(r"\+?[0-9]+")


class PhoneKind(StrEnum):
    """What a number can do, as far as the numbering plan tells."""

    MOBILE = "mobile"  # can receive SMS: offers, confirmations and surveys go by text
    LANDLINE = "landline"  # fixed line, no SMS: confirm and survey by voice call
    VOIP = "voip"  # internet telephony; SMS support varies, treat as voice-first
    OTHER = "other"  # toll-free, 400 numbers, pagers...: valid, but not a resident's own line


class PhoneProblem(StrEnum):
    """Machine-readable reason a number was refused (``InvalidPhone.code``)."""

    EMPTY = "empty"  # nothing but whitespace and separators
    TOO_LONG = "too_long"  # far longer than any number; not worth parsing
    NOT_A_NUMBER = "not_a_number"  # letters, symbols or control characters among the digits
    SHORT_CODE = "short_code"  # a service number such as 110, 580 or 10086
    INVALID = "invalid"  # digits, but not a number that exists in the numbering plan


class InvalidPhone(ValueError):
    """A number the hotline cannot store; ``code`` says why, the message says it to a person."""

    def __init__(self, code: PhoneProblem, message: str) -> None:
        super().__init__(message)
        self.code = code


@dataclass(frozen=True, slots=True)
class PhoneNumber:
    """A normalized number: ``e164`` is the identity, ``kind`` decides SMS versus voice."""

    e164: str
    kind: PhoneKind

    @property
    def can_receive_sms(self) -> bool:
        """Only mobiles are texted; everything else is reached by a voice call."""
        return self.kind is PhoneKind.MOBILE


# FIXED_LINE_OR_MOBILE only occurs where the numbering plan cannot tell the two apart (the
# US and Canada, for example; never for +86). We call it mobile: most such lines take SMS, and a
# carrier's "cannot receive SMS" error (Twilio 21614/30006) is what switches a number to voice.
_KINDS: dict[int, PhoneKind] = {
    PhoneNumberType.MOBILE: PhoneKind.MOBILE,
    PhoneNumberType.FIXED_LINE_OR_MOBILE: PhoneKind.MOBILE,
    PhoneNumberType.FIXED_LINE: PhoneKind.LANDLINE,
    PhoneNumberType.VOIP: PhoneKind.VOIP,
}


def normalize(raw: str, region: str = "CN") -> PhoneNumber:
    """Turn whatever a person typed into an E.164 number and its kind.

    ``region`` decides how numbers without a country code are read (``023-61520695`` is a
    Chongqing landline when the region is CN). Raises ``InvalidPhone`` for anything that is not a
    resident's or volunteer's own line, including service short codes.
    """
    digits = _clean(raw)
    try:
        parsed = phonenumbers.parse(digits, region)
    except NumberParseException as exc:
        raise InvalidPhone(PhoneProblem.INVALID, f"{raw!r} is not a phone number") from exc
    if not phonenumbers.is_valid_number(parsed):
        raise _refusal(raw, parsed, region)
    kind = _KINDS.get(phonenumbers.number_type(parsed), PhoneKind.OTHER)
    return PhoneNumber(phonenumbers.format_number(parsed, PhoneNumberFormat.E164), kind)


def is_e164(value: str) -> bool:
    """True when ``value`` is already the canonical E.164 form of a valid number.

    Stricter than the ``+digits`` shape: ``+8610086`` has the shape but is a short code.
    """
    if not isinstance(value, str) or not _E164.fullmatch(value):
        return False
    try:
        parsed = phonenumbers.parse(value, None)
    except NumberParseException:
        return False
    return phonenumbers.is_valid_number(parsed) and (
        phonenumbers.format_number(parsed, PhoneNumberFormat.E164) == value
    )


def dialable(e164: str, region: str = "CN") -> str:
    """The number as a phone in ``region`` dials it: ``138 0013 8000``, ``023 6152 0695``.

    People copy a number from an SMS into the keypad; ``+86...`` from a Chinese mobile is
    awkward and from a landline does not work, so home numbers are written nationally.
    """
    try:
        parsed = phonenumbers.parse(e164, None)
    except NumberParseException:
        return e164
    own = phonenumbers.region_code_for_number(parsed) == region
    style = PhoneNumberFormat.NATIONAL if own else PhoneNumberFormat.INTERNATIONAL
    return phonenumbers.format_number(parsed, style)


def mask(e164: str) -> str:
    """Hide the middle of a number, e.g. ``+86 138****8000``.

    Volunteers see this before they accept an offer: enough to recognise a neighbour's number,
    not enough to call a stranger who was never assigned to them.
    """
    if not _E164.fullmatch(e164 or ""):
        raise InvalidPhone(PhoneProblem.INVALID, f"{e164!r} is not an E.164 number")
    try:
        parsed = phonenumbers.parse(e164, None)
    except NumberParseException as exc:
        raise InvalidPhone(PhoneProblem.INVALID, f"{e164!r} is not an E.164 number") from exc
    national = phonenumbers.national_significant_number(parsed)
    tail = 4
    head = max(0, min(3, len(national) - tail - 2))  # always hide at least two digits
    hidden = len(national) - head - tail
    return f"+{parsed.country_code} {national[:head]}{'*' * hidden}{national[-tail:]}"


def _clean(raw: str) -> str:
    """Reduce input to ``+?digits``: fold full-width forms, drop separators, refuse the rest."""
    if not isinstance(raw, str):
        raise InvalidPhone(PhoneProblem.NOT_A_NUMBER, f"expected text, got {type(raw).__name__}")
    if len(raw) > MAX_INPUT_LENGTH:
        raise InvalidPhone(
            PhoneProblem.TOO_LONG, f"phone number input is {len(raw)} characters long"
        )
    # NFKC folds full-width digits, '＋' and the ideographic space to their ASCII forms.
    folded = _SEPARATORS.sub("", unicodedata.normalize("NFKC", raw))
    if not folded:
        raise InvalidPhone(PhoneProblem.EMPTY, "no phone number given")
    if not _DIGITS.fullmatch(folded):
        raise InvalidPhone(
            PhoneProblem.NOT_A_NUMBER,
            f"{raw!r} contains characters other than digits, '+', spaces and dashes",
        )
    return folded


def _refusal(raw: str, parsed: phonenumbers.PhoneNumber, region: str) -> InvalidPhone:
    """Explain why a parsed but invalid number was refused, as helpfully as we can."""
    national = phonenumbers.national_significant_number(parsed)
    if len(national) <= MAX_SHORT_CODE_DIGITS or phonenumbers.is_valid_short_number(parsed):
        return InvalidPhone(
            PhoneProblem.SHORT_CODE, f"{raw!r} is a short service number, not a personal line"
        )
    if region == "CN" and parsed.country_code == 86 and len(national) in (7, 8):
        return InvalidPhone(
            PhoneProblem.INVALID,
            f"{raw!r} is not a valid number; landlines need their area code, e.g. 023-61520695",
        )
    return InvalidPhone(PhoneProblem.INVALID, f"{raw!r} is not a valid phone number")
