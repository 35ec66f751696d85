"""A thank-you is not a request: table of what people write, both ways."""

from __future__ import annotations

import pytest

from app.messaging.courtesy import is_courtesy


@pytest.mark.parametrize(
    "text",
    [
        "好的，谢谢师傅",
        "谢谢",
        "谢谢！",
        "要得",
        "要得要得",
        "OK thanks",
        "ok thank you",
        "Thanks a lot!",
        "收到",
        "好的",
        "好",
        "好的👍",
        "谢谢🙏🙏",
        "辛苦了师傅",
        "麻烦你们了，谢谢",
        "嗯嗯，知道了",
        "晓得了，谢谢哈",
        "多谢多谢",
        "好嘞，谢谢您",
        "非常感谢！",
        "没问题",
        "Got it, thanks",
        "Thank you very much",
        "谢谢你们～",
        "非常满意",
        "很满意，谢谢",
        "给你们点赞👍",
        "太好了，谢谢师傅",
        "不错不错",
        "挺好的",
    ],
)
def test_thanks_and_acknowledgements(text: str) -> None:
    assert is_courtesy(text)


@pytest.mark.parametrize(
    "text",
    [
        "谢谢，洗衣机又坏了",
        "好的，明天上午来吗",
        "thanks, but the tap still drips",
        "师傅",
        "你",
        "",
        "灯泡坏了",
        "要得，顺便帮我看下热水器",
        "进度",
        "1",
        "OK the light is broken again",
        "谢谢" * 30,
        "不满意",
        "不是很好，还在漏",
        "满意个啥，又坏了",
    ],
)
def test_texts_that_say_more_are_not_courtesy(text: str) -> None:
    assert not is_courtesy(text)
