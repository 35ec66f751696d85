"""Urgent means now, replayed through the signed SMS webhook: the right advice to the resident,
staff on duty and the community office texted at once, urgent offers, and look-alikes that are
ordinary repairs."""

from __future__ import annotations

import pytest

from app.db import db
from app.messaging.models import Message
from app.tickets.models import Priority
from app.voice.roster import set_shift
from tests.support.texting import replies, text_line
from tests.volunteers import factories as f
from tests.volunteers.factories import RESIDENT, offers, only_ticket, sent_to

DUTY_PHONE = "+8613900003001"
OFFICE_PHONE = "+8613900002001"  # the community's staff phone in the factories


@pytest.fixture
def street(ctx, clock):
    """Wednesday 10:00: one person on duty, a community office, a resident, three volunteers."""
    home = f.neighbourhood(skills=("appliance", "building", "plumbing", "other"))
    set_shift(db.session, "张主任", DUTY_PHONE, "Mon-Fri 08:30-17:30", "CN")
    db.session.commit()
    return home


@pytest.mark.parametrize(
    ("text", "advice", "hazard"),
    [
        ("厨房有煤气味，打我电话13800138000", ["开窗", "119", "燃气公司"], "燃气"),
        ("洗衣机冒烟了", ["119", "楼梯"], "火情"),
        ("我妈在3栋2单元401摔倒起不来", ["120"], "伤病"),
        ("楼上水管爆了，水一直往我家流，到处都是水", ["总水阀", "插座"], "漏水淹水"),
    ],
)
def test_danger_gets_advice_staff_at_once_and_urgent_offers(client, street, text, advice, hazard):
    [reply] = replies(text_line(client, RESIDENT, text))
    assert all(words in reply for words in advice), reply
    ticket = only_ticket()
    assert ticket.priority == Priority.urgent
    for phone in (DUTY_PHONE, OFFICE_PHONE):
        [alert] = sent_to(phone, "staff_urgent")
        assert ticket.code in alert.body and hazard in alert.body
        assert "138 0013 8000" in alert.body  # staff may call the resident at once
    sent = [db.session.get(Message, o.message_id) for o in offers()]
    assert sent and all(m.template == "offer_urgent" and "紧急" in m.body for m in sent)
    for message in sent:  # the resident's words, with no phone number or flat number
        words = message.body.replace(ticket.code, "")  # a random code may hold "401"
        assert "13800138000" not in words and "401" not in words
    assert "urgent_alert" in [e.kind for e in ticket.events]


@pytest.mark.parametrize(
    "text",
    [
        "热水器打不着火",
        "燃气灶点不着火了",
        "电视不冒烟，就是没图像",
        "楼道灯不亮，老人怕摔倒",
        "水龙头一直滴水",
    ],
)
def test_look_alikes_are_ordinary_repairs(client, street, text):
    [reply] = replies(text_line(client, RESIDENT, text))
    ticket = only_ticket()
    advice = reply.replace(ticket.code, "")  # a code such as 491204 holds "120" by chance
    assert "119" not in advice and "120" not in advice
    assert ticket.priority == Priority.normal
    assert sent_to(DUTY_PHONE) == [] and sent_to(OFFICE_PHONE, "staff_urgent") == []
    assert all(db.session.get(Message, o.message_id).template == "offer" for o in offers())


def test_danger_in_a_follow_up_text_makes_the_open_ticket_urgent(client, street, clock):
    text_line(client, RESIDENT, "热水器打不着火")
    clock.advance(minutes=20)
    [reply] = replies(text_line(client, RESIDENT, "现在闻到好大的煤气味"))
    ticket = only_ticket()
    assert ticket.priority == Priority.urgent
    assert len(sent_to(DUTY_PHONE, "staff_urgent")) == 1
    assert ticket.code in reply and "开窗" in reply  # the gas advice, not only "added"


def test_another_danger_on_an_urgent_ticket_alerts_staff_again(client, street, clock):
    """Gas first, then someone falls: staff hear of the fall too; the gas said again is no news."""
    text_line(client, RESIDENT, "厨房有煤气味")
    clock.advance(minutes=5)
    text_line(client, RESIDENT, "煤气味越来越大了")
    assert len(sent_to(DUTY_PHONE, "staff_urgent")) == 1
    clock.advance(minutes=5)
    [reply] = replies(text_line(client, RESIDENT, "我妈摔倒起不来了"))
    assert "120" in reply.replace(only_ticket().code, "")
    alerts = sent_to(DUTY_PHONE, "staff_urgent")
    assert len(alerts) == 2 and "紧急（伤病）" in alerts[-1].body


def test_offers_carry_the_residents_words(client, street):
    text_line(client, RESIDENT, "洗衣机转几下就不动了，我在3栋2单元401，电话023-61520695")
    [first, *_] = [db.session.get(Message, o.message_id) for o in offers()]
    assert first.template == "offer"
    assert "洗衣机转几下就不动了" in first.body
    assert "2单元401" not in first.body and "61520695" not in first.body
