"""Reading a survey answer out of a loose SMS: "1", "3 还是漏水", "满意谢谢", "巴适得很", "没修好".

People answer the way they talk, so the rating may be a digit, a standard word or an everyday
(often Chongqing) word, in Chinese or English, anywhere in the text, and may come with a comment.
A digit counts only at the start ("1楼灯坏了" is not a rating). Words are read longest first
(不满意 before 满意, 没修好 before 修好了); a text whose words point to different levels
("修好了但是态度不行") is unclear, and only then is the resident asked again.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from app.i18n import fold
from app.surveys.models import Rating

_S, _B, _U = Rating.satisfied, Rating.basically_satisfied, Rating.unsatisfied

# A leading digit (or standard word) is the rating the survey text asks for.
_LEADING_WORDS: dict[str, Rating] = {"1": _S, "2": _B, "3": _U}

# Everyday words for the three levels. Negated and compound forms are listed whole so the
# longest match reads them before their parts.
RATING_WORDS: dict[str, Rating] = {
    # satisfied
    "满意": _S, "很满意": _S, "非常满意": _S, "十分满意": _S, "好评": _S, "五星": _S,
    "要得": _S, "巴适": _S, "安逸": _S, "修好了": _S, "弄好了": _S, "已经好了": _S,
    "很好": _S, "非常好": _S, "挺好": _S, "太好了": _S, "不错": _S, "给力": _S, "点赞": _S,
    "整好了": _S, "搞好了": _S, "搞定了": _S, "莫得问题": _S, "没得问题": _S, "没问题": _S,
    "\U0001F44D": _S,  # a thumbs-up
    "SATISFIED": _S, "VERY SATISFIED": _S, "GOOD": _S, "GREAT": _S, "EXCELLENT": _S,
    "PERFECT": _S, "FIXED": _S, "ALL GOOD": _S, "VERY GOOD": _S,
    # basically satisfied
    "基本满意": _B, "比较满意": _B, "还算满意": _B, "还可以": _B, "还行": _B, "一般": _B,
    "一般般": _B, "马马虎虎": _B, "凑合": _B, "过得去": _B, "中评": _B, "将就": _B, "还将就": _B,
    "OK": _B, "OKAY": _B, "FINE": _B, "SO-SO": _B, "SO SO": _B, "AVERAGE": _B,
    # unsatisfied
    "不满意": _U, "不太满意": _U, "不是很满意": _U, "很不满意": _U, "非常不满意": _U,
    "不行": _U, "差评": _U, "孬": _U, "很差": _U, "太差": _U, "不好": _U, "不咋样": _U,
    "不巴适": _U, "不安逸": _U, "要不得": _U, "没修好": _U, "没有修好": _U, "没弄好": _U,
    "还没好": _U, "还是坏": _U, "又坏了": _U, "没解决": _U, "没有解决": _U, "未解决": _U,
    "还在漏": _U, "还是漏": _U, "不得行": _U, "莫得修好": _U, "没得修好": _U, "没整好": _U,
    "莫整好": _U, "没搞好": _U,
    "UNSATISFIED": _U, "NOT SATISFIED": _U, "DISSATISFIED": _U, "BAD": _U, "POOR": _U,
    "TERRIBLE": _U, "NOT GOOD": _U, "NOT FIXED": _U, "STILL BROKEN": _U, "NOT SOLVED": _U,
    "NOT RESOLVED": _U, "STILL NOT WORKING": _U, "BROKEN AGAIN": _U,
}  # fmt: skip

NOT_FIXED = re.compile(
    r"没修好|没有修好|没弄好|还没好|还是坏|又坏了|没解决|没有解决|未解决|还在漏|还是漏"
    r"|不得行|莫得修好|没得修好|没整好|莫整好|没搞好"
    r"|NOT FIXED|STILL BROKEN|NOT SOLVED|NOT RESOLVED|STILL NOT WORKING|BROKEN AGAIN",
    re.IGNORECASE,
)

# Words that rate only when they are the whole answer: inside a sentence they mean other things
# ("好像还是不行", "可以帮我再看看吗"). A thank-you and nothing more is satisfied.
_WHOLE_ANSWERS: dict[str, Rating] = {"好": _S, "可以": _B, "行": _B, "NOT REALLY": _U}
_THANKS_ONLY = re.compile(
    r"(?:非常|十分|太|真是)?(?:感谢|谢谢|多谢|谢了|谢啦|辛苦了)(?:你们|您|师傅|志愿者|大家|了|啦|哈)*"
    r"|(?:THANK YOU|THANKS)(?: SO MUCH| VERY MUCH| A LOT)?"
)
_PUNCTUATION = re.compile(r"[\s.,!?;:。，！？；：、~～]+")
_TRAILING_PARTICLES = re.compile(r"\s*(?:了|啊|呀|哦|哈|嘛|噻|哟|吧)+$")

# Phrases that contain a rating word but say something else ("不好意思" is "sorry").
_NOT_RATINGS = re.compile(r"不好意思|好不好|行不行|SORRY")

_LEADING = re.compile(r"^[\s\[\]【】()（）\"'“”‘’#]+")
_SEPARATORS = " \t\n.,!?;:-。，！？；：、"
# What people tack on after a rating word: "巴适得很", "要得哈", "满意了".
_INTENSIFIERS = re.compile(r"^(?:得很|的很|得狠|惨了|得很呐|了|啊|呀|哦|哈|嘛|噻|哟|吧|!|！)+")
_SCAN = re.compile(
    "|".join(
        (re.escape(w) if not w.isascii() else r"(?<![A-Z])" + re.escape(w) + r"(?![A-Z])")
        for w in sorted(RATING_WORDS, key=len, reverse=True)
    )
)


@dataclass(frozen=True)
class ParsedAnswer:
    rating: Rating
    comment: str


def parse_answer(text: str) -> ParsedAnswer | None:
    """The rating and comment in `text`, or None when it holds no rating or contradicts itself."""
    folded = _LEADING.sub("", fold(text).strip())
    upper = folded.upper()
    digit = folded[:1]
    if digit in _LEADING_WORDS and not folded[1:2].isalnum():
        return ParsedAnswer(_LEADING_WORDS[digit], _comment(folded[1:]))
    words = _PUNCTUATION.sub(" ", upper).strip()
    bare = _TRAILING_PARTICLES.sub("", words)
    if bare in _WHOLE_ANSWERS:
        return ParsedAnswer(_WHOLE_ANSWERS[bare], "")
    if _THANKS_ONLY.fullmatch(words):
        return ParsedAnswer(_S, text.strip())
    masked = _NOT_RATINGS.sub(lambda m: "　" * len(m.group()), upper)
    found = [(m, RATING_WORDS[m.group()]) for m in _SCAN.finditer(masked)]
    levels = {rating for _, rating in found}
    if len(levels) != 1:
        return None
    first = found[0][0]
    if first.start() == 0:  # "满意谢谢", "巴适得很，师傅辛苦了": the rest is the comment
        return ParsedAnswer(found[0][1], _comment(folded[first.end() :]))
    return ParsedAnswer(found[0][1], text.strip())


def mentions_not_fixed(comment: str) -> bool:
    return bool(NOT_FIXED.search(fold(comment)))


def _comment(rest: str) -> str:
    return _INTENSIFIERS.sub("", rest.strip(_SEPARATORS + "]】)）")).strip(_SEPARATORS)
