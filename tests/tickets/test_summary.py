"""What an offer shows of the resident's words: trimmed, no phone numbers, no flat numbers."""

from __future__ import annotations

import pytest

from app.communities.models import Community
from app.tickets.models import Ticket
from app.tickets.summary import place, problem_summary


@pytest.mark.parametrize(
    ("description", "shown"),
    [
        ("洗衣机坏了，转几下就不动了", "洗衣机坏了，转几下就不动了"),
        ("  外墙漏水  \n第二行", "外墙漏水"),
        ("灯泡坏了，电话13800138000", "灯泡坏了，电话**"),
        ("灯泡坏了，打我电话138 0013 8000", "灯泡坏了，打我电话**"),
        ("座机023-61520695有人", "座机**有人"),
        ("3栋2单元401的灯坏了", "3栋**的灯坏了"),
        ("3栋401马桶堵了", "3栋**马桶堵了"),
        ("302室水管爆了", "**水管爆了"),
        ("小区3栋外墙漏水，家里墙面发霉已经两个月了", "小区3栋外墙漏水，家里墙面发霉已经两个…"),
    ],
)
def test_summary_hides_numbers_and_trims(description: str, shown: str) -> None:
    assert problem_summary(description) == shown


def test_english_flats_are_hidden_too() -> None:
    text = "TV broken, flat 12B, call 13800138000"
    assert problem_summary(text, 40) == "TV broken, **, call **"


def test_an_empty_description_is_empty() -> None:
    assert problem_summary("  \n ") == ""


@pytest.mark.parametrize(
    ("building", "zh", "en"),
    [
        ("7栋", "双龙社区7栋", "Shuanglong building 7"),
        ("12幢", "双龙社区12幢", "Shuanglong 12幢"),
        ("", "双龙社区", "Shuanglong"),
    ],
)
def test_the_place_in_each_language(building: str, zh: str, en: str) -> None:
    ticket = Ticket(building=building)
    ticket.community = Community(code="sl", name="双龙社区", name_en="Shuanglong")
    assert (place(ticket, "zh"), place(ticket, "en")) == (zh, en)
