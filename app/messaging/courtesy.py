"""Texts that only thank or praise: "好的，谢谢师傅", "要得", "巴适", "非常满意", "👍".

A resident who thanks us after a reply, a visit or a survey is not asking for anything; reading
such a text as a new problem opens a ticket and sends volunteers to a door nobody needs opened.
The test is strict: the text must be made of nothing but courtesy words and punctuation, so
"谢谢，洗衣机又坏了" is still a report.
"""

from __future__ import annotations

import re

from app.i18n import fold

MAX_LENGTH = 40  # longer texts say something more, whatever words they use

# Chinese (Chongqing words among them), then English.
COURTESY_PHRASES = (
    "谢谢", "谢了", "谢啦", "多谢", "感谢", "非常感谢", "太感谢了", "麻烦了", "麻烦你们了",
    "麻烦您了", "辛苦了", "辛苦", "师傅", "老师", "你们", "您", "你", "大家", "了", "啊", "哈",
    "哦", "噢", "嗯", "呢", "啦", "的", "好的", "好", "好嘞", "好滴", "行", "行的", "可以",
    "要得", "巴适", "安逸", "得很", "收到", "知道了", "晓得了", "晓得", "明白", "明白了", "没问题",
    "没得问题", "拜拜",
    "再见", "了解", "好人", "一路平安", "真是", "太", "很", "非常", "挺", "十分", "满意", "点赞",
    "给你们", "好评", "不错", "ok", "okay", "thanks",
    "thank you", "thank", "you", "thx", "ty", "many", "much", "very", "so", "a lot", "got it",
    "noted", "received", "great", "cheers", "fine", "cool", "alright", "all right", "bye",
    "sure", "yes", "yep", "k",
)  # fmt: skip
# Emoji and punctuation people add: 👍🙏😊, "～", "~", full stops and commas of both scripts.
_NOISE = re.compile(r"[\s\W_\U0001F300-\U0001FAFF\u2600-\u27BF]+")
_PHRASES = re.compile(
    "|".join(
        re.escape(p) if not p.isascii() else rf"(?<![a-z]){re.escape(p)}(?![a-z])"
        for p in sorted(COURTESY_PHRASES, key=len, reverse=True)
    )
)
# At least one of these must be there: "你" or "了" alone acknowledge nothing. The emoji are
# the thumbs-up, OK hand, folded hands, clapping, smiles, handshake, flexed arm, heart and
# flowers people send instead of a word; an angry face acknowledges nothing.
_ANCHORS = re.compile(
    r"谢|感谢|辛苦|麻烦|好的|好嘞|好滴|要得|巴适|安逸|收到|知道了|晓得|明白|没问题|了解|可以|拜拜|再见"
    r"|满意|点赞|好评|不错|挺好|很好|太好了|^好$|^行$|[👌👍👏🙏😀-😊🙂"
    r"🤝💪❤✌🌹🌷💐]"
    r"|(?<![a-z])(?:ok|okay|thanks?|thx|ty|got it|noted|received|cheers|bye|fine|great|cool)"
    r"(?![a-z])"
)


# A greeting and nothing more ("你好", "在吗？", "喂，有人吗"): someone starting to talk, not yet
# saying what is wrong.
GREETING = re.compile(
    r"你好|您好|你们好|在吗|在不在|有人吗|有没有人|喂|哈喽|嗨|请问|呀"
    r"|(?<![a-z])(?:hello|hi|hey|good (?:morning|afternoon|evening)|anyone|there)(?![a-z])"
)
# What a caller says while thinking or checking the line is there: 嗯, 那个, 就是, um.
_FILLER = re.compile(r"嗯|啊|呃|额|那个|这个|就是|(?<![a-z])(?:um+|uh+|er+|erm|so)(?![a-z])")


def says_nothing_yet(text: str) -> bool:
    """True for a greeting, thanks or filler alone ("喂？", "嗯，你好"): the caller has not said
    what is wrong, so the words are no description of a problem."""
    folded = fold(text).strip().lower()
    return _without_courtesy(_FILLER.sub(" ", GREETING.sub(" ", folded))) == ""


def is_courtesy(text: str) -> bool:
    """True when `text` only thanks or acknowledges."""
    folded = fold(text).strip().lower()
    if len(folded) > MAX_LENGTH or not _ANCHORS.search(folded):
        return False
    return _only_courtesy(folded)


def says_only(text: str, words: re.Pattern[str]) -> bool:
    """True when `text` says one of `words` (matched folded and lower-case) and besides them only
    courtesy: "不用了，谢谢师傅" says only "不用了"."""
    return besides(text, words) == ""


def besides(text: str, words: re.Pattern[str]) -> str | None:
    """What `text` says besides `words` and courtesy ("电梯" of "不用了，电梯已经好了，谢谢"),
    folded and lower-case; None when it says none of `words` or is too long to be that short."""
    folded = fold(text).strip().lower()
    if len(folded) > MAX_LENGTH or not words.search(folded):
        return None
    return _without_courtesy(words.sub(" ", folded))


def _only_courtesy(folded: str) -> bool:
    return _without_courtesy(folded) == ""


def _without_courtesy(folded: str) -> str:
    return _NOISE.sub("", _PHRASES.sub(" ", folded))
