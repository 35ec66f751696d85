"""A resident texts the line: tickets, replies, follow-ups, commands."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from app.communities.models import Community
from app.db import db
from app.messaging.models import Direction, Message, MessageStatus
from app.residents.models import Resident
from app.tickets.models import Priority, Ticket, TicketStatus
from tests.support.texting import replies, text_line

MOBILE = "13800138000"
E164 = "+8613800138000"


def tickets() -> list[Ticket]:
    return list(db.session.scalars(select(Ticket).order_by(Ticket.id)))


@pytest.fixture
def known(ctx) -> Resident:
    """The texter is a resident of a community, so their tickets go straight to dispatch (a
    stranger is first asked where: tests/tickets/test_strangers.py)."""
    home = Community(code="longxi", name="龙溪社区", name_en="Longxi")
    person = Resident(phone=E164, community=home, building="3栋")
    db.session.add_all([home, person])
    db.session.commit()
    return person


def test_a_text_opens_a_ticket_and_the_reply_holds_its_code(client, known):
    response = text_line(client, MOBILE, "洗衣机坏了，转几下就不动了")

    assert response.status_code == 200
    [reply] = replies(response)
    [ticket] = tickets()
    assert ticket.category_code == "appliance"
    # No volunteer exists, so dispatch finds no taker and staff must arrange it.
    assert ticket.status == TicketStatus.unassigned
    assert re.fullmatch(r"\d{6}", ticket.code)
    assert ticket.code in reply and "家电维修" in reply
    assert ticket.resident.phone == E164
    assert ticket.due_at is not None and ticket.remind_at < ticket.due_at
    assert [e.kind for e in ticket.events] == ["received", "dispatch", "no_taker"]
    out = db.session.scalars(select(Message).where(Message.direction == Direction.outbound)).one()
    assert out.status == MessageStatus.replied and out.body == reply and out.ticket_id == ticket.id


def test_unknown_sender_becomes_a_resident_in_the_language_they_wrote(client, ctx):
    reply = replies(text_line(client, "+86 138 0013 8001", "My TV has no picture"))[0]
    resident = db.session.scalars(select(Resident)).one()
    assert resident.language == "en" and resident.phone == "+8613800138001"
    assert "Appliance repair" in reply
    assert reply.isascii()


def test_a_second_text_within_two_hours_adds_to_the_open_ticket(client, ctx, clock):
    text_line(client, MOBILE, "家里有点问题")
    clock.advance(hours=1, minutes=59)
    reply = replies(text_line(client, MOBILE, "楼道灯不亮了"))[0]
    [ticket] = tickets()
    assert ticket.code in reply and "补充" in reply
    assert "楼道灯不亮了" in ticket.description
    assert ticket.category_code == "electrical"  # the follow-up sharpened "other"
    clock.advance(hours=2, minutes=1)
    text_line(client, MOBILE, "水龙头漏水")
    assert len(tickets()) == 2


def test_danger_words_mark_the_ticket_urgent_and_give_emergency_numbers(client, ctx):
    reply = replies(text_line(client, MOBILE, "厨房有煤气味"))[0]
    [ticket] = tickets()
    assert ticket.priority == Priority.urgent
    assert "119" in reply and "开窗" in reply and "燃气公司" in reply  # gas: the gas advice


def test_status_and_cancel(client, known):
    assert "没有进行中" in replies(text_line(client, MOBILE, "进度"))[0]
    text_line(client, MOBILE, "马桶堵了")
    [ticket] = tickets()
    status = replies(text_line(client, MOBILE, "【进度】"))[0]
    assert ticket.code in status and "待人工安排" in status
    cancelled = replies(text_line(client, MOBILE, "取消"))[0]
    assert ticket.code in cancelled
    db.session.refresh(ticket)
    assert ticket.status == TicketStatus.cancelled
    assert [e.kind for e in ticket.events] == ["received", "dispatch", "no_taker", "cancel"]


def test_cancel_with_several_open_tickets_asks_which(client, known, clock):
    text_line(client, MOBILE, "马桶堵了")
    clock.advance(hours=3)
    text_line(client, MOBILE, "灯泡坏了")
    first, second = tickets()
    question = replies(text_line(client, MOBILE, "取消"))[0]
    assert first.code in question and second.code in question
    assert all(t.status == TicketStatus.unassigned for t in tickets())
    replies(text_line(client, MOBILE, f"取消 {first.code}"))
    db.session.expire_all()
    assert [t.status for t in tickets()] == [TicketStatus.cancelled, TicketStatus.unassigned]


def test_stop_silences_the_number_until_start(client, ctx):
    assert "退订" in replies(text_line(client, MOBILE, "退订"))[0]
    response = text_line(client, MOBILE, "灯泡坏了")
    assert replies(response) == []  # the report is taken, but nothing is texted back
    assert len(tickets()) == 1
    suppressed = db.session.scalar(
        select(func.count()).where(Message.status == MessageStatus.suppressed)
    )
    assert suppressed == 1
    assert replies(text_line(client, MOBILE, "START"))
    assert replies(text_line(client, MOBILE, "HELP"))


def test_a_repeated_delivery_changes_nothing(client, ctx):
    first = text_line(client, MOBILE, "灯泡坏了", sid="SM" + "a" * 32)
    again = text_line(client, MOBILE, "灯泡坏了", sid="SM" + "a" * 32)
    assert len(replies(first)) == 1 and replies(again) == []
    assert len(tickets()) == 1


def test_unsigned_and_malformed_requests(client, ctx):
    assert client.post("/twilio/sms", data={"From": MOBILE, "Body": "x"}).status_code == 403
    from tests.support.texting import post_signed

    assert post_signed(client, "/twilio/sms", {"Body": "no sender"}).status_code == 400
    assert len(tickets()) == 0


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("外墙漏水", "房屋修缮"),
        ("电视没图像", "家电维修"),
        ("小区3栋外墙漏水，家里墙面发霉", "房屋修缮"),
    ],
)
def test_the_specific_word_wins_in_the_reply(client, known, text, name):
    [reply] = replies(text_line(client, MOBILE, text))
    assert name in reply
