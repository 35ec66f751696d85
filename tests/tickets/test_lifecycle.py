"""Every (status, move) pair: legal moves land where the table says and write one event;
illegal ones raise IllegalTransition and leave the row exactly as it was."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from app.db import db
from app.tickets.lifecycle import TRANSITIONS, IllegalTransition, Move, transition
from app.tickets.models import Channel, Ticket, TicketEvent, TicketStatus
from tests.support.closure import STAFF


def ticket_in(status: TicketStatus) -> Ticket:
    ticket = Ticket(code="100001", channel=Channel.sms, category_code="other", status=status)
    db.session.add(ticket)
    db.session.commit()
    return ticket


def event_count() -> int:
    return db.session.scalar(select(func.count()).select_from(TicketEvent))


@pytest.mark.parametrize("move", list(Move))
@pytest.mark.parametrize("status", list(TicketStatus))
def test_every_status_and_move(ctx, status, move):
    ticket = ticket_in(status)
    sources, target = TRANSITIONS[move]
    if status in sources:
        event = transition(ticket, move, STAFF, reason="test")
        db.session.commit()
        assert ticket.status == target and event.to_status == target
        assert (event.from_status, event.kind) == (status, move.value)
        assert event_count() == 1
        return
    before = ticket.updated_at
    with pytest.raises(IllegalTransition):
        transition(ticket, move, STAFF)
    db.session.commit()
    db.session.expire_all()
    assert ticket.status == status and ticket.updated_at == before
    assert (ticket.resolved_at, ticket.closed_at, ticket.escalated_at) == (None, None, None)
    assert event_count() == 0
