"""Reading a survey answer out of a loose SMS: "1", "3 还是漏水", "满意谢谢", "ok", "没修好".

People answer the way they talk, so the rating may be a digit or a word (Chinese or English) and
may be followed by a comment. A text with no rating but saying the job is not done ("没修好",
"not fixed") is an unsatisfied answer in itself.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from app.surveys.models import Rating

# Longest first, so 不满意 wins over 满意 and "NOT SATISFIED" over "SATISFIED".
_WORDS: list[tuple[str, Rating]] = sorted(
    [
        ("1", Rating.satisfied),
        ("满意", Rating.satisfied),
        ("非常满意", Rating.satisfied),
        ("SATISFIED", Rating.satisfied),
        ("2", Rating.basically_satisfied),
        ("基本满意", Rating.basically_satisfied),
        ("一般", Rating.basically_satisfied),
        ("OK", Rating.basically_satisfied),
        ("OKAY", Rating.basically_satisfied),
        ("3", Rating.unsatisfied),
        ("不满意", Rating.unsatisfied),
        ("UNSATISFIED", Rating.unsatisfied),
        ("NOT SATISFIED", Rating.unsatisfied),
        ("DISSATISFIED", Rating.unsatisfied),
    ],
    key=lambda pair: -len(pair[0]),
)

NOT_FIXED = re.compile(
    r"没修好|没有修好|没弄好|还没好|还是坏|又坏了|没解决|没有解决|未解决|还在漏|还是漏"
    r"|NOT FIXED|STILL BROKEN|NOT SOLVED|NOT RESOLVED|STILL NOT WORKING|BROKEN AGAIN",
    re.IGNORECASE,
)

_LEADING = re.compile(r"^[\s\[\]【】()（）\"'“”‘’#]+")
_SEPARATORS = " \t\n.,!?;:-。，！？；：、"


@dataclass(frozen=True)
class ParsedAnswer:
    rating: Rating
    comment: str


def parse_answer(text: str) -> ParsedAnswer | None:
    """The rating and comment in `text`, or None when it is not a survey answer."""
    folded = _LEADING.sub("", unicodedata.normalize("NFKC", text).strip())
    upper = folded.upper()
    for word, rating in _WORDS:
        if upper.startswith(word) and _ends_word(word, folded[len(word) :]):
            return ParsedAnswer(rating, folded[len(word) :].strip(_SEPARATORS + "]】)）"))
    if mentions_not_fixed(folded):
        return ParsedAnswer(Rating.unsatisfied, folded)
    return None


def mentions_not_fixed(comment: str) -> bool:
    return bool(NOT_FIXED.search(unicodedata.normalize("NFKC", comment)))


def _ends_word(word: str, rest: str) -> bool:
    """A digit or English word must stand alone ("1楼灯坏了", "OKAY" and "12" are not "1"/"OK");
    a Chinese rating may run straight into its comment ("满意谢谢")."""
    if not rest or not (word.isascii()):
        return True
    return not (rest[0].isalnum())
