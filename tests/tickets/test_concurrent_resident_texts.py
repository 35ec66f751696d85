"""A resident's phone resends a command a dozen times at once (new message ids each time): it
takes effect once and every copy is answered, never with a server error."""

from __future__ import annotations

from sqlalchemy import func, select

from app.db import db
from app.messaging.models import OptOut
from app.tickets.models import EventKind, Ticket, TicketEvent, TicketStatus
from tests.support.closure import MOBILE, report, resident, street
from tests.support.crowd import texts_at_once
from tests.support.texting import replies

TEXTS = 12


def test_cancel_twelve_times_at_once_cancels_once(app, client, ctx, clock):
    community, _ = street()
    resident(community)
    ticket = report(client, MOBILE, "楼道灯坏了")
    db.session.remove()

    responses = texts_at_once(app, TEXTS, MOBILE, "取消")

    assert [r.status_code for r in responses] == [200] * TEXTS
    cancels = db.session.scalar(select(func.count()).where(TicketEvent.kind == EventKind.cancel))
    assert cancels == 1
    assert db.session.get(type(ticket), ticket.id).status == TicketStatus.cancelled
    said = [replies(r)[0] for r in responses]
    assert said.count(f"【580】求助{ticket.code}已撤销。如仍需帮助请再发短信。") == 1


def test_stop_twelve_times_at_once_opts_out_once(app, client, ctx, clock):
    community, _ = street()
    resident(community)
    db.session.commit()
    db.session.remove()

    responses = texts_at_once(app, TEXTS, MOBILE, "STOP")

    assert [r.status_code for r in responses] == [200] * TEXTS
    assert db.session.scalars(select(OptOut.phone)).all() == [MOBILE]


def test_a_problem_sent_twelve_times_at_once_opens_one_ticket(app, client, ctx, clock):
    """The resident's phone resends a new problem: one ticket, the copies added to it."""
    community, _ = street()
    resident(community)
    db.session.commit()
    db.session.remove()

    responses = texts_at_once(app, TEXTS, MOBILE, "洗衣机坏了，转几下就不动了")

    assert [r.status_code for r in responses] == [200] * TEXTS
    assert db.session.scalar(select(func.count()).select_from(Ticket)) == 1
    added = db.session.scalar(select(func.count()).where(TicketEvent.kind == EventKind.info_added))
    assert added == TEXTS - 1
