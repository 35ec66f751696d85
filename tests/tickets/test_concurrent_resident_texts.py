"""A resident's phone resends a command a dozen times at once (new message ids each time): it
takes effect once and every copy is answered, never with a server error."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from app.db import db
from app.messaging.models import OptOut
from app.tickets.models import EventKind, Ticket, TicketEvent, TicketStatus
from tests.support.closure import MOBILE, report, resident, street
from tests.support.crowd import texts_at_once
from tests.support.texting import replies

TEXTS = 12


@pytest.fixture
def known(ctx, clock) -> None:
    """MOBILE is a resident of the street (committed; the test's session closed)."""
    community, _ = street()
    resident(community)
    db.session.commit()


def sent_at_once(app, body: str):
    db.session.remove()
    responses = texts_at_once(app, TEXTS, MOBILE, body)
    assert [r.status_code for r in responses] == [200] * TEXTS
    return responses


def test_cancel_twelve_times_at_once_cancels_once(app, client, known):
    ticket = report(client, MOBILE, "楼道灯坏了")

    responses = sent_at_once(app, "取消")

    cancels = db.session.scalar(select(func.count()).where(TicketEvent.kind == EventKind.cancel))
    assert cancels == 1
    assert db.session.get(type(ticket), ticket.id).status == TicketStatus.cancelled
    said = [replies(r)[0] for r in responses]
    assert said.count(f"【580】求助{ticket.code}已撤销。如仍需帮助请再发短信。") == 1


def test_stop_twelve_times_at_once_opts_out_once(app, known):
    sent_at_once(app, "STOP")

    assert db.session.scalars(select(OptOut.phone)).all() == [MOBILE]


def test_a_problem_sent_twelve_times_at_once_opens_one_ticket(app, known):
    """The resident's phone resends a new problem: one ticket, the copies added to it."""
    sent_at_once(app, "洗衣机坏了，转几下就不动了")

    assert db.session.scalar(select(func.count()).select_from(Ticket)) == 1
    added = db.session.scalar(select(func.count()).where(TicketEvent.kind == EventKind.info_added))
    assert added == TEXTS - 1
