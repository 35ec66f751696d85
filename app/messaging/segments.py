"""How many SMS segments a text costs, counted the way carriers bill it.

Templates are checked against a segment budget and every outbound message records its segments,
so the count must match the carrier's: GSM-7 when every character is in the GSM 03.38 alphabet,
otherwise UCS-2, where Chinese costs a segment per 67 characters once a message is split.
"""

import re
from dataclasses import dataclass
from enum import StrEnum

__all__ = ["Encoding", "SegmentInfo", "count", "smart_ascii"]

# GSM 03.38 basic character set (without ESC, which only introduces the extension table).
GSM7_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
# Extension table: each is sent as ESC + character, so it costs two septets.
GSM7_EXTENSION = frozenset("\f^{}\\[~]|€")

_GSM7 = GSM7_BASIC | GSM7_EXTENSION
# The characters that cost two units: an escape pair in GSM-7, a surrogate pair in UTF-16.
_GSM7_DOUBLE = re.compile("[" + re.escape("".join(sorted(GSM7_EXTENSION))) + "]")
_UCS2_DOUBLE = re.compile("[\U00010000-\U0010ffff]")

GSM7_SINGLE = 160  # septets in a message sent as one segment
GSM7_PART = 153  # septets per segment once split: the rest is the concatenation header
UCS2_SINGLE = 70  # UTF-16 code units in a message sent as one segment
UCS2_PART = 67  # UTF-16 code units per segment once split


class Encoding(StrEnum):
    """The alphabet a message travels in; one character outside GSM-7 makes all of it UCS-2."""

    GSM7 = "GSM-7"  # 7-bit GSM alphabet: 160 per single segment, 153 per part
    UCS2 = "UCS-2"  # 16-bit (UTF-16 on the wire): 70 per single segment, 67 per part


@dataclass(frozen=True, slots=True)
class SegmentInfo:
    """The cost of one message: ``units`` are septets (GSM-7) or UTF-16 code units (UCS-2)."""

    encoding: Encoding
    segments: int
    units: int


def count(text: str) -> SegmentInfo:
    """Count segments for ``text``; an empty text is 0 segments because nothing would be sent.

    Once split, a two-unit character (a GSM-7 escape pair or a UTF-16 surrogate pair) is never
    cut across segments, so a split message can need one segment more than plain division says.
    """
    if _is_gsm7(text):
        encoding, single, part, double = Encoding.GSM7, GSM7_SINGLE, GSM7_PART, _GSM7_DOUBLE
    else:
        encoding, single, part, double = Encoding.UCS2, UCS2_SINGLE, UCS2_PART, _UCS2_DOUBLE
    doubles = len(double.findall(text))
    units = len(text) + doubles
    if units <= single:
        return SegmentInfo(encoding, 1 if units else 0, units)
    if not doubles:
        return SegmentInfo(encoding, -(-units // part), units)
    positions = {m.start() for m in double.finditer(text)}
    sizes = [2 if i in positions else 1 for i in range(len(text))]
    return SegmentInfo(encoding, _split(sizes, part), units)


def _split(sizes: list[int], part: int) -> int:
    """Segments of `part` units holding characters of `sizes` units, none cut in two."""
    segments, used = 1, 0
    for size in sizes:
        if used + size > part:
            segments, used = segments + 1, 0
        used += size
    return segments


# Typographic characters that word processors and phones slip into English text. Each has a
# plain GSM-7 look-alike; left in, one of them makes a whole English SMS UCS-2 (70, not 160).
_SMART_ASCII = str.maketrans(
    {
        "\u2018": "'",  # left single quotation mark
        "\u2019": "'",  # right single quotation mark, also the typographic apostrophe
        "\u201a": "'",  # single low-9 quotation mark
        "\u201b": "'",  # single high-reversed-9 quotation mark
        "\u2032": "'",  # prime
        "\u00b4": "'",  # acute accent used as an apostrophe
        "`": "'",  # grave accent: not in GSM-7 at all
        "\u201c": '"',  # left double quotation mark
        "\u201d": '"',  # right double quotation mark
        "\u201e": '"',  # double low-9 quotation mark
        "\u201f": '"',  # double high-reversed-9 quotation mark
        "\u2033": '"',  # double prime
        "\u00ab": '"',  # left guillemet
        "\u00bb": '"',  # right guillemet
        "\u2010": "-",  # hyphen
        "\u2011": "-",  # non-breaking hyphen
        "\u2012": "-",  # figure dash
        "\u2013": "-",  # en dash
        "\u2014": "-",  # em dash
        "\u2015": "-",  # horizontal bar
        "\u2212": "-",  # minus sign
        "\u2026": "...",  # horizontal ellipsis
        "\u2022": "-",  # bullet
        "\u00a0": " ",  # no-break space
        "\u2002": " ",  # en space
        "\u2003": " ",  # em space
        "\u2009": " ",  # thin space
        "\u200a": " ",  # hair space
        "\u202f": " ",  # narrow no-break space
        "\u200b": "",  # zero-width space: invisible, drop it
        "\u00ad": "",  # soft hyphen: invisible unless a line breaks there
        "\ufeff": "",  # byte order mark pasted from a file
    }
)


def smart_ascii(text: str) -> str:
    """Replace typographic quotes, dashes, ellipses and odd spaces with GSM-7 look-alikes.

    Meant for English templates, where a pasted curly apostrophe would otherwise make every
    message UCS-2 and cost two or three times as much. The text is returned unchanged unless the
    replacement is GSM-7 and no dearer: Chinese keeps its “” and ……, which are right there, and
    a text of many ellipses does not grow into more segments.
    """
    plain = text.translate(_SMART_ASCII)
    if _is_gsm7(plain) and count(plain).segments <= count(text).segments:
        return plain
    return text


def _is_gsm7(text: str) -> bool:
    return _GSM7.issuperset(text)
