"""Reading loose replies: the intent, the ticket code and a note."""

from __future__ import annotations

import pytest

from app.volunteers.replies import Intent, parse


@pytest.mark.parametrize(
    ("body", "intent", "code", "note"),
    [
        ("1", Intent.accept, None, ""),
        ("1 804213", Intent.accept, "804213", ""),
        ("Y", Intent.accept, None, ""),
        ("yes I can come at 3", Intent.accept, None, "I can come at 3"),
        ("接单", Intent.accept, None, ""),
        ("要得 804213", Intent.accept, "804213", ""),
        ("要得，马上来", Intent.accept, None, "马上来"),
        ("没问题", Intent.accept, None, ""),
        ("莫得空", Intent.decline, None, ""),
        ("今天来不了", None, None, ""),
        ("来不了", Intent.decline, None, ""),
        ("[accept]", Intent.accept, None, ""),
        ("【接】#804213", Intent.accept, "804213", ""),
        ("是", Intent.accept, None, ""),
        ("2", Intent.decline, None, ""),
        ("NO 804213", Intent.decline, "804213", ""),
        ("不", Intent.decline, None, ""),
        ("否", Intent.decline, None, ""),
        ("接不了，今天加班", Intent.decline, None, "今天加班"),
        ("不接", Intent.decline, None, ""),
        ("ＤＯＮＥ replaced the belt", Intent.done, None, "replaced the belt"),
        ("完成804213 换了灯泡", Intent.done, "804213", "换了灯泡"),
        ("好了，换了个灯泡，现在亮了", Intent.done, None, "换了个灯泡,现在亮了"),
        ("已经修好了", Intent.done, None, ""),
        ("我都弄完了 804213", Intent.done, "804213", ""),
        ("换好了，是开关坏了", Intent.done, None, "是开关坏了"),
        ("水管换好了，阀门也紧了", Intent.done, None, "水管换好了,阀门也紧了"),
        ("灯泡已经装好了 804213", Intent.done, "804213", "灯泡已经装好了"),
        ("马桶整好了哈", Intent.done, None, "马桶整好了哈"),
        ("水管还没修好", None, None, ""),
        ("今天没弄完", None, None, ""),
        ("快修好了", None, None, ""),
        ("水管修好了吗", None, None, ""),
        ("我已经出发了", Intent.on_the_way, None, ""),
        ("好", Intent.accept, None, ""),
        ("on my way", Intent.on_the_way, None, ""),
        ("出发", Intent.on_the_way, None, ""),
        ("到了", Intent.on_the_way, None, ""),
        ("我到了 804213", Intent.on_the_way, "804213", ""),
        ("马上到，堵车", Intent.on_the_way, None, "堵车"),
        ("arrived", Intent.on_the_way, None, ""),
        ("再来 要买零件", Intent.again, None, "要买零件"),
        ("今天没修好，明天再来", Intent.again, None, "今天没修好,明天再来"),
        ("零件没带 804213 下午再过来", Intent.again, "804213", "零件没带 下午再过来"),
        ("我不再来了", None, None, ""),
        ("DROP", Intent.drop, None, ""),
        ("放弃", Intent.drop, None, ""),
        ("暂停", Intent.pause, None, ""),
        ("Resume", Intent.resume, None, ""),
        ("12", None, None, ""),
        ("nothing to see", None, None, ""),
        ("Yesterday the light broke", None, None, ""),
    ],
)
def test_parse(body, intent, code, note):
    reply = parse(body)
    assert (reply.intent, reply.code, reply.note) == (intent, code, note)
