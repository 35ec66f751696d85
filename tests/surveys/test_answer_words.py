"""The words residents really rate with, Chongqing ones among them: table-driven."""

from __future__ import annotations

import pytest

from app.surveys.answers import parse_answer
from app.surveys.models import Rating

S, B, U = Rating.satisfied, Rating.basically_satisfied, Rating.unsatisfied


@pytest.mark.parametrize(
    ("text", "rating", "comment"),
    [
        ("1", S, ""),
        ("2", B, ""),
        ("3 还是转不动", U, "还是转不动"),
        ("【1】", S, ""),
        ("满意谢谢", S, "谢谢"),
        ("要得", S, ""),
        ("要得！", S, ""),
        ("巴适", S, ""),
        ("巴适得很", S, ""),
        ("巴适得很，师傅辛苦了", S, "师傅辛苦了"),
        ("安逸", S, ""),
        ("很满意", S, ""),
        ("好评", S, ""),
        ("修好了", S, ""),
        ("修好了，谢谢师傅", S, "谢谢师傅"),
        ("师傅修好了，巴适", S, "师傅修好了，巴适"),
        ("还可以", B, ""),
        ("一般", B, ""),
        ("一般般吧", B, ""),
        ("还行", B, ""),
        ("还行吧，来晚了点", B, "来晚了点"),
        ("基本满意", B, ""),
        ("不行", U, ""),
        ("差评", U, ""),
        ("没修好", U, ""),
        ("还是没修好", U, "还是没修好"),
        ("孬", U, ""),
        ("孬得很", U, ""),
        ("不满意", U, ""),
        ("不太满意", U, ""),
        ("不巴适", U, ""),
        ("要不得", U, ""),
        ("不好意思，还没修好", U, "不好意思，还没修好"),
        ("ok", B, ""),
        ("Good job thanks", S, "job thanks"),
        # A thank-you and nothing more answers "were you satisfied?" with a yes.
        ("谢谢", S, "谢谢"),
        ("非常感谢师傅！", S, "非常感谢师傅！"),
        ("Thank you so much!", S, "Thank you so much!"),
        ("不满意，谢谢", U, "谢谢"),
        # Words that rate only as the whole answer.
        ("好", S, ""),
        ("可以吧", B, ""),
        ("行", B, ""),
        ("Not really.", U, ""),
        ("satisfied", S, ""),
        ("not satisfied, still leaking", U, "still leaking"),
        ("still broken", U, ""),
    ],
)
def test_everyday_words_map_to_the_three_levels(text: str, rating: Rating, comment: str) -> None:
    parsed = parse_answer(text)
    assert parsed is not None, text
    assert (parsed.rating, parsed.comment) == (rating, comment)


@pytest.mark.parametrize(
    "text",
    [
        "12",
        "1楼灯坏了",
        "好的",
        "可以帮我再看看吗",
        "好像",
        "修好了但是态度不行",  # two levels at once: truly unclear, ask again
        "要得，就是不太满意",
        "明天再说",
        "",
    ],
)
def test_unclear_or_unrelated_texts_are_not_ratings(text: str) -> None:
    assert parse_answer(text) is None
