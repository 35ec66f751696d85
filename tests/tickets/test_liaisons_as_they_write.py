"""Department liaisons and partner units texting as they do, through the signed SMS webhook: a
second 已处理 for a ticket already answered, a late 退回, the same words for a task the unit took
from dispatch. None of them may open a request at the liaison's own number."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from app.db import db
from app.tickets.models import Ticket, TicketStatus
from tests.support.closure import LIAISON_PHONE, event_kinds
from tests.support.texting import replies, text_line
from tests.tickets.test_escalation import escalated
from tests.volunteers import factories as f


def ticket_count() -> int:
    return db.session.scalar(select(func.count()).select_from(Ticket))


@pytest.mark.parametrize("late", ["已处理", "已处理 已安排电工更换", "退回 不归我们管", "退回"])
def test_a_liaisons_word_after_the_ticket_was_answered_opens_nothing(client, ctx, clock, late):
    ticket, _ = escalated(client, clock)
    assert ticket.code in replies(text_line(client, LIAISON_PHONE, "已处理"))[0]
    clock.advance(minutes=5)
    [answer] = replies(text_line(client, LIAISON_PHONE, late))
    assert "地址" not in answer and "已收到您的求助" not in answer
    assert ticket_count() == 1
    db.session.expire_all()
    assert ticket.status == TicketStatus.resolved
    assert event_kinds(ticket)[-1] == "resolve"


def test_a_partner_unit_answers_its_dispatch_task_with_the_liaisons_words(client, ctx, clock):
    home = f.community()
    f.resident(home)
    f.unit()
    text_line(client, f.RESIDENT, "楼下垃圾堆放好几天了")
    assert "由您负责" in replies(text_line(client, "13900000009", "接"))[0]
    [answer] = replies(text_line(client, "13900000009", "已处理 已清运"))
    assert "完成" in answer
    db.session.expire_all()
    ticket = f.only_ticket()
    assert ticket.status == TicketStatus.resolved
    assert ticket.events[-1].data["note"] == "已清运"
    assert ticket_count() == 1
