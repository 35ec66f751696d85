"""The holder's phone resends a progress word a dozen times at once (new message ids each time):
the move happens once, the volunteer's counters change once, and every text is answered."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from app.db import db
from app.tickets.models import EventKind, TicketEvent, TicketStatus
from app.volunteers.models import Offer, Volunteer
from tests.support.crowd import texts_at_once
from tests.support.texting import replies, text_line
from tests.volunteers import factories as f
from tests.volunteers.factories import RESIDENT, offers, only_ticket, texter

TEXTS = 12


@pytest.fixture
def holder(app, client, ctx, clock) -> str:
    """The phone of the volunteer holding the resident's ticket."""
    home = f.community()
    f.resident(home)
    for n in range(1, 5):
        f.volunteer(n, home)
    text_line(client, RESIDENT, "洗衣机坏了，转几下就不动了")
    phone = texter(offers()[0].volunteer_id)
    text_line(client, phone, "1")
    db.session.remove()
    return phone


def texted_at_once(app, phone: str, body: str) -> list[str]:
    responses = texts_at_once(app, TEXTS, phone, body)
    assert [r.status_code for r in responses] == [200] * TEXTS
    return [replies(r)[0] for r in responses]


def count(kind: EventKind) -> int:
    return db.session.scalar(select(func.count()).where(TicketEvent.kind == kind))


def the_volunteer(phone: str) -> Volunteer:
    return db.session.scalar(select(Volunteer).where(Volunteer.phone == "+86" + phone[-11:]))


def test_done_twelve_times_at_once_resolves_once(app, holder):
    answers = texted_at_once(app, holder, "完成 换了皮带")

    volunteer = the_volunteer(holder)
    assert (count(EventKind.resolve), volunteer.completions, volunteer.active_tasks) == (1, 1, 0)
    assert only_ticket().status == TicketStatus.resolved
    assert sum("完成" in a for a in answers) >= 1


def test_drop_twelve_times_at_once_gives_it_back_once(app, holder):
    texted_at_once(app, holder, "放弃 去不了了")

    volunteer = the_volunteer(holder)
    assert (count(EventKind.release), volunteer.drops, volunteer.active_tasks) == (1, 1, 0)
    ticket = only_ticket()
    assert ticket.status == TicketStatus.dispatching
    rounds = db.session.scalars(select(Offer.round).where(Offer.ticket_id == ticket.id)).all()
    assert max(rounds) == 2 and count(EventKind.dispatch) == 2


def test_on_the_way_twelve_times_at_once_starts_once(app, holder):
    texted_at_once(app, holder, "出发")

    assert count(EventKind.start) == 1
    assert only_ticket().status == TicketStatus.in_progress
