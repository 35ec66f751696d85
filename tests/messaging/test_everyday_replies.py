"""Residents and volunteers texting as people do, replayed through the signed SMS webhook:
Chongqing ratings, thank-yous after a reply, a visit or a survey, the comment after a rating,
and opting in again in Chinese."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from app.db import db
from app.messaging.models import OptOut
from app.surveys.models import Rating, Survey
from app.tickets.models import Ticket, TicketStatus
from tests.support.closure import (
    MOBILE,
    assign,
    event_kinds,
    report,
    resident,
    resolve,
    street,
    surveyed_ticket,
    texts_to,
    volunteer,
)
from tests.support.texting import replies, text_line


def ticket_count() -> int:
    return db.session.scalar(select(func.count()).select_from(Ticket))


def done_and_surveyed(client, clock) -> Ticket:
    return surveyed_ticket(client, clock)[0]


@pytest.mark.parametrize(
    ("text", "rating"),
    [
        ("要得", Rating.satisfied),
        ("巴适得很，师傅辛苦了", Rating.satisfied),
        ("安逸", Rating.satisfied),
        ("修好了，谢谢", Rating.satisfied),
        ("还行吧", Rating.basically_satisfied),
        ("一般", Rating.basically_satisfied),
        ("孬", Rating.unsatisfied),
        ("差评，没修好", Rating.unsatisfied),
        # Each word of the issue on its own, as residents send them.
        ("巴适", Rating.satisfied),
        ("很满意", Rating.satisfied),
        ("好评", Rating.satisfied),
        ("修好了", Rating.satisfied),
        ("还可以", Rating.basically_satisfied),
        ("还行", Rating.basically_satisfied),
        ("不行", Rating.unsatisfied),
        ("差评", Rating.unsatisfied),
        ("没修好", Rating.unsatisfied),
    ],
)
def test_everyday_ratings_close_the_survey(client, ctx, clock, text, rating):
    ticket = done_and_surveyed(client, clock)
    [answer] = replies(text_line(client, MOBILE, text))
    db.session.expire_all()
    survey = db.session.scalars(select(Survey)).one()
    assert survey.rating == rating
    # An unsatisfied answer keeps the ticket open for its return visit.
    ended = TicketStatus.return_visit if rating is Rating.unsatisfied else TicketStatus.closed
    assert ticket.status == ended
    assert ticket.code in answer
    assert ticket_count() == 1


def test_truly_unclear_is_asked_again_once(client, ctx, clock):
    done_and_surveyed(client, clock)
    [answer] = replies(text_line(client, MOBILE, "修好了但是态度不行"))
    assert "没能看懂" in answer
    [answer] = replies(text_line(client, MOBILE, "巴适"))
    assert "谢谢您" in answer
    assert db.session.scalars(select(Survey)).one().rating == Rating.satisfied


def test_comments_after_the_rating_go_to_the_survey_never_to_a_ticket(client, ctx, clock):
    ticket = done_and_surveyed(client, clock)
    replies(text_line(client, MOBILE, "1 师傅很好"))
    clock.advance(minutes=3)
    # Words of a category, which used to open a ticket and dispatch it.
    [answer] = replies(text_line(client, MOBILE, "就是洗衣机下面的水管还有点漏水"))
    assert "意见" in answer
    clock.advance(minutes=3)
    assert replies(text_line(client, MOBILE, "好的，谢谢师傅")) == []
    db.session.expire_all()
    survey = db.session.scalars(select(Survey)).one()
    assert "水管还有点漏水" in survey.comment and "师傅很好" in survey.comment
    assert ticket_count() == 1
    assert event_kinds(ticket)[-2:] == ["survey_comment", "thanks"]


def test_thanks_after_the_reply_and_after_the_visit_go_on_the_timeline(client, ctx, clock):
    community, _ = street()
    resident(community)
    helper = volunteer(community=community)
    ticket = report(client, MOBILE, "洗衣机坏了，转几下就不动了")
    for text in ["好的，谢谢师傅", "要得", "OK thanks", "收到"]:
        assert replies(text_line(client, MOBILE, text)) == []
        clock.advance(minutes=10)
    assign(ticket, helper)
    resolve(ticket, helper)
    clock.advance(hours=5)  # past the window in which a text adds to the ticket
    assert replies(text_line(client, MOBILE, "谢谢")) == []
    db.session.expire_all()
    assert ticket_count() == 1
    assert event_kinds(ticket).count("thanks") == 5
    assert ticket.description == "洗衣机坏了，转几下就不动了"  # nothing appended
    assert "好的，谢谢师傅" not in ticket.description
    # But thanks followed by a problem is a report: a new one, or the fixed one come back.
    clock.advance(days=1)
    assert "已收到您的求助" in replies(text_line(client, MOBILE, "谢谢，厨房水龙头漏水"))[0]
    assert ticket_count() == 2
    assert "重新安排" in replies(text_line(client, MOBILE, "谢谢，洗衣机又坏了"))[0]
    assert ticket_count() == 2
    assert "reopen" in event_kinds(ticket)


def test_thanks_with_no_ticket_opens_nothing(client, ctx):
    assert replies(text_line(client, MOBILE, "谢谢")) == []
    assert ticket_count() == 0


@pytest.mark.parametrize("word", ["开始", "恢复", "订阅", "START"])
def test_opting_in_again_in_the_residents_language(client, ctx, clock, word):
    community, _ = street()
    resident(community, language="zh")
    ticket = report(client, MOBILE, "楼道灯不亮了")
    assert "已退订" in replies(text_line(client, MOBILE, "退订"))[0]
    [answer] = replies(text_line(client, MOBILE, word))
    assert "已恢复短信通知" in answer  # Chinese even for START
    db.session.expire_all()
    assert db.session.get(OptOut, MOBILE) is None
    assert word not in ticket.description  # not appended to the complaint
    assert ticket_count() == 1


def test_a_volunteers_resume_is_still_resume(client, ctx):
    helper = volunteer()
    text_line(client, helper.phone, "暂停")
    [answer] = replies(text_line(client, helper.phone, "恢复"))
    assert texts_to(helper.phone, "volunteer_resumed")
    assert answer == texts_to(helper.phone)[-1].body


@pytest.mark.parametrize("text", ["不满意", "很不满意！", "差评", "没修好啊", "不满意，谢谢"])
def test_unhappy_with_nothing_open_asks_what_is_wrong_and_opens_nothing(client, ctx, text):
    community, _ = street()
    resident(community)
    volunteer(community=community)
    [answer] = replies(text_line(client, MOBILE, text))
    assert "哪里不满意" in answer
    assert ticket_count() == 0
    # Told what is wrong, the line acts on it.
    assert "已收到您的求助" in replies(text_line(client, MOBILE, "水管还在漏水"))[0]
    assert ticket_count() == 1


def test_unhappy_after_the_survey_was_answered_goes_on_that_tickets_timeline(client, ctx, clock):
    ticket = done_and_surveyed(client, clock)
    text_line(client, MOBILE, "满意")
    clock.advance(days=3)
    [answer] = replies(text_line(client, MOBILE, "不满意"))
    assert "哪里不满意" in answer
    assert ticket_count() == 1
    assert event_kinds(ticket)[-1] == "unhappy"


def test_unhappy_days_after_a_report_goes_to_the_open_ticket(client, ctx, clock):
    community, _ = street()
    resident(community)
    ticket = report(client, MOBILE, "洗衣机坏了，转几下就不动了")
    clock.advance(hours=30)  # long past the window in which any text adds to it
    [answer] = replies(text_line(client, MOBILE, "太差了，不满意"))
    assert ticket.code in answer
    db.session.expire_all()
    assert ticket_count() == 1
    assert ticket.description.endswith("太差了，不满意")


@pytest.mark.parametrize("text", ["我腿脚不好，下不了楼买菜", "水管没修好，还在漏", "3"])
def test_more_than_unhappy_words_is_not_a_complaint(client, ctx, text):
    community, _ = street()
    resident(community)
    [answer] = replies(text_line(client, MOBILE, text))
    assert "哪里不满意" not in answer
