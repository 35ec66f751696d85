"""A fixed problem that comes back ("灯还是不亮" two days after the bulb was changed) reopens the
ticket that fixed it, through the signed SMS webhook and the worker's job, instead of opening a
second request for the same light."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.db import db
from app.surveys.models import FollowUp
from app.tickets.models import Priority, Ticket, TicketStatus
from tests.support.closure import event_kinds, sweep
from tests.support.texting import replies, text_line
from tests.volunteers import factories as f
from tests.volunteers.factories import RESIDENT, offers, texter

LIGHT = "楼道灯不亮了"


@pytest.fixture
def street(ctx, clock):
    return f.neighbourhood(skills=("electrical", "plumbing"))


def say(client, body: str, sender: str = RESIDENT) -> list[str]:
    return replies(text_line(client, sender, body))


def tickets() -> list[Ticket]:
    db.session.expire_all()
    return list(db.session.scalars(select(Ticket).order_by(Ticket.id)))


def fixed(client, problem: str = LIGHT) -> Ticket:
    """`problem` reported, taken by the first volunteer offered it and reported done."""
    say(client, problem)
    helper = texter(offers()[-1].volunteer_id)
    say(client, "1", helper)
    say(client, "完成 换了灯泡", helper)
    [ticket] = [t for t in tickets() if t.status is TicketStatus.resolved]
    return ticket


@pytest.mark.parametrize("words", ["灯还是不亮，刚才亮了一下又灭了", "又坏了", "still not working"])
def test_the_problem_back_within_days_reopens_its_ticket_and_dispatches_it(
    client, street, clock, words
):
    ticket = fixed(client)
    offered_before = len(offers())
    clock.advance(days=2)
    [answer] = say(client, words)
    [again] = tickets()  # no second request for the same light
    assert again.id == ticket.id
    assert ticket.code in answer and ("重新安排" in answer or "again" in answer)
    assert again.status is TicketStatus.dispatching  # the worker's job offered it at once
    assert again.assignee_id is None
    assert len(offers()) > offered_before
    assert words in again.description
    kinds = event_kinds(again)
    assert kinds[kinds.index("reopen") - 1] == "info_added" and kinds[-1] == "offers_sent"


def test_it_reopens_while_another_kind_of_request_is_open(client, street, clock):
    ticket = fixed(client)
    clock.advance(hours=2)
    say(client, "厨房水管漏水")  # open: a plumbing request
    [answer] = say(client, "楼道灯又不亮了")
    light, water = tickets()
    assert light.id == ticket.id and light.status is TicketStatus.dispatching
    assert ticket.code in answer and "又不亮" not in water.description


def test_a_week_later_it_is_a_new_request(client, street, clock):
    ticket = fixed(client)
    clock.advance(days=8)
    [answer] = say(client, "楼道灯又不亮了")
    first, second = tickets()
    assert first.id == ticket.id and first.status is TicketStatus.resolved
    assert second.code in answer and second.category_code == "electrical"


def test_another_kind_of_problem_is_a_new_request(client, street, clock):
    fixed(client)
    clock.advance(hours=3)
    say(client, "厨房水管又漏水了")
    first, second = tickets()
    assert first.status is TicketStatus.resolved
    assert second.category_code == "plumbing"


def test_danger_is_a_new_urgent_request_even_if_the_same_kind_was_fixed(client, street, clock):
    fixed(client, "插座不通电")
    clock.advance(hours=3)
    say(client, "插座又冒烟了")
    first, second = tickets()
    assert first.status is TicketStatus.resolved
    assert second.priority is Priority.urgent


def test_a_closed_ticket_reopens_too(client, street, clock):
    ticket = fixed(client)
    clock.advance(minutes=61)
    sweep()  # the survey goes out
    say(client, "满意")
    assert tickets()[0].status is TicketStatus.closed
    clock.advance(days=1)
    [answer] = say(client, "楼道灯还是不亮")
    [again] = tickets()
    assert again.id == ticket.id and again.status is TicketStatus.dispatching
    assert ticket.code in answer


def test_during_a_return_visit_the_words_go_to_it(client, street, clock):
    ticket = fixed(client)
    clock.advance(minutes=61)
    sweep()
    say(client, "不满意")  # the survey's answer: staff owe a return visit
    assert db.session.scalars(select(FollowUp)).one()
    clock.advance(hours=2)
    [answer] = say(client, "灯还是不亮")
    [again] = tickets()
    assert again.status is TicketStatus.return_visit
    assert "灯还是不亮" in again.description and ticket.code in answer
    assert "补充" in answer
